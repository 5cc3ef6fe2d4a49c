// apply.cpp - Engine::apply: executes a DeliveryPlan in the caller's write transaction without
// choosing anything: counts every recipient's verdict, stores the raw bytes, creates or
// updates the ticket, writes its entries, queues the generated mail the plan asked for
// (acknowledgement, approval requests and notices, the question to an approver, decline
// notice) and the forwarded copy.
#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "core/base/address.hpp"
#include "core/compose/acknowledgement.hpp"
#include "core/compose/approval.hpp"
#include "core/decision/engine.hpp"
#include "core/decision/settle.hpp"
#include "core/compose/notification.hpp"

namespace deskgate {
namespace {

bool contains(const std::vector<std::string>& v, std::string_view s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

// Every recipient decision is counted in the transaction that stores the message (refusals
// too: nothing else is written for them); a rolled-back transaction counts nothing. One
// counter update per distinct verdict (a mail to 50 recipients is one read-modify-write).
void count_verdicts(WriteTxn& txn, const DeliveryPlan& plan) {
    std::vector<std::pair<Verdict, std::uint64_t>> verdicts;
    auto count = [&](Verdict verdict) {
        auto it = std::find_if(verdicts.begin(), verdicts.end(), [&](const auto& v) { return v.first == verdict; });
        if (it == verdicts.end()) verdicts.emplace_back(verdict, 1);
        else ++it->second;
    };
    for (const RecipientDecision& d : plan.recipients) count(d.verdict);
    for (const Verdict v : plan.rcpt_refusals) count(v);
    for (const auto& [verdict, n] : verdicts) txn.count_verdict(to_string(verdict), n);
}

TicketEntry entry_for(const DeliveryPlan& plan, const Envelope& envelope, std::uint64_t raw_id, std::size_t raw_size,
                      std::int64_t now) {
    const ParsedMessage& msg = plan.message;
    TicketEntry e;
    e.message_id = msg.message_id;
    e.from_address = plan.sender;
    e.from_name = msg.from ? msg.from->name : std::string();
    e.subject = msg.subject;
    e.text_body = msg.text_body;
    e.attachments = msg.attachments;
    e.defects = msg.defects;
    e.body_digest = msg.body_digest;
    e.envelope_sender = normalize_address(envelope.sender);
    for (const RecipientDecision& d : plan.recipients)
        if (d.reply.success()) e.envelope_recipients.push_back(d.recipient);
    e.explanation = plan.ticket.explanation;
    e.received = now;
    e.raw_id = raw_id;
    e.raw_size = raw_size;
    return e;
}

void add_referral_entries(WriteTxn& txn, const Config& config, TicketEntry base, TicketKey key,
                          const std::vector<std::uint32_t>& queues) {
    base.ticket = key;
    base.kind = EntryKind::Referral;
    base.direction = Direction::Internal;
    base.message_id.clear();  // the message itself is indexed once, by its Message entry
    for (std::uint32_t number : queues) {
        const Queue* q = config.queue_by_num(number);
        base.explanation = fmt::format("also addressed to queue {} {}", number, q ? q->name : "");
        txn.append_entry(base);
    }
}

}  // namespace

void Engine::send_acknowledgement(WriteTxn& txn, const Queue& queue, const Ticket& ticket, const AckPlan& ack,
                                  const ParsedMessage& original, std::int64_t now) const {
    // In the same transaction as the ticket: a crash can neither lose nor double it.
    AcknowledgementInput in;
    in.config = &config_;
    in.queue = &queue;
    in.ticket = &ticket;
    in.customer = config_.customer_by_id(ticket.customer_id);
    in.original = &original;
    in.recipient = ack.recipient;
    in.in_hours = ack.in_hours;
    in.now = now;
    queue_mail(txn, "ack", queue, ticket, ack.recipient, build_acknowledgement(in), now);
}

std::optional<TicketKey> Engine::create_ticket(WriteTxn& txn, DeliveryPlan& plan, const TicketEntry& entry,
                                               std::string_view raw, std::int64_t now) const {
    const TicketPlan& tp = plan.ticket;
    const Queue& q = config_.queues[tp.queue];
    Ticket t;
    t.key = txn.allocate_ticket(q.number);
    t.queue = q.number;
    t.subject = plan.message.subject;
    t.status = tp.new_status;
    t.customer_id = tp.customer_id;
    t.opener = plan.sender;
    t.participants = tp.participants_to_add;
    t.category = tp.category;
    t.priority = tp.priority;
    t.tags = tp.tags;
    t.assignee = tp.assignee;
    t.created = now;
    t.updated = now;
    t.linked_from = tp.linked_from;
    t.referrals = tp.referrals;
    // Deadlines in business time of the queue's calendar (around the clock without one).
    const BusinessCalendar* business = compiled_.calendar(q);
    auto due = [&](std::uint32_t minutes) -> std::int64_t {
        if (minutes == 0) return 0;
        return business ? business->add_business_minutes(now, minutes) : now + std::int64_t{minutes} * 60;
    };
    t.reaction_due = due(q.reaction_minutes);
    t.resolution_due = due(q.resolution_minutes);
    t.status_since = now;
    if (!t.assignee.empty()) t.first_reaction = now;
    txn.put_ticket(t);
    TicketEntry e = entry;
    e.ticket = t.key;
    e.kind = EntryKind::Message;
    e.direction = Direction::Inbound;
    txn.append_entry(e);
    add_referral_entries(txn, config_, entry, t.key, tp.referrals);
    if (tp.ack.send) send_acknowledgement(txn, q, t, tp.ack, plan.message, now);
    for (const std::string& approver : tp.ask_approvers)
        queue_mail(txn, "approval", q, t, approver,
                   build_approval_request(approval_mail(q, t, plan.message.text_body, approver, now)), now);
    for (const std::string& approver : tp.inform_approvers)
        queue_mail(txn, "approval-info", q, t, approver,
                   build_approval_notice(approval_mail(q, t, plan.message.text_body, approver, now)), now);
    if (tp.notify) notify_staff(txn, t, *tp.notify, &e, raw, tp.notify_exclude, now);  // after the customer's mail
    return t.key;
}

void Engine::update_ticket(WriteTxn& txn, DeliveryPlan& plan, const TicketEntry& entry, std::string_view raw,
                           std::int64_t now) const {
    const TicketPlan& tp = plan.ticket;
    auto t = txn.ticket(*tp.ticket);
    if (!t) throw std::runtime_error("ticket " + to_string(*tp.ticket) + " vanished");
    if (tp.kind == TicketPlan::Kind::Refer) {
        for (std::uint32_t n : tp.referrals)
            if (std::find(t->referrals.begin(), t->referrals.end(), n) == t->referrals.end()) t->referrals.push_back(n);
        t->updated = std::max(t->updated, now);
        txn.put_ticket(*t);
        add_referral_entries(txn, config_, entry, t->key, tp.referrals);
        return;
    }
    const Queue* dq = config_.queue_by_num(t->queue);
    if (dq && tp.decision == TicketPlan::Decision::Decline) {
        t->closed_at = now;
        if (tp.decline_notice)
            queue_mail(txn, "declined", *dq, *t, t->opener,
                       build_decline_notice(approval_mail(*dq, *t, "", t->opener, now), plan.sender), now);
    }
    if (dq && !tp.approval_question.empty())
        queue_mail(txn, "approval-question", *dq, *t, plan.sender,
                   build_approval_question(approval_mail(*dq, *t, "", plan.sender, now), tp.approval_question), now);
    if (dq && tp.decision == TicketPlan::Decision::Approve && tp.ack.send && tp.ack.original) {
        Ticket opened = *t;  // the acknowledgement shows the ticket as it now is
        opened.status = tp.new_status;
        send_acknowledgement(txn, *dq, opened, tp.ack, *tp.ack.original, now);
    }
    if (tp.kind == TicketPlan::Kind::Append) {
        if (!tp.mark_undeliverable.empty() && !contains(t->undeliverable, tp.mark_undeliverable))
            t->undeliverable.push_back(tp.mark_undeliverable);
        if (t->status != tp.new_status) t->status_since = now;
        t->status = tp.new_status;
        if (t->status != TicketStatus::Closed) t->closed_at = 0;
        if (tp.direction == Direction::Outbound && t->first_reaction == 0) t->first_reaction = now;
        for (const std::string& p : tp.participants_to_add)
            if (!contains(t->participants, p)) t->participants.push_back(p);
    }
    t->updated = std::max(t->updated, now);
    txn.put_ticket(*t);
    TicketEntry e = entry;
    e.ticket = t->key;
    e.kind = tp.kind == TicketPlan::Kind::Note ? EntryKind::Note : EntryKind::Message;
    e.direction = tp.kind == TicketPlan::Kind::Note ? Direction::Internal : tp.direction;
    txn.append_entry(e);
    if (tp.notify) notify_staff(txn, *t, *tp.notify, &e, raw, tp.notify_exclude, now);
}

void Engine::apply(WriteTxn& txn, DeliveryPlan& plan, const Envelope& envelope, std::string_view raw,
                   std::int64_t now) const {
    count_verdicts(txn, plan);
    if (plan.store_raw) {
        const std::uint64_t raw_id = txn.put_raw(raw);
        const TicketEntry entry = entry_for(plan, envelope, raw_id, raw.size(), now);
        TicketPlan& tp = plan.ticket;
        switch (tp.kind) {
        case TicketPlan::Kind::None: break;
        case TicketPlan::Kind::Create: tp.ticket = create_ticket(txn, plan, entry, raw, now); break;
        case TicketPlan::Kind::Append:
        case TicketPlan::Kind::Note:
            if (tp.staff) carry_out_staff_action(txn, plan, entry, now);
            else update_ticket(txn, plan, entry, raw, now);
            break;
        case TicketPlan::Kind::Refer: update_ticket(txn, plan, entry, raw, now); break;
        }
        if (tp.new_contact) txn.put_contact(*tp.new_contact);
        if (tp.bounce) {
            Bounce b = *tp.bounce;
            b.received = now;
            b.envelope_sender = normalize_address(envelope.sender);
            b.recipients = envelope.recipients;
            b.raw_id = raw_id;
            b.raw_size = raw.size();
            txn.add_bounce(b);
        }
        if (!tp.mark_staff_undeliverable.empty())
            txn.put_state(staff_bounced_key(tp.mark_staff_undeliverable), std::to_string(now));
        if (plan.forward) {
            plan.forward->raw_id = raw_id;
            txn.add_outbox(*plan.forward);
        }
    }
    render_replies(plan);
}

}  // namespace deskgate
