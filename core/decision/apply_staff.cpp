// apply_staff.cpp - the staff's side of apply(): notifications of an event, and carrying out a
// staff member's answer by mail (decide_staff_reply decided everything; this writes it): the
// checked commands as events, the reply through the outbox to the requester and participants,
// the ticket's life cycle (assigned to whoever answered first, waiting after a reply), #close
// last, so the close summary holds the reply. Commands refused: nothing is done, the mail is
// kept as a note and the staff member is told why, in one mail.
#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "core/policy/generated_limit.hpp"
#include "core/compose/notification.hpp"
#include "core/compose/staff_reply.hpp"
#include "core/decision/engine.hpp"
#include "core/policy/lifecycle.hpp"

namespace deskgate {
namespace {

// The customer's last message in the ticket: what the reply answers and quotes.
std::optional<TicketEntry> last_customer_message(const ReadTxn& txn, TicketKey key) {
    std::vector<TicketEntry> entries = txn.entries(key);
    for (auto it = entries.rbegin(); it != entries.rend(); ++it)
        if (it->kind == EntryKind::Message && it->direction == Direction::Inbound) return std::move(*it);
    return std::nullopt;
}

std::string refusal_text(const StaffAction& act, const Ticket& ticket) {
    std::string text = fmt::format("Your answer in ticket {} was not carried out; nothing was sent to the customer.\n\n",
                                   to_string(ticket.key));
    for (const std::string& e : act.errors) text += "  " + e + "\n";
    text += "\nYour mail is kept in the ticket as an internal note. Correct the commands and answer the "
            "notification again.\nCommands: #note, #close, #assign ALIAS, #unassign, #status STATUS, "
            "#priority PRIORITY, #queue NUMBER, #tag TAG, #untag TAG, #reopen.\n";
    return text;
}

}  // namespace

std::vector<std::string> Engine::notify_staff(WriteTxn& txn, const Ticket& ticket, NotifyEvent event,
                                              const TicketEntry* entry, std::string_view raw, std::string_view exclude,
                                              std::int64_t now, const std::string& headline) const {
    std::vector<std::string> told;
    const Queue* queue = config_.queue_by_num(ticket.queue);
    if (!queue) return told;
    const std::vector<const Staff*> staff = notification_recipients(config_, *queue, ticket, event, exclude);
    if (staff.empty()) return told;
    std::vector<std::string> contents;
    if (entry && !entry->attachments.empty() && !raw.empty()) {
        std::uint64_t total = 0;
        for (const Attachment& a : entry->attachments) total += a.size;
        if (total <= queue->notify_attachment_limit) (void)parse_message(raw, &contents);
    }
    for (const Staff* s : staff) {
        if (!generated_cap(config_, txn, "notify", s->address, now).empty()) continue;  // notification_limit
        if (const auto bounced = txn.state(staff_bounced_key(s->address));
            bounced && now - std::strtoll(bounced->c_str(), nullptr, 10) < 86400)
            continue;
        NotificationInput in;
        in.config = &config_;
        in.queue = queue;
        in.ticket = &ticket;
        in.staff = s;
        in.event = event;
        in.entry = entry;
        in.attachment_contents = contents.empty() ? nullptr : &contents;
        in.headline = headline;
        in.now = now;
        queue_mail(txn, "notify", *queue, &ticket, {s->address}, build_notification(in), now);
        told.push_back(s->alias);
    }
    return told;
}

void Engine::carry_out_staff_action(WriteTxn& txn, DeliveryPlan& plan, const TicketEntry& entry, std::int64_t now) const {
    const TicketPlan& tp = plan.ticket;
    const StaffAction& act = *tp.staff;
    auto t = txn.ticket(*tp.ticket);
    const Staff* staff = config_.staff_named(act.alias);
    const Queue* queue = t ? config_.queue_by_num(t->queue) : nullptr;
    if (!t || !staff || !queue) throw std::runtime_error("staff answer: ticket, staff or queue vanished");
    const Actor actor = staff_actor(*staff);
    TicketEntry e = entry;
    e.ticket = t->key;
    auto keep_as_note = [&] {
        e.kind = EntryKind::Note;
        e.direction = Direction::Internal;
        if (act.errors.empty() && !act.text.empty()) e.text_body = act.text;
        txn.append_entry(e);
        t->updated = std::max(t->updated, now);
        txn.put_ticket(*t);
    };
    if (!act.errors.empty()) {
        keep_as_note();
        StaffNotice n{&config_, queue, staff, &*t, "Your commands were not carried out", refusal_text(act, *t),
                      "refused:" + entry.message_id, now};
        queue_mail(txn, "staff-notice", *queue, &*t, {staff->address}, build_staff_notice(n), now);
        return;
    }
    for (const TicketOp& op : act.ops) record_event(txn, *t, actor, apply_ticket_op(config_, *t, op, now), now);
    if (act.note || act.text.empty()) {
        keep_as_note();
        if (tp.notify) notify_staff(txn, *t, *tp.notify, &e, {}, tp.notify_exclude, now);
    } else {
        send_staff_reply(txn, *t, *queue, *staff, act, plan, std::move(e), now);
    }
    if (act.close) close(txn, t->key, now, actor);
}

void Engine::send_staff_reply(WriteTxn& txn, Ticket& t, const Queue& queue, const Staff& staff, const StaffAction& act,
                              const DeliveryPlan& plan, TicketEntry e, std::int64_t now) const {
    const Actor actor = staff_actor(staff);
    if (t.assignee.empty() && queue.assign_on_reply) {
        const TicketOp assign{OpKind::Assign, staff.alias};
        if (!check_ticket_op(config_, t, assign, actor))
            record_event(txn, t, actor, apply_ticket_op(config_, t, assign, now), now);
    }
    if (auto next = next_status(t.status, TicketEvent::OperatorReplied, queue); next && *next != t.status) {
        t.status = *next;
        t.status_since = now;
    }
    if (t.first_reaction == 0) t.first_reaction = now;
    const std::optional<TicketEntry> last = last_customer_message(txn, t.key);
    std::vector<std::string> contents;
    if (!plan.message.attachments.empty()) (void)parse_message(txn.raw(e.raw_id).value_or(""), &contents);
    StaffReplyInput in;
    in.config = &config_;
    in.queue = &queue;
    in.ticket = &t;
    in.staff = &staff;
    in.text = act.text;
    in.last_customer = last ? &*last : nullptr;
    in.attachments = &plan.message.attachments;
    in.attachment_contents = &contents;
    in.recipients = staff_reply_recipients(config_, t);
    in.message_id = staff_reply_message_id(config_, t.key, plan.message.message_id);
    in.now = now;
    e.kind = EntryKind::Message;
    e.direction = Direction::Outbound;
    e.message_id = in.message_id;
    e.from_address = staff.address;
    e.from_name = staff.name;
    e.text_body = staff_reply_body(in);
    if (!in.recipients.empty()) queue_mail(txn, "reply", queue, &t, in.recipients, build_staff_reply(in), now);
    else e.explanation += "; no recipient to send it to";
    t.updated = std::max(t.updated, now);
    txn.put_ticket(t);
    txn.append_entry(e);
}

}  // namespace deskgate
