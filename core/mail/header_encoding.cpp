// header_encoding.cpp - see header_encoding.hpp.
#include "core/mail/header_encoding.hpp"

#include <glib.h>

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

std::string b_word(std::string_view chunk) {
    gchar* b64 = g_base64_encode(reinterpret_cast<const guchar*>(chunk.data()), chunk.size());
    std::string out = fmt::format("=?UTF-8?B?{}?=", b64);
    g_free(b64);
    return out;
}

}  // namespace

std::string encode_header_text(std::string_view text_raw) {
    const std::string text = header_safe(text_raw);
    if (plain_ascii(text)) return text;
    // 45 bytes of UTF-8 -> 60 base64 characters -> a 72-character word.
    std::string out;
    std::size_t pos = 0;
    while (pos < text.size()) {
        // Never split a UTF-8 character: back off over at most 3 continuation bytes (a character
        // has at most 4 bytes). More in a row is not UTF-8: cut there anyway, so pos always moves.
        const auto continuation = [&](std::size_t i) {
            return i < text.size() && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80;
        };
        const std::size_t limit = std::min(text.size(), pos + 45);
        std::size_t end = limit;
        for (int back = 0; back < 3 && end > pos + 1 && continuation(end); ++back) --end;
        if (continuation(end)) end = limit;
        if (!out.empty()) out += "\r\n ";
        out += b_word(std::string_view(text).substr(pos, end - pos));
        pos = end;
    }
    return out;
}

std::string format_mailbox(std::string_view name, std::string_view address) {
    const std::string safe = header_safe(name);
    if (safe.empty()) return fmt::format("<{}>", address);
    if (!plain_ascii(safe)) return fmt::format("{} <{}>", encode_header_text(safe), address);
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
