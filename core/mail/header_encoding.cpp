// header_encoding.cpp - see header_encoding.hpp.
#include "core/mail/header_encoding.hpp"

#include <cctype>
#include <ctime>

#include <fmt/format.h>

namespace deskgate {

std::string header_safe(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (char c : value) {
        const auto u = static_cast<unsigned char>(c);
        out.push_back(u < 0x20 || u == 0x7F ? ' ' : c);
    }
    const auto b = out.find_first_not_of(' ');
    if (b == std::string::npos) return {};
    return out.substr(b, out.find_last_not_of(' ') - b + 1);
}

namespace {

bool plain_ascii(std::string_view s) {
    for (char c : s)
        if (static_cast<unsigned char>(c) >= 0x80) return false;
    return true;
}

// Text that may be written as it is: plain ASCII holding nothing a reader would take for an
// RFC 2047 encoded word ("=?"), which it would decode - GMime does so even inside a quoted
// display name - and so show other text than ours (found by tests/fuzz/header_encoding.cpp).
bool verbatim(std::string_view s) { return plain_ascii(s) && s.find("=?") == std::string_view::npos; }

// Bytes of the character starting at text[pos]: a UTF-8 lead byte and the continuation bytes
// that follow it (at most 3); any other byte alone. Always at least 1, so a loop moves on
// whatever the bytes are.
std::size_t char_length(std::string_view text, std::size_t pos) {
    const auto lead = static_cast<unsigned char>(text[pos]);
    const std::size_t want = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    std::size_t n = 1;
    while (n < want && pos + n < text.size() && (static_cast<unsigned char>(text[pos + n]) & 0xC0) == 0x80) ++n;
    return n;
}

// One character Q-encoded (RFC 2047 4.2 with the 5(3) rules, so it may stand in a display name
// too): letters, digits and ! * + - / as they are, a space as "_", any other byte as =XX.
void q_encode(std::string_view ch, std::string& out) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    for (char c : ch) {
        const auto u = static_cast<unsigned char>(c);
        if (std::isalnum(u) && u < 0x80) out.push_back(c);
        else if (c == '!' || c == '*' || c == '+' || c == '-' || c == '/') out.push_back(c);
        else if (c == ' ') out.push_back('_');
        else out += {'=', kHex[u >> 4], kHex[u & 0x0F]};
    }
}

}  // namespace

std::string encode_header_text(std::string_view text_raw) {
    const std::string text = header_safe(text_raw);
    if (verbatim(text)) return text;
    // Q-words, not B-words: GMime 3.2.13 (Debian 12) joins the base64 of adjacent B-words before
    // decoding and stops at the first padding '=', so our own multi-word subjects came back cut
    // short when a customer replied (GMime issue 133; found by tests/fuzz/header_encoding.cpp).
    // Q-words joined are still the same bytes. Each word holds whole characters and is at most
    // 75 characters long: "=?UTF-8?Q?" + at most 63 + "?=".
    constexpr std::string_view kOpen = "=?UTF-8?Q?", kClose = "?=";
    constexpr std::size_t kMaxPayload = 75 - kOpen.size() - kClose.size();
    std::string out, word, ch;
    for (std::size_t pos = 0; pos < text.size();) {
        const std::size_t n = char_length(text, pos);
        ch.clear();
        q_encode(std::string_view(text).substr(pos, n), ch);
        pos += n;
        if (!word.empty() && word.size() + ch.size() > kMaxPayload) {
            if (!out.empty()) out += "\r\n ";
            out.append(kOpen).append(word).append(kClose);
            word.clear();
        }
        word += ch;
    }
    if (!out.empty()) out += "\r\n ";
    out.append(kOpen).append(word).append(kClose);
    return out;
}

std::string format_mailbox(std::string_view name, std::string_view address) {
    const std::string safe = header_safe(name);
    if (safe.empty()) return fmt::format("<{}>", address);
    if (!verbatim(safe)) return fmt::format("{} <{}>", encode_header_text(safe), address);
    std::string quoted;
    for (char c : safe) {
        if (c == '"' || c == '\\') quoted.push_back('\\');
        quoted.push_back(c);
    }
    return fmt::format("\"{}\" <{}>", quoted, address);
}

std::string to_crlf(std::string_view text) {
    std::string out;
    out.reserve(text.size() + text.size() / 40 + 2);
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r')) out += '\r';
        out += text[i];
    }
    if (!out.ends_with("\r\n")) out += "\r\n";
    return out;
}

std::string rfc5322_date(std::int64_t unix_seconds) {
    static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const std::time_t t = static_cast<std::time_t>(unix_seconds);
    std::tm tm{};
    gmtime_r(&t, &tm);
    return fmt::format("{}, {:02} {} {} {:02}:{:02}:{:02} +0000", kDays[tm.tm_wday], tm.tm_mday, kMonths[tm.tm_mon],
                       tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

}  // namespace deskgate
