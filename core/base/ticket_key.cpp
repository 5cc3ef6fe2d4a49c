// ticket_key.cpp - ticket numbers as text ("10-42").
#include "core/base/ticket_key.hpp"

#include <charconv>

#include <fmt/format.h>

namespace deskgate {

std::string to_string(TicketKey key) { return fmt::format("{}-{}", key.queue, key.seq); }

std::optional<TicketKey> parse_ticket_key(std::string_view text) {
    const auto dash = text.find('-');
    if (dash == std::string_view::npos || dash == 0 || dash + 1 == text.size()) return std::nullopt;
    auto number = [](std::string_view s, std::uint32_t& out) {
        if (s.empty() || s.size() > 10) return false;
        for (char c : s)
            if (c < '0' || c > '9') return false;
        auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
        return ec == std::errc() && end == s.data() + s.size();
    };
    TicketKey key;
    if (!number(text.substr(0, dash), key.queue) || !number(text.substr(dash + 1), key.seq))
        return std::nullopt;
    return key;
}

}  // namespace deskgate
