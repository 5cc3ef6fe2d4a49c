// closed_reply.cpp - a reply to a closed ticket, where the queue says so: a new ticket linked
// to the closed one, or (policy `refuse`) the mail is held for staff instead of bounced, since
// that the ticket is closed is only known after the store is read and the sender may be forged.
#include <fmt/format.h>

#include "core/decision/deciders.hpp"
#include "core/decision/deciders/reply_outcome.hpp"
#include "core/policy/admission.hpp"

namespace deskgate {

std::optional<Outcome> decide_closed_reply(const Context& ctx) {
    const ThreadResult& thread = ctx.thread();
    if (!thread.ticket) return std::nullopt;
    const Ticket& t = *thread.ticket;
    const ReplyOutcome outcome = reply_outcome(ctx, t);
    if (outcome.kind == ReplyOutcome::Kind::NewLinked)
        return create_ticket(ctx, t.key,
                             fmt::format("ticket {} is closed ({}), new ticket in {} linked to it", to_string(t.key),
                                         outcome.why, describe_queue(ctx.config.queues[ctx.ticket_queue()])));
    if (outcome.kind != ReplyOutcome::Kind::Refuse) return std::nullopt;
    Outcome o;
    o.verdict = Verdict::Held;
    o.ticket = t.key;
    o.why = fmt::format("ticket {} {}: {}; held for staff, not bounced", to_string(t.key), thread.explanation, outcome.why);
    o.text = fmt::format("ticket {} is closed; please write a new message without its ticket number", to_string(t.key));
    return o;
}

}  // namespace deskgate
