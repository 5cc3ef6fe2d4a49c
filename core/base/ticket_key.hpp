// ticket_key.hpp - a ticket's number: the queue it was opened in and that queue's sequence.
// Printed "Q-S" (e.g. "10-42"); never changes, even if the ticket later moves to another queue.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace deskgate {

struct TicketKey {
    std::uint32_t queue = 0;
    std::uint32_t seq = 0;
    auto operator<=>(const TicketKey&) const = default;
};
std::string to_string(TicketKey);
std::optional<TicketKey> parse_ticket_key(std::string_view);  // "10-42"

}  // namespace deskgate
