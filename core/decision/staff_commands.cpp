// staff_commands.cpp - see staff_commands.hpp.
#include "core/decision/staff_commands.hpp"

#include <fmt/format.h>

namespace deskgate {
namespace {

std::string_view trim_view(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

// "#" followed by a letter: a command line (a "#42" or "# heading" is text).
bool looks_like_command(std::string_view line) {
    return line.size() > 1 && line[0] == '#' &&
           ((line[1] >= 'a' && line[1] <= 'z') || (line[1] >= 'A' && line[1] <= 'Z'));
}

std::string lower_word(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

void read_command(std::string_view line, StaffCommands& out) {
    const std::string_view command = trim_view(line.substr(1));
    const auto space = command.find_first_of(" \t");
    const std::string word = lower_word(command.substr(0, space));
    const bool bare = space == std::string_view::npos || trim_view(command.substr(space)).empty();
    if (word == "note" && bare) {
        out.note = true;
        return;
    }
    if (word == "close" && bare) {
        out.close = true;
        return;
    }
    std::string error;
    std::string normalised = word;
    if (!bare) normalised += " " + std::string(trim_view(command.substr(space)));
    if (auto op = parse_ticket_op(normalised, &error)) out.ops.push_back(std::move(*op));
    else out.errors.push_back(fmt::format("#{}: {}", command, error.empty() ? "unknown command" : error));
}

}  // namespace

StaffCommands parse_staff_commands(std::string_view text) {
    StaffCommands out;
    std::size_t pos = 0;
    while (pos < text.size()) {
        const auto nl = text.find('\n', pos);
        const std::string_view line = trim_view(text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos));
        if (!line.empty() && !looks_like_command(line)) break;
        if (!line.empty()) read_command(line, out);
        pos = nl == std::string_view::npos ? text.size() : nl + 1;
    }
    std::string_view rest = text.substr(pos);
    while (!rest.empty() && (rest.front() == '\n' || rest.front() == '\r')) rest.remove_prefix(1);
    while (!rest.empty() && (rest.back() == '\n' || rest.back() == '\r' || rest.back() == ' ')) rest.remove_suffix(1);
    out.text = std::string(rest);
    return out;
}

}  // namespace deskgate
