// render.cpp - see render.hpp. Field names and order here are the documented --json format.
#include "cli/render.hpp"

#include <ctime>

#include <fmt/format.h>

namespace deskgate::cli {
namespace {

std::string_view direction_name(Direction d) {
    switch (d) {
    case Direction::Inbound: return "inbound";
    case Direction::Outbound: return "outbound";
    case Direction::Internal: return "internal";
    }
    return "inbound";
}

std::string_view kind_name(EntryKind k) {
    switch (k) {
    case EntryKind::Message: return "message";
    case EntryKind::Note: return "note";
    case EntryKind::Referral: return "referral";
    case EntryKind::Event: return "event";
    }
    return "message";
}

void write_mailbox(JsonWriter& w, const Mailbox& m) {
    w.begin_object().field("name", m.name).field("address", m.address).end_object();
}

void write_mailboxes(JsonWriter& w, std::string_view key, const std::vector<Mailbox>& list) {
    w.key(key).begin_array();
    for (const Mailbox& m : list) write_mailbox(w, m);
    w.end_array();
}

void write_attachments(JsonWriter& w, const std::vector<Attachment>& list) {
    w.key("attachments").begin_array();
    for (const Attachment& a : list)
        w.begin_object()
            .field("filename", a.filename)
            .field("content_type", a.content_type)
            .field("size", a.size)
            .field("sha256", a.sha256)
            .end_object();
    w.end_array();
}

}  // namespace

std::string iso_time(std::int64_t unix_seconds) {
    const std::time_t t = static_cast<std::time_t>(unix_seconds);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

void write_json(JsonWriter& w, const ParsedMessage& m) {
    w.begin_object();
    w.field("message_id", m.message_id).field("message_id_synthesized", m.message_id_synthesized);
    w.key("from");
    if (m.from) write_mailbox(w, *m.from);
    else w.null();
    write_mailboxes(w, "reply_to", m.reply_to);
    write_mailboxes(w, "to", m.to);
    write_mailboxes(w, "cc", m.cc);
    w.field("subject", m.subject);
    w.key("date");
    if (m.date) w.value(*m.date);
    else w.null();
    w.string_array("in_reply_to", m.in_reply_to);
    w.string_array("references", m.references);
    w.field("auto_submitted", m.auto_submitted)
        .field("precedence", m.precedence)
        .field("list_id", m.list_id)
        .field("list_unsubscribe", m.list_unsubscribe)
        .field("x_auto_response_suppress", m.x_auto_response_suppress);
    w.field("text_body", m.text_body).field("body_from_html", m.body_from_html);
    write_attachments(w, m.attachments);
    w.string_array("defects", m.defects);
    w.field("body_digest", m.body_digest).field("raw_size", m.raw_size);
    w.end_object();
}

void write_json(JsonWriter& w, const Ticket& t) {
    w.begin_object();
    w.field("ticket", to_string(t.key))
        .field("queue", t.queue)
        .field("subject", t.subject)
        .field("status", to_string(t.status))
        .field("customer", t.customer_id)
        .field("opener", t.opener);
    w.string_array("participants", t.participants);
    w.field("category", t.category).field("priority", t.priority);
    w.string_array("tags", t.tags);
    w.field("assignee", t.assignee)
        .field("created", iso_time(t.created))
        .field("updated", iso_time(t.updated));
    w.key("closed");
    if (t.closed_at) w.value(iso_time(t.closed_at));
    else w.null();
    w.key("linked_from");
    if (t.linked_from) w.value(to_string(*t.linked_from));
    else w.null();
    w.key("referrals").begin_array();
    for (std::uint32_t q : t.referrals) w.value(q);
    w.end_array();
    w.field("entries", t.entry_count);
    w.key("reaction_due");
    if (t.reaction_due) w.value(iso_time(t.reaction_due));
    else w.null();
    w.key("resolution_due");
    if (t.resolution_due) w.value(iso_time(t.resolution_due));
    else w.null();
    w.string_array("undeliverable", t.undeliverable);
    w.key("first_reaction");
    if (t.first_reaction) w.value(iso_time(t.first_reaction));
    else w.null();
    w.key("status_since");
    w.value(iso_time(t.status_since ? t.status_since : t.created));
    w.key("merged_into");
    if (t.merged_into) w.value(to_string(*t.merged_into));
    else w.null();
    w.end_object();
}

void write_events_json(JsonWriter& w, const std::vector<TicketEntry>& entries) {
    w.key("events").begin_array();
    for (const TicketEntry& e : entries) {
        if (e.kind != EntryKind::Event) continue;
        w.begin_object()
            .field("index", e.index)
            .field("by", e.from_name)
            .field("address", e.from_address)
            .field("at", iso_time(e.received))
            .field("what", e.text_body)
            .end_object();
    }
    w.end_array();
}

void write_json(JsonWriter& w, const TicketEntry& e, bool with_body) {
    w.begin_object();
    w.field("index", e.index)
        .field("kind", kind_name(e.kind))
        .field("direction", direction_name(e.direction))
        .field("message_id", e.message_id)
        .field("from", e.from_address)
        .field("from_name", e.from_name)
        .field("subject", e.subject)
        .field("received", iso_time(e.received));
    if (with_body) w.field("text_body", e.text_body);
    write_attachments(w, e.attachments);
    w.string_array("defects", e.defects);
    w.field("envelope_sender", e.envelope_sender);
    w.string_array("envelope_recipients", e.envelope_recipients);
    w.field("explanation", e.explanation)
        .field("body_digest", e.body_digest)
        .field("raw_id", e.raw_id)
        .field("raw_size", e.raw_size);
    w.end_object();
}

void write_json(JsonWriter& w, const DeliveryPlan& plan, const Config& config, bool dry_run) {
    w.begin_object();
    w.field("dry_run", dry_run)
        .field("message_id", plan.message.message_id)
        .field("sender", plan.sender)
        .field("customer", plan.customer_id)
        .field("subject", plan.message.subject);
    w.key("recipients").begin_array();
    for (const RecipientDecision& d : plan.recipients) {
        w.begin_object();
        w.field("recipient", d.recipient)
            .field("verdict", to_string(d.verdict))
            .field("code", d.reply.code)
            .field("status", fmt::format("{}", d.reply.status))
            .field("text", d.reply.text);
        w.key("queue");
        if (d.queue) w.value(config.queues[*d.queue].number);
        else w.null();
        w.key("ticket");
        if (d.ticket) w.value(to_string(*d.ticket));
        else w.null();
        w.field("rule", d.rule).field("explanation", d.explanation);
        w.end_object();
    }
    w.end_array();
    w.string_array("defects", plan.message.defects);
    w.end_object();
}

std::string text_ticket_line(const Ticket& t) {
    return fmt::format("{:<9} {:<17} {:<10} {:<12} {:<8} {}  {}", to_string(t.key),
                       to_string(t.status), t.customer_id.empty() ? "-" : t.customer_id,
                       t.category.empty() ? "-" : t.category, t.priority, iso_time(t.updated),
                       t.subject);
}

std::string text_ticket_table(const std::vector<Ticket>& tickets) {
    std::string out = fmt::format("{:<9} {:<17} {:<10} {:<12} {:<8} {:<20}  {}\n", "TICKET", "STATUS", "CUSTOMER",
                                  "CATEGORY", "PRIORITY", "UPDATED", "SUBJECT");
    for (const Ticket& t : tickets) out += text_ticket_line(t) + "\n";
    return out;
}

std::string json_tickets(const std::vector<Ticket>& tickets) {
    JsonWriter w;
    w.begin_array();
    for (const Ticket& t : tickets) write_json(w, t);
    w.end_array();
    return w.str();
}

std::string text_ticket(const Ticket& t, const std::vector<TicketEntry>& entries) {
    std::string out;
    out += fmt::format("Ticket {}  [{}]  queue {}\n", to_string(t.key), to_string(t.status), t.queue);
    out += fmt::format("Subject:      {}\n", t.subject);
    out += fmt::format("Customer:     {}\n", t.customer_id.empty() ? "-" : t.customer_id);
    out += fmt::format("Opened by:    {}\n", t.opener.empty() ? "<>" : t.opener);
    if (!t.participants.empty())
        out += fmt::format("Participants: {}\n", fmt::join(t.participants, ", "));
    out += fmt::format("Category:     {}   Priority: {}\n", t.category.empty() ? "-" : t.category,
                       t.priority);
    if (!t.tags.empty()) out += fmt::format("Tags:         {}\n", fmt::join(t.tags, ", "));
    if (!t.assignee.empty()) out += fmt::format("Assignee:     {}\n", t.assignee);
    out += fmt::format("Created:      {}   Updated: {}\n", iso_time(t.created), iso_time(t.updated));
    if (t.status_since) out += fmt::format("Status since: {}\n", iso_time(t.status_since));
    if (t.first_reaction) out += fmt::format("First reaction: {}\n", iso_time(t.first_reaction));
    if (t.merged_into) out += fmt::format("Merged into:  {}\n", to_string(*t.merged_into));
    if (t.linked_from) out += fmt::format("Follows:      {}\n", to_string(*t.linked_from));
    if (t.reaction_due) out += fmt::format("Reaction by:  {}   Resolution by: {}\n", iso_time(t.reaction_due),
                                           t.resolution_due ? iso_time(t.resolution_due) : "-");
    if (!t.undeliverable.empty()) out += fmt::format("Undeliverable: {}\n", fmt::join(t.undeliverable, ", "));
    if (!t.referrals.empty())
        out += fmt::format("Referred to:  queues {}\n", fmt::join(t.referrals, ", "));
    for (const TicketEntry& e : entries) {
        if (e.kind == EntryKind::Event) {  // one line: who, when, what
            out += fmt::format("\n--- #{} event {} by {}{}: {}\n", e.index, iso_time(e.received),
                               e.from_name.empty() ? "deskgate" : e.from_name,
                               e.from_address.empty() ? "" : " <" + e.from_address + ">", e.text_body);
            continue;
        }
        out += fmt::format("\n--- #{} {} {} {} from {} <{}>\n", e.index, kind_name(e.kind),
                           direction_name(e.direction), iso_time(e.received), e.from_name,
                           e.from_address);
        if (!e.message_id.empty()) out += fmt::format("Message-ID: <{}>\n", e.message_id);
        if (!e.subject.empty() || e.kind == EntryKind::Message) out += fmt::format("Subject: {}\n", e.subject);
        if (!e.explanation.empty()) out += fmt::format("Why: {}\n", e.explanation);
        for (std::size_t i = 0; i < e.attachments.size(); ++i) {
            const Attachment& a = e.attachments[i];
            out += fmt::format("Attachment {}: {} ({}, {} bytes)\n", i + 1,
                               a.filename.empty() ? "(unnamed)" : a.filename, a.content_type, a.size);
        }
        for (const std::string& d : e.defects) out += fmt::format("Defect: {}\n", d);
        if (e.kind != EntryKind::Referral) out += "\n" + e.text_body + "\n";
    }
    return out;
}

std::string text_plan(const DeliveryPlan& plan, const Config& config, bool dry_run) {
    std::string out;
    if (dry_run) out += "dry run: nothing stored\n";
    out += fmt::format("message <{}> from {}{}\n", plan.message.message_id,
                       plan.sender.empty() ? "<>" : plan.sender,
                       plan.customer_id.empty() ? "" : " (customer " + plan.customer_id + ")");
    for (const RecipientDecision& d : plan.recipients) {
        out += fmt::format("{}: {} [{}]\n", d.recipient, d.reply, to_string(d.verdict));
        out += fmt::format("  why: {}\n", d.explanation);
        (void)config;
    }
    for (const std::string& d : plan.message.defects) out += fmt::format("defect: {}\n", d);
    return out;
}

std::string text_message(const ParsedMessage& m) {
    std::string out;
    out += fmt::format("Message-ID: <{}>{}\n", m.message_id,
                       m.message_id_synthesized ? " (synthesized)" : "");
    if (m.from) out += fmt::format("From: {} <{}>\n", m.from->name, m.from->address);
    out += fmt::format("Subject: {}\n", m.subject);
    for (const Attachment& a : m.attachments)
        out += fmt::format("Attachment: {} ({}, {} bytes, sha256 {})\n",
                           a.filename.empty() ? "(unnamed)" : a.filename, a.content_type, a.size,
                           a.sha256);
    for (const std::string& d : m.defects) out += fmt::format("Defect: {}\n", d);
    out += "\n" + m.text_body + "\n";
    return out;
}

}  // namespace deskgate::cli
