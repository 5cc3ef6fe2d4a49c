// text.hpp - ASCII helpers shared by the core and the config loader: case (header names,
// addresses and keywords are compared case-insensitively everywhere) and hex escapes.
#pragma once

#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>

namespace deskgate {

inline std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

inline bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

// The value of one hex digit, -1 if `c` is none.
inline int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

// Every `escape` followed by two hex digits ("%41" for '%', "=41" for '=') to its byte; an
// escape character not followed by two hex digits stays as it is.
inline std::string hex_escapes_decoded(std::string_view s, char escape) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        const int hi = s[i] == escape && i + 2 < s.size() ? hex_value(s[i + 1]) : -1;
        const int lo = hi >= 0 ? hex_value(s[i + 2]) : -1;
        if (lo >= 0) {
            out.push_back(static_cast<char>(hi * 16 + lo));
            i += 2;
        } else {
            out.push_back(s[i]);
        }
    }
    return out;
}

}  // namespace deskgate
