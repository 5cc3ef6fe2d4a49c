// encoded_words.cpp - see encoded_words.hpp.
#include "core/mail/encoded_words.hpp"

#include <glib.h>

#include <algorithm>
#include <optional>
#include <unordered_map>

#include <fmt/format.h>

#include "core/base/text.hpp"
#include "core/mail/charset_convert.hpp"
#include "core/mail/charset_guess.hpp"
#include "core/mail/text_decode.hpp"

namespace deskgate {
namespace {

constexpr std::size_t kMaxCharsetName = 64;

struct Word {
    std::string charset;  // lower case, without a language tag
    std::string bytes;    // base64- or Q-decoded
};

// A header value cut into raw text and encoded words, in order.
struct Piece {
    std::string_view text;     // the piece as written
    std::optional<Word> word;  // set for an encoded word
};

bool blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// ESC: raw ISO-2022-JP text (7-bit, so valid UTF-8 to a validator) in old Japanese mail.
bool has_escape(std::string_view s) { return s.find('\x1b') != std::string_view::npos; }

bool only_blanks(std::string_view s) {
    for (char c : s)
        if (!blank(c)) return false;
    return true;
}

int base64_value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

// One word's base64 text; '=' ends it (and only it), characters outside the alphabet are skipped.
std::string base64_bytes(std::string_view text) {
    std::string out;
    unsigned bits = 0;
    int count = 0;
    for (char c : text) {
        if (c == '=') break;
        const int v = base64_value(c);
        if (v < 0) continue;
        bits = ((bits << 6) | static_cast<unsigned>(v)) & 0xFFFFFFu;
        count += 6;
        if (count >= 8) {
            count -= 8;
            out.push_back(static_cast<char>((bits >> count) & 0xFF));
        }
    }
    return out;
}

// One word's Q text: '_' is a space, "=XX" a byte; a stray '=' stays.
std::string q_bytes(std::string_view text) {
    std::string spaced(text);
    std::replace(spaced.begin(), spaced.end(), '_', ' ');  // '_' is neither '=' nor a hex digit
    return hex_escapes_decoded(spaced, '=');
}

// The first '?' or blank from `pos` on (s.size() if none).
std::size_t stop_at(std::string_view s, std::size_t pos) {
    while (pos < s.size() && s[pos] != '?' && !blank(s[pos])) ++pos;
    return pos;
}

// The encoded word "=?charset?B|Q?text?=" at s[pos], its end in `end`; nullopt if there is none.
// Neither charset nor text holds '?' or a blank, so every scan stops at the next '?': linear.
std::optional<Word> word_at(std::string_view s, std::size_t pos, std::size_t& end) {
    const std::size_t q1 = stop_at(s, pos + 2);
    if (q1 + 2 >= s.size() || s[q1] != '?' || q1 == pos + 2 || q1 - pos - 2 > kMaxCharsetName || s[q1 + 2] != '?')
        return std::nullopt;
    const char encoding = static_cast<char>(g_ascii_tolower(s[q1 + 1]));
    if (encoding != 'b' && encoding != 'q') return std::nullopt;
    const std::size_t q2 = stop_at(s, q1 + 3);
    if (q2 + 1 >= s.size() || s[q2] != '?' || s[q2 + 1] != '=') return std::nullopt;
    std::string_view charset = s.substr(pos + 2, q1 - pos - 2);
    charset = charset.substr(0, charset.find('*'));  // RFC 2231 language: "utf-8*en"
    const std::string_view text = s.substr(q1 + 3, q2 - q1 - 3);
    end = q2 + 2;
    return Word{lower(charset), encoding == 'b' ? base64_bytes(text) : q_bytes(text)};
}

std::vector<Piece> pieces(std::string_view s) {
    std::vector<Piece> out;
    std::size_t text_from = 0;
    std::size_t pos = 0;
    while ((pos = s.find("=?", pos)) != std::string_view::npos) {
        std::size_t end = 0;
        std::optional<Word> word = word_at(s, pos, end);
        if (!word) {
            ++pos;
            continue;
        }
        if (pos > text_from) out.push_back({s.substr(text_from, pos - text_from), std::nullopt});
        out.push_back({s.substr(pos, end - pos), std::move(word)});
        pos = text_from = end;
    }
    if (text_from < s.size()) out.push_back({s.substr(text_from), std::nullopt});
    return out;
}

// Converts the bytes of encoded words, for one header value, by decode_declared(). A charset
// that does not hold its bytes is reported and guessed once: later words in it are read in what
// was found, so a header of 50 000 such words costs one detector run, not 50 000. Past
// kMaxGuessed such charsets (a header made to be slow), the rest are read as they say, or as
// windows-1252 when iconv does not know them, with no more guessing.
class WordConverter {
public:
    WordConverter(const HeaderHints& hints, std::vector<std::string>& defects) : hints_(hints), defects_(defects) {}

