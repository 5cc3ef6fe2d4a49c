// words.cpp - see words.hpp. GLib does the Unicode work (normalisation, case folding,
// character classes); the text is made valid UTF-8 first.
#include "core/mail/words.hpp"

#include <glib.h>

#include <algorithm>
#include <memory>

#include "core/mail/text_decode.hpp"

namespace deskgate {
namespace {

struct GFree {
    void operator()(gchar* p) const { g_free(p); }
};
using GText = std::unique_ptr<gchar, GFree>;

std::string nfkc(std::string_view s) {
    GText out(g_utf8_normalize(s.data(), static_cast<gssize>(s.size()), G_NORMALIZE_NFKC));
    return out ? std::string(out.get()) : std::string();
}

// NFKC, case fold, NFKC: compatibility forms first (so "㎒" folds as "mhz"), then the
// composition case folding may have undone.
std::string fold(std::string_view text) {
    // Plain ASCII (most mail text) is its own NFKC and folds by lowering: skip GLib's copies.
    const auto ascii = [](char c) { return static_cast<unsigned char>(c) - 1u < 0x7Fu; };  // 1..127
    if (std::all_of(text.begin(), text.end(), ascii)) {
        std::string out(text);
        for (char& c : out) c = g_ascii_tolower(c);
        return out;
    }
    const std::string valid = valid_utf8(text);
    const std::string composed = nfkc(valid);
    GText folded(g_utf8_casefold(composed.data(), static_cast<gssize>(composed.size())));
    return folded ? nfkc(folded.get()) : std::string();
}

bool is_word_char(gunichar c) {
    if (c < 0x80) return g_ascii_isalnum(static_cast<gchar>(c));
    switch (g_unichar_type(c)) {
    case G_UNICODE_LOWERCASE_LETTER:
    case G_UNICODE_MODIFIER_LETTER:
    case G_UNICODE_OTHER_LETTER:
    case G_UNICODE_TITLECASE_LETTER:
    case G_UNICODE_UPPERCASE_LETTER:
    case G_UNICODE_SPACING_MARK:
    case G_UNICODE_ENCLOSING_MARK:
    case G_UNICODE_NON_SPACING_MARK:
    case G_UNICODE_DECIMAL_NUMBER:
    case G_UNICODE_LETTER_NUMBER:
    case G_UNICODE_OTHER_NUMBER:
        return true;
    default:
        return false;
    }
}

std::size_t char_count(std::string_view s) {
    return static_cast<std::size_t>(g_utf8_strlen(s.data(), static_cast<gssize>(s.size())));
}

bool is_word(std::string_view w) { return w.size() <= kMaxWordBytes && char_count(w) >= kMinWordChars; }

// Calls fn(word, followed_by_star) for every run of word characters of folded text.
template <typename Fn>
void each_run(std::string_view s, Fn&& fn) {
    const char* p = s.data();
    const char* end = p + s.size();
    const char* start = nullptr;
    while (p < end) {
        const char* next = g_utf8_next_char(p);
        const bool word = is_word_char(g_utf8_get_char(p));
        if (word && !start) start = p;
        if (!word && start) {
            fn(std::string_view(start, static_cast<std::size_t>(p - start)), *p == '*');
            start = nullptr;
        }
        p = next;
    }
    if (start) fn(std::string_view(start, static_cast<std::size_t>(end - start)), false);
}

// Characters of an address's local part (RFC 5322 atext without `*`, plus any letter or digit)
// and of its domain.
bool is_local_char(gunichar c) {
    return is_word_char(c) || (c < 0x80 && std::string_view(".!#$%&'+/=?^_`{|}~-").find(static_cast<char>(c)) !=
                                               std::string_view::npos);
}
bool is_domain_char(gunichar c) { return is_word_char(c) || c == '.' || c == '-'; }

bool good_domain(std::string_view d) {
    return d.find('.') != std::string_view::npos && d.find("..") == std::string_view::npos && d.front() != '.' &&
           d.front() != '-';
}

// The address around the `@` at `at` of folded text: adds the whole, its local part and domain.
void add_address(std::string_view s, std::size_t at, std::vector<std::string>& words) {
    std::size_t begin = at;
    while (begin > 0) {
        const char* prev = g_utf8_find_prev_char(s.data(), s.data() + begin);
        if (!prev || !is_local_char(g_utf8_get_char(prev))) break;
        begin = static_cast<std::size_t>(prev - s.data());
    }
    std::size_t end = at + 1;
    while (end < s.size()) {
        const char* p = s.data() + end;
        if (!is_domain_char(g_utf8_get_char(p))) break;
        end = static_cast<std::size_t>(g_utf8_next_char(p) - s.data());
    }
    std::string_view local = s.substr(begin, at - begin);
    std::string_view domain = s.substr(at + 1, end - at - 1);
    while (!local.empty() && local.front() == '.') local.remove_prefix(1);
    while (!domain.empty() && (domain.back() == '.' || domain.back() == '-')) domain.remove_suffix(1);
    if (local.empty() || domain.empty() || !good_domain(domain)) return;
    const std::size_t whole = local.size() + 1 + domain.size();
    if (whole <= kMaxAddressBytes) words.emplace_back(std::string(local) + "@" + std::string(domain));
    if (is_word(local)) words.emplace_back(local);
    if (is_word(domain)) words.emplace_back(domain);
}

void add_folded(std::string_view s, std::vector<std::string>& words) {
    each_run(s, [&](std::string_view w, bool) {
        if (is_word(w)) words.emplace_back(w);
    });
    for (std::size_t at = s.find('@'); at != std::string_view::npos; at = s.find('@', at + 1))
        add_address(s, at, words);
}

// An argument with an `@`: one word, without surrounding punctuation (`<jana@firma.cz>,`).
void add_address_query(const std::string& folded, std::vector<std::string>& out) {
    std::string_view s = folded;
    auto first_char = [&] { return g_utf8_get_char(s.data()); };
    while (!s.empty() && s.front() != '@' && !is_word_char(first_char()))
        s.remove_prefix(static_cast<std::size_t>(g_utf8_next_char(s.data()) - s.data()));
    bool prefix = false;
    while (!s.empty()) {
        const char* last = g_utf8_find_prev_char(s.data(), s.data() + s.size());
        if (is_word_char(g_utf8_get_char(last))) break;
        prefix = prefix || *last == '*';
        s.remove_suffix(static_cast<std::size_t>(s.data() + s.size() - last));
    }
    if (!s.empty() && s.front() == '@') s.remove_prefix(1);  // a domain
    if (char_count(s) < kMinWordChars) return;
    out.emplace_back(std::string(s) + (prefix ? "*" : ""));
}

}  // namespace

void add_index_words(std::string_view text, std::vector<std::string>& words) {
    if (text.empty()) return;
    add_folded(fold(text), words);
}

void sort_unique(std::vector<std::string>& words) {
    std::sort(words.begin(), words.end());
    words.erase(std::unique(words.begin(), words.end()), words.end());
}

std::vector<std::string> index_words(std::string_view text) {
    std::vector<std::string> words;
    add_index_words(text, words);
    sort_unique(words);
    return words;
}

std::vector<std::string> normalise_query(std::string_view argument) {
    std::vector<std::string> out;
    const std::string folded = fold(argument);
    std::size_t pos = 0;
    while (pos < folded.size()) {
        const std::size_t space = folded.find_first_of(" \t\r\n", pos);
        const std::size_t stop = space == std::string::npos ? folded.size() : space;
        const std::string piece = folded.substr(pos, stop - pos);
        pos = stop + 1;
        if (piece.find('@') != std::string::npos) {
            add_address_query(piece, out);
            continue;
        }
        each_run(piece, [&](std::string_view w, bool star) {
            if (char_count(w) >= kMinWordChars) out.emplace_back(std::string(w) + (star ? "*" : ""));
        });
    }
    sort_unique(out);
    return out;
}

}  // namespace deskgate
