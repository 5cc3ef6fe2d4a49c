// notification.cpp - see notification.hpp.
#include "core/compose/notification.hpp"

#include <fmt/format.h>

#include "core/base/address.hpp"
#include "core/compose/mail_parts.hpp"
#include "core/mail/header_encoding.hpp"
#include "core/mail/reply_text.hpp"
#include "core/model/token.hpp"
#include "core/policy/classify.hpp"
#include "core/policy/threading.hpp"
#include "core/store/view.hpp"

namespace deskgate {
namespace {

bool works_in(const Staff& staff, std::uint32_t queue) {
    for (std::uint32_t q : staff.queues)
        if (q == queue) return true;
    return false;
}

std::string person(std::string_view name, std::string_view address) {
    if (name.empty()) return std::string(address);
    if (address.empty()) return std::string(name);
    return fmt::format("{} <{}>", name, address);
}

std::string default_headline(const NotificationInput& in) {
    const std::string key = to_string(in.ticket->key);
    const TicketEntry* e = in.entry;
    const std::string who = e ? person(e->from_name, e->from_address) : std::string();
    switch (in.event) {
    case NotifyEvent::NewTicket: return fmt::format("New ticket {} from {}", key, who);
    case NotifyEvent::CustomerReply: return fmt::format("{} replied in ticket {}", who, key);
    case NotifyEvent::StaffNote: return fmt::format("Internal note by {} in ticket {}", who, key);
    case NotifyEvent::ApprovalGranted: return fmt::format("The request in ticket {} was approved by {}", key, who);
    case NotifyEvent::DeadlineWarning: return fmt::format("A deadline of ticket {} is close", key);
    case NotifyEvent::DeadlineMissed: return fmt::format("A deadline of ticket {} was missed", key);
    }
    return key;
}

std::string due_text(std::int64_t due) { return due ? rfc5322_date(due) : std::string("-"); }

// The short block a staff member reads first.
std::string summary_block(const NotificationInput& in) {
    const Ticket& t = *in.ticket;
    const Customer* customer = in.config->customer_by_id(t.customer_id);
    std::string out;
    out += fmt::format("Ticket:     {}  {}\n", to_string(t.key), t.subject);
    out += fmt::format("Queue:      {} {}\n", in.queue->number, in.queue->name);
    out += fmt::format("Customer:   {}\n", customer ? fmt::format("{} ({})", customer->name, customer->id)
                                                    : std::string("- (no customer)"));
    out += fmt::format("Requester:  {}\n", t.opener);
    out += fmt::format("Status:     {}    Priority: {}    Assignee: {}\n", to_string(t.status),
                       t.priority.empty() ? "-" : t.priority, t.assignee.empty() ? "-" : t.assignee);
    if (!t.category.empty()) out += fmt::format("Category:   {}\n", t.category);
    if (t.reaction_due || t.resolution_due)
        out += fmt::format("Reaction due: {}    Resolution due: {}\n", due_text(t.reaction_due),
                           due_text(t.resolution_due));
    return out;
}

const char* const kHowToAnswer =
    "Answer this mail to reply to the customer: write above the marker line; your mail\n"
    "program's quote and signature are left out. Commands on the first lines, one per line:\n"
    "#note (an internal note, nothing is sent), #close, #assign ALIAS, #status STATUS,\n"
    "#priority PRIORITY, #queue NUMBER, #tag TAG.\n";

}  // namespace

std::vector<const Staff*> notification_recipients(const Config& config, const Queue& queue, const Ticket& ticket,
                                                  NotifyEvent event, std::string_view exclude_alias) {
    std::vector<const Staff*> out;
    if (queue.notify == NotifyWho::Nobody || !(queue.notify_events & notify_bit(event))) return out;
    auto add = [&](const Staff* s) {
        if (!s || s->alias == exclude_alias || !staff_may_see(*s, ticket)) return;
        for (const Staff* o : out)
            if (o == s) return;
        out.push_back(s);
    };
    if (queue.notify == NotifyWho::Addresses) {
        for (const std::string& alias : queue.notify_staff) add(config.staff_named(alias));
        return out;
    }
    if (!ticket.assignee.empty()) {
        if (const Staff* s = config.staff_named(ticket.assignee)) {
            add(s);
            return out;  // the assignee alone, also when it is who caused the event
        }
    }
    for (const Staff& s : config.staff)
        if (works_in(s, queue.number)) add(&s);
    return out;
}

std::string staff_reply_address(const Config& config, const Queue& queue, TicketKey ticket, const Staff& staff) {
    return plus_address(queue.system_address, make_staff_token(config.global.secret, ticket, staff.alias));
}

std::string build_notification(const NotificationInput& in) {
    const Config& config = *in.config;
    const Queue& queue = *in.queue;
    const Ticket& t = *in.ticket;
    const TicketEntry* e = in.entry;
    const std::string headline = in.headline.empty() ? default_headline(in) : in.headline;

    std::string body = fmt::format("{}\n\n{}\n\n{}\n", kReplyMarker, headline, summary_block(in));
    std::vector<OutgoingAttachment> attached;
    if (e) {
        body += fmt::format("\n{}\n", e->text_body);
        std::uint64_t total = 0;
        for (const Attachment& a : e->attachments) total += a.size;
        const bool attach = in.attachment_contents && in.attachment_contents->size() == e->attachments.size() &&
                            total <= queue.notify_attachment_limit;
        if (attach) {
            for (std::size_t i = 0; i < e->attachments.size(); ++i)
                attached.push_back({&e->attachments[i], (*in.attachment_contents)[i]});
        } else if (!e->attachments.empty()) {
            body += "\nAttachments (in the ticket: deskgate attachment " + to_string(t.key) + " " +
                    std::to_string(e->index) + " N):\n";
            for (std::size_t i = 0; i < e->attachments.size(); ++i)
                body += fmt::format("  {}. {} ({}, {} bytes)\n", i + 1,
                                    e->attachments[i].filename.empty() ? "(unnamed)" : e->attachments[i].filename,
                                    e->attachments[i].content_type, e->attachments[i].size);
        }
    }
    body += fmt::format("\n-- \n{}", kHowToAnswer);

    const std::string sender_name = e && !e->from_name.empty() ? e->from_name : e ? e->from_address : "deskgate";
    const std::string display = fmt::format("{} via {}", sender_name, queue.name);
    const std::string what = e ? std::to_string(e->index) : std::string(to_string(in.event));
    const std::string id_data = fmt::format("notify:{}:{}:{}", to_string(t.key), what, in.staff->alias);
    const std::string sig = hmac_sha256_hex(config.global.secret, id_data).substr(0, 16);
    const std::string message_id = fmt::format("notify.{}.{}.{}@{}", to_string(t.key), what, sig, config.global.hostname);
    const std::string thread_id = fmt::format("ticket.{}@{}", to_string(t.key), config.global.hostname);
    std::string subject = fmt::format("{} {}", subject_tag(queue, t.key), t.subject);
    if (in.event == NotifyEvent::DeadlineWarning || in.event == NotifyEvent::DeadlineMissed)
        subject = fmt::format("{}: {}", headline, subject);

    std::string out;
    out += fmt::format("From: {}\r\n", format_mailbox(display, queue.sender_address));
    out += fmt::format("Reply-To: <{}>\r\n", staff_reply_address(config, queue, t.key, *in.staff));
    out += fmt::format("To: {}\r\n", format_mailbox(in.staff->name, in.staff->address));
    out += fmt::format("Subject: {}\r\n", encode_header_text(subject));
    out += fmt::format("Date: {}\r\n", rfc5322_date(in.now));
    out += fmt::format("Message-ID: <{}>\r\n", message_id);
    out += fmt::format("References: <{}>\r\n", thread_id);
    out += "Auto-Submitted: auto-generated\r\n";
    out += "X-Auto-Response-Suppress: All\r\n";
    out += fmt::format("{}: {}\r\n", kLoopHeader, config.global.hostname);
    out += fmt::format("X-Deskgate-Ticket: {}\r\n", to_string(t.key));
    out += fmt::format("X-Deskgate-Event: {}\r\n", to_string(in.event));
    out += mime_body(body, attached, message_id);
    return out;
}

std::string build_staff_notice(const StaffNotice& n) {
    const Config& config = *n.config;
    const Queue& queue = *n.queue;
    const std::string sig = hmac_sha256_hex(config.global.secret, "staff-notice:" + n.id_seed).substr(0, 16);
    const std::string message_id = fmt::format("notice.{}@{}", sig, config.global.hostname);
    std::string out;
    out += fmt::format("From: {}\r\n", format_mailbox(fmt::format("deskgate via {}", queue.name), queue.sender_address));
    if (n.ticket) out += fmt::format("Reply-To: <{}>\r\n", staff_reply_address(config, queue, n.ticket->key, *n.staff));
    out += fmt::format("To: {}\r\n", format_mailbox(n.staff->name, n.staff->address));
    const std::string subject = n.ticket ? fmt::format("{} {}", subject_tag(queue, n.ticket->key), n.subject) : n.subject;
    out += fmt::format("Subject: {}\r\n", encode_header_text(subject));
    out += fmt::format("Date: {}\r\n", rfc5322_date(n.now));
    out += fmt::format("Message-ID: <{}>\r\n", message_id);
    out += "Auto-Submitted: auto-generated\r\n";
    out += "X-Auto-Response-Suppress: All\r\n";
    out += fmt::format("{}: {}\r\n", kLoopHeader, config.global.hostname);
    if (n.ticket) out += fmt::format("X-Deskgate-Ticket: {}\r\n", to_string(n.ticket->key));
    out += mime_body(n.text, {}, message_id);
    return out;
}

}  // namespace deskgate
