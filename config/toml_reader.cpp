// toml_reader.cpp - see toml_reader.hpp.
#include "config/toml_reader.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace deskgate::config {

SourcePos position(const toml::source_region& region) {
    SourcePos p;
    p.file = region.path ? *region.path : std::string();
    p.line = static_cast<std::uint32_t>(region.begin.line);
    p.column = static_cast<std::uint32_t>(region.begin.column);
    return p;
}

SourcePos position_in_string(const toml::node& node, std::string_view text, std::size_t offset) {
    const toml::source_region& r = node.source();
    SourcePos p = position(r);
    if (offset > text.size() || r.begin.line == 0 || r.end.line < r.begin.line) return p;
    const std::size_t newlines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
    const std::size_t span_lines = r.end.line - r.begin.line;
    if (span_lines == 0) {
        if (newlines != 0 || r.end.column <= r.begin.column) return p;
        const std::size_t width = r.end.column - r.begin.column;  // end is one past the closing quote
        if (width == text.size() + 2) p.column += static_cast<std::uint32_t>(offset + 1);
        else if (width == text.size() + 6) p.column += static_cast<std::uint32_t>(offset + 3);
        return p;
    }
    // Multi-line: the line breaks of the text are those of the source, plus one trimmed right
    // after the opening delimiter. Any other count means line-ending backslashes: keep the start.
    std::size_t first_line = r.begin.line;
    if (span_lines == newlines + 1) ++first_line;
    else if (span_lines != newlines) return p;
    const std::string_view before = text.substr(0, offset);
    const std::size_t line_breaks = static_cast<std::size_t>(std::count(before.begin(), before.end(), '\n'));
    if (line_breaks == 0 && first_line == r.begin.line) {
        p.column += 3 + static_cast<std::uint32_t>(offset);  // after the opening """ on the same line
        return p;
    }
    const std::size_t line_start = line_breaks == 0 ? 0 : before.rfind('\n') + 1;
    p.line = static_cast<std::uint32_t>(first_line + line_breaks);
    p.column = static_cast<std::uint32_t>(offset - line_start + 1);
    return p;
}

void Diagnostics::error(const SourcePos& where, std::string message) {
    errors_.push_back(ConfigError{where, std::move(message)});
}

namespace {

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t up = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diagonal = up;
        }
    }
    return row[b.size()];
}

}  // namespace

std::string suggestion(std::string_view wrong, const std::vector<std::string_view>& known) {
    std::string_view best;
    std::size_t best_distance = std::max<std::size_t>(2, wrong.size() / 3) + 1;
    for (std::string_view k : known) {
        const std::size_t d = edit_distance(wrong, k);
        if (d < best_distance) {
            best = k;
            best_distance = d;
        }
    }
    return best.empty() ? std::string() : fmt::format(" (did you mean '{}'?)", best);
}

std::string_view type_name(const toml::node& n) {
    switch (n.type()) {
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    case toml::node_type::array: return "an array";
    case toml::node_type::table: return "a table";
    case toml::node_type::none: break;
    }
    return "nothing";
}

TableReader::TableReader(Diagnostics& diag, const toml::table& table, std::string section,
                         std::vector<std::string_view> known)
    : diag_(diag), table_(table), section_(std::move(section)) {
    for (auto&& [key, value] : table) {
        (void)value;
        if (std::find(known.begin(), known.end(), key.str()) == known.end())
            diag_.error(key.source(), fmt::format("unknown key '{}' in {}{}", key.str(), section_,
                                                  suggestion(key.str(), known)));
    }
}

SourcePos TableReader::where(std::string_view key) const {
    if (const toml::node* n = table_.get(key)) return position(n->source());
    return where();
}

void TableReader::missing(std::string_view key) {
    diag_.error(where(), fmt::format("missing required key '{}' in {}", key, section_));
}

void TableReader::wrong_type(std::string_view key, const toml::node& n, std::string_view expected) {
    diag_.error(n.source(), fmt::format("'{}' in {}: expected {}, got {}", key, section_, expected,
                                        type_name(n)));
}

std::optional<std::string> TableReader::string(std::string_view key, bool required) {
    const toml::node* n = table_.get(key);
    if (!n) {
        if (required) missing(key);
        return std::nullopt;
    }
    if (const auto* s = n->as_string()) return s->get();
    wrong_type(key, *n, "a string");
    return std::nullopt;
}

std::optional<bool> TableReader::boolean(std::string_view key) {
    const toml::node* n = table_.get(key);
    if (!n) return std::nullopt;
    if (const auto* b = n->as_boolean()) return b->get();
    wrong_type(key, *n, "a boolean (true or false)");
    return std::nullopt;
}

