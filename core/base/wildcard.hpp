// wildcard.hpp - shell-style patterns used by routing rules and auto-reply exceptions:
// '*' any run of characters, '?' one character, case-insensitive, linear time (no
// backtracking blow-up on untrusted input).
#pragma once

#include <string_view>

namespace deskgate {

// Whole-string match of `text` against `pattern` ('*', '?'), ASCII case-insensitive.
bool wildcard_match(std::string_view pattern, std::string_view text);

// Address pattern as admins write it: "*@example.com", "bob?@x.org", or a bare domain
// "example.com" meaning that domain and its subdomains. `address` is normalised.
bool address_pattern_match(std::string_view pattern, std::string_view address);

}  // namespace deskgate
