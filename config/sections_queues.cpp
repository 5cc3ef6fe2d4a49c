// sections_queues.cpp - reading [[queues]]: number, addresses, look, acknowledgements, life cycle.
#include <fmt/format.h>

#include "config/loader.hpp"
#include "core/base/text.hpp"
#include "core/base/address.hpp"
#include "core/base/template.hpp"

namespace deskgate::config {
namespace {

// Whether `text` uses `name` as a value placeholder ({{ name }} with any spacing), outside
// sections too: rendering asks for exactly the names it prints.
bool uses_placeholder(std::string_view text, std::string_view name) {
    bool found = false;
    (void)render_template(text, [&](std::string_view n) -> std::optional<std::string> {
        if (n == name) found = true;
        return std::string("x");
    });
    return found;
}

// The normalized address under `key` ("" when absent, or with an error when not an address).
std::string queue_address(TableReader& r, std::string_view key, bool required) {
    auto v = r.string(key, required);
    if (!v) return {};
    std::string n = normalize_address(*v);
    if (n.empty()) r.diag().error(r.where(key), fmt::format("'{}': \"{}\" is not an e-mail address", key, *v));
    return n;
}

}  // namespace

void Loader::read_queue(const toml::table& t) {
    TableReader r(diag_, t, "[[queues]]",
                  {"number", "name", "description", "active", "address", "forwarding", "comment_address",
                   "sender_address", "display_name", "reply_to", "signature", "default_category",
                   "default_priority", "calendar", "ack_in_hours", "ack_after_hours",
                   "autoreply_exceptions", "never_cc", "create_unknown_contacts", "reaction_minutes", "resolution_minutes",
                   "close_summary", "nps_template",
                   "status_on_customer_reply", "on_closed_reply", "reopen_days", "subject_tag",
                   "notify", "notify_staff", "notify_events", "deadline_lead_minutes", "notify_attachment_limit",
                   "reply_template", "reply_quote", "assign_on_reply", "close_waiting_days",
                   "mailboxes", "outgoing"});
    Queue q;
    q.where = r.where();
    read_queue_number(r, q);
    q.name = r.string("name", true).value_or("");
    if (auto v = r.string("description")) q.description = *v;
    if (auto v = r.boolean("active")) q.active = *v;
    read_queue_addresses(r, q);
    read_queue_presentation(r, q);
    read_queue_defaults(r, q);
    read_queue_acknowledgement(r, q);
    read_queue_lifecycle(r, q);
    read_queue_subject_tag(r, q);
    read_queue_notifications(r, q);
    read_queue_staff_replies(r, q);
    read_queue_mailboxes(t, q);
    read_queue_outgoing(t, q);
    config_.queues.push_back(std::move(q));
}

// 'number', unique over all files.
void Loader::read_queue_number(TableReader& r, Queue& q) {
    if (auto v = r.integer("number", 1, 0xFFFFFFFF, true)) {
        q.number = static_cast<std::uint32_t>(*v);
        auto [it, fresh] = queue_numbers_.try_emplace(q.number, r.where("number"));
        if (!fresh)
            diag_.error(r.where("number"), fmt::format("duplicate queue number {} (first defined at {})", q.number,
                                                       where_text(it->second)));
    }
}

// The system address, forwarding addresses, comment, sender and reply-to addresses; each
// address that mail arrives at is claimed for this queue.
void Loader::read_queue_addresses(TableReader& r, Queue& q) {
    q.system_address = queue_address(r, "address", true);
    if (!q.system_address.empty()) claim_address(q.system_address, q.number, r.where("address"));
    if (auto v = r.strings_at("forwarding")) {
        for (const auto& [a, where] : *v) {
            std::string n = normalize_address(a);
            if (n.empty()) {
                diag_.error(where, fmt::format("'forwarding': \"{}\" is not an e-mail address", a));
                continue;
            }
            claim_address(n, q.number, where);
            q.forwarding_addresses.push_back(std::move(n));
        }
    }
    q.comment_address = queue_address(r, "comment_address", false);
    if (!q.comment_address.empty()) claim_address(q.comment_address, q.number, r.where("comment_address"));
    q.sender_address = queue_address(r, "sender_address", false);
    if (q.sender_address.empty()) q.sender_address = q.system_address;
    q.reply_to = queue_address(r, "reply_to", false);
    if (q.reply_to.empty()) q.reply_to = q.system_address;
}

// The display name and signature templates of the queue's mail.
void Loader::read_queue_presentation(TableReader& r, Queue& q) {
    if (auto v = template_at(r, "display_name")) q.display_name_template = *v;
    else q.display_name_template = "{{queue.title}}";
    if (auto v = template_at(r, "signature")) q.signature = *v;
}

// The category, priority and calendar of new tickets (priority and calendar checked in finish()).
void Loader::read_queue_defaults(TableReader& r, Queue& q) {
    if (auto v = r.string("default_category")) q.default_category = *v;
    if (auto v = r.string("default_priority")) {
        q.default_priority = *v;
        references_.push_back({Reference::Kind::Priority, *v, r.where("default_priority"),
                               fmt::format("default_priority of queue {}", q.number)});
    }
    if (auto v = r.string("calendar")) {
        q.calendar = *v;
        references_.push_back({Reference::Kind::Calendar, *v, r.where("calendar"),
                               fmt::format("queue {}", q.number)});
    }
}

// The acknowledgement texts and who never gets one (autoreply_exceptions) or a Cc (never_cc).
void Loader::read_queue_acknowledgement(TableReader& r, Queue& q) {
    if (auto v = template_at(r, "ack_in_hours")) q.ack_in_hours = *v;
    if (auto v = template_at(r, "ack_after_hours")) q.ack_after_hours = *v;
    if (auto v = r.strings_at("autoreply_exceptions")) {
        for (const auto& [p, where] : *v) {
            if (p.empty() || p.find_first_of(" \t") != std::string::npos)
                diag_.error(where,
                            fmt::format("autoreply exception \"{}\": expected an address pattern (*, ?) or a domain", p));
            else q.autoreply_exceptions.push_back(lower(p));
        }
    }
    if (auto v = r.strings_at("never_cc"))
        for (const auto& [a, where] : *v) {
            std::string n = normalize_address(a);
            if (n.empty()) diag_.error(where, fmt::format("'never_cc': \"{}\" is not an e-mail address", a));
            else q.never_cc.push_back(std::move(n));
        }
}

// Unknown contacts, closing (summary, NPS), reaction and resolution times, customer replies and
// replies to closed tickets.
void Loader::read_queue_lifecycle(TableReader& r, Queue& q) {
    if (auto v = r.boolean("create_unknown_contacts")) q.create_unknown_contacts = *v;
    if (auto v = r.boolean("close_summary")) q.close_summary = *v;
    if (auto v = template_at(r, "nps_template")) q.nps_template = *v;
    if (auto v = r.integer("reaction_minutes", 0, 10000000)) q.reaction_minutes = static_cast<std::uint32_t>(*v);
    if (auto v = r.integer("resolution_minutes", 0, 10000000)) q.resolution_minutes = static_cast<std::uint32_t>(*v);
    if (auto v = r.choice("status_on_customer_reply", {"new", "open", "waiting"}))
        q.status_on_customer_reply = *ticket_status_from(*v);
    if (auto v = r.choice("on_closed_reply", {"reopen", "new_ticket", "refuse"}))
        q.on_closed_reply = *v == "reopen" ? ClosedReplyPolicy::Reopen
                            : *v == "new_ticket" ? ClosedReplyPolicy::NewTicket : ClosedReplyPolicy::Refuse;
    if (auto v = r.integer("reopen_days", 0, 3650)) q.reopen_days = static_cast<std::uint32_t>(*v);
}

// 'subject_tag': only the ticket and queue placeholders, and {{ticket.number}} must be there.
void Loader::read_queue_subject_tag(TableReader& r, Queue& q) {
    if (auto v = r.string("subject_tag")) {
        q.subject_tag = *v;
        static const std::vector<std::string_view> tag_names = {"ticket.number", "queue.title",
                                                                "queue.name", "queue.number"};
        for (const TemplateError& e : check_template(*v, &tag_names))
            diag_.error(position_in_string(*r.node("subject_tag"), *v, e.offset),
                        fmt::format("{} in 'subject_tag' (allowed: ticket.number, queue.title, "
                                    "queue.name, queue.number)", e.message));
        if (!uses_placeholder(*v, "ticket.number"))
            diag_.error(r.where("subject_tag"), "'subject_tag' must contain {{ticket.number}}");
    }
}

// Who is told of what: 'notify' ("team": the assignee, else the queue's staff; "staff": the
// aliases in 'notify_staff'; "nobody"), 'notify_events', the deadline warning's lead and the
// size above which attachments are listed instead of attached.
void Loader::read_queue_notifications(TableReader& r, Queue& q) {
    if (auto v = r.choice("notify", {"team", "staff", "nobody"}))
        q.notify = *v == "team" ? NotifyWho::Team : *v == "staff" ? NotifyWho::Addresses : NotifyWho::Nobody;
    if (auto v = r.strings_at("notify_staff"))
        for (const auto& [alias, where] : *v) {
            q.notify_staff.push_back(alias);
            references_.push_back({Reference::Kind::StaffAlias, alias, where,
                                   fmt::format("notify_staff of queue {}", q.number)});
        }
    if (q.notify == NotifyWho::Addresses && q.notify_staff.empty())
        diag_.error(r.where("notify"), "notify = \"staff\" needs 'notify_staff' (staff aliases) in this queue");
    if (auto v = r.strings_at("notify_events")) {
        q.notify_events = 0;
        for (const auto& [name, where] : *v) {
            if (auto e = notify_event_from(name)) q.notify_events |= notify_bit(*e);
            else
                diag_.error(where, fmt::format("unknown notify event \"{}\" (known: new_ticket, customer_reply, "
                                               "staff_note, approval_granted, deadline_warning, deadline_missed)", name));
        }
    }
    if (auto v = r.integer("deadline_lead_minutes", 0, 100000)) q.deadline_lead_minutes = static_cast<std::uint32_t>(*v);
    if (auto v = r.size("notify_attachment_limit")) q.notify_attachment_limit = *v;
}

// How a staff member's answer by mail goes to the customer ('reply_template', 'reply_quote'),
// whether it assigns an unassigned ticket, and when waiting tickets close by themselves.
void Loader::read_queue_staff_replies(TableReader& r, Queue& q) {
    if (auto v = template_at(r, "reply_template")) q.reply_template = *v;
    if (auto v = r.boolean("reply_quote")) q.reply_quote = *v;
    if (auto v = r.boolean("assign_on_reply")) q.assign_on_reply = *v;
    if (auto v = r.integer("close_waiting_days", 0, 3650)) q.close_waiting_days = static_cast<std::uint32_t>(*v);
}

}  // namespace deskgate::config
