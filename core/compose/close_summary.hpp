// close_summary.hpp - the mail a requester may get when a ticket is closed: the whole
// correspondence (messages in order, internal notes left out) and the queue's optional NPS
// survey text.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/model/config.hpp"
#include "core/model/ticket.hpp"

namespace deskgate {

std::string build_close_summary(const Config& config, const Queue& queue, const Ticket& ticket,
                                const std::vector<TicketEntry>& entries, const Customer* customer, std::int64_t now);

}  // namespace deskgate
