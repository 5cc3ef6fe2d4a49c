// reply_text.cpp - extract_reply_text (see reply_text.hpp). The body is split once into line
// views; every step narrows a range [begin, end) of those lines, and only the result is copied.
#include "core/mail/reply_text.hpp"

#include <optional>
#include <vector>

#include "core/mail/reply_patterns.hpp"

namespace deskgate {
namespace {

using reply::Lines;

constexpr std::size_t kMaxSignatureLines = 25;  // a "-- " further up is text, not a signature
constexpr std::size_t kMaxMarkerLines = 4;      // a wrapped marker spans at most this many lines

Lines split_lines(std::string_view body) {
    Lines lines;
    std::size_t at = 0;
    while (at < body.size()) {
        std::size_t nl = body.find('\n', at);
        if (nl == std::string_view::npos) nl = body.size();
        std::string_view line = body.substr(at, nl - at);
        if (line.ends_with('\r')) line.remove_suffix(1);
        lines.push_back(line);
        at = nl + 1;
    }
    return lines;
}

bool has_text(const Lines& lines, std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i)
        if (!reply::is_blank(lines[i])) return true;
    return false;
}

bool has_quoted(const Lines& lines, std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i)
        if (reply::is_quoted(lines[i])) return true;
    return false;
}

// Length of the whitespace character (space, tab, U+00A0) at s[i], 0 if there is none.
std::size_t space_at(std::string_view s, std::size_t i) {
    if (s[i] == ' ' || s[i] == '\t') return 1;
    return s.substr(i).starts_with("\xC2\xA0") ? 2 : 0;
}

// The next whitespace-separated word of `s` from `pos` ("" at the end); `pos` moves past it.
std::string_view next_word(std::string_view s, std::size_t& pos) {
    while (pos < s.size() && space_at(s, pos) > 0) pos += space_at(s, pos);
    const std::size_t start = pos;
    while (pos < s.size() && space_at(s, pos) == 0) ++pos;
    return s.substr(start, pos - start);
}

std::vector<std::string_view> words_of(std::string_view s) {
    std::vector<std::string_view> words;
    std::size_t pos = 0;
    for (std::string_view w = next_word(s, pos); !w.empty(); w = next_word(s, pos)) words.push_back(w);
    return words;
}

struct MarkerHit {
    std::size_t line = 0;     // the line the marker starts on
    std::size_t last = 0;     // the line it ends on (a wrapped marker spans lines)
    std::string_view before;  // the staff's text before the marker on its first line
    bool quoted = false;      // the client quoted the marker: the staff may have written below
};

// Whether marker words [1, n) follow in `lines[i]` from `pos` and the next lines (each without
// its quote prefix); sets `last` to the line the marker ends on.
bool marker_continues(const Lines& lines, std::size_t i, std::size_t pos,
                      const std::vector<std::string_view>& marker, std::size_t& last) {
    std::string_view text = reply::strip_quote(lines[i]);
    std::size_t line = i;
    for (std::size_t k = 1; k < marker.size();) {
        const std::string_view word = next_word(text, pos);
        if (word.empty()) {
            if (++line >= lines.size() || line >= i + kMaxMarkerLines || reply::is_blank(lines[line])) return false;
            text = reply::strip_quote(lines[line]);
            pos = 0;
            continue;
        }
        if (word != marker[k++]) return false;
    }
    last = line;
    return true;
}

// The first occurrence of the marker, also quoted ("> ") or wrapped over lines.
std::optional<MarkerHit> find_marker(const Lines& lines, std::string_view marker_text) {
    const std::vector<std::string_view> marker = words_of(marker_text);
    if (marker.empty()) return std::nullopt;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const std::string_view text = reply::strip_quote(lines[i]);
        if (text.find(marker[0]) == std::string_view::npos) continue;  // cheap test first
        std::size_t pos = 0;
        for (std::string_view w = next_word(text, pos); !w.empty(); w = next_word(text, pos)) {
            MarkerHit hit;
            if (w != marker[0] || !marker_continues(lines, i, pos, marker, hit.last)) continue;
            hit.line = i;
            hit.quoted = reply::is_quoted(lines[i]);
            if (!hit.quoted) hit.before = text.substr(0, static_cast<std::size_t>(w.data() - text.data()));
            return hit;
        }
    }
    return std::nullopt;
}

