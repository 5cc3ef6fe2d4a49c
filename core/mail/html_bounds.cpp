// html_bounds.cpp - see html_bounds.hpp.
#include "core/mail/html_bounds.hpp"

#include <cctype>
#include <utility>
#include <vector>

namespace deskgate {
namespace {

bool space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

// One start tag from `i` (just after "<name"): the end of its attributes (the index of '>' or
// html.size()), and where its attribute number max_per_tag + 1 starts (npos when it has no more).
std::pair<std::size_t, std::size_t> scan_tag(std::string_view html, std::size_t i, std::size_t max_per_tag) {
    std::size_t count = 0, cut = std::string_view::npos;
    const std::size_t n = html.size();
    while (i < n) {
        while (i < n && (space(html[i]) || html[i] == '/')) ++i;
        if (i >= n || html[i] == '>') break;
        if (++count == max_per_tag + 1) cut = i;
        while (i < n && !space(html[i]) && html[i] != '=' && html[i] != '>') ++i;  // the name
        while (i < n && space(html[i])) ++i;
        if (i < n && html[i] == '=') {
            ++i;
            while (i < n && space(html[i])) ++i;
            if (i < n && (html[i] == '"' || html[i] == '\'')) {
                const char quote = html[i++];
                while (i < n && html[i] != quote) ++i;
                if (i < n) ++i;
            } else {
                while (i < n && !space(html[i]) && html[i] != '>') ++i;
            }
        }
    }
    return {i, cut};
}

}  // namespace

std::optional<std::string> bound_html_attributes(std::string_view html, std::size_t max_per_tag) {
    std::vector<std::pair<std::size_t, std::size_t>> drop;  // [from, to) ranges to leave out
    const std::size_t n = html.size();
    for (std::size_t i = 0; i < n; ++i) {
        if (html[i] != '<' || i + 1 >= n || !std::isalpha(static_cast<unsigned char>(html[i + 1]))) continue;
        std::size_t j = i + 1;
        while (j < n && !space(html[j]) && html[j] != '>' && html[j] != '/') ++j;
        const auto [end, cut] = scan_tag(html, j, max_per_tag);
        if (cut != std::string_view::npos) drop.emplace_back(cut, end);
        i = end == n ? n : end;  // the loop's ++i steps over '>'
    }
    if (drop.empty()) return std::nullopt;
    std::string out;
    out.reserve(n);
    std::size_t from = 0;
    for (const auto& [a, b] : drop) {
        out.append(html.substr(from, a - from));
        from = b;
    }
    out.append(html.substr(from));
    return out;
}

}  // namespace deskgate
