// lifecycle.cpp - see lifecycle.hpp.
#include "core/policy/lifecycle.hpp"

#include <fmt/format.h>

namespace deskgate {

std::optional<TicketStatus> next_status(TicketStatus current, TicketEvent event, const Queue& queue) {
    using S = TicketStatus;
    switch (event) {
    case TicketEvent::Assigned:
        if (current == S::New || current == S::Open || current == S::Waiting) return S::Open;
        return std::nullopt;
    case TicketEvent::OperatorReplied:
        if (current == S::AwaitingApproval) return std::nullopt;
        return S::Waiting;
    case TicketEvent::CustomerReplied:
        if (current == S::New || current == S::AwaitingApproval) return current;
        return queue.status_on_customer_reply;
    case TicketEvent::Closed:
        if (current == S::Closed) return std::nullopt;
        return S::Closed;
    case TicketEvent::Approved:
        if (current == S::AwaitingApproval) return S::New;
        return std::nullopt;
    case TicketEvent::Declined:
        if (current == S::AwaitingApproval) return S::Closed;
        return std::nullopt;
    }
    return std::nullopt;
}

ReplyOutcome on_customer_reply(const Queue& queue, const Ticket& ticket, bool automated,
                               std::int64_t now) {
    using K = ReplyOutcome::Kind;
    if (ticket.status == TicketStatus::Closed) {
        switch (queue.on_closed_reply) {
        case ClosedReplyPolicy::Refuse:
            return {K::Refuse, ticket.status, fmt::format("ticket {} is closed", to_string(ticket.key))};
        case ClosedReplyPolicy::NewTicket:
            return {K::NewLinked, TicketStatus::New,
                    fmt::format("ticket {} is closed: follow-up ticket", to_string(ticket.key))};
        case ClosedReplyPolicy::Reopen: {
            const std::int64_t window = std::int64_t{queue.reopen_days} * 86400;
            if (now - ticket.closed_at > window)
                return {K::NewLinked, TicketStatus::New,
                        fmt::format("ticket {} closed more than {} days ago: follow-up ticket",
                                    to_string(ticket.key), queue.reopen_days)};
            if (automated) break;  // an out-of-office never reopens
            return {K::Change, queue.status_on_customer_reply,
                    fmt::format("reopened as {}", to_string(queue.status_on_customer_reply))};
        }
        }
    }
    if (automated) return {K::Keep, ticket.status, "automated mail: status unchanged"};
    auto next = next_status(ticket.status, TicketEvent::CustomerReplied, queue);
    if (!next || *next == ticket.status) return {K::Keep, ticket.status, "status unchanged"};
    return {K::Change, *next, fmt::format("status {} -> {}", to_string(ticket.status), to_string(*next))};
}

}  // namespace deskgate
