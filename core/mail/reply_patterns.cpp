// reply_patterns.cpp - line recognisers for reply extraction (see reply_patterns.hpp). The
// tables below are the whole knowledge of client formats; a new client or language is a row.
#include "core/mail/reply_patterns.hpp"

#include <array>
#include <cctype>

namespace deskgate::reply {
namespace {

constexpr std::string_view kNbsp = "\xC2\xA0";
// Attributions are short; a longer line is never looked at (bounds the cost per line).
constexpr std::size_t kMaxAttribution = 400;

bool ascii_iequal(char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
}

// ASCII case-insensitive prefix / suffix tests (other bytes compare exactly).
bool starts_with_ci(std::string_view s, std::string_view prefix) {
    if (s.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i)
        if (!ascii_iequal(s[i], prefix[i])) return false;
    return true;
}

bool ends_with_ci(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && starts_with_ci(s.substr(s.size() - suffix.size()), suffix);
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// "10:00", "9:05": a clock time somewhere in `s`.
bool has_time(std::string_view s) {
    for (std::size_t i = 1; i + 2 < s.size(); ++i)
        if (s[i] == ':' && is_digit(s[i - 1]) && is_digit(s[i + 1]) && is_digit(s[i + 2])) return true;
    return false;
}

// A four-digit year 19xx or 20xx standing alone.
bool has_year(std::string_view s) {
    for (std::size_t i = 0; i + 4 <= s.size(); ++i) {
        if (i > 0 && is_digit(s[i - 1])) continue;
        if (!(s.substr(i, 2) == "19" || s.substr(i, 2) == "20")) continue;
        if (is_digit(s[i + 2]) && is_digit(s[i + 3]) && (i + 4 == s.size() || !is_digit(s[i + 4]))) return true;
    }
    return false;
}

struct AttributionShape {
    std::string_view language;
    std::string_view starts;    // "" = anything
    std::string_view contains;  // "" = anything
    std::string_view ends;
    bool weak = false;  // only for a line known to precede a quote (need_evidence false)
};

// Gmail, Thunderbird, Apple Mail and Outlook for Mac attributions, by language.
constexpr std::array kAttributions{
    AttributionShape{"en", "On ", "", "wrote:"},           // On Mon, 3 Dec 2026 at 10:00, A <a@b> wrote:
    AttributionShape{"en", "", "@", "wrote:"},             // Alice <a@b> wrote:
    AttributionShape{"en", "", "", "wrote:", true},        // Alice wrote:
    AttributionShape{"cs", "", "", "napsal:"},             // po 3. 12. 2026 v 10:00 odesílatel A <a@b> napsal:
    AttributionShape{"cs", "", "", "napsala:"},
    AttributionShape{"cs", "", "", "napsal(a):"},          // Dne 03.12.2026 v 10:00 Alice napsal(a):
    AttributionShape{"sk", "", "", "napísal:"},
    AttributionShape{"sk", "", "", "napísala:"},
    AttributionShape{"sk", "", "", "napísal(a):"},
    AttributionShape{"pl", "", "", "napisał:"},
    AttributionShape{"pl", "", "", "napisała:"},
    AttributionShape{"pl", "", "", "napisał(a):"},  // pon., 3 gru 2026 o 10:00 A <a@b> napisał(a):
    AttributionShape{"pl", "W dniu ", "", "pisze:"},       // W dniu 3.12.2026 o 10:00, Alice pisze:
    AttributionShape{"pl", "Wiadomość napisana przez ", "", ":"},  // Apple Mail
    AttributionShape{"bg", "", "", "написа:"},             // пн, 3.12.2026 г. в 10:00 ч. A <a@b> написа:
    AttributionShape{"de", "Am ", " schrieb ", ":"},       // Am 03.12.2026 um 10:00 schrieb Alice:
    AttributionShape{"de", "", "@", "schrieb:"},           // Alice <a@b> schrieb:
    AttributionShape{"de", "", "", "schrieb:", true},      // Alice schrieb:
    AttributionShape{"", "", "@", ">:"},                   // 3. 12. 2026 v 10:00, Alice <a@b>:
};

enum Role : unsigned { kFrom = 1, kSent = 2, kTo = 4, kCc = 8, kSubject = 16 };

struct HeaderKey {
    std::string_view language;
    Role role;
    std::string_view name;
};

// Outlook's header block above the quoted original, by language.
constexpr std::array kHeaderKeys{
    HeaderKey{"en", kFrom, "From"}, HeaderKey{"en", kSent, "Sent"}, HeaderKey{"en", kSent, "Date"},
    HeaderKey{"en", kTo, "To"}, HeaderKey{"en", kCc, "Cc"}, HeaderKey{"en", kSubject, "Subject"},
    HeaderKey{"cs", kFrom, "Od"}, HeaderKey{"cs", kSent, "Odesláno"}, HeaderKey{"cs", kSent, "Datum"},
    HeaderKey{"cs", kTo, "Komu"}, HeaderKey{"cs", kCc, "Kopie"}, HeaderKey{"cs", kCc, "Cc"},
    HeaderKey{"cs", kSubject, "Předmět"},
    HeaderKey{"sk", kFrom, "Od"}, HeaderKey{"sk", kSent, "Odoslané"}, HeaderKey{"sk", kSent, "Dátum"},
    HeaderKey{"sk", kTo, "Komu"}, HeaderKey{"sk", kCc, "Kópia"}, HeaderKey{"sk", kCc, "Cc"},
    HeaderKey{"sk", kSubject, "Predmet"},
    HeaderKey{"pl", kFrom, "Od"}, HeaderKey{"pl", kSent, "Wysłano"}, HeaderKey{"pl", kSent, "Data"},
    HeaderKey{"pl", kTo, "Do"}, HeaderKey{"pl", kCc, "DW"}, HeaderKey{"pl", kCc, "Kopia"},
    HeaderKey{"pl", kSubject, "Temat"},
    HeaderKey{"bg", kFrom, "От"}, HeaderKey{"bg", kSent, "Изпратено"}, HeaderKey{"bg", kSent, "Дата"},
    HeaderKey{"bg", kTo, "До"}, HeaderKey{"bg", kCc, "Копие"}, HeaderKey{"bg", kSubject, "Относно"},
    HeaderKey{"de", kFrom, "Von"}, HeaderKey{"de", kSent, "Gesendet"}, HeaderKey{"de", kSent, "Datum"},
    HeaderKey{"de", kTo, "An"}, HeaderKey{"de", kCc, "Cc"}, HeaderKey{"de", kSubject, "Betreff"},
};
constexpr std::array<std::string_view, 6> kLanguages{"en", "cs", "sk", "pl", "bg", "de"};

// Inner words of "-----Original Message-----" (compared ASCII case-insensitively).
constexpr std::array<std::string_view, 12> kSeparators{
    "Original Message", "Ursprüngliche Nachricht", "Originalnachricht", "Původní zpráva",
    "Pôvodná správa", "Oryginalna wiadomość", "Wiadomość oryginalna", "Оригинално съобщение",
    "Forwarded Message", "Weitergeleitete Nachricht", "Přeposlaná zpráva", "Preposlaná správa",
};

struct Footer {
    std::string_view starts;
    std::string_view ends;  // "" = anything
};

// Client footers; matched only as a short line of their own at the end of the text.
constexpr std::array kFooters{
    Footer{"Sent from my ", ""}, Footer{"Sent from Mail for ", ""}, Footer{"Sent from Outlook", ""},
    Footer{"Sent from Yahoo Mail", ""}, Footer{"Sent with Proton Mail", ""},
    Footer{"Get Outlook for ", ""}, Footer{"Získat Outlook pro ", ""}, Footer{"Pobierz Outlook dla ", ""},
    Footer{"Odesláno z ", ""}, Footer{"Odesláno ze ", ""}, Footer{"Odoslané z ", ""},
    Footer{"Odoslané zo ", ""}, Footer{"Wysłane z ", ""}, Footer{"Wysłano z ", ""},
    Footer{"Изпратено от ", ""}, Footer{"Von meinem ", "gesendet"}, Footer{"Gesendet von ", ""},
    Footer{"Gesendet mit ", ""}, Footer{"Outlook für ", "herunterladen"},
};
constexpr std::size_t kMaxFooter = 120;

}  // namespace

std::string_view trim_space_right(std::string_view s) {
    for (;;) {
        if (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
        else if (s.ends_with(kNbsp)) s.remove_suffix(kNbsp.size());
        else return s;
    }
}

std::string_view trim_space(std::string_view s) {
    s = trim_space_right(s);
    for (;;) {
        if (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
        else if (s.starts_with(kNbsp)) s.remove_prefix(kNbsp.size());
        else return s;
    }
}

bool is_blank(std::string_view line) { return trim_space(line).empty(); }

bool is_quoted(std::string_view line) {
    const auto at = line.find_first_not_of(" \t");
    return at != std::string_view::npos && line[at] == '>';
}

std::string_view strip_quote(std::string_view line) {
    const auto at = line.find_first_not_of(" \t>");
    return at == std::string_view::npos ? std::string_view{} : line.substr(at);
}

std::optional<std::string_view> attribution_language(std::string_view line, bool need_evidence) {
    if (line.size() > kMaxAttribution || is_quoted(line)) return std::nullopt;
    const std::string_view s = trim_space(line);
    if (s.size() < 8) return std::nullopt;
    const bool address = s.find('@') != std::string_view::npos;
    if (need_evidence && !address && !has_time(s) && !has_year(s)) return std::nullopt;
    for (const AttributionShape& a : kAttributions) {
        if ((a.weak && need_evidence) || !ends_with_ci(s, a.ends) || !starts_with_ci(s, a.starts)) continue;
        const std::string_view middle = s.substr(0, s.size() - a.ends.size());
        if (!a.contains.empty() && middle.find(a.contains) == std::string_view::npos) continue;
        if (a.language.empty() && !has_time(s)) continue;  // the bare date-name-address shape needs a time
        return a.language;
    }
    return std::nullopt;
}

namespace {

// The header roles `line` names (a Role bit set), for each language of kLanguages.
std::array<unsigned, kLanguages.size()> header_roles(std::string_view line) {
    std::array<unsigned, kLanguages.size()> roles{};
    std::string_view s = trim_space(line);
    const auto colon = s.find(':');
    if (colon == std::string_view::npos || colon > 32) return roles;  // no key is longer
    if (s.starts_with('*')) s.remove_prefix(1);  // "*From:*" from bold HTML turned into text
    for (const HeaderKey& k : kHeaderKeys) {
        if (!starts_with_ci(s, k.name)) continue;
        std::string_view rest = s.substr(k.name.size());
        if (rest.starts_with('*')) rest.remove_prefix(1);
        rest = trim_space(rest);
        if (!rest.starts_with(':')) continue;
        for (std::size_t l = 0; l < kLanguages.size(); ++l)
            if (kLanguages[l] == k.language) roles[l] |= k.role;
    }
    return roles;
}

}  // namespace

std::optional<std::string_view> header_block_language(const Lines& lines, std::size_t i, std::size_t end) {
    if (i >= end || lines[i].size() > kMaxAttribution || is_quoted(lines[i])) return std::nullopt;
    std::array<unsigned, kLanguages.size()> seen = header_roles(lines[i]);
    bool any_from = false;
    for (unsigned& r : seen) {
        r &= kFrom;
        any_from = any_from || r != 0;
    }
    if (!any_from) return std::nullopt;
    constexpr std::size_t kMaxBlock = 12;  // wrapped To/Cc lists make a block longer than five lines
    for (std::size_t j = i + 1; j < end && j <= i + kMaxBlock && !is_blank(lines[j]); ++j) {
        if (lines[j].size() > 4 * kMaxAttribution) break;
        const auto roles = header_roles(lines[j]);
        for (std::size_t l = 0; l < seen.size(); ++l)
            if (seen[l] & kFrom) seen[l] |= roles[l];
    }
    for (std::size_t l = 0; l < seen.size(); ++l)
        if ((seen[l] & kSent) && (seen[l] & (kTo | kSubject))) return kLanguages[l];
    return std::nullopt;
}

bool is_original_separator(std::string_view line) {
    std::string_view s = trim_space(line);
    const auto lead = s.find_first_not_of('-');
    if (lead == std::string_view::npos || lead < 2) return false;
    const auto trail = s.find_last_not_of('-');
    if (s.size() - 1 - trail < 2) return false;
    const std::string_view inner = trim_space(s.substr(lead, trail - lead + 1));
    for (std::string_view sep : kSeparators)
        if (inner.size() == sep.size() && starts_with_ci(inner, sep)) return true;
    return false;
}

bool is_rule_line(std::string_view line) {
    const std::string_view s = trim_space(line);
    return s.size() >= 10 && s.find_first_not_of('_') == std::string_view::npos;
}

bool is_signature_delimiter(std::string_view line) {
    return line == "-- " || line == "--" || line == "-- \r" || line == "--\r";
}

bool is_mobile_footer(std::string_view line) {
    const std::string_view s = trim_space(line);
    if (s.size() > kMaxFooter) return false;
    for (const Footer& f : kFooters)
        if (s.starts_with(f.starts) && (f.ends.empty() || ends_with_ci(s, f.ends))) return true;
    return false;
}

}  // namespace deskgate::reply
