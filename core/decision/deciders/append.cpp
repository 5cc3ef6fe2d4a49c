// append.cpp - a reply that threads into its ticket (BRIEF rule 5) joins it: the status
// follows the queue's rules for a customer's reply (staff mail keeps it), new To/Cc addresses
// become participants. Automated replies join without changing status or owner.
#include <fmt/format.h>

#include "core/decision/deciders.hpp"
#include "core/decision/deciders/reply_outcome.hpp"

namespace deskgate {

std::optional<Outcome> decide_append(const Context& ctx) {
    const ThreadResult& thread = ctx.thread();
    if (!thread.ticket) return std::nullopt;
    const Ticket& t = *thread.ticket;
    const ReplyOutcome outcome = reply_outcome(ctx, t);
    Outcome o;
    o.verdict = Verdict::Appended;
    o.ticket = t.key;
    o.store = true;
    TicketPlan& tp = o.plan;
    tp.kind = TicketPlan::Kind::Append;
    tp.ticket = t.key;
    tp.customer_id = std::string(ctx.facts.who.customer_id());
    tp.automated = !ctx.facts.automated.empty();
    tp.queue = ctx.queue_index(t);
    tp.new_status = outcome.kind == ReplyOutcome::Kind::Change ? outcome.status : t.status;
    tp.participants_to_add = participants_for(ctx, own_queue(ctx, t), &t);
    tp.explanation = fmt::format("joined ticket {} {}; {}", to_string(t.key), thread.explanation, outcome.why);
    if (tp.automated) tp.explanation += fmt::format(" (automated: {})", ctx.facts.automated);
    else if (!ctx.facts.who.staff) tp.notify = NotifyEvent::CustomerReply;  // a robot's mail tells nobody
    o.why = tp.explanation;
    return o;
}

}  // namespace deskgate
