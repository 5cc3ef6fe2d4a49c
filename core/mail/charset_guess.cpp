// charset_guess.cpp - see charset_guess.hpp.
#include "core/mail/charset_guess.hpp"

#include <glib.h>
#include <uchardet.h>

#include <array>
#include <memory>
#include <utility>

#include "core/base/text.hpp"
#include "core/mail/charset_convert.hpp"

namespace deskgate {
namespace {

struct DetectorDelete {
    void operator()(uchardet* u) const { uchardet_delete(u); }
};

// The windows-125x charset that extends an ISO-8859-N one with letters in 0x80..0x9F.
std::string_view windows_superset(std::string_view iso) {
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 8> kSupersets{{
        {"iso-8859-1", "WINDOWS-1252"},
        {"iso8859-1", "WINDOWS-1252"},
        {"latin1", "WINDOWS-1252"},
        {"iso-8859-2", "WINDOWS-1250"},
        {"iso-8859-7", "WINDOWS-1253"},
        {"iso-8859-8", "WINDOWS-1255"},
        {"iso-8859-9", "WINDOWS-1254"},
        {"iso-8859-13", "WINDOWS-1257"},
    }};
    const std::string name = lower(iso);
    for (const auto& [from, to] : kSupersets)
        if (name == from) return to;
    return {};
}

// `bytes` read cleanly in `charset` (or its windows superset), with the charset that did it.
std::optional<GuessedText> try_charset(std::string_view bytes, std::string_view charset) {
    if (charset.empty()) return std::nullopt;
    if (std::optional<std::string> text = convert_strict(bytes, charset))
        return GuessedText{std::move(*text), std::string(charset)};
    const std::string_view superset = windows_superset(charset);
    if (superset.empty()) return std::nullopt;
    if (std::optional<std::string> text = convert_strict(bytes, superset))
        return GuessedText{std::move(*text), std::string(superset)};
    return std::nullopt;
}

std::string strip(std::string_view s) {
    const auto b = s.find_first_not_of(" \t\r\n");
    if (b == std::string_view::npos) return {};
    return std::string(s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1));
}

std::size_t eight_bit_count(std::string_view s) {
    std::size_t n = 0;
    for (char c : s) n += static_cast<unsigned char>(c) >= 0x80 ? 1 : 0;
    return n;
}

// Charsets of one byte per character, where valid multi-byte UTF-8 means a wrong label.
bool single_byte(std::string_view cs) {
    for (std::string_view prefix : {"iso-8859", "iso8859", "windows-125", "cp125", "latin", "koi8", "us-ascii"})
        if (cs.starts_with(prefix)) return true;
    return false;
}

// Whether text that is not UTF-8 is UTF-8 with stray bytes: at least as many valid multi-byte
// characters as invalid bytes.
bool mostly_utf8(std::string_view s) {
    std::size_t good = 0;
    std::size_t bad = 0;
    const char* p = s.data();
    const char* end = s.data() + s.size();
    while (p < end) {
        if (static_cast<unsigned char>(*p) < 0x80) {
            ++p;
            continue;
        }
        const gunichar c = g_utf8_get_char_validated(p, end - p);
        if (c == static_cast<gunichar>(-1) || c == static_cast<gunichar>(-2)) {
            ++bad;
            ++p;
        } else {
            ++good;
            p = g_utf8_next_char(p);
        }
    }
    return good > 0 && good >= bad;
}

// Invalid UTF-8 sequences as U+FFFD.
std::string repaired_utf8(std::string_view s) {
    gchar* fixed = g_utf8_make_valid(s.data(), static_cast<gssize>(s.size()));
    std::string out = fixed ? std::string(fixed) : std::string();
    g_free(fixed);
    return out;
}

}  // namespace

std::string detect_charset(std::string_view bytes) {
    std::unique_ptr<uchardet, DetectorDelete> detector(uchardet_new());
    if (!detector) return {};
    bytes = bytes.substr(0, kMaxDetectBytes);
    if (uchardet_handle_data(detector.get(), bytes.data(), bytes.size()) != 0) return {};
    uchardet_data_end(detector.get());
    const char* name = uchardet_get_charset(detector.get());
    return name ? std::string(name) : std::string();
}

std::optional<GuessedText> guess_clean(std::string_view bytes, std::initializer_list<std::string_view> hints) {
    if (is_utf8(bytes) && bytes.find('\x1b') == std::string_view::npos) return GuessedText{std::string(bytes), "UTF-8"};
    for (std::string_view hint : hints)
        if (auto guessed = try_charset(bytes, hint)) return guessed;
    return try_charset(bytes, detect_charset(bytes));
}

GuessedText guess_to_utf8(std::string_view bytes, std::initializer_list<std::string_view> hints) {
    if (auto guessed = guess_clean(bytes, hints)) return std::move(*guessed);
    std::size_t replaced = 0;
    std::optional<std::string> text = convert_lenient(bytes, "WINDOWS-1252", replaced);
    return {text ? std::move(*text) : repaired_utf8(bytes), "WINDOWS-1252"};
}

DecodedText decode_declared(std::string_view bytes, std::string_view declared,
                            std::initializer_list<std::string_view> hints) {
    using Label = DecodedText::Label;
    const std::string cs = lower(strip(declared));
    const auto guessed = [](GuessedText g, Label label) {
        return DecodedText{std::move(g.text), std::move(g.charset), label};
    };
    if (cs.empty() || cs == "us-ascii" || cs == "ascii") {
        if (is_utf8(bytes)) return {std::string(bytes), "UTF-8", Label::kept};
        return guessed(guess_to_utf8(bytes, hints), Label::undeclared);
    }
    if (cs == "utf-8" || cs == "utf8") {
        if (is_utf8(bytes)) return {std::string(bytes), "UTF-8", Label::kept};
        if (!mostly_utf8(bytes))
            if (auto g = guess_clean(bytes, hints)) return guessed(std::move(*g), Label::not_utf8);
        return {repaired_utf8(bytes), "UTF-8", Label::not_utf8, true};
    }
    if (single_byte(cs) && eight_bit_count(bytes) > 0 && is_utf8(bytes))
        return {std::string(bytes), "UTF-8", Label::utf8_mislabelled};
    if (auto g = try_charset(bytes, cs)) return guessed(std::move(*g), Label::kept);
    if (!charset_known(cs)) return guessed(guess_to_utf8(bytes, hints), Label::unknown);
    std::size_t replaced = 0;
    std::optional<std::string> text = convert_lenient(bytes, cs, replaced);
    // A few invalid bytes are damage (kept as U+FFFD); many mean the label is wrong.
    if (replaced * 8 > eight_bit_count(bytes))
        if (auto g = guess_clean(bytes, hints)) return guessed(std::move(*g), Label::wrong);
    return {text ? repaired_utf8(*text) : repaired_utf8(bytes), cs, Label::kept, replaced > 0};
}

}  // namespace deskgate