    std::string operator()(std::string_view bytes, const std::string& charset) {
        if (auto known = read_as_.find(charset); known != read_as_.end()) return lenient(bytes, known->second);
        if (read_as_.size() >= kMaxGuessed) return lenient(bytes, charset_known(charset) ? charset : "WINDOWS-1252");
        DecodedText d = decode_declared(bytes, charset, {hints_.text_charset, hints_.header_guess});
        const std::string cs = valid_utf8(std::string_view(charset).substr(0, 40));
        if (d.label != DecodedText::Label::kept)
            defects_.push_back(fmt::format("encoded word in charset '{}' read as {}", cs, lower(d.charset)));
        else if (d.replaced)
            defects_.push_back(fmt::format("bytes invalid in charset '{}' in an encoded word replaced", cs));
        if (d.label != DecodedText::Label::kept || d.replaced) read_as_.emplace(charset, d.charset);
        return std::move(d.text);
    }

private:
    static constexpr std::size_t kMaxGuessed = 16;

    static std::string lenient(std::string_view bytes, const std::string& charset) {
        std::size_t replaced = 0;
        std::optional<std::string> text = convert_lenient(bytes, charset, replaced);
        return valid_utf8(text ? std::string_view(*text) : bytes);
    }

    const HeaderHints& hints_;
    std::vector<std::string>& defects_;
    std::unordered_map<std::string, std::string> read_as_;  // charset -> what its words were read in
};

// The decoded text of the run of adjacent words pieces[from, to) (blank pieces between them
// skipped): the bytes of neighbours in one charset joined before conversion.
std::string decode_run(const std::vector<Piece>& all, std::size_t from, std::size_t to, WordConverter& convert) {
    std::string out;
    std::string bytes;
    std::string charset;
    for (std::size_t i = from; i < to; ++i) {
        if (!all[i].word) continue;
        if (!bytes.empty() && all[i].word->charset != charset) {
            out += convert(bytes, charset);
            bytes.clear();
        }
        charset = all[i].word->charset;
        bytes += all[i].word->bytes;
    }
    if (!bytes.empty()) out += convert(bytes, charset);
    return out;
}

// The end of the run of adjacent encoded words starting at pieces[from].
std::size_t run_end(const std::vector<Piece>& all, std::size_t from) {
    std::size_t to = from + 1;
    while (to + 1 < all.size() && !all[to].word && only_blanks(all[to].text) && all[to + 1].word) to += 2;
    return to;
}

// The charset a header's raw (not encoded) text is read in: "UTF-8" when it is, else a guess.
std::string raw_text_charset(const std::vector<Piece>& all, const HeaderHints& hints,
                             std::vector<std::string>& defects) {
    std::string raw;
    for (const Piece& p : all)
        if (!p.word) raw += p.text;
    if (is_utf8(raw) && !has_escape(raw)) return "UTF-8";
    GuessedText g = guess_to_utf8(raw, {hints.text_charset, hints.header_guess});
    if (g.charset != "UTF-8")
        defects.push_back(fmt::format("8-bit header text without a charset read as {}", lower(g.charset)));
    return g.charset;
}

std::string raw_text(std::string_view text, const std::string& charset) {
    if (charset == "UTF-8") return std::string(text);
    std::size_t replaced = 0;
    std::optional<std::string> utf8 = convert_lenient(text, charset, replaced);
    return utf8 ? std::move(*utf8) : std::string(text);
}

std::string b_word(std::string_view utf8) {
    gchar* b64 = g_base64_encode(reinterpret_cast<const guchar*>(utf8.data()), utf8.size());
    std::string out = fmt::format("=?UTF-8?B?{}?=", b64);
    g_free(b64);
    return out;
}

// Where a run of words stands in an address list, tracked over the raw text before it.
struct AddressContext {
    bool quoted = false;
    bool escaped = false;
    int angle = 0;    // inside <...>
    int comment = 0;  // inside (...)

