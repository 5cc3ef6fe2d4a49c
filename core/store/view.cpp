// view.cpp - saved ticket filters and category permissions.
#include "core/store/view.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace deskgate {
namespace {

template <typename T>
bool any_or_contains(const std::vector<T>& allowed, const T& value) {
    return allowed.empty() || std::find(allowed.begin(), allowed.end(), value) != allowed.end();
}

}  // namespace

bool view_matches(const View& view, const Ticket& ticket, std::int64_t now) {
    if (!any_or_contains(view.queues, ticket.queue)) return false;
    if (!any_or_contains(view.categories, ticket.category)) return false;
    if (!any_or_contains(view.statuses, ticket.status)) return false;
    if (!any_or_contains(view.priorities, ticket.priority)) return false;
    const std::int64_t last_activity = std::max(ticket.updated, ticket.created);
    const std::int64_t idle = now > last_activity ? now - last_activity : 0;
    if (view.min_idle > 0 && idle < view.min_idle) return false;
    if (view.max_idle > 0 && idle > view.max_idle) return false;
    return true;
}

bool staff_may_see(const Staff& staff, const Ticket& ticket) {
    if (!staff.categories) return true;
    const auto& allowed = *staff.categories;
    return !ticket.category.empty() && std::find(allowed.begin(), allowed.end(), ticket.category) != allowed.end();
}

std::optional<std::string> hidden_from(const Staff& staff, const Ticket& ticket) {
    if (staff_may_see(staff, ticket)) return std::nullopt;
    return fmt::format("{} may not see ticket {} ({})", staff.alias, to_string(ticket.key),
                       ticket.category.empty() ? std::string("uncategorised tickets")
                                               : "tickets of category " + ticket.category);
}

std::vector<Ticket> select_tickets(std::vector<Ticket> tickets, const View* view, const Staff* as, std::int64_t now) {
    std::erase_if(tickets, [&](const Ticket& t) {
        return (view && !view_matches(*view, t, now)) || (as && !staff_may_see(*as, t));
    });
    std::stable_sort(tickets.begin(), tickets.end(), [](const Ticket& a, const Ticket& b) {
        const std::int64_t la = std::max(a.updated, a.created), lb = std::max(b.updated, b.created);
        return la != lb ? la < lb : a.key < b.key;
    });
    return tickets;
}

}  // namespace deskgate
