// lifecycle.hpp - ticket life cycle (BRIEF rule 7): new -> open (operator assigned) ->
// waiting (operator replied) -> closed; a customer reply re-opens or moves the ticket to the
// queue's configured status; awaiting-approval waits for an approver (BRIEF rule 8).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/model/config.hpp"
#include "core/model/ticket.hpp"

namespace deskgate {

enum class TicketEvent { Assigned, OperatorReplied, CustomerReplied, Closed, Approved, Declined };

// The status after `event`, or nullopt when the event is not allowed in `current`.
std::optional<TicketStatus> next_status(TicketStatus current, TicketEvent event, const Queue& queue);

// What a customer's mail does to an existing ticket.
struct ReplyOutcome {
    enum class Kind {
        Keep,        // joins, status unchanged
        Change,      // joins, status becomes `status`
        NewLinked,   // a closed ticket: open a new ticket linked to it
        Refuse,      // a closed ticket whose queue refuses replies
    } kind = Kind::Keep;
    TicketStatus status = TicketStatus::Open;
    std::string why;
};

// `automated`: an auto-reply joins but never changes status or owner.
ReplyOutcome on_customer_reply(const Queue& queue, const Ticket& ticket, bool automated,
                               std::int64_t now);

}  // namespace deskgate
