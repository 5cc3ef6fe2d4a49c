// close_summary.cpp - see close_summary.hpp.
#include "core/compose/close_summary.hpp"

#include <fmt/format.h>

#include "core/base/address.hpp"
#include "core/policy/classify.hpp"
#include "core/mail/header_encoding.hpp"
#include "core/base/template.hpp"
#include "core/policy/threading.hpp"
#include "core/model/token.hpp"

namespace deskgate {

std::string close_summary_message_id(const Config& config, TicketKey ticket, std::int64_t closed_at) {
    const std::string which = fmt::format("{}.{}", to_string(ticket), closed_at);
    return fmt::format("summary.{}.{}@{}", which, hmac_sha256_hex(config.global.secret, "summary:" + which).substr(0, 16),
                       config.global.hostname);
}

std::string build_close_summary(const Config& config, const Queue& queue, const Ticket& ticket,
                                const std::vector<TicketEntry>& entries, const Customer* customer, std::int64_t now) {
    const std::string tag = subject_tag(queue, ticket.key);
    auto lookup = [&](std::string_view name) -> std::optional<std::string> {
        if (name == "ticket.number") return to_string(ticket.key);
        if (name == "ticket.subject") return ticket.subject;
        if (name == "ticket.tag") return tag;
        if (name == "ticket.status") return std::string(to_string(ticket.status));
        if (name == "queue.title" || name == "queue.name") return queue.name;
        if (name == "queue.number") return std::to_string(queue.number);
        if (name == "queue.address") return queue.system_address;
        if (name == "customer.name") return customer ? customer->name : std::string();
        if (name == "customer.id") return customer ? customer->id : std::string();
        if (name == "user.alias") return ticket.assignee;
        return std::nullopt;
    };
    std::string body = fmt::format("Your request \"{}\" ({}) is closed. The whole correspondence:\n", ticket.subject, tag);
    for (const TicketEntry& e : entries) {
        if (e.kind != EntryKind::Message) continue;  // internal notes and referrals stay inside
        body += fmt::format("\n--- {} {} ({})\n{}\n", rfc5322_date(e.received), e.from_name.empty() ? e.from_address : e.from_name,
                            e.direction == Direction::Outbound ? "helpdesk" : "you", e.text_body);
    }
    if (!queue.nps_template.empty()) body += "\n" + render_template(queue.nps_template, lookup, TemplateContext::Text) + "\n";
    if (!queue.signature.empty()) body += "\n" + render_template(queue.signature, lookup, TemplateContext::Text) + "\n";
    // An answer to the summary threads into the ticket, like an answer to the acknowledgement.
    const std::string reply_to = config.global.secret.empty()
                                     ? queue.reply_to
                                     : plus_address(queue.reply_to, make_reply_token(config.global.secret, ticket.key));
    std::string out;
    out += fmt::format("From: {}\r\n", format_mailbox(queue.name, queue.sender_address));
    out += fmt::format("Reply-To: {}\r\n", reply_to);
    out += fmt::format("To: <{}>\r\n", ticket.opener);
    out += fmt::format("Subject: {}\r\n", encode_header_text(fmt::format("Closed: {} {}", ticket.subject, tag)));
    out += fmt::format("Date: {}\r\n", rfc5322_date(now));
    out += fmt::format("Message-ID: <{}>\r\n", close_summary_message_id(config, ticket.key, now));
    out += "Auto-Submitted: auto-generated\r\n";
    out += fmt::format("{}: {}\r\n", kLoopHeader, config.global.hostname);
    out += "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n";
    return out + to_crlf(body);
}

}  // namespace deskgate
