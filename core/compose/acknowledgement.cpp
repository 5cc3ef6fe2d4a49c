// acknowledgement.cpp - see acknowledgement.hpp.
#include "core/compose/acknowledgement.hpp"

#include <fmt/format.h>

#include "core/base/address.hpp"
#include "core/compose/mail_parts.hpp"
#include "core/policy/classify.hpp"
#include "core/policy/generated_limit.hpp"
#include "core/mail/header_encoding.hpp"
#include "core/base/template.hpp"
#include "core/policy/threading.hpp"
#include "core/model/token.hpp"
#include "core/base/wildcard.hpp"

namespace deskgate {

std::string acknowledgement_recipient(const ParsedMessage& m, std::string_view envelope_sender) {
    if (!m.reply_to.empty() && !m.reply_to.front().address.empty()) return m.reply_to.front().address;
    if (m.from && !m.from->address.empty()) return m.from->address;
    return normalize_address(envelope_sender);
}

std::string acknowledgement_suppressed(const Config& config, const Queue& queue, const ParsedMessage& m,
                                       std::string_view envelope_sender_raw, std::size_t generated_last_hour) {
    const std::string envelope_sender = normalize_address(envelope_sender_raw);
    if (envelope_sender.empty()) return "null sender";
    const std::string recipient = acknowledgement_recipient(m, envelope_sender);
    if (recipient.empty()) return "no address to answer";
    // Exception patterns, checked on From and on Reply-To.
    for (const std::string& pattern : queue.autoreply_exceptions) {
        if (m.from && address_pattern_match(pattern, m.from->address))
            return fmt::format("From {} matches exception {}", m.from->address, pattern);
        for (const Mailbox& r : m.reply_to)
            if (address_pattern_match(pattern, r.address))
                return fmt::format("Reply-To {} matches exception {}", r.address, pattern);
    }
    if (is_automated_local_part(recipient)) return fmt::format("automated address {}", recipient);
    if (const std::string why = automated_reason(m, envelope_sender); !why.empty()) return why;
    if (m.header(kLoopHeader)) return fmt::format("{} present: our own mail", kLoopHeader);
    if (config.queue_by_address.contains(recipient)) return "the recipient is one of our own addresses";
    if (auto plus = split_plus_address(recipient); plus && config.queue_by_address.contains(plus->base))
        return "the recipient is one of our own addresses";
    return generated_limit_reached(generated_limit(config, "ack", recipient), recipient, generated_last_hour);
}

const std::string& acknowledgement_template(const Queue& queue, bool in_hours) {
    return in_hours ? queue.ack_in_hours : queue.ack_after_hours;
}

std::string acknowledgement_message_id(const Config& config, TicketKey ticket) {
    const std::string sig = hmac_sha256_hex(config.global.secret, "ack:" + to_string(ticket)).substr(0, 16);
    return fmt::format("ack.{}.{}@{}", to_string(ticket), sig, config.global.hostname);
}

std::string build_acknowledgement(const AcknowledgementInput& in) {
    const Config& config = *in.config;
    const Queue& queue = *in.queue;
    const Ticket& ticket = *in.ticket;
    const ParsedMessage& original = *in.original;
    const std::string tag = subject_tag(queue, ticket.key);
    auto lookup = [&](std::string_view name) -> std::optional<std::string> {
        if (name == "ticket.number") return to_string(ticket.key);
        if (name == "ticket.subject") return ticket.subject;
        if (name == "ticket.created") return rfc5322_date(ticket.created);
        if (name == "ticket.status") return std::string(to_string(ticket.status));
        if (name == "ticket.tag") return tag;
        if (name == "queue.title" || name == "queue.name") return queue.name;
        if (name == "queue.number") return std::to_string(queue.number);
        if (name == "queue.address") return queue.system_address;
        if (name == "customer.name") return in.customer ? in.customer->name : std::string();
        if (name == "customer.id") return in.customer ? in.customer->id : std::string();
        if (name == "user.alias") return ticket.assignee;
        if (name == "message.body") return original.text_body;
        if (name == "message.quote") return quote_text(original.text_body);
        if (name == "message.from") return original.from ? original.from->address : std::string();
        if (name == "attachments") {
            std::string list;
            for (const Attachment& a : original.attachments)
                list += fmt::format("- {} ({} bytes)\n", a.filename.empty() ? "(unnamed)" : a.filename, a.size);
            return list;
        }
        if (name == "deadline.reaction") return ticket.reaction_due ? rfc5322_date(ticket.reaction_due) : std::string();
        if (name == "deadline.resolution") return ticket.resolution_due ? rfc5322_date(ticket.resolution_due) : std::string();
        return std::nullopt;
    };
    std::string body = render_template(acknowledgement_template(queue, in.in_hours), lookup, TemplateContext::Text);
    if (!queue.signature.empty())
        body += "\n" + render_template(queue.signature, lookup, TemplateContext::Text) + "\n";

    const std::string display = render_template(queue.display_name_template, lookup, TemplateContext::Header);
    const std::string reply_to = config.global.secret.empty()
                                     ? queue.reply_to
                                     : plus_address(queue.reply_to, make_reply_token(config.global.secret, ticket.key));
    std::string references;
    for (const std::string& r : original.references) references += fmt::format("<{}> ", r);
    references += fmt::format("<{}>", original.message_id);
    const std::string subject = original.subject.empty() ? tag : fmt::format("Re: {} {}", original.subject, tag);

    std::string out;
    out += fmt::format("From: {}\r\n", format_mailbox(display, queue.sender_address));
    out += fmt::format("Reply-To: {}\r\n", reply_to);
    out += fmt::format("To: <{}>\r\n", in.recipient);
    out += fmt::format("Subject: {}\r\n", encode_header_text(subject));
    out += fmt::format("Date: {}\r\n", rfc5322_date(in.now));
    out += fmt::format("Message-ID: <{}>\r\n", acknowledgement_message_id(config, ticket.key));
    out += fmt::format("In-Reply-To: <{}>\r\n", original.message_id);
    out += fmt::format("References: {}\r\n", references);
    out += "Auto-Submitted: auto-replied\r\n";
    out += "X-Auto-Response-Suppress: All\r\n";
    out += fmt::format("{}: {}\r\n", kLoopHeader, config.global.hostname);
    out += fmt::format("X-Deskgate-Ticket: {}\r\n", to_string(ticket.key));
    out += "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n";
    out += to_crlf(body);
    return out;
}

}  // namespace deskgate
