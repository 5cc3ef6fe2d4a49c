// text_decode.cpp - see text_decode.hpp.
#include "core/mail/text_decode.hpp"

#include <gmime/gmime.h>

#include <algorithm>
#include <memory>

#include <fmt/format.h>

#include "core/base/text.hpp"
#include "core/mail/charset_guess.hpp"

namespace deskgate {
namespace {

struct GFree {
    void operator()(gpointer p) const { g_free(p); }
};
using GString_ = std::unique_ptr<char, GFree>;

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

// Text bytes in `charset` to UTF-8 by decode_declared(); each recovered label is a defect.
std::string to_utf8(std::string_view bytes, const char* charset, std::vector<std::string>& defects) {
    using Label = DecodedText::Label;
    const std::string_view label = charset ? std::string_view(charset) : std::string_view();
    const std::string declared = lower(valid_utf8(trim(label).substr(0, 40)));
    DecodedText d = decode_declared(bytes, label);
    const std::string read_as = lower(d.charset);
    switch (d.label) {
    case Label::kept: break;
    case Label::undeclared:
        defects.push_back(declared.empty() ? fmt::format("8-bit text without a charset read as {}", read_as)
                                           : fmt::format("8-bit text declared {} read as {}", declared, read_as));
        break;
    case Label::not_utf8:
        defects.push_back(d.replaced ? std::string("invalid UTF-8 in text declared UTF-8 replaced")
                                     : fmt::format("text declared UTF-8 is not UTF-8: read as {}", read_as));
        break;
    case Label::utf8_mislabelled:
        defects.push_back(fmt::format("text declared {} is UTF-8: read as UTF-8", declared));
        break;
    case Label::unknown: defects.push_back(fmt::format("unknown charset '{}' (read as {})", declared, read_as)); break;
    case Label::wrong:
        defects.push_back(fmt::format("text declared {} is not {}: read as {}", declared, declared, read_as));
        break;
    }
    if (d.replaced && d.label != Label::not_utf8)
        defects.push_back(fmt::format("bytes invalid in charset '{}' replaced", declared));
    return valid_utf8(d.text);
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
