// mime_bounds.cpp - see mime_bounds.hpp.
#include "core/mail/mime_bounds.hpp"

#include <utility>
#include <vector>

#include "core/base/text.hpp"
#include "core/mail/address_list.hpp"

namespace deskgate {
namespace {

bool parameter_field(std::string_view line) {
    constexpr std::string_view kType = "content-type:", kDisposition = "content-disposition:";
    return (line.size() >= kType.size() && iequals(line.substr(0, kType.size()), kType)) ||
           (line.size() >= kDisposition.size() && iequals(line.substr(0, kDisposition.size()), kDisposition));
}

// The end of the logical field starting at `pos` (folded lines included, final line break not).
std::size_t field_end(std::string_view raw, std::size_t pos) {
    for (;;) {
        const std::size_t eol = raw.find('\n', pos);
        if (eol == std::string_view::npos) return raw.size();
        if (eol + 1 < raw.size() && (raw[eol + 1] == ' ' || raw[eol + 1] == '\t')) {
            pos = eol + 1;
            continue;
        }
        return eol > 0 && raw[eol - 1] == '\r' ? eol - 1 : eol;
    }
}

// Where the parameter number max + 1 of field [from, to) starts (its ';'), npos if none.
std::size_t cut_point(std::string_view raw, std::size_t from, std::size_t to, std::size_t max) {
    std::size_t count = 0;
    bool quoted = false;
    for (std::size_t i = from; i < to; ++i) {
        const char c = raw[i];
        if (quoted) {
            if (c == '\\') ++i;
            else if (c == '"') quoted = false;
        } else if (c == '"') {
            quoted = true;
        } else if (c == ';' && ++count == max + 1) {
            return i;
        }
    }
    return std::string_view::npos;
}

// The name of the address field GMime parses on its own that starts `line` (the offset of its
// value is the colon + 1), "" if none. GMime 3.2 reads these when it builds the message.
std::string_view address_field(std::string_view line, std::size_t& value_at) {
    static constexpr std::string_view kNames[] = {"From", "Sender", "Reply-To", "To", "Cc", "Bcc"};
    for (std::string_view name : kNames) {
        if (line.size() <= name.size() || !iequals(line.substr(0, name.size()), name)) continue;
        std::size_t i = name.size();
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
        if (i < line.size() && line[i] == ':') {
            value_at = i + 1;
            return name;
        }
    }
    return {};
}

}  // namespace

std::optional<std::string> bound_address_lists(std::string_view raw, std::vector<std::string>& cut_fields,
                                               std::size_t max_addresses) {
    struct Cut {
        std::size_t from, to;  // [from, to) replaced by `closing`
        bool closing;          // ";" put back to close a group
    };
    std::vector<Cut> cuts;
    std::size_t pos = 0;
    while (pos < raw.size()) {
        std::size_t next = raw.find('\n', pos);
        next = next == std::string_view::npos ? raw.size() : next + 1;
        std::size_t value_at = 0;
        const std::string_view name = address_field(raw.substr(pos, 32), value_at);
        if (!name.empty()) {
            const std::size_t end = field_end(raw, pos);
            const std::size_t from = pos + value_at;
            if (const auto cut = address_list_cut(raw.substr(from, end - from), max_addresses)) {
                cuts.push_back({from + cut->at, end, cut->in_group});
                cut_fields.emplace_back(name);
            }
            next = end;
        }
        pos = next;
    }
    if (cuts.empty()) return std::nullopt;
    std::string out;
    out.reserve(raw.size());
    std::size_t from = 0;
    for (const Cut& c : cuts) {
        out.append(raw.substr(from, c.from - from));
        if (c.closing) out += ';';
        from = c.to;
    }
    out.append(raw.substr(from));
    return out;
}

std::optional<std::string> bound_mime_parameters(std::string_view raw, std::size_t max_parameters) {
    std::vector<std::pair<std::size_t, std::size_t>> drop;  // [from, to) left out
    std::size_t pos = 0;
    while (pos < raw.size()) {
        std::size_t next = raw.find('\n', pos);
        next = next == std::string_view::npos ? raw.size() : next + 1;
        if ((raw[pos] == 'c' || raw[pos] == 'C') && parameter_field(raw.substr(pos, 24))) {
            const std::size_t end = field_end(raw, pos);
            if (const std::size_t cut = cut_point(raw, pos, end, max_parameters); cut != std::string_view::npos)
                drop.emplace_back(cut, end);
            next = end;
        }
        pos = next;
    }
    if (drop.empty()) return std::nullopt;
    std::string out;
    out.reserve(raw.size());
    std::size_t from = 0;
    for (const auto& [a, b] : drop) {
        out.append(raw.substr(from, a - from));
        from = b;
    }
    out.append(raw.substr(from));
    return out;
}

}  // namespace deskgate
