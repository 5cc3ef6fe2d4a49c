// text_decode.cpp - see text_decode.hpp.
#include "core/mail/text_decode.hpp"

#include <gmime/gmime.h>

#include <iconv.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <memory>
#include <optional>

#include <fmt/format.h>

#include "core/base/text.hpp"

namespace deskgate {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

struct GFree {
    void operator()(gpointer p) const { g_free(p); }
};
using GString_ = std::unique_ptr<char, GFree>;

// Bytes in `charset` (an iconv name) to UTF-8; every undecodable byte becomes U+FFFD and sets
// `replaced`. nullopt when iconv does not know the charset.
std::optional<std::string> convert_lenient(std::string_view bytes, const char* charset, bool& replaced) {
    iconv_t cd = iconv_open("UTF-8", charset);
    if (cd == reinterpret_cast<iconv_t>(static_cast<std::intptr_t>(-1))) return std::nullopt;
    std::string out;
    out.reserve(bytes.size() + bytes.size() / 2);
    char* in = const_cast<char*>(bytes.data());
    std::size_t in_left = bytes.size();
    char buffer[16384];
    auto drain = [&](char* end) { out.append(buffer, static_cast<std::size_t>(end - buffer)); };
    while (in_left > 0) {
        char* o = buffer;
        std::size_t o_left = sizeof buffer;
        const std::size_t r = iconv(cd, &in, &in_left, &o, &o_left);
        const int error = errno;
        drain(o);
        if (r != static_cast<std::size_t>(-1)) break;
        if (error == E2BIG) continue;
        if (error != EILSEQ && error != EINVAL) break;
        // An invalid (EILSEQ) or truncated (EINVAL) sequence: replace one byte and go on.
        out += kReplacement;
        replaced = true;
        ++in;
        --in_left;
    }
    char* o = buffer;
    std::size_t o_left = sizeof buffer;
    iconv(cd, nullptr, nullptr, &o, &o_left);  // the shift state back to initial (ISO-2022-JP)
    drain(o);
    iconv_close(cd);
    return out;
}

bool is_utf8(std::string_view s) {
    return g_utf8_validate(s.data(), static_cast<gssize>(s.size()), nullptr);
}

}  // namespace

std::string trim(std::string_view s) {
    const auto b = s.find_first_not_of(" \t\r\n");
    if (b == std::string_view::npos) return {};
    const auto e = s.find_last_not_of(" \t\r\n");
    return std::string(s.substr(b, e - b + 1));
}

// Valid UTF-8, invalid sequences replaced with U+FFFD; `repaired` set when that happened.
std::string valid_utf8(std::string_view s, bool* repaired) {
    if (g_utf8_validate(s.data(), static_cast<gssize>(s.size()), nullptr) &&
        s.find('\0') == std::string_view::npos)
        return std::string(s);
    if (repaired) *repaired = true;
    std::string clean(s);
    std::replace(clean.begin(), clean.end(), '\0', ' ');
    GString_ fixed(g_utf8_make_valid(clean.data(), static_cast<gssize>(clean.size())));
    return fixed ? std::string(fixed.get()) : std::string();
}

std::string valid_utf8(const char* s) { return s ? valid_utf8(std::string_view(s)) : std::string(); }

// Unfolds a header value: CR/LF and the whitespace after them become one space.
std::string unfold(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    bool in_break = false;
    for (char c : s) {
        if (c == '\r' || c == '\n') {
            in_break = true;
            continue;
        }
        if (in_break) {
            in_break = false;
            if (c == ' ' || c == '\t') {
                if (out.empty() || out.back() != ' ') out.push_back(' ');
                continue;
            }
        }
        out.push_back(c == '\t' ? ' ' : c);
    }
    return trim(out);
}

// Text bytes in `charset` to UTF-8. Undeclared 8-bit text is kept when it is UTF-8 and read as
// windows-1252 otherwise; an unknown charset is guessed the same way.
std::string to_utf8(std::string_view bytes, const char* charset, std::vector<std::string>& defects) {
    std::string cs = charset ? lower(trim(charset)) : std::string();
    bool replaced = false;
    if (cs == "utf-8" || cs == "utf8") {
        if (is_utf8(bytes)) return valid_utf8(bytes);
        defects.push_back("invalid UTF-8 in text declared UTF-8 replaced");
        return valid_utf8(bytes);
    }
    if (cs.empty() || cs == "us-ascii" || cs == "ascii") {
        if (is_utf8(bytes)) return valid_utf8(bytes);
        defects.push_back(cs.empty() ? "8-bit text without a charset read as windows-1252"
                                     : "8-bit text declared US-ASCII read as windows-1252");
        cs = "windows-1252";
    }
    const char* iconv_name = g_mime_charset_iconv_name(cs.c_str());
    std::optional<std::string> text = convert_lenient(bytes, iconv_name ? iconv_name : cs.c_str(), replaced);
    if (!text) {
        defects.push_back(fmt::format("unknown charset '{}'", valid_utf8(std::string_view(cs).substr(0, 40))));
        if (is_utf8(bytes)) return valid_utf8(bytes);
        text = convert_lenient(bytes, "WINDOWS-1252", replaced);
        if (!text) return valid_utf8(bytes);
    }
    if (replaced)
        defects.push_back(fmt::format("bytes invalid in charset '{}' replaced",
                                      valid_utf8(std::string_view(cs).substr(0, 40))));
    return valid_utf8(*text);
}

std::string normalize_newlines(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\r') {
            out.push_back('\n');
            if (i + 1 < s.size() && s[i + 1] == '\n') ++i;
        } else {
            out.push_back(s[i]);
        }
    }
    return out;
}

}  // namespace deskgate
