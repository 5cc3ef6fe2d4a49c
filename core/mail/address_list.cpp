// address_list.cpp - see address_list.hpp.
#include "core/mail/address_list.hpp"

namespace deskgate {
namespace {

bool blank_only(std::string_view s) { return s.find_first_not_of(" \t\r\n") == std::string_view::npos; }

}  // namespace

std::vector<std::string_view> split_address_list(std::string_view value) {
    std::vector<std::string_view> out;
    bool quoted = false;
    bool escaped = false;
    bool group = false;  // after a top-level ':', until its ';'
    int angle = 0;
    int comment = 0;
    std::size_t from = 0;
    const auto piece = [&](std::size_t to) {
        const std::string_view p = value.substr(from, to - from);
        if (!blank_only(p)) out.push_back(p);
        from = to + 1;
    };
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
        } else if (c == ',' && !group) {
            piece(i);
        }
    }
    piece(value.size());
    return out;
}

}  // namespace deskgate
