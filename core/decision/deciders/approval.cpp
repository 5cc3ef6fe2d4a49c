// approval.cpp - an approver's decision on a request awaiting approval (BRIEF rule 8): mail to
// the signed approve / decline address of the ticket, from an approver of its customer. An
// approval sends the requester the acknowledgement the request was waiting for, under the same
// rules as any acknowledgement (automated mail, exceptions, the per-recipient limit, an address
// known to be undeliverable), to the acknowledgement recipient of the original request.
#include <algorithm>

#include <fmt/format.h>

#include "core/compose/acknowledgement.hpp"
#include "core/decision/deciders.hpp"
#include "core/model/token.hpp"
#include "core/policy/generated_limit.hpp"

namespace deskgate {
namespace {

// The request as it arrived (its raw bytes are kept), for the acknowledgement's recipient,
// suppression checks and quoting.
std::optional<ParsedMessage> original_request(const ReadTxn& txn, const Ticket& ticket, std::string& envelope_sender) {
    const auto entries = txn.entries(ticket.key);
    if (entries.empty()) return std::nullopt;
    envelope_sender = entries.front().envelope_sender;
    const auto raw = txn.raw(entries.front().raw_id);
    if (!raw) return std::nullopt;
    return parse_message(*raw);
}

AckPlan acknowledgement_after_approval(const Context& ctx, const Queue& q, const Ticket& t) {
    AckPlan ack;
    const BusinessCalendar* calendar = ctx.compiled.calendar(q);
    ack.in_hours = calendar ? calendar->in_hours(ctx.facts.now) : true;
    std::string envelope_sender;
    auto original = original_request(ctx.txn, t, envelope_sender);
    if (!original) {
        ack.note = "no acknowledgement: the original request is not stored";
        return ack;
    }
    ack.recipient = acknowledgement_recipient(*original, envelope_sender);
    std::string suppressed;
    if (acknowledgement_template(q, ack.in_hours).empty())
        suppressed = fmt::format("no {} acknowledgement template", ack.in_hours ? "in-hours" : "after-hours");
    else if (ack.recipient.empty())
        suppressed = "no recipient";
    else if (std::find(t.undeliverable.begin(), t.undeliverable.end(), ack.recipient) != t.undeliverable.end())
        suppressed = fmt::format("{} is known to be undeliverable", ack.recipient);
    else
        suppressed = acknowledgement_suppressed(ctx.config, q, *original, envelope_sender,
                                                ctx.txn.generated_since(ack.recipient, ctx.facts.now - 3600));
    ack.send = suppressed.empty();
    ack.note = ack.send ? fmt::format("acknowledged to {} ({})", ack.recipient, ack.in_hours ? "in hours" : "after hours")
                        : "no acknowledgement: " + suppressed;
    if (ack.send) ack.original = std::move(original);
    return ack;
}

}  // namespace

std::optional<Outcome> decide_approval(const Context& ctx) {
    for (const Accepted& a : ctx.accepted) {
        const auto decision = verify_decision_token(ctx.config.global.secret, a.target.detail);
        if (!decision) continue;
        const auto ticket = ctx.txn.ticket(decision->ticket);
        if (!ticket || ticket->status != TicketStatus::AwaitingApproval) return std::nullopt;  // decided already
        const Customer* customer = ctx.config.customer_by_id(ticket->customer_id);
        const std::string& sender = ctx.facts.sender;
        const bool approver = customer && std::find(customer->approvers.begin(), customer->approvers.end(), sender) !=
                                              customer->approvers.end();
        Outcome o;
        o.plain = true;
        o.ticket = ticket->key;
        if (!approver) {
            o.verdict = Verdict::Refused;
            o.why = fmt::format("{} is not an approver of {}: no decision on ticket {}", sender, ticket->customer_id,
                                to_string(ticket->key));
            o.text = "only the customer's approvers may decide this request";
            return o;
        }
        TicketPlan& tp = o.plan;
        tp.kind = TicketPlan::Kind::Append;
        tp.ticket = ticket->key;
        tp.customer_id = std::string(ctx.facts.who.customer_id());
        tp.queue = ctx.queue_index(*ticket);
        tp.decision = decision->approve ? TicketPlan::Decision::Approve : TicketPlan::Decision::Decline;
        tp.new_status = decision->approve ? TicketStatus::New : TicketStatus::Closed;
        tp.explanation = fmt::format("{} {} the request in ticket {}", sender, decision->approve ? "approved" : "declined",
                                     to_string(ticket->key));
        if (decision->approve) {
            tp.ack = acknowledgement_after_approval(ctx, ctx.config.queues[tp.queue], *ticket);
            tp.notify = NotifyEvent::ApprovalGranted;
            tp.explanation += ", " + tp.ack.note;
        } else if (!ticket->opener.empty()) {
            const std::string capped = generated_cap(ctx.config, ctx.txn, "declined", ticket->opener, ctx.facts.now);
            tp.decline_notice = capped.empty();
            tp.explanation += capped.empty() ? ", the requester is told"
                                             : fmt::format(", no decline notice to {}: {}", ticket->opener, capped);
        }
        o.verdict = Verdict::Appended;
        o.why = tp.explanation;
        o.store = true;
        return o;
    }
    return std::nullopt;
}

}  // namespace deskgate
