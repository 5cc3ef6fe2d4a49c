// address_list.cpp - see address_list.hpp.
#include "core/mail/address_list.hpp"

namespace deskgate {
namespace {

bool blank_only(std::string_view s) { return s.find_first_not_of(" \t\r\n") == std::string_view::npos; }

// Calls on_comma(i, in_group) at every comma of `value` outside quoted strings, comments and
// angle brackets; in_group when it stands between a group's ':' and its ';'.
template <typename OnComma>
void scan_commas(std::string_view value, OnComma on_comma) {
    bool quoted = false;
    bool escaped = false;
    bool group = false;  // after a top-level ':', until its ';'
    int angle = 0;
    int comment = 0;
    for (std::size_t i = 0; i < value.size(); ++i) {
        const char c = value[i];
        if (escaped) {
            escaped = false;
        } else if (c == '\\' && (quoted || comment > 0)) {
            escaped = true;
        } else if (quoted) {
            quoted = c != '"';
        } else if (c == '(') {
            ++comment;
        } else if (comment > 0) {
            if (c == ')') --comment;
        } else if (c == '"') {
            quoted = true;
        } else if (c == '<') {
            ++angle;
        } else if (c == '>') {
            if (angle > 0) --angle;
        } else if (angle > 0) {
            // a source route's ',' and ':' belong to the address
        } else if (c == ':') {
            group = true;
        } else if (c == ';') {
            group = false;
        } else if (c == ',') {
            on_comma(i, group);
        }
    }
}

}  // namespace

std::vector<std::string_view> split_address_list(std::string_view value) {
    std::vector<std::string_view> out;
    std::size_t from = 0;
    const auto piece = [&](std::size_t to) {
        const std::string_view p = value.substr(from, to - from);
        if (!blank_only(p)) out.push_back(p);
        from = to + 1;
    };
    scan_commas(value, [&](std::size_t i, bool group) {
        if (!group) piece(i);
    });
    piece(value.size());
    return out;
}

std::optional<AddressListCut> address_list_cut(std::string_view value, std::size_t max) {
    std::optional<AddressListCut> cut;
    std::size_t count = 0;
    std::size_t from = 0;
    scan_commas(value, [&](std::size_t i, bool group) {
        if (cut) return;
        if (!blank_only(value.substr(from, i - from)) && ++count == max) cut = AddressListCut{i, group};
        from = i + 1;
    });
    // Address number max ends at that comma: only a rest of more than blanks and commas is more.
    if (cut && value.find_first_not_of(" \t\r\n,", cut->at + 1) == std::string_view::npos) return std::nullopt;
    return cut;
}

}  // namespace deskgate