// Lines [begin, end) of some Lines, and how they were cut.
struct Section {
    std::size_t begin = 0;
    std::size_t end = 0;
    std::string cut;
};

// Where a quote starts: `at` (the new text ends there) and `after` (the first line after the
// attribution, separator or first header line).
struct QuoteStart {
    std::size_t at = 0;
    std::size_t after = 0;
    std::string label;
};

// `i` moved up over blank lines and one rule line (Outlook's "_____" above its header block).
std::size_t extend_up(const Lines& lines, std::size_t begin, std::size_t i) {
    while (i > begin && reply::is_blank(lines[i - 1])) --i;
    if (i > begin && reply::is_rule_line(lines[i - 1])) {
        --i;
        while (i > begin && reply::is_blank(lines[i - 1])) --i;
    }
    return i;
}

std::string attribution_label(std::string_view language) {
    return language.empty() ? std::string("attribution") : "attribution (" + std::string(language) + ")";
}

// An attribution wrapped over lines i and i+1 (Gmail wraps at 78 columns), accepted only
// when a quote or nothing follows: two lines of prose could look like one attribution.
std::optional<std::string_view> wrapped_attribution(const Lines& lines, std::size_t i, std::size_t end) {
    if (i + 1 >= end) return std::nullopt;
    const std::string_view first = reply::trim_space(lines[i]);
    const std::string_view second = reply::trim_space(lines[i + 1]);
    if (first.size() > 200 || second.size() > 80 || second.empty() || !second.ends_with(':') ||
        reply::is_quoted(lines[i + 1]))
        return std::nullopt;
    const std::string joined = std::string(first) + " " + std::string(second);
    const auto language = reply::attribution_language(joined);
    if (!language) return std::nullopt;
    std::size_t k = i + 2;
    while (k < end && reply::is_blank(lines[k])) ++k;
    if (k < end && !reply::is_quoted(lines[k])) return std::nullopt;
    return language;
}

// The first attribution, Outlook separator or Outlook header block in [begin, end).
std::optional<QuoteStart> find_quote_start(const Lines& lines, std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) {
        const std::string_view line = lines[i];
        if (reply::is_blank(line) || reply::is_quoted(line)) continue;
        if (reply::is_original_separator(line))
            return QuoteStart{extend_up(lines, begin, i), i + 1, "original message separator"};
        if (const auto language = reply::header_block_language(lines, i, end))
            return QuoteStart{extend_up(lines, begin, i), i + 1,
                              "outlook header block (" + std::string(*language) + ")"};
        if (const auto language = reply::attribution_language(line))
            return QuoteStart{extend_up(lines, begin, i), i + 1, attribution_label(*language)};
        if (const auto language = wrapped_attribution(lines, i, end))
            return QuoteStart{extend_up(lines, begin, i), i + 2, attribution_label(*language)};
    }
    return std::nullopt;
}

// Bottom posting: the unquoted text after the quote that starts at `from`. With `need_quote`,
// at least one quoted line must come first.
std::optional<Section> bottom_posted(const Lines& lines, std::size_t from, std::size_t end, bool need_quote) {
    std::size_t k = from;
    bool quoted = false;
    for (; k < end && (reply::is_blank(lines[k]) || reply::is_quoted(lines[k])); ++k)
        quoted = quoted || reply::is_quoted(lines[k]);
    if (k == end || (need_quote && !quoted)) return std::nullopt;
    return Section{k, end, "bottom-posted"};
}

// Steps 2 and 3 of reply_text.hpp on [begin, end): the first attribution, separator or
// header block ends the new text (or starts it, when the reply is below the quote).
Section cut_quote(const Lines& lines, std::size_t begin, std::size_t end) {
    Section s{begin, end, "none"};
    const auto q = find_quote_start(lines, begin, end);
    if (!q) return s;
    s.end = q->at;
    s.cut = q->label;
    if (!has_text(lines, begin, s.end)) {
        if (const auto b = bottom_posted(lines, q->after, end, true)) {
            s.begin = b->begin;
            s.end = b->end;
            s.cut += ", bottom-posted";
        }
    }
    return s;
}

// The line a "-- " signature starts on, searched in the last lines of [begin, end); `end` if none.
std::size_t signature_start(const Lines& lines, std::size_t begin, std::size_t end) {
    for (std::size_t k = end; k > begin && end - k < kMaxSignatureLines; --k)
        if (reply::is_signature_delimiter(lines[k - 1])) return k - 1;
    return end;
}

