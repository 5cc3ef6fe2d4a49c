// approval.cpp - an approver's decision on a request awaiting approval (BRIEF rule 8): mail to
// the signed approve / decline / answer address of the ticket, from an approver of its
// customer. The answer's first word decides on the answer address (the request's Reply-To),
// and must not contradict the approve or decline address (core/policy/approval_answer.hpp);
// an answer that decides nothing is kept as an internal note and the approver is asked for an
// explicit answer (an automatic reply is neither: it decides nothing and is asked nothing). An
// approval sends the requester the acknowledgement the request was waiting for, under the same
// rules as any acknowledgement (automated mail, exceptions, the per-recipient limit, an address
// known to be undeliverable), to the acknowledgement recipient of the original request.
#include <algorithm>

#include <fmt/format.h>

#include "core/compose/acknowledgement.hpp"
#include "core/decision/deciders.hpp"
#include "core/model/token.hpp"
#include "core/policy/approval_answer.hpp"
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

// What the approver's mail decides: the address's own word (approve, decline) unless the answer
// says the opposite; on the neutral answer address, the answer's word. nullopt: nothing, and
// `unclear` says why.
std::optional<bool> decided(DecisionKind address, ApprovalAnswer answer, std::string& unclear) {
    switch (address) {
    case DecisionKind::Approve:
        if (answer != ApprovalAnswer::Decline) return true;
        unclear = "it went to the approve address but its first line declines";
        return std::nullopt;
    case DecisionKind::Decline:
        if (answer != ApprovalAnswer::Approve) return false;
        unclear = "it went to the decline address but its first line approves";
        return std::nullopt;
    case DecisionKind::Answer:
        if (answer != ApprovalAnswer::Unclear) return answer == ApprovalAnswer::Approve;
        unclear = "its first line says neither approve nor decline";
        return std::nullopt;
    }
    return std::nullopt;
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
        o.store = true;
        // An automatic reply (out of office) decides nothing and is asked nothing: no loop with a robot.
        std::string unclear;
        const std::optional<bool> approve =
            ctx.facts.automated.empty() ? decided(decision->kind, read_approval_answer(ctx.message().text_body), unclear)
                                        : std::nullopt;
        if (!approve) {
            tp.kind = TicketPlan::Kind::Note;  // kept in the ticket for staff, nothing changes
            tp.new_status = ticket->status;
            tp.automated = !ctx.facts.automated.empty();
            if (tp.automated) {
                tp.explanation = fmt::format("automatic reply from approver {} ({}): no decision on ticket {}", sender,
                                             ctx.facts.automated, to_string(ticket->key));
            } else {
                const std::string capped = generated_cap(ctx.config, ctx.txn, "approval-question", sender, ctx.facts.now);
                if (capped.empty()) tp.approval_question = unclear;
                tp.explanation = fmt::format("{}'s answer neither approves nor declines the request in ticket {} ({}): "
                                             "nothing decided, {}", sender, to_string(ticket->key), unclear,
                                             capped.empty() ? "asked for an explicit answer" : "no question: " + capped);
            }
            o.verdict = Verdict::Note;
            o.why = tp.explanation;
            return o;
        }
        tp.decision = *approve ? TicketPlan::Decision::Approve : TicketPlan::Decision::Decline;
        tp.new_status = *approve ? TicketStatus::New : TicketStatus::Closed;
        tp.explanation = fmt::format("{} {} the request in ticket {}", sender, *approve ? "approved" : "declined",
                                     to_string(ticket->key));
        if (*approve) {
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
        return o;
    }
    return std::nullopt;
}

}  // namespace deskgate
