// option_value.hpp - strict parsing of the daemons' numeric command-line values: the whole
// text must be the number, in range ("12abc", "", "-1" for a count, overflow: refused), so a
// typo ends in the usage message and exit 64 instead of a silent 0 or a default.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace deskgate {

// A decimal count in [min, max].
std::optional<std::uint64_t> parse_count(std::string_view text, std::uint64_t min, std::uint64_t max);

// A decimal number of seconds, negative allowed ("-3600").
std::optional<std::int64_t> parse_signed(std::string_view text);

// A file mode in octal ("0660", "660"), at most 07777.
std::optional<unsigned> parse_file_mode(std::string_view text);

}  // namespace deskgate