// The start of the run of quoted and blank lines ending at `end`, with the attribution
// directly above it ("Tom Baker wrote:" needs no date there: a quote follows).
std::size_t quote_run_start(const Lines& lines, std::size_t begin, std::size_t end) {
    std::size_t cut = end;
    while (cut > begin && (reply::is_quoted(lines[cut - 1]) || reply::is_blank(lines[cut - 1]))) --cut;
    if (cut > begin && reply::attribution_language(lines[cut - 1], false)) cut = extend_up(lines, begin, cut - 1);
    return cut;
}

struct Tail {
    std::size_t end = 0;     // the new end of the range
    bool signature = false;  // a signature or footer was removed
    bool quote = false;      // a trailing quote was removed
};

// Step 4: drops from the end of [begin, end), as long as text remains above, a run of
// quoted lines, a mobile footer or a "-- " signature, in any order (a bottom poster signs
// under the last quote, a top poster above the quote).
Tail trim_tail(const Lines& lines, std::size_t begin, std::size_t end) {
    Tail t{end};
    std::size_t first_text = begin;  // text remains above `cut` iff cut > first_text
    while (first_text < end && reply::is_blank(lines[first_text])) ++first_text;
    for (;;) {
        std::size_t e = t.end;
        while (e > begin && reply::is_blank(lines[e - 1])) --e;
        if (e == begin) return t;
        std::size_t cut = e;
        bool quote = false;
        if (reply::is_quoted(lines[e - 1])) {
            quote = true;
            cut = quote_run_start(lines, begin, e);
        } else if (reply::is_mobile_footer(lines[e - 1])) {
            cut = e - 1;
        } else {
            cut = signature_start(lines, begin, e);
        }
        if (cut == e || cut <= first_text) return t;  // a body that is all quote is kept whole
        t.end = cut;
        (quote ? t.quote : t.signature) = true;
    }
}

// Lines [begin, end) joined: no blank lines at both ends, one blank line for a run of them
// (Outlook's HTML writes a paragraph of &nbsp; between paragraphs), no trailing spaces.
std::string join(const Lines& lines, std::size_t begin, std::size_t end) {
    while (begin < end && reply::is_blank(lines[begin])) ++begin;
    while (end > begin && reply::is_blank(lines[end - 1])) --end;
    std::string out;
    for (std::size_t i = begin; i < end; ++i) {
        const bool blank = reply::is_blank(lines[i]);
        if (blank && i > begin && reply::is_blank(lines[i - 1])) continue;
        if (i > begin) out += '\n';
        if (!blank) out += reply::trim_space_right(lines[i]);
    }
    return out;
}

}  // namespace

ReplyText extract_reply_text(std::string_view body, std::string_view marker) {
    ReplyText r;
    const Lines lines = split_lines(body);
    const Lines* source = &lines;
    Lines above;
    Section s;
    if (const auto hit = find_marker(lines, marker)) {
        r.marker_found = true;
        above.assign(lines.begin(), lines.begin() + static_cast<std::ptrdiff_t>(hit->line));
        if (!reply::is_blank(hit->before)) above.push_back(hit->before);
        source = &above;
        s = cut_quote(above, 0, above.size());
        s.cut = s.cut == "none" ? std::string("marker") : "marker, " + s.cut;
        if (hit->quoted && !has_text(above, s.begin, trim_tail(above, s.begin, s.end).end)) {
            if (const auto b = bottom_posted(lines, hit->last + 1, lines.size(), false)) {
                s = Section{b->begin, b->end, "marker, bottom-posted"};
                source = &lines;
            }
        }
    } else {
        s = cut_quote(lines, 0, lines.size());
    }
    const Tail tail = trim_tail(*source, s.begin, s.end);
    r.signature_removed = tail.signature;
    if (tail.quote && (s.cut == "none" || s.cut == "marker")) s.cut = s.cut == "none" ? "quote" : "marker, quote";
    if (has_quoted(*source, s.begin, tail.end))
        s.cut = s.cut == "none" ? std::string("interleaved quote kept") : s.cut + ", interleaved kept";
    r.text = join(*source, s.begin, tail.end);
    r.cut = std::move(s.cut);
    return r;
}

}  // namespace deskgate
