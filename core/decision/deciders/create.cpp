// create.cpp - the last decider: a mail that names no ticket of ours opens one in the queue
// the routing rules chose (the first addressed queue otherwise); every other addressed queue
// gets a referral in it.
#include <fmt/format.h>

#include "core/decision/deciders.hpp"
#include "core/policy/admission.hpp"

namespace deskgate {

std::optional<Outcome> decide_create(const Context& ctx) {
    const ThreadResult& thread = ctx.thread();
    return create_ticket(ctx, std::nullopt,
                         fmt::format("new ticket in {}{}", describe_queue(ctx.config.queues[ctx.ticket_queue()]),
                                     thread.explanation.empty() ? "" : " (" + thread.explanation + ")"));
}

}  // namespace deskgate