    void feed(std::string_view text) {
        for (char c : text) {
            if (escaped) {
                escaped = false;
            } else if (c == '\\' && (quoted || comment > 0)) {
                escaped = true;
            } else if (quoted) {
                quoted = c != '"';
            } else if (c == '(') {
                ++comment;
            } else if (c == ')' && comment > 0) {
                --comment;
            } else if (comment == 0 && c == '"') {
                quoted = true;
            } else if (comment == 0 && c == '<') {
                ++angle;
            } else if (comment == 0 && c == '>' && angle > 0) {
                --angle;
            }
        }
    }
};

bool next_to_address(std::string_view value, std::string_view first, std::string_view last) {
    const std::size_t begin = static_cast<std::size_t>(first.data() - value.data());
    const std::size_t end = static_cast<std::size_t>(last.data() + last.size() - value.data());
    const auto addressy = [](char c) { return c == '@' || c == '.'; };
    return (begin > 0 && addressy(value[begin - 1])) || (end < value.size() && addressy(value[end]));
}

std::string quoted_text(std::string_view utf8) {
    std::string out;
    for (char c : utf8) {
        if (c == '"' || c == '\\') out.push_back('\\');
        out.push_back(c == '\r' || c == '\n' ? ' ' : c);
    }
    return out;
}

}  // namespace

std::string decode_header_text(std::string_view raw, const HeaderHints& hints, std::vector<std::string>& defects) {
    const std::string value = unfold(raw);
    const std::vector<Piece> all = pieces(value);
    const std::string charset = raw_text_charset(all, hints, defects);
    WordConverter convert(hints, defects);
    std::string out;
    for (std::size_t i = 0; i < all.size();) {
        if (!all[i].word) {
            out += raw_text(all[i++].text, charset);
            continue;
        }
        const std::size_t to = run_end(all, i);
        out += decode_run(all, i, to, convert);
        i = to;
    }
    return unfold(valid_utf8(out));
}

std::string bytes_to_guess(std::string_view raw, std::size_t limit) {
    const std::vector<Piece> all = pieces(raw);
    std::string out;
    for (std::size_t i = 0; i < all.size() && out.size() < limit; ++i) {
        if (!all[i].word) {
            if (!is_utf8(all[i].text) || has_escape(all[i].text)) out.append(all[i].text).append("\n");
            continue;
        }
        // Neighbours in one charset together: a character may be split across them.
        std::string bytes = all[i].word->bytes;
        const std::string& charset = all[i].word->charset;
        while (i + 2 < all.size() && !all[i + 1].word && only_blanks(all[i + 1].text) && all[i + 2].word &&
               all[i + 2].word->charset == charset) {
            bytes += all[i + 2].word->bytes;
            i += 2;
        }
        const bool utf8 = charset == "utf-8" || charset == "utf8";
        if (!(utf8 ? is_utf8(bytes) : convert_strict(bytes, charset).has_value())) out.append(bytes).append("\n");
    }
    return out;
}

std::string normalize_address_words(std::string_view raw, const HeaderHints& hints,
                                    std::vector<std::string>& defects) {
    const std::string value = unfold(raw);
    const std::vector<Piece> all = pieces(value);
    const std::string charset = raw_text_charset(all, hints, defects);
    WordConverter convert(hints, defects);
    AddressContext context;
    std::string out;
    for (std::size_t i = 0; i < all.size();) {
        if (!all[i].word) {
            context.feed(all[i].text);
            out += raw_text(all[i++].text, charset);
            continue;
        }
        const std::size_t to = run_end(all, i);
        if (context.angle > 0 || next_to_address(value, all[i].text, all[to - 1].text)) {
            for (std::size_t k = i; k < to; ++k) out += all[k].text;  // as written
        } else {
            const std::string text = decode_run(all, i, to, convert);
            out += context.quoted ? quoted_text(text) : text.empty() ? std::string() : b_word(text);
        }
        i = to;
    }
    return out;
}

}  // namespace deskgate
