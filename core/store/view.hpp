// view.hpp - saved ticket filters ([[views]]) and what a staff member may see (their ticket
// categories). Pure functions over tickets: the CLI reads the store, these decide. A view is
// a filter; what a staff member may see is access control: every command that takes --as
// STAFF refuses a ticket outside their categories (lists leave it out).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/model/config.hpp"
#include "core/model/ticket.hpp"

namespace deskgate {

// Every criterion the view sets holds for `ticket` at `now` (Unix seconds).
bool view_matches(const View& view, const Ticket& ticket, std::int64_t now);

// The staff member may see the ticket: no category list means every ticket; with a list, only
// tickets whose category is on it (an uncategorised ticket is on no list).
bool staff_may_see(const Staff& staff, const Ticket& ticket);

// Why `staff` may not see `ticket` ("petr may not see ticket 20-1 (tickets of category
// billing)"), or nullopt when they may: what every command run --as STAFF refuses with.
std::optional<std::string> hidden_from(const Staff& staff, const Ticket& ticket);

// The tickets `view` (nullptr: all) shows to `as` (nullptr: an administrator, who sees every
// category), oldest activity first; ties by ticket number.
std::vector<Ticket> select_tickets(std::vector<Ticket> tickets, const View* view, const Staff* as, std::int64_t now);

}  // namespace deskgate
