// engine.cpp - the per-message decision (see engine.hpp). plan() walks the data flow of the
// brief for every recipient: resolve queue -> refuse early (unknown, inactive, too big, loop)
// -> comment address -> routing refuse/discard -> customer policy -> duplicate -> thread ->
// closed-ticket policy -> create/append. A message opens at most one ticket; every other
// helpdesk queue it was addressed to gets a referral in that ticket.
#include "core/decision/engine.hpp"

#include <algorithm>
#include <exception>
#include <set>

#include <fmt/format.h>

#include "core/base/address.hpp"
#include "core/compose/acknowledgement.hpp"
#include "core/policy/admission.hpp"
#include "core/compose/approval.hpp"
#include "core/policy/authenticity.hpp"
#include "core/model/business_hours.hpp"
#include "core/policy/classify.hpp"
#include "core/compose/close_summary.hpp"
#include "core/policy/lifecycle.hpp"
#include "core/policy/queue_resolver.hpp"
#include "core/policy/routing.hpp"
#include "core/policy/sender_identity.hpp"
#include "core/model/token.hpp"

namespace deskgate {
namespace {

bool contains(const std::vector<std::string>& v, std::string_view s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

// One of our own queue addresses (system, forwarding, comment; also with +detail).
bool is_own_address(const Config& config, const std::string& address) {
    if (config.queue_by_address.contains(address)) return true;
    if (auto plus = split_plus_address(address)) return config.queue_by_address.contains(plus->base);
    return false;
}

// A recipient that passed every per-recipient check and takes part in the ticket decision.
struct Accepted {
    std::size_t decision = 0;  // index into plan.recipients
    QueueTarget target;
};

}  // namespace

Engine::Engine(const Config& config) : config_(config), tags_(config) {
    // Loading a time zone costs ~0.1 ms; every calendar is loaded once per config.
    for (const Calendar& c : config_.calendars) calendars_.emplace(c.name, std::make_unique<const BusinessCalendar>(c));
}

Engine::~Engine() = default;

const BusinessCalendar* Engine::business_calendar(const Queue& queue) const {
    if (queue.calendar.empty()) return nullptr;
    const auto it = calendars_.find(queue.calendar);
    return it == calendars_.end() ? nullptr : it->second.get();
}

void Engine::queue_mail(WriteTxn& txn, std::string_view kind, const Queue& queue, const Ticket& ticket,
                        const std::string& recipient, const std::string& raw, std::int64_t now) const {
    OutboxItem item;
    item.kind = std::string(kind);
    item.sender = queue.sender_address;
    item.recipients = {recipient};
    item.raw_id = txn.put_raw(raw);
    item.ticket = ticket.key;
    item.created = now;
    item.next_attempt = now;
    txn.add_outbox(item);
    if (const std::string verp = verp_sender(item.id); !verp.empty()) {
        item.sender = verp;
        txn.update_outbox(item);
    }
    txn.note_generated(recipient, now);  // every kind counts against the per-recipient limit
}

ApprovalMail Engine::approval_mail(const Queue& queue, const Ticket& ticket, const std::string& text,
                                   const std::string& recipient, std::int64_t now) const {
    ApprovalMail m;
    m.config = &config_;
    m.queue = &queue;
    m.ticket = &ticket;
    m.customer = config_.customer_by_id(ticket.customer_id);
    m.request_text = text;
    m.recipient = recipient;
    m.now = now;
    return m;
}

std::optional<std::string> Engine::close(WriteTxn& txn, TicketKey key, std::int64_t now) const {
    auto t = txn.ticket(key);
    if (!t) return std::nullopt;
    const Queue* q = config_.queue_by_num(t->queue);
    if (!q) return std::nullopt;
    const auto next = next_status(t->status, TicketEvent::Closed, *q);
    if (!next) return std::nullopt;
    t->status = *next;
    t->closed_at = now;
    t->updated = std::max(t->updated, now);
    txn.put_ticket(*t);
    std::string why = fmt::format("ticket {} closed", to_string(key));
    if (q->close_summary && !t->opener.empty() &&
        std::find(t->undeliverable.begin(), t->undeliverable.end(), t->opener) == t->undeliverable.end()) {
        queue_mail(txn, "summary", *q, *t, t->opener,
                   build_close_summary(config_, *q, *t, txn.entries(key), config_.customer_by_id(t->customer_id), now), now);
        why += ", summary to " + t->opener;
    }
    return why;
}

std::string Engine::verp_sender(std::uint64_t id) const {
    const std::string& base = config_.global.bounce_address;
    const auto at = base.find('@');
    if (base.empty() || at == std::string::npos || config_.global.secret.empty()) return {};
    return plus_address(base, make_bounce_token(config_.global.secret, id));
}

DeliveryPlan Engine::plan(const ReadTxn& txn, const Envelope& envelope, ParsedMessage message,
                          std::uint64_t raw_size, std::int64_t now) const {
    DeliveryPlan plan;
    plan.message = std::move(message);
    ParsedMessage& msg = plan.message;
    if (const std::size_t stripped = strip_untrusted_control_headers(config_, msg))
        msg.defects.push_back(fmt::format("{} unsigned X-Deskgate-* header(s) stripped", stripped));

    const std::string envelope_sender = normalize_address(envelope.sender);
    const std::string from = msg.from ? msg.from->address : std::string();
    plan.sender = !from.empty() ? from : envelope_sender;
    std::optional<Contact> stored;
    if (!plan.sender.empty()) stored = txn.contact(plan.sender);
    const SenderIdentity who = identify_sender(config_, plan.sender, stored);
    plan.customer_id = std::string(who.customer_id());

    const std::string automated = automated_reason(msg, envelope_sender);
    const std::string loop = loop_reason(config_, msg);
    const RoutingResult routing = evaluate_rules(config_.rules, msg);
    const std::string who_text = describe_sender(who);

    std::vector<Accepted> accepted;
    bool redirect = false;

    for (const std::string& rcpt : envelope.recipients) {
        RecipientDecision& d = plan.recipients.emplace_back();
        d.recipient = rcpt;
        auto decide = [&](const Admission& a) {
            d.verdict = a.verdict;
            d.reply = a.reply;
            d.explanation = a.explanation;
            d.rule = a.rule;
        };
        auto resolved = admit_recipient(config_, rcpt);
        if (auto* refusal = std::get_if<Admission>(&resolved)) {
            decide(*refusal);
            if (refusal->verdict == Verdict::QueueInactive) {
                const std::string address = normalize_address(rcpt);
                if (auto t = resolve_queue(config_, address)) d.queue = t->queue;
            }
            continue;
        }
        const QueueTarget* target = &std::get<QueueTarget>(resolved);
        d.queue = target->queue;
        MessageFacts facts{&who, raw_size, loop, &routing};
        const auto auth = msg.header(kAuthHeader);  // survives only with our signature
        facts.unauthenticated = auth && *auth == kUnauthenticated;
        if (auto refusal = admit_message(config_, *target, facts)) {
            decide(*refusal);
            if (refusal->verdict == Verdict::Redirected) redirect = true;
            continue;
        }
        accepted.push_back(Accepted{plan.recipients.size() - 1, *target});
    }

    if (redirect) {
        OutboxItem item;
        item.kind = "redirect";
        item.sender = config_.global.staff_sender;
        item.recipients = {config_.global.redirect_mailbox};
        item.created = now;
        item.next_attempt = now;
        plan.redirect = std::move(item);
        plan.store_raw = true;
    }
    if (accepted.empty()) return plan;

    TicketPlan& tp = plan.ticket;
    tp.customer_id = plan.customer_id;
    tp.automated = !automated.empty();

    // A journal copy of a staff reply (added by the outbound milter, signed): it goes into the
    // ticket its control headers name, as an outbound message. Unsigned ones were stripped of
    // their control headers above and are refused here: nobody outside can forge staff replies.
    if (std::any_of(accepted.begin(), accepted.end(),
                    [](const Accepted& a) { return a.target.role == AddressRole::Journal; })) {
        const auto direction = msg.header("X-Deskgate-Direction");
        const auto number = msg.header("X-Deskgate-Ticket");
        const auto key = number ? parse_ticket_key(*number) : std::nullopt;
        const auto ticket = key ? txn.ticket(*key) : std::nullopt;
        auto all = [&](Verdict v, const std::string& why, const std::string& text) {
            for (const Accepted& a : accepted) {
                RecipientDecision& d = plan.recipients[a.decision];
                d.verdict = v;
                d.explanation = why;
                d.reply = reply_for(v, text);
                if (ticket) d.ticket = ticket->key;
            }
        };
        const bool token_ok = ticket && std::any_of(accepted.begin(), accepted.end(), [&](const Accepted& a) {
            return a.target.role == AddressRole::Journal &&
                   verify_journal_token(config_.global.secret, ticket->key, msg.message_id, a.target.detail);
        });
        if (!direction || *direction != "outbound" || !ticket || !token_ok) {
            all(Verdict::Refused,
                fmt::format("journal copy without a valid deskgate signature or ticket ({})",
                            number ? std::string(*number) : std::string("no ticket header")),
                "journal copies must carry deskgate's signature");
            return plan;
        }
        for (const MessageRef& ref : txn.find_message_id(msg.message_id)) {
            if (ref.ticket == ticket->key && ref.body_digest == msg.body_digest) {
                all(Verdict::Duplicate, fmt::format("staff reply already journaled in ticket {}", to_string(ticket->key)),
                    fmt::format("already in ticket {}", to_string(ticket->key)));
                return plan;
            }
        }
        const Queue* q = config_.queue_by_num(ticket->queue);
        // The milter rewrote From to the queue's address; the staff member is the envelope sender.
        if (!envelope_sender.empty()) plan.sender = envelope_sender;
        tp.kind = TicketPlan::Kind::Append;
        tp.ticket = ticket->key;
        tp.queue = q ? static_cast<std::size_t>(q - config_.queues.data()) : 0;
        tp.direction = Direction::Outbound;
        tp.new_status = q ? next_status(ticket->status, TicketEvent::OperatorReplied, *q).value_or(ticket->status)
                          : ticket->status;
        tp.explanation = fmt::format("staff reply by {} journaled into ticket {}, status {}", plan.sender,
                                     to_string(ticket->key), to_string(tp.new_status));
        all(Verdict::Appended, tp.explanation, fmt::format("added to ticket {}", to_string(ticket->key)));
        plan.store_raw = true;
        return plan;
    }

    // An approver's decision on a request awaiting approval: mail to the signed approve /
    // decline address of the ticket, from an approver of its customer.
    for (const Accepted& a : accepted) {
        const auto decision = verify_decision_token(config_.global.secret, a.target.detail);
        if (!decision) continue;
        const auto ticket = txn.ticket(decision->ticket);
        if (!ticket || ticket->status != TicketStatus::AwaitingApproval) break;  // decided already: ordinary mail
        const Customer* customer = config_.customer_by_id(ticket->customer_id);
        const bool approver = customer && std::find(customer->approvers.begin(), customer->approvers.end(), plan.sender) !=
                                              customer->approvers.end();
        for (const Accepted& b : accepted) {
            RecipientDecision& d = plan.recipients[b.decision];
            d.ticket = ticket->key;
            if (!approver) {
                d.verdict = Verdict::Refused;
                d.explanation = fmt::format("{} is not an approver of {}: no decision on ticket {}", plan.sender,
                                            ticket->customer_id, to_string(ticket->key));
                d.reply = reply_for(Verdict::Refused, "only the customer's approvers may decide this request");
            }
        }
        if (!approver) return plan;
        const Queue* q = config_.queue_by_num(ticket->queue);
        tp.kind = TicketPlan::Kind::Append;
        tp.ticket = ticket->key;
        tp.queue = q ? static_cast<std::size_t>(q - config_.queues.data()) : 0;
        tp.decision = decision->approve ? TicketPlan::Decision::Approve : TicketPlan::Decision::Decline;
        tp.new_status = decision->approve ? TicketStatus::New : TicketStatus::Closed;
        tp.explanation = fmt::format("{} {} the request in ticket {}", plan.sender,
                                     decision->approve ? "approved" : "declined", to_string(ticket->key));
        for (const Accepted& b : accepted) {
            RecipientDecision& d = plan.recipients[b.decision];
            d.verdict = Verdict::Appended;
            d.explanation = tp.explanation;
            d.reply = reply_for(Verdict::Appended, fmt::format("decision recorded in ticket {}", to_string(ticket->key)));
        }
        plan.store_raw = true;
        return plan;
    }

    // A delivery failure report for mail we sent: to the VERP address (bounces+b<id>-<sig>@),
    // or carrying the Message-ID of one of our messages. It joins that ticket, marks the
    // recipient undeliverable there, and never opens a ticket or gets an answer. Reports we
    // cannot match go on as ordinary (automated) mail: stored, listed, not acknowledged.
    if (std::any_of(accepted.begin(), accepted.end(), [](const Accepted& a) { return a.target.role == AddressRole::Bounce; })) {
        std::optional<TicketKey> key;
        std::string failed, how;
        for (const Accepted& a : accepted) {
            if (a.target.role != AddressRole::Bounce) continue;
            if (auto id = verify_bounce_token(config_.global.secret, a.target.detail)) {
                if (auto item = txn.outbox_item(*id); item && item->ticket) {
                    key = item->ticket;
                    failed = item->recipients.empty() ? "" : item->recipients.front();
                    how = fmt::format("VERP token of outbox item {}", *id);
                    break;
                }
            }
        }
        for (const std::string& id : msg.embedded_message_ids) {
            if (key) break;
            for (const MessageRef& ref : txn.find_message_id(id)) {
                key = ref.ticket;
                how = fmt::format("returned Message-ID <{}>", id);
                break;
            }
            if (!key && id.starts_with("ack.")) {  // our acknowledgements: ack.<ticket>.<sig>@host
                const auto dot = id.find('.', 4);
                if (auto k = dot == std::string::npos ? std::nullopt : parse_ticket_key(id.substr(4, dot - 4));
                    k && acknowledgement_message_id(config_, *k) == id) {
                    key = k;
                    how = fmt::format("returned acknowledgement <{}>", id);
                }
            }
        }
        if (const auto ticket = key ? txn.ticket(*key) : std::nullopt) {
            tp.kind = TicketPlan::Kind::Append;
            tp.ticket = ticket->key;
            tp.queue = config_.queue_by_number.contains(ticket->queue) ? config_.queue_by_number.at(ticket->queue) : 0;
            tp.new_status = ticket->status;
            tp.automated = true;
            tp.mark_undeliverable = failed;
            tp.explanation = fmt::format("delivery failure report for ticket {} ({}){}", to_string(ticket->key), how,
                                         failed.empty() ? "" : ", " + failed + " marked undeliverable");
            for (const Accepted& a : accepted) {
                RecipientDecision& d = plan.recipients[a.decision];
                d.verdict = Verdict::Appended;
                d.ticket = ticket->key;
                d.explanation = tp.explanation;
                d.reply = reply_for(Verdict::Appended, fmt::format("added to ticket {}", to_string(ticket->key)));
            }
            plan.store_raw = true;
            return plan;
        }
    }

    // Same mail (Message-ID and body digest) already stored? Then a recipient whose queue
    // already holds it is a duplicate, and any other recipient only adds a referral.
    std::optional<Ticket> stored_copy;
    for (const MessageRef& ref : txn.find_message_id(msg.message_id)) {
        if (ref.body_digest != msg.body_digest) continue;  // a reused Message-ID: another mail
        if (auto t = txn.ticket(ref.ticket)) {
            stored_copy = std::move(t);
            break;
        }
    }
    if (stored_copy) {
        const Ticket& t = *stored_copy;
        std::vector<std::uint32_t> to_refer;
        for (const Accepted& a : accepted) {
            RecipientDecision& d = plan.recipients[a.decision];
            const Queue& q = config_.queues[a.target.queue];
            d.ticket = t.key;
            const bool held = q.number == t.key.queue || q.number == t.queue ||
                              std::find(t.referrals.begin(), t.referrals.end(), q.number) !=
                                  t.referrals.end() ||
                              std::find(to_refer.begin(), to_refer.end(), q.number) !=
                                  to_refer.end();
            if (held) {
                d.verdict = Verdict::Duplicate;
                d.explanation = fmt::format("{}: Message-ID <{}> with the same body already in "
                                            "ticket {}, stored once",
                                            describe_queue(q), msg.message_id, to_string(t.key));
                d.reply = reply_for(Verdict::Duplicate,
                                    fmt::format("already delivered to ticket {}", to_string(t.key)));
            } else {
                to_refer.push_back(q.number);
                d.verdict = Verdict::Referral;
                d.explanation = fmt::format("{}: same mail already in ticket {}, referral recorded",
                                            describe_queue(q), to_string(t.key));
                d.reply = reply_for(Verdict::Referral,
                                    fmt::format("referred to ticket {}", to_string(t.key)));
            }
        }
        if (!to_refer.empty()) {
            tp.kind = TicketPlan::Kind::Refer;
            tp.ticket = t.key;
            tp.referrals = std::move(to_refer);
            tp.explanation = fmt::format("referral of ticket {}", to_string(t.key));
            plan.store_raw = true;
        }
        return plan;
    }

    // The queue that owns the ticket: first accepted queue in config order (a routing rule's
    // set_queue overrides it); every other accepted queue gets a referral.
    const Accepted* primary = &accepted.front();
    for (const Accepted& a : accepted)
        if (a.target.queue < primary->target.queue) primary = &a;
    std::optional<TicketKey> token_ticket;
    bool bad_token = false;
    for (const Accepted& a : accepted) {
        if (a.target.token_ticket && !token_ticket) token_ticket = a.target.token_ticket;
        bad_token = bad_token || a.target.bad_token;
    }
    const bool is_note = primary->target.role == AddressRole::Comment;

    ThreadResult thread = find_thread(tags_, txn, msg, token_ticket, who);
    if (bad_token) {
        thread.explanation = thread.explanation.empty()
                                 ? std::string("reply token with a bad signature ignored")
                                 : thread.explanation + "; reply token with a bad signature ignored";
    }

    std::size_t ticket_queue = primary->target.queue;
    if (routing.actions.queue) {
        if (auto it = config_.queue_by_number.find(*routing.actions.queue);
            it != config_.queue_by_number.end())
            ticket_queue = it->second;
    }
    const Queue& tq = config_.queues[ticket_queue];
    const std::string rule_text =
        routing.matched.empty() ? std::string()
                                : fmt::format(", rules '{}'", fmt::join(routing.matched, "', '"));

    // Participants: everybody on To/Cc except our own addresses, never-CC aliases and the
    // sender; the sender too when it joins an existing ticket.
    auto participants_for = [&](const Queue& q, const Ticket* existing) {
        std::vector<std::string> out;
        auto consider = [&](const std::string& a) {
            if (a.empty() || a == plan.sender || is_own_address(config_, a) ||
                contains(q.never_cc, a) || contains(out, a))
                return;
            if (existing && (a == existing->opener || contains(existing->participants, a))) return;
            out.push_back(a);
        };
        for (const Mailbox& m : msg.to) consider(m.address);
        for (const Mailbox& m : msg.cc) consider(m.address);
        if (existing && !plan.sender.empty() && !who.staff && plan.sender != existing->opener &&
            !contains(existing->participants, plan.sender) && !is_own_address(config_, plan.sender))
            out.push_back(plan.sender);
        return out;
    };

    // Sets the verdict of every accepted recipient: `verdict` for those of the ticket's own
    // queue (or all, when not creating), a referral for the other queues.
    auto settle = [&](Verdict verdict, const std::string& why, const std::string& text) {
        for (const Accepted& a : accepted) {
            RecipientDecision& d = plan.recipients[a.decision];
            const Queue& q = config_.queues[a.target.queue];
            if (!routing.matched.empty()) d.rule = routing.matched.back();
            const std::string where = fmt::format("{} ({})", describe_queue(q), a.target.how);
            const bool referral = verdict == Verdict::NewTicket &&
                                  a.target.queue != primary->target.queue &&
                                  q.number != tq.number;
            if (!referral) {
                d.verdict = verdict;
                d.explanation = fmt::format("{}, {}{}: {}", where, who_text, rule_text, why);
                d.reply = reply_for(verdict, text);
            } else {
                d.verdict = Verdict::Referral;
                d.explanation = fmt::format("{}, {}: the mail opened a ticket in {}, referral "
                                            "recorded",
                                            where, who_text, describe_queue(tq));
                d.reply = reply_for(Verdict::Referral, "recorded as a referral");
                if (std::find(tp.referrals.begin(), tp.referrals.end(), q.number) ==
                    tp.referrals.end())
                    tp.referrals.push_back(q.number);
            }
        }
    };

    if (is_note) {
        if (!thread.ticket) {
            settle(Verdict::Refused,
                   fmt::format("internal note names no ticket of ours{}",
                               thread.explanation.empty() ? "" : " (" + thread.explanation + ")"),
                   "an internal note must name its ticket (subject tag or reply)");
            return plan;
        }
        tp.kind = TicketPlan::Kind::Note;
        tp.ticket = thread.ticket->key;
        tp.queue = config_.queue_by_number.contains(thread.ticket->queue)
                       ? config_.queue_by_number.at(thread.ticket->queue)
                       : primary->target.queue;
        tp.new_status = thread.ticket->status;
        tp.explanation = fmt::format("internal note on ticket {} ({})",
                                     to_string(thread.ticket->key), thread.explanation);
        settle(Verdict::Note, tp.explanation, "internal note added");
        plan.store_raw = true;
        return plan;
    }

    auto create = [&](std::optional<TicketKey> linked_from, const std::string& why) {
        tp.kind = TicketPlan::Kind::Create;
        tp.queue = ticket_queue;
        tp.category = routing.actions.category.value_or(tq.default_category);
        tp.priority = routing.actions.priority.value_or(tq.default_priority);
        tp.tags = routing.actions.tags;
        tp.assignee = routing.actions.assignee.value_or("");
        tp.linked_from = linked_from;
        const bool needs_approval = !who.staff && who.customer &&
                                    who.customer->authorization == Authorization::Required &&
                                    !who.approver();
        tp.new_status = needs_approval ? TicketStatus::AwaitingApproval : TicketStatus::New;
        if (needs_approval) tp.ask_approvers = who.customer->approvers;
        else if (!who.staff && who.customer && who.customer->authorization == Authorization::Optional && !who.approver())
            tp.inform_approvers = who.customer->approvers;
        tp.participants_to_add = participants_for(tq, nullptr);
        if (!who.staff && who.by == IdentifiedBy::Domain && tq.create_unknown_contacts &&
            !plan.sender.empty()) {
            Contact c;
            c.address = plan.sender;
            c.name = msg.from ? msg.from->name : std::string();
            c.customer_id = plan.customer_id;
            c.queue = tq.number;
            c.created = now;
            tp.new_contact = std::move(c);
        }
        // The acknowledgement: in- or after-hours template of the queue, unless suppressed.
        const BusinessCalendar* calendar = business_calendar(tq);
        tp.ack_in_hours = calendar ? calendar->in_hours(now) : true;
        tp.ack_recipient = acknowledgement_recipient(msg, envelope_sender);
        if (needs_approval) {
            tp.ack_note = "acknowledgement after approval";
        } else if (acknowledgement_template(tq, tp.ack_in_hours).empty()) {
            tp.ack_note = fmt::format("no {} acknowledgement template", tp.ack_in_hours ? "in-hours" : "after-hours");
        } else {
            const std::size_t recent = tp.ack_recipient.empty() ? 0 : txn.generated_since(tp.ack_recipient, now - 3600);
            tp.ack_note = acknowledgement_suppressed(config_, tq, msg, envelope_sender, recent);
            tp.acknowledge = tp.ack_note.empty();
            if (tp.acknowledge)
                tp.ack_note = fmt::format("acknowledged to {} ({})", tp.ack_recipient,
                                          tp.ack_in_hours ? "in hours" : "after hours");
            else
                tp.ack_note = "no acknowledgement: " + tp.ack_note;
        }
        std::string text = why;
        if (needs_approval) text += ", awaiting approval by the customer's approvers";
        if (tp.new_contact) text += ", new contact " + plan.sender;
        if (!tp.category.empty()) text += ", category " + tp.category;
        text += ", " + tp.ack_note;
        tp.explanation = text;
        settle(Verdict::NewTicket, text, "ticket created");
        plan.store_raw = true;
    };

    if (!thread.ticket) {
        create(std::nullopt,
               fmt::format("new ticket in {}{}", describe_queue(tq),
                           thread.explanation.empty() ? "" : " (" + thread.explanation + ")"));
        return plan;
    }

    const Ticket& t = *thread.ticket;
    const Queue* own_queue = config_.queue_by_num(t.queue);
    if (!own_queue) own_queue = &config_.queues[primary->target.queue];
    ReplyOutcome outcome;
    if (who.staff) {
        outcome.kind = ReplyOutcome::Kind::Keep;
        outcome.why = "staff mail, status unchanged";
    } else {
        outcome = on_customer_reply(*own_queue, t, tp.automated, now);
    }
    switch (outcome.kind) {
    case ReplyOutcome::Kind::Refuse:
        settle(Verdict::Refused,
               fmt::format("ticket {} {}: {}", to_string(t.key), thread.explanation, outcome.why),
               fmt::format("ticket {} is closed; please write a new message without its ticket "
                           "number",
                           to_string(t.key)));
        return plan;
    case ReplyOutcome::Kind::NewLinked:
        create(t.key, fmt::format("ticket {} is closed ({}), new ticket in {} linked to it",
                                  to_string(t.key), outcome.why, describe_queue(tq)));
        return plan;
    case ReplyOutcome::Kind::Keep:
    case ReplyOutcome::Kind::Change: break;
    }
    tp.kind = TicketPlan::Kind::Append;
    tp.ticket = t.key;
    tp.queue = config_.queue_by_number.contains(t.queue) ? config_.queue_by_number.at(t.queue)
                                                         : primary->target.queue;
    tp.new_status = outcome.kind == ReplyOutcome::Kind::Change ? outcome.status : t.status;
    tp.participants_to_add = participants_for(*own_queue, &t);
    tp.explanation = fmt::format("joined ticket {} {}; {}", to_string(t.key), thread.explanation,
                                 outcome.why);
    if (tp.automated) tp.explanation += fmt::format(" (automated: {})", automated);
    settle(Verdict::Appended, tp.explanation, fmt::format("added to ticket {}", to_string(t.key)));
    plan.store_raw = true;
    return plan;
}

void Engine::apply(WriteTxn& txn, DeliveryPlan& plan, const Envelope& envelope,
                   std::string_view raw, std::int64_t now) const {
    // Every recipient decision is counted here, in the transaction that stores the message
    // (refusals too: nothing else is written for them); a rolled-back transaction counts nothing.
    // One counter update per distinct verdict (a mail to 50 recipients is one read-modify-write).
    std::vector<std::pair<Verdict, std::uint64_t>> verdicts;
    for (const RecipientDecision& d : plan.recipients) {
        auto it = std::find_if(verdicts.begin(), verdicts.end(), [&](const auto& v) { return v.first == d.verdict; });
        if (it == verdicts.end()) verdicts.emplace_back(d.verdict, 1);
        else ++it->second;
    }
    for (const auto& [verdict, n] : verdicts) txn.count_verdict(to_string(verdict), n);
    if (!plan.store_raw) return;
    const ParsedMessage& msg = plan.message;
    const std::uint64_t raw_id = txn.put_raw(raw);
    std::vector<std::string> recipients;
    for (const RecipientDecision& d : plan.recipients)
        if (d.reply.success()) recipients.push_back(d.recipient);

    auto entry_for = [&](TicketKey key, EntryKind kind, Direction direction) {
        TicketEntry e;
        e.ticket = key;
        e.kind = kind;
        e.direction = direction;
        e.message_id = msg.message_id;
        e.from_address = plan.sender;
        e.from_name = msg.from ? msg.from->name : std::string();
        e.subject = msg.subject;
        e.text_body = msg.text_body;
        e.attachments = msg.attachments;
        e.defects = msg.defects;
        e.body_digest = msg.body_digest;
        e.envelope_sender = normalize_address(envelope.sender);
        e.envelope_recipients = recipients;
        e.explanation = plan.ticket.explanation;
        e.received = now;
        e.raw_id = raw_id;
        e.raw_size = raw.size();
        return e;
    };
    auto add_referral_entries = [&](TicketKey key, const std::vector<std::uint32_t>& queues) {
        for (std::uint32_t number : queues) {
            TicketEntry e = entry_for(key, EntryKind::Referral, Direction::Internal);
            e.message_id.clear();  // the message itself is indexed once, by its Message entry
            const Queue* q = config_.queue_by_num(number);
            e.explanation = fmt::format("also addressed to queue {} {}", number, q ? q->name : "");
            txn.append_entry(e);
        }
    };

    TicketPlan& tp = plan.ticket;
    std::optional<TicketKey> key = tp.ticket;
    switch (tp.kind) {
    case TicketPlan::Kind::None: break;
    case TicketPlan::Kind::Create: {
        const Queue& q = config_.queues[tp.queue];
        Ticket t;
        t.key = txn.allocate_ticket(q.number);
        t.queue = q.number;
        t.subject = msg.subject;
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
        const BusinessCalendar* business = business_calendar(q);
        auto due = [&](std::uint32_t minutes) -> std::int64_t {
            if (minutes == 0) return 0;
            return business ? business->add_business_minutes(now, minutes) : now + std::int64_t{minutes} * 60;
        };
        t.reaction_due = due(q.reaction_minutes);
        t.resolution_due = due(q.resolution_minutes);
        txn.put_ticket(t);
        key = t.key;
        TicketEntry e = entry_for(t.key, EntryKind::Message, Direction::Inbound);
        txn.append_entry(e);
        add_referral_entries(t.key, tp.referrals);
        if (tp.acknowledge) {
            // In the same transaction as the ticket: a crash can neither lose nor double it.
            AcknowledgementInput ack;
            ack.config = &config_;
            ack.queue = &q;
            ack.ticket = &t;
            ack.customer = config_.customer_by_id(t.customer_id);
            ack.original = &msg;
            ack.recipient = tp.ack_recipient;
            ack.in_hours = tp.ack_in_hours;
            ack.now = now;
            queue_mail(txn, "ack", q, t, tp.ack_recipient, build_acknowledgement(ack), now);
        }
        for (const std::string& approver : tp.ask_approvers)
            queue_mail(txn, "approval", q, t, approver, build_approval_request(approval_mail(q, t, msg.text_body, approver, now)), now);
        for (const std::string& approver : tp.inform_approvers)
            queue_mail(txn, "approval-info", q, t, approver, build_approval_notice(approval_mail(q, t, msg.text_body, approver, now)), now);
        break;
    }
    case TicketPlan::Kind::Append:
    case TicketPlan::Kind::Note: {
        auto t = txn.ticket(*tp.ticket);
        if (!t) throw std::runtime_error("ticket " + to_string(*tp.ticket) + " vanished");
        if (tp.kind == TicketPlan::Kind::Append && tp.decision != TicketPlan::Decision::None) {
            const Queue* dq = config_.queue_by_num(t->queue);
            if (dq && tp.decision == TicketPlan::Decision::Decline) {
                t->closed_at = now;
                queue_mail(txn, "declined", *dq, *t, t->opener,
                           build_decline_notice(approval_mail(*dq, *t, "", t->opener, now), plan.sender), now);
            } else if (dq) {
                // Approved: the requester now gets the acknowledgement the request was waiting for.
                const auto first = txn.entries(t->key);
                ParsedMessage original;
                if (!first.empty()) {
                    original.message_id = first.front().message_id;
                    original.subject = first.front().subject;
                    original.text_body = first.front().text_body;
                    original.from = Mailbox{first.front().from_name, first.front().from_address};
                }
                const BusinessCalendar* calendar = business_calendar(*dq);
                const bool in_hours = calendar ? calendar->in_hours(now) : true;
                if (!acknowledgement_template(*dq, in_hours).empty() && !t->opener.empty()) {
                    AcknowledgementInput ack;
                    ack.config = &config_;
                    ack.queue = dq;
                    Ticket opened = *t;
                    opened.status = tp.new_status;
                    ack.ticket = &opened;
                    ack.customer = config_.customer_by_id(t->customer_id);
                    ack.original = &original;
                    ack.recipient = t->opener;
                    ack.in_hours = in_hours;
                    ack.now = now;
                    queue_mail(txn, "ack", *dq, *t, t->opener, build_acknowledgement(ack), now);
                }
            }
        }
        if (tp.kind == TicketPlan::Kind::Append) {
            if (!tp.mark_undeliverable.empty() && !contains(t->undeliverable, tp.mark_undeliverable))
                t->undeliverable.push_back(tp.mark_undeliverable);
            t->status = tp.new_status;
            if (t->status != TicketStatus::Closed) t->closed_at = 0;
            for (const std::string& p : tp.participants_to_add)
                if (!contains(t->participants, p)) t->participants.push_back(p);
        }
        t->updated = std::max(t->updated, now);
        txn.put_ticket(*t);
        TicketEntry e = tp.kind == TicketPlan::Kind::Note
                            ? entry_for(t->key, EntryKind::Note, Direction::Internal)
                            : entry_for(t->key, EntryKind::Message, tp.direction);
        txn.append_entry(e);
        break;
    }
    case TicketPlan::Kind::Refer: {
        auto t = txn.ticket(*tp.ticket);
        if (!t) throw std::runtime_error("ticket " + to_string(*tp.ticket) + " vanished");
        for (std::uint32_t n : tp.referrals)
            if (std::find(t->referrals.begin(), t->referrals.end(), n) == t->referrals.end())
                t->referrals.push_back(n);
        t->updated = std::max(t->updated, now);
        txn.put_ticket(*t);
        add_referral_entries(t->key, tp.referrals);
        break;
    }
    }
    if (tp.new_contact) txn.put_contact(*tp.new_contact);
    if (plan.redirect) {
        plan.redirect->raw_id = raw_id;
        txn.add_outbox(*plan.redirect);
    }

    if (!key) return;
    tp.ticket = key;
    const std::string number = to_string(*key);
    for (RecipientDecision& d : plan.recipients) {
        switch (d.verdict) {
        case Verdict::NewTicket:
            d.ticket = key;
            d.explanation = fmt::format("ticket {}: {}", number, d.explanation);
            d.reply.text = fmt::format("ticket {} created", number);
            break;
        case Verdict::Appended:
        case Verdict::Note:
        case Verdict::Referral:
            d.ticket = key;
            if (d.explanation.find(number) == std::string::npos)
                d.explanation = fmt::format("ticket {}: {}", number, d.explanation);
            d.reply.text = fmt::format("{} ticket {}",
                                       d.verdict == Verdict::Appended ? "added to"
                                       : d.verdict == Verdict::Note   ? "note added to"
                                                                      : "referral recorded in",
                                       number);
            break;
        default: break;
        }
    }
}

namespace {

// Every recipient answered with the failure of the whole delivery.
DeliveryPlan failed_plan(const Envelope& envelope, ParsedMessage parsed, const StoreError& error) {
    DeliveryPlan result;
    result.message = std::move(parsed);
    const bool internal = error.internal;
    for (const std::string& rcpt : envelope.recipients) {
        RecipientDecision& d = result.recipients.emplace_back();
        d.recipient = rcpt;
        d.verdict = internal ? Verdict::InternalError : Verdict::StoreUnavailable;
        d.explanation = fmt::format("{}: {}", internal ? "internal error" : "store unavailable", error.message);
        d.reply = reply_for(d.verdict, internal ? "internal error, try again later"
                                                : "ticket store unavailable, try again later");
    }
    return result;
}

}  // namespace

DeliveryPlan Engine::deliver(Store& store, const Envelope& envelope, std::string_view raw,
                             std::int64_t now) const {
    std::vector<DeliveryInput> one;
    one.push_back(DeliveryInput{envelope, raw, parse_message(raw), now});
    return std::move(deliver_batch(store, one).front());
}

std::vector<DeliveryPlan> Engine::deliver_batch(Store& store, const std::vector<DeliveryInput>& inputs) const {
    std::vector<DeliveryPlan> results(inputs.size());
    std::vector<std::function<void(WriteTxn&)>> writes;
    writes.reserve(inputs.size());
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        writes.emplace_back([this, &inputs, &results, i](WriteTxn& txn) {
            const DeliveryInput& in = inputs[i];
            results[i] = plan(txn, in.envelope, in.parsed, in.raw.size(), in.now);
            apply(txn, results[i], in.envelope, in.raw, in.now);
        });
    }
    const auto errors = store.write_each(writes);
    for (std::size_t i = 0; i < inputs.size(); ++i)
        if (errors[i]) results[i] = failed_plan(inputs[i].envelope, inputs[i].parsed, *errors[i]);
    return results;
}

DeliveryPlan Engine::dry_run(const Store& store, const Envelope& envelope, std::string_view raw,
                             std::int64_t now) const {
    ParsedMessage parsed = parse_message(raw);
    DeliveryPlan result;
    auto error = store.read([&](const ReadTxn& txn) {
        result = plan(txn, envelope, parsed, raw.size(), now);
    });
    if (!error) return result;
    result = DeliveryPlan{};
    result.message = std::move(parsed);
    for (const std::string& rcpt : envelope.recipients) {
        RecipientDecision& d = result.recipients.emplace_back();
        d.recipient = rcpt;
        d.verdict = Verdict::StoreUnavailable;
        d.explanation = "store unavailable: " + error->message;
        d.reply = reply_for(d.verdict, "ticket store unavailable, try again later");
    }
    return result;
}

}  // namespace deskgate
