// text.hpp - ASCII case helpers shared by the core and the config loader (header names,
// addresses and keywords are compared case-insensitively everywhere).
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

}  // namespace deskgate
