// staff_reply.cpp - see staff_reply.hpp.
#include "core/compose/staff_reply.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "core/base/address.hpp"
#include "core/base/template.hpp"
#include "core/compose/mail_parts.hpp"
#include "core/mail/header_encoding.hpp"
#include "core/model/token.hpp"
#include "core/policy/classify.hpp"
#include "core/policy/threading.hpp"

namespace deskgate {
namespace {

bool own_or_staff(const Config& config, const std::string& address) {
    if (config.queue_by_address.contains(address) || config.staff_by_address.contains(address)) return true;
    const auto plus = split_plus_address(address);
    return plus && config.queue_by_address.contains(plus->base);
}

TemplateLookup reply_lookup(const StaffReplyInput& in) {
    return [&in](std::string_view name) -> std::optional<std::string> {
        const Ticket& t = *in.ticket;
        const TicketEntry* last = in.last_customer;
        if (name == "reply.text") return in.text;
        if (name == "user.alias") return in.staff->alias;
        if (name == "user.name") return in.staff->name.empty() ? in.staff->alias : in.staff->name;
        if (name == "ticket.number") return to_string(t.key);
        if (name == "ticket.subject") return t.subject;
        if (name == "ticket.status") return std::string(to_string(t.status));
        if (name == "ticket.tag") return subject_tag(*in.queue, t.key);
        if (name == "queue.title" || name == "queue.name") return in.queue->name;
        if (name == "queue.number") return std::to_string(in.queue->number);
        if (name == "queue.address") return in.queue->system_address;
        if (const Customer* c = in.config->customer_by_id(t.customer_id); c && name.starts_with("customer."))
            return name == "customer.name" ? c->name : c->id;
        if (!last || !in.queue->reply_quote) return std::nullopt;
        if (name == "message.quote") return quote_text(last->text_body);
        if (name == "message.body") return last->text_body;
        if (name == "message.from") return last->from_address;
        if (name == "message.attribution")
            return fmt::format("On {}, {} wrote:", rfc5322_date(last->received),
                               last->from_name.empty() ? last->from_address
                                                       : fmt::format("{} <{}>", last->from_name, last->from_address));
        return std::nullopt;
    };
}

}  // namespace

std::vector<std::string> staff_reply_recipients(const Config& config, const Ticket& ticket) {
    std::vector<std::string> out;
    auto add = [&](const std::string& a) {
        if (a.empty() || own_or_staff(config, a)) return;
        if (std::find(ticket.undeliverable.begin(), ticket.undeliverable.end(), a) != ticket.undeliverable.end()) return;
        if (std::find(out.begin(), out.end(), a) == out.end()) out.push_back(a);
    };
    add(ticket.opener);
    for (const std::string& p : ticket.participants) add(p);
    return out;
}

std::string staff_reply_message_id(const Config& config, TicketKey ticket, std::string_view staff_message_id) {
    const std::string data = fmt::format("staff-reply:{}:{}", to_string(ticket), staff_message_id);
    return fmt::format("reply.{}.{}@{}", to_string(ticket), hmac_sha256_hex(config.global.secret, data).substr(0, 20),
                       config.global.hostname);
}

std::string staff_reply_body(const StaffReplyInput& in) {
    const TemplateLookup lookup = reply_lookup(in);
    const std::string& tmpl = in.queue->reply_template.empty() ? std::string(kDefaultReplyTemplate) : in.queue->reply_template;
    std::string body = render_template(tmpl, lookup, TemplateContext::Text);
    while (!body.empty() && (body.back() == '\n' || body.back() == ' ')) body.pop_back();
    body += "\n";
    if (!in.queue->signature.empty()) body += "\n" + render_template(in.queue->signature, lookup, TemplateContext::Text) + "\n";
    return body;
}

std::string build_staff_reply(const StaffReplyInput& in) {
    const Config& config = *in.config;
    const Queue& queue = *in.queue;
    const Ticket& t = *in.ticket;
    const TemplateLookup lookup = reply_lookup(in);
    const std::string display = render_template(queue.display_name_template, lookup, TemplateContext::Header);
    const std::string reply_to = config.global.secret.empty()
                                     ? queue.reply_to
                                     : plus_address(queue.reply_to, make_reply_token(config.global.secret, t.key));
    const std::string tag = subject_tag(queue, t.key);
    std::string subject = t.subject.find(tag) == std::string::npos ? fmt::format("{} {}", t.subject, tag) : t.subject;
    subject = "Re: " + subject;

    std::string out;
    out += fmt::format("From: {}\r\n", format_mailbox(display, queue.sender_address));
    out += fmt::format("Reply-To: <{}>\r\n", reply_to);
    if (!in.recipients.empty()) out += fmt::format("To: <{}>\r\n", in.recipients.front());
    if (in.recipients.size() > 1) {
        std::string cc;
        for (std::size_t i = 1; i < in.recipients.size(); ++i) cc += fmt::format("{}<{}>", i > 1 ? ", " : "", in.recipients[i]);
        out += fmt::format("Cc: {}\r\n", cc);
    }
    out += fmt::format("Subject: {}\r\n", encode_header_text(subject));
    out += fmt::format("Date: {}\r\n", rfc5322_date(in.now));
    out += fmt::format("Message-ID: <{}>\r\n", in.message_id);
    if (in.last_customer && !in.last_customer->message_id.empty()) {
        out += fmt::format("In-Reply-To: <{}>\r\n", in.last_customer->message_id);
        out += fmt::format("References: <{}>\r\n", in.last_customer->message_id);
    }
    out += fmt::format("{}: {}\r\n", kLoopHeader, config.global.hostname);
    out += fmt::format("X-Deskgate-Ticket: {}\r\n", to_string(t.key));
    std::vector<OutgoingAttachment> attached;
    if (in.attachments && in.attachment_contents && in.attachment_contents->size() == in.attachments->size())
        for (std::size_t i = 0; i < in.attachments->size(); ++i)
            attached.push_back({&(*in.attachments)[i], (*in.attachment_contents)[i]});
    out += mime_body(staff_reply_body(in), attached, in.message_id);
    return out;
}

}  // namespace deskgate
