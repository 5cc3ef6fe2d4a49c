// reply_outcome.hpp - what a mail that threads into an existing ticket does to it (shared by
// the closed-reply and append deciders): staff mail keeps the status, a customer's reply
// follows the queue's life-cycle rules (core/policy/lifecycle.hpp).
#pragma once

#include "core/decision/context.hpp"
#include "core/policy/lifecycle.hpp"

namespace deskgate {

inline const Queue& own_queue(const Context& ctx, const Ticket& t) {
    const Queue* q = ctx.config.queue_by_num(t.queue);
    return q ? *q : ctx.config.queues[ctx.primary().target.queue];
}

inline ReplyOutcome reply_outcome(const Context& ctx, const Ticket& t) {
    if (ctx.facts.who.staff) {
        ReplyOutcome keep;
        keep.kind = ReplyOutcome::Kind::Keep;
        keep.why = "staff mail, status unchanged";
        return keep;
    }
    return on_customer_reply(own_queue(ctx, t), t, !ctx.facts.automated.empty(), ctx.facts.now);
}

}  // namespace deskgate
