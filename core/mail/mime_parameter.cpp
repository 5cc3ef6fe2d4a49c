// mime_parameter.cpp - see mime_parameter.hpp.
#include "core/mail/mime_parameter.hpp"

#include <charconv>
#include <map>
#include <vector>

#include "core/base/text.hpp"

namespace deskgate {
namespace {

// More sections than this in one parameter are dropped (mime_bounds.hpp caps parameters anyway).
constexpr unsigned kMaxSection = 999;

bool blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view trimmed(std::string_view s) {
    while (!s.empty() && blank(s.front())) s.remove_prefix(1);
    while (!s.empty() && blank(s.back())) s.remove_suffix(1);
    return s;
}

// One "attribute=value" of the field: the attribute as written, the value unquoted.
struct Pair {
    std::string_view attribute;
    std::string value;
};

// The value starting at s[pos] (blanks skipped): a quoted string, else everything up to the
// next ';' (trailing blanks dropped). `pos` ends at the ';' after it, or s.size().
std::string read_value(std::string_view s, std::size_t& pos) {
    while (pos < s.size() && blank(s[pos])) ++pos;
    std::string out;
    if (pos < s.size() && s[pos] == '"') {
        for (++pos; pos < s.size() && s[pos] != '"'; ++pos) {
            if (s[pos] == '\\' && pos + 1 < s.size()) ++pos;
            if (s[pos] != '\r' && s[pos] != '\n') out.push_back(s[pos]);  // folding: the line break goes
        }
        pos = s.find(';', pos);  // whatever follows the closing quote is not part of the value
        if (pos == std::string_view::npos) pos = s.size();
        return out;
    }
    std::size_t end = s.find(';', pos);
    if (end == std::string_view::npos) end = s.size();
    out = std::string(trimmed(s.substr(pos, end - pos)));
    pos = end;
    return out;
}

// The field's parameters in order; the type or disposition before the first ';' is skipped.
std::vector<Pair> pairs(std::string_view s) {
    std::vector<Pair> out;
    std::size_t pos = s.find(';');
    while (pos != std::string_view::npos && pos < s.size()) {
        ++pos;  // past ';'
        const std::size_t eq = s.find_first_of("=;", pos);
        if (eq == std::string_view::npos) break;
        if (s[eq] == ';') {  // no '=': not a parameter
            pos = eq;
            continue;
        }
        Pair p{trimmed(s.substr(pos, eq - pos)), {}};
        pos = eq + 1;
        p.value = read_value(s, pos);
        out.push_back(std::move(p));
    }
    return out;
}

// An encoded (first) section "charset'language'text": the charset, and the text; a value without
// a quote is all text.
std::string_view split_charset(std::string_view value, std::string& charset) {
    const std::size_t q1 = value.find('\'');
    if (q1 == std::string_view::npos) return value;
    charset = std::string(trimmed(value.substr(0, q1)));
    const std::size_t q2 = value.find('\'', q1 + 1);
    return value.substr(q2 == std::string_view::npos ? q1 + 1 : q2 + 1);
}

struct Section {
    bool encoded = false;
    std::string value;
};

}  // namespace

std::optional<MimeParameter> mime_parameter(std::string_view field_value, std::string_view name) {
    std::optional<MimeParameter> plain;
    std::optional<Section> single;           // name*=
    std::map<unsigned, Section> sections;    // name*N= and name*N*=
    for (Pair& p : pairs(field_value)) {
        const std::size_t star = p.attribute.find('*');
        if (!iequals(trimmed(p.attribute.substr(0, star)), name)) continue;
        if (star == std::string_view::npos) {
            if (!plain) plain = MimeParameter{false, {}, std::move(p.value)};
            continue;
        }
        std::string_view suffix = trimmed(p.attribute.substr(star + 1));
        if (suffix.empty()) {
            if (!single) single = Section{true, std::move(p.value)};
            continue;
        }
        const bool encoded = suffix.back() == '*';
        if (encoded) suffix.remove_suffix(1);
        unsigned n = 0;
        const auto [end, ec] = std::from_chars(suffix.data(), suffix.data() + suffix.size(), n);
        if (ec != std::errc() || end != suffix.data() + suffix.size() || n > kMaxSection) continue;
        sections.try_emplace(n, Section{encoded, std::move(p.value)});
    }
    if (!single && sections.empty()) return plain;
    MimeParameter out;
    out.extended = true;
    if (single) {
        out.bytes = hex_escapes_decoded(split_charset(single->value, out.charset), '%');
        return out;
    }
    for (const auto& [n, section] : sections) {
        if (!section.encoded) {
            out.bytes += section.value;
        } else if (n == sections.begin()->first) {
            out.bytes += hex_escapes_decoded(split_charset(section.value, out.charset), '%');
        } else {
            out.bytes += hex_escapes_decoded(section.value, '%');
        }
    }
    return out;
}

}  // namespace deskgate