std::optional<std::int64_t> TableReader::integer(std::string_view key, std::int64_t min,
                                                 std::int64_t max, bool required) {
    const toml::node* n = table_.get(key);
    if (!n) {
        if (required) missing(key);
        return std::nullopt;
    }
    const auto* i = n->as_integer();
    if (!i) {
        wrong_type(key, *n, "an integer");
        return std::nullopt;
    }
    if (i->get() < min || i->get() > max) {
        diag_.error(n->source(), fmt::format("'{}' in {}: expected an integer from {} to {}, got {}",
                                             key, section_, min, max, i->get()));
        return std::nullopt;
    }
    return i->get();
}

std::optional<std::uint64_t> TableReader::size(std::string_view key) {
    const toml::node* n = table_.get(key);
    if (!n) return std::nullopt;
    if (const auto* i = n->as_integer()) {
        if (i->get() > 0) return static_cast<std::uint64_t>(i->get());
    } else if (const auto* s = n->as_string()) {
        const std::string& text = s->get();
        std::size_t used = 0;
        std::uint64_t value = 0;
        try {
            value = std::stoull(text, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (used > 0 && value > 0) {
            const std::string_view suffix = std::string_view(text).substr(used);
            std::uint64_t unit = 0;
            if (suffix.empty()) unit = 1;
            else if (suffix == "K" || suffix == "k") unit = 1024;
            else if (suffix == "M" || suffix == "m") unit = 1024 * 1024;
            else if (suffix == "G" || suffix == "g") unit = 1024ull * 1024 * 1024;
            if (unit && value <= (1ull << 50) / unit) return value * unit;
        }
    }
    diag_.error(n->source(), fmt::format("'{}' in {}: expected a positive size in bytes or a string "
                                         "like \"50M\" (K, M, G), got {}",
                                         key, section_, type_name(*n)));
    return std::nullopt;
}

std::optional<std::int64_t> TableReader::duration(std::string_view key) {
    const toml::node* n = table_.get(key);
    if (!n) return std::nullopt;
    constexpr std::int64_t kMax = 100ll * 365 * 86400;
    if (const auto* i = n->as_integer()) {
        if (i->get() > 0 && i->get() <= kMax) return i->get();
    } else if (const auto* s = n->as_string()) {
        const std::string& text = s->get();
        std::size_t used = 0;
        std::int64_t value = 0;
        try {
            value = std::stoll(text, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        const std::string_view suffix = std::string_view(text).substr(used);
        std::int64_t unit = 0;
        if (suffix == "s") unit = 1;
        else if (suffix == "m") unit = 60;
        else if (suffix == "h") unit = 3600;
        else if (suffix == "d") unit = 86400;
        else if (suffix == "w") unit = 7 * 86400;
        if (used > 0 && value > 0 && unit && value <= kMax / unit) return value * unit;
    }
    diag_.error(n->source(), fmt::format("'{}' in {}: expected a positive duration: seconds or a string "
                                         "like \"90m\", \"4h\", \"3d\", \"2w\", got {}",
                                         key, section_, n->is_string() ? "\"" + n->as_string()->get() + "\"" : std::string(type_name(*n))));
    return std::nullopt;
}

std::optional<std::vector<std::string>> TableReader::strings(std::string_view key) {
    const toml::node* n = table_.get(key);
    if (!n) return std::nullopt;
    const auto* a = n->as_array();
    if (!a) {
        wrong_type(key, *n, "an array of strings");
        return std::nullopt;
    }
    std::vector<std::string> out;
    bool ok = true;
    for (const toml::node& el : *a) {
        if (const auto* s = el.as_string()) {
            out.push_back(s->get());
        } else {
            diag_.error(el.source(), fmt::format("'{}' in {}: expected strings in the array, got {}",
                                                 key, section_, type_name(el)));
            ok = false;
        }
    }
    if (!ok) return std::nullopt;
    return out;
}

std::optional<std::vector<TableReader::Item>> TableReader::strings_at(std::string_view key) {
    const toml::node* n = table_.get(key);
    if (!n) return std::nullopt;
    const auto* a = n->as_array();
    if (!a) {
        wrong_type(key, *n, "an array of strings");
        return std::nullopt;
    }
    std::vector<Item> out;
    bool ok = true;
    for (const toml::node& el : *a) {
        if (const auto* s = el.as_string()) {
            out.push_back({s->get(), position(el.source())});
        } else {
            diag_.error(el.source(), fmt::format("'{}' in {}: expected strings in the array, got {}",
                                                 key, section_, type_name(el)));
            ok = false;
        }
    }
    if (!ok) return std::nullopt;
    return out;
}

std::optional<std::string> TableReader::choice(std::string_view key,
                                               const std::vector<std::string_view>& choices) {
    auto s = string(key);
    if (!s) return std::nullopt;
    if (std::find(choices.begin(), choices.end(), *s) != choices.end()) return s;
    diag_.error(where(key), fmt::format("'{}' in {}: expected one of {}, got \"{}\"{}", key, section_,
                                        fmt::join(choices, ", "), *s, suggestion(*s, choices)));
    return std::nullopt;
}

}  // namespace deskgate::config
