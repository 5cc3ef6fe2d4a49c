// wildcard.cpp - linear-time '*'/'?' matching (see wildcard.hpp).
#include "core/base/wildcard.hpp"

#include <cctype>
#include <string>

namespace deskgate {
namespace {

bool same(char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
}

}  // namespace

// Classic greedy matcher with one backtrack point: O(|pattern| * |text|) worst case, no
// exponential blow-up.
bool wildcard_match(std::string_view pattern, std::string_view text) {
    std::size_t p = 0, t = 0;
    std::size_t star = std::string_view::npos, mark = 0;
    while (t < text.size()) {
        if (p < pattern.size() && (pattern[p] == '?' || (pattern[p] != '*' && same(pattern[p], text[t])))) {
            ++p;
            ++t;
        } else if (p < pattern.size() && pattern[p] == '*') {
            star = p++;
            mark = t;
        } else if (star != std::string_view::npos) {
            p = star + 1;
            t = ++mark;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern[p] == '*') ++p;
    return p == pattern.size();
}

bool address_pattern_match(std::string_view pattern, std::string_view address) {
    if (pattern.empty() || address.empty()) return false;
    if (pattern.find('@') != std::string_view::npos) return wildcard_match(pattern, address);
    // A bare domain (possibly with wildcards): the address's domain or a subdomain of it, i.e.
    // the domain itself or "*." + pattern - one linear pass, not one match per dot suffix.
    auto at = address.rfind('@');
    std::string_view domain = at == std::string_view::npos ? address : address.substr(at + 1);
    if (wildcard_match(pattern, domain)) return true;
    std::string subdomains = "*.";
    subdomains += pattern;
    return wildcard_match(subdomains, domain);
}

}  // namespace deskgate
