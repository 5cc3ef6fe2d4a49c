// header_start.cpp - see header_start.hpp.
#include "core/mail/header_start.hpp"

namespace deskgate {
namespace {

// The line at `pos` without its line end, and the offset after its line end.
std::string_view line_at(std::string_view raw, std::size_t pos, std::size_t& next) {
    const std::size_t eol = raw.find('\n', pos);
    next = eol == std::string_view::npos ? raw.size() : eol + 1;
    std::string_view line = raw.substr(pos, (eol == std::string_view::npos ? raw.size() : eol) - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return line;
}

}  // namespace

bool is_header_field_line(std::string_view line) {
    std::size_t i = 0;
    while (i < line.size() && line[i] > ' ' && line[i] < 0x7F && line[i] != ':') ++i;
    if (i == 0) return false;
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    return i < line.size() && line[i] == ':';
}

std::size_t leading_non_header_line(std::string_view raw) {
    std::size_t second = 0;
    const std::string_view first = line_at(raw, 0, second);
    // An mbox "From " line GMime skips itself.
    if (first.empty() || is_header_field_line(first) || first.starts_with("From ") || second >= raw.size()) return 0;
    std::size_t third = 0;
    return is_header_field_line(line_at(raw, second, third)) ? second : 0;
}

}  // namespace deskgate
