// option_value.cpp - see option_value.hpp.
#include "common/option_value.hpp"

#include <charconv>
#include <type_traits>

namespace deskgate {
namespace {

template <typename T>
std::optional<T> whole(std::string_view text, int base) {
    T value{};
    if (text.empty() || text.front() == '+' || (std::is_unsigned_v<T> && text.front() == '-')) return std::nullopt;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
}

}  // namespace

std::optional<std::uint64_t> parse_count(std::string_view text, std::uint64_t min, std::uint64_t max) {
    const auto v = whole<std::uint64_t>(text, 10);
    if (!v || *v < min || *v > max) return std::nullopt;
    return v;
}

std::optional<std::int64_t> parse_signed(std::string_view text) { return whole<std::int64_t>(text, 10); }

std::optional<unsigned> parse_file_mode(std::string_view text) {
    const auto v = whole<unsigned>(text, 8);
    if (!v || *v > 07777) return std::nullopt;
    return v;
}

}  // namespace deskgate
