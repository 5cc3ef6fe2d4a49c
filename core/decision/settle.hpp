// settle.hpp - the one place where per-recipient verdicts are set from an outcome, and where
// their replies are rendered (once, after apply() knows the ticket number).
#pragma once

#include "core/decision/context.hpp"

namespace deskgate {

// Sets the verdict and explanation of every accepted recipient from `outcome`: its verdict
// for those of the ticket's own queue (or all, when not creating), a referral for the other
// queues of a new ticket. Refusals and held mail get their reply now, the rest in
// render_replies(). Takes the outcome's ticket plan into `plan`.
void settle(const Context& ctx, Outcome outcome, DeliveryPlan& plan);

// A copy of the mail for a person (redirect mailbox) when any recipient was redirected or
// held; a held copy without a mailbox stays in the outbox in state "held" (deskgate outbox).
void plan_forward(const Config& config, DeliveryPlan& plan, std::int64_t now);

// The replies of the verdicts that name a ticket ("ticket 10-1 created", "added to ticket
// 10-1", ...), from the final ticket number. Every other reply was rendered when decided.
void render_replies(DeliveryPlan& plan);

}  // namespace deskgate
