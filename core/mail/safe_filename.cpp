// safe_filename.cpp - see safe_filename.hpp.
#include "core/mail/safe_filename.hpp"

#include <cstdint>

namespace deskgate {
namespace {

// The code point of the UTF-8 sequence at s[i] and its length (valid UTF-8 assumed; a stray byte
// is taken as itself).
std::uint32_t code_point(std::string_view s, std::size_t i, std::size_t& length) {
    const auto b = [&](std::size_t k) { return static_cast<std::uint32_t>(static_cast<unsigned char>(s[k])); };
    const std::uint32_t c = b(i);
    length = c < 0xC0 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (i + length > s.size()) length = 1;
    if (length == 1) return c;
    std::uint32_t cp = c & (0x3Fu >> (length - 1));
    for (std::size_t k = 1; k < length; ++k) cp = (cp << 6) | (b(i + k) & 0x3Fu);
    return cp;
}

bool invisible_format(std::uint32_t cp) {
    return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200E || cp == 0x200F;
}

bool control(std::uint32_t cp) { return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F); }

bool separator(char c) { return c == '/' || c == '\\'; }

std::string_view trimmed(std::string_view s) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    return s;
}

}  // namespace

std::string safe_filename(std::string_view name) {
    std::string text;
    text.reserve(name.size());
    for (std::size_t i = 0; i < name.size();) {
        std::size_t length = 1;
        const std::uint32_t cp = code_point(name, i, length);
        if (cp == '\t' || cp == '\n' || cp == '\r' || cp == '\v' || cp == '\f') text.push_back(' ');
        else if (!control(cp) && !invisible_format(cp)) text.append(name.substr(i, length));
        i += length;
    }
    // The last component that is not blank: "report.pdf/" is report.pdf.
    std::string_view last;
    std::size_t from = 0;
    for (std::size_t i = 0; i <= text.size(); ++i) {
        if (i < text.size() && !separator(text[i])) continue;
        const std::string_view part = trimmed(std::string_view(text).substr(from, i - from));
        if (!part.empty()) last = part;
        from = i + 1;
    }
    if (last == "." || last == "..") return {};
    return std::string(last);
}

}  // namespace deskgate
