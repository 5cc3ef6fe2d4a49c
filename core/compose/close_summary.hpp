// close_summary.hpp - the mail a requester may get when a ticket is closed: the whole
// correspondence (messages in order, internal notes left out), the queue's optional NPS survey
// text and its signature (both templates, rendered), a Reply-To with the ticket's reply token
// (an answer joins the ticket), and a Message-ID of its own for each close (a ticket reopened
// and closed again sends a second summary, not a copy of the first).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/model/config.hpp"
#include "core/model/ticket.hpp"

namespace deskgate {

// `now`: the time of the close.
std::string build_close_summary(const Config& config, const Queue& queue, const Ticket& ticket,
                                const std::vector<TicketEntry>& entries, const Customer* customer, std::int64_t now);

// Its Message-ID (without <>): one per ticket and close time.
std::string close_summary_message_id(const Config& config, TicketKey ticket, std::int64_t closed_at);

}  // namespace deskgate
