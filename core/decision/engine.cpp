// engine.cpp - the per-message decision as a pipeline (see engine.hpp and core/README.md):
// gather_facts() -> admission of every recipient (core/policy/admission) -> the deciders of
// deciders.hpp, first one that decides wins -> settle(). A message opens at most one ticket;
// every other helpdesk queue it was addressed to gets a referral in that ticket. apply()
// (apply.cpp) executes the plan; nothing here writes.
#include "core/decision/engine.hpp"

#include <algorithm>
#include <exception>

#include <fmt/format.h>

#include "core/base/address.hpp"
#include "core/compose/approval.hpp"
#include "core/compose/close_summary.hpp"
#include "core/decision/deciders.hpp"
#include "core/decision/settle.hpp"
#include "core/model/token.hpp"
#include "core/policy/admission.hpp"
#include "core/policy/fetched_recipient.hpp"
#include "core/policy/generated_limit.hpp"
#include "core/policy/lifecycle.hpp"
#include "core/policy/return_path.hpp"
#include "core/store/empty_txn.hpp"

namespace deskgate {

Engine::Engine(const Config& config) : config_(config), compiled_(config) {}

Engine::~Engine() = default;

bool Engine::queue_mail(WriteTxn& txn, std::string_view kind, const Queue& queue, const Ticket* ticket,
                        const std::vector<std::string>& recipients, const std::string& raw, std::int64_t now) const {
    std::vector<std::string> to;
    for (const std::string& r : recipients)
        if (generated_cap(config_, txn, kind, r, now).empty()) to.push_back(r);
    if (to.empty()) return false;
    OutboxItem item;
    item.kind = std::string(kind);
    item.sender = queue.sender_address;
    item.recipients = to;
    item.raw_id = txn.put_raw(raw);
    if (ticket) item.ticket = ticket->key;
    item.created = now;
    item.next_attempt = now;
    txn.add_outbox(item);
    // The VERP token needs the item's id: the return path is set once the item has one.
    if (std::string sender = return_path(config_, queue, item.id); sender != item.sender) {
        item.sender = std::move(sender);
        txn.update_outbox(item);
    }
    for (const std::string& r : to) txn.note_generated(generated_limit(config_, kind, r).key, now);
    return true;
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

std::optional<std::string> Engine::close(WriteTxn& txn, TicketKey key, std::int64_t now, const Actor& by) const {
    auto t = txn.ticket(key);
    if (!t) return std::nullopt;
    const Queue* q = config_.queue_by_num(t->queue);
    if (!q) return std::nullopt;
    const auto next = next_status(t->status, TicketEvent::Closed, *q);
    if (!next) return std::nullopt;
    t->status = *next;
    t->status_since = now;
    t->closed_at = now;
    record_event(txn, *t, by, "closed", now);
    std::string why = fmt::format("ticket {} closed", to_string(key));
    if (q->close_summary && !t->opener.empty() &&
        std::find(t->undeliverable.begin(), t->undeliverable.end(), t->opener) == t->undeliverable.end()) {
        if (const std::string capped = generated_cap(config_, txn, "summary", t->opener, now); !capped.empty()) {
            why += fmt::format(", no summary to {}: {}", t->opener, capped);
        } else {
            queue_mail(txn, "summary", *q, *t, t->opener,
                       build_close_summary(config_, *q, *t, txn.entries(key), config_.customer_by_id(t->customer_id), now),
                       now);
            why += ", summary to " + t->opener;
        }
    }
    return why;
}

std::string Engine::verp_sender(std::uint64_t id) const {
    return verp_address(config_, config_.global.bounce_address, id);
}

namespace {

// Admission of every envelope recipient (core/policy/admission): refusals are final, the
// others take part in the ticket decision.
std::vector<Accepted> admit_all(const Config& config, const Facts& facts, const Envelope& envelope,
                                DeliveryPlan& plan) {
    std::vector<Accepted> accepted;
    for (const std::string& rcpt : envelope.recipients) {
        RecipientDecision& d = plan.recipients.emplace_back();
        d.recipient = rcpt;
        // Fetched mail came to the queue's address; the plus-address (reply token) it was sent to
        // is read from the headers the provider kept.
        const std::string address = envelope.fetched ? fetched_recipient(*facts.message, rcpt) : rcpt;
        auto resolved = admit_recipient(config, address);
        if (auto* a = std::get_if<Admission>(&resolved); a && envelope.fetched) hold_fetched_refusal(*a);
        const Admission* refusal = std::get_if<Admission>(&resolved);
        std::optional<Admission> message_refusal;
        if (!refusal) {
            const QueueTarget& target = std::get<QueueTarget>(resolved);
            d.queue = target.queue;
            const MessageFacts mf{&facts.who,     facts.raw_size,      facts.loop,
                                  &facts.routing, facts.authenticated,
                                  envelope.fetched ? MessageFacts::Stage::Fetched : MessageFacts::Stage::Delivery};
            message_refusal = admit_message(config, target, mf);
            if (!message_refusal) {
                accepted.push_back(Accepted{plan.recipients.size() - 1, target});
                continue;
            }
            refusal = &*message_refusal;
        } else if (refusal->verdict == Verdict::QueueInactive) {
            if (auto t = resolve_queue(config, normalize_address(address))) d.queue = t->queue;
        }
        d.verdict = refusal->verdict;
        d.reply = refusal->reply;
        d.explanation = refusal->explanation;
        d.rule = refusal->rule;
    }
    return accepted;
}

}  // namespace

DeliveryPlan Engine::plan(const ReadTxn& txn, const Envelope& envelope, ParsedMessage message,
                          std::uint64_t raw_size, std::int64_t now) const {
    DeliveryPlan plan;
    plan.message = std::move(message);
    const Facts facts = gather_facts(config_, txn, envelope, plan.message, raw_size, now);
    plan.sender = facts.sender;
    plan.customer_id = std::string(facts.who.customer_id());
    const std::vector<Accepted> accepted = admit_all(config_, facts, envelope, plan);
    if (!accepted.empty()) {
        const Context ctx{config_, compiled_, txn, facts, accepted};
        for (const Decider decide : kDeciders) {
            if (auto outcome = decide(ctx)) {
                settle(ctx, std::move(*outcome), plan);
                break;
            }
        }
    }
    plan_forward(config_, plan, now);
    return plan;
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

// The LMTP session could not take the message (too big, spool failure): every recipient gets
// that verdict, counted like any other.
DeliveryPlan session_failure_plan(const DeliveryInput& in) {
    DeliveryPlan result;
    const bool too_big = in.failure == SessionFailure::TooBig;
    for (const std::string& rcpt : in.envelope.recipients) {
        RecipientDecision& d = result.recipients.emplace_back();
        d.recipient = rcpt;
        d.verdict = too_big ? Verdict::TooBig : Verdict::SpoolFailed;
        d.explanation = too_big ? fmt::format("message exceeds the size limit of {} bytes", in.max_size)
                                : std::string("cannot spool the message");
        d.reply = reply_for(d.verdict, too_big ? fmt::format("message exceeds the size limit of {} bytes", in.max_size)
                                               : std::string("cannot spool the message, try again later"));
    }
    return result;
}

}  // namespace

DeliveryPlan Engine::deliver(Store& store, const Envelope& envelope, std::string_view raw,
                             std::int64_t now) const {
    std::vector<DeliveryInput> one(1);
    one[0].envelope = envelope;
    one[0].raw = raw;
    one[0].parsed = parse_message(raw);
    one[0].now = now;
    return std::move(deliver_batch(store, one).front());
}

std::vector<DeliveryPlan> Engine::deliver_batch(Store& store, const std::vector<DeliveryInput>& inputs) const {
    std::vector<DeliveryPlan> results(inputs.size());
    std::vector<std::function<void(WriteTxn&)>> writes;
    writes.reserve(inputs.size());
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        writes.emplace_back([this, &inputs, &results, i](WriteTxn& txn) {
            const DeliveryInput& in = inputs[i];
            results[i] = in.failure == SessionFailure::None ? plan(txn, in.envelope, in.parsed, in.raw.size(), in.now)
                                                             : session_failure_plan(in);
            results[i].rcpt_refusals = in.rcpt_refusals;
            const std::size_t queued = txn.outbox_added();
            apply(txn, results[i], in.envelope, in.raw, in.now);
            results[i].queued_mail = txn.outbox_added() > queued;
        });
    }
    const auto errors = store.write_each(writes);
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        if (!errors[i]) continue;
        // The session's own failure keeps its answer (only its count is lost with the store).
        results[i] = inputs[i].failure == SessionFailure::None ? failed_plan(inputs[i].envelope, inputs[i].parsed, *errors[i])
                                                                : session_failure_plan(inputs[i]);
    }
    return results;
}

DeliveryPlan Engine::dry_run_without_store(const Envelope& envelope, std::string_view raw, std::int64_t now) const {
    DeliveryPlan result = plan(empty_read_txn(), envelope, parse_message(raw), raw.size(), now);
    render_replies(result);
    return result;
}

DeliveryPlan Engine::dry_run(const Store& store, const Envelope& envelope, std::string_view raw,
                             std::int64_t now) const {
    ParsedMessage parsed = parse_message(raw);
    DeliveryPlan result;
    auto error = store.read([&](const ReadTxn& txn) {
        result = plan(txn, envelope, parsed, raw.size(), now);
    });
    if (!error) {
        render_replies(result);  // as apply() would, with the ticket numbers known so far
        return result;
    }
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
