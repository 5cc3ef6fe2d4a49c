// address_header.cpp - see address_header.hpp.
#include "core/mail/address_header.hpp"

#include <cctype>
#include <optional>

#include <fmt/format.h>

#include "core/base/address.hpp"
#include "core/mail/address_list.hpp"
#include "core/mail/gmime_ptr.hpp"
#include "core/mail/text_decode.hpp"

namespace deskgate {
namespace {

struct Found {
    Mailbox box;
    std::string written;  // the address as GMime read it
};

// GMime's mailboxes, group members included; `group` set when the list held a group.
void collect(InternetAddressList* list, std::vector<Found>& out, bool& group, bool& repaired, int depth = 0) {
    const int n = list ? internet_address_list_length(list) : 0;
    for (int i = 0; i < n; ++i) {
        InternetAddress* a = internet_address_list_get_address(list, i);
        if (is_a(a, internet_address_group_get_type())) {
            group = true;
            if (depth < 8)
                collect(internet_address_group_get_members(as<InternetAddressGroup>(a)), out, group, repaired,
                        depth + 1);
        } else if (is_a(a, internet_address_mailbox_get_type())) {
            const char* name = internet_address_get_name(a);
            const char* addr = internet_address_mailbox_get_addr(as<InternetAddressMailbox>(a));
            Found f;
            f.written = addr ? valid_utf8(std::string_view(addr), &repaired) : std::string();
            f.box.name = unfold(name ? valid_utf8(std::string_view(name), &repaired) : std::string());
            f.box.address = normalize_address(f.written);
            out.push_back(std::move(f));
        }
    }
}

// A display name as written: surrounding quotes and backslash escapes removed.
std::string unquote(std::string_view phrase) {
    std::string s = trim(phrase);
    if (s.size() < 2 || s.front() != '"' || s.back() != '"') return s;
    std::string out;
    for (std::size_t i = 1; i + 1 < s.size(); ++i) {
        if (s[i] == '\\' && i + 2 < s.size()) ++i;
        out.push_back(s[i]);
    }
    return trim(out);
}

constexpr std::string_view kAtomSpecials = "!#$%&'*+-/=?^_`{|}~.";  // atext and '.', besides letters and digits

// A local part that is a dot-atom but for blanks ("power quadrant system").
bool blanks_in_dot_atom(std::string_view local) {
    bool blank = false;
    for (char c : local) {
        const auto u = static_cast<unsigned char>(c);
        if (c == ' ') blank = true;
        else if (!(std::isalnum(u) || u >= 0x80 || kAtomSpecials.find(c) != std::string_view::npos))
            return false;
    }
    return blank;
}

// "name <local part with blanks@domain>": the name, and the local part quoted as written;
// nullopt when the field is not of that shape.
std::optional<Mailbox> salvage_blank_local_part(std::string_view value, const HeaderHints& hints,
                                                std::vector<std::string>& defects) {
    const std::size_t open = value.rfind('<');
    const std::size_t close = open == std::string_view::npos ? open : value.find('>', open);
    if (close == std::string_view::npos) return std::nullopt;
    const std::string inner = trim(value.substr(open + 1, close - open - 1));
    const std::size_t at = inner.rfind('@');
    if (at == std::string::npos) return std::nullopt;
    const std::string local = trim(std::string_view(inner).substr(0, at));
    const std::string domain = trim(std::string_view(inner).substr(at + 1));
    if (!blanks_in_dot_atom(local) || domain.find(' ') != std::string::npos) return std::nullopt;
    Mailbox m;
    m.address = normalize_address(fmt::format("\"{}\"@{}", local, domain));
    if (m.address.empty()) return std::nullopt;
    m.name = unquote(decode_header_text(value.substr(0, open), hints, defects));
    return m;
}

// "Big Bug bb@bug.com": a phrase then a bare address, without the angle brackets RFC 5322 wants;
// nullopt when the field is not of that shape.
std::optional<Mailbox> salvage_bare_address(std::string_view value, const HeaderHints& hints,
                                            std::vector<std::string>& defects) {
    const std::string text = trim(value);
    const std::size_t space = text.find_last_of(' ');
    if (space == std::string::npos || text.find_first_of("<>\"") != std::string::npos) return std::nullopt;
    const std::string_view phrase = std::string_view(text).substr(0, space);
    if (phrase.find('@') != std::string_view::npos) return std::nullopt;
    Mailbox m;
    m.address = normalize_address(std::string_view(text).substr(space + 1));
    if (m.address.empty()) return std::nullopt;
    m.name = decode_header_text(phrase, hints, defects);
    return m;
}

// The text of the field's comment "(...)", decoded; "" if it has none.
std::string comment_text(std::string_view value, const HeaderHints& hints, std::vector<std::string>& defects) {
    const std::size_t open = value.find('(');
    const std::size_t close = value.rfind(')');
    if (open == std::string_view::npos || close == std::string_view::npos || close < open) return {};
    return decode_header_text(value.substr(open + 1, close - open - 1), hints, defects);
}

std::string shown(std::string_view s) { return valid_utf8(s.substr(0, 80)); }

// What GMime reads in a piece of the field's value.
struct Reading {
    std::vector<Found> found;
    bool group = false;
};

Reading gmime_reading(std::string_view text, GMimeParserOptions* options, bool& repaired) {
    const std::string s(text);
    GPtr<InternetAddressList> list(internet_address_list_parse(options, s.c_str()));
    Reading r;
    collect(list.get(), r.found, r.group, repaired);
    return r;
}

// Addresses of one field GMime is asked about on their own (each a parse of its own); past this
// (a field made to be slow), the rest are left to GMime's reading of the list.
constexpr std::size_t kMaxSalvageChecks = 64;

// One address of the list GMime gives up on (it reads nothing in it, not even a group), read by
// a salvage: the mailbox and its defect; nullopt when GMime reads it or no salvage fits.
struct Salvaged {
    Mailbox box;
    std::string defect;
};
std::optional<Salvaged> salvage(std::string_view name, std::string_view element, const HeaderHints& hints,
                                GMimeParserOptions* options, std::vector<std::string>& defects, bool& repaired,
                                std::size_t& checks) {
    if (checks >= kMaxSalvageChecks) return std::nullopt;
    std::vector<std::string> found_defects;  // kept only when the salvage is used
    Salvaged s;
    if (std::optional<Mailbox> m = salvage_blank_local_part(element, hints, found_defects)) {
        s.defect = fmt::format("{}: blanks in the local part of {} (kept, quoted)", name, m->address);
        s.box = std::move(*m);
    } else if ((m = salvage_bare_address(element, hints, found_defects))) {
        s.defect = fmt::format("{}: address {} without angle brackets after a name", name, m->address);
        s.box = std::move(*m);
    } else {
        return std::nullopt;
    }
    ++checks;
    const Reading r = gmime_reading(element, options, repaired);
    if (!r.found.empty() || r.group) return std::nullopt;
    defects.insert(defects.end(), found_defects.begin(), found_defects.end());
    return s;
}

// "MAILER-DAEMON (Mail Delivery System)": a word and a comment, no '@'. Read on its own, never
// together with its neighbours, so its comment can name it.
bool word_and_comment(std::string_view element) {
    const std::string e = trim(element);
    return !e.empty() && e.back() == ')' && e.find('@') == std::string::npos;
}

// The mailboxes GMime reads in `run` (one or more addresses of the list, commas included); a
// single one without address or name takes the run's comment as name.
void read_run(std::string_view name, std::string_view run, const HeaderHints& hints, GMimeParserOptions* options,
              std::vector<Mailbox>& out, std::vector<std::string>& defects, bool& repaired) {
    Reading r = gmime_reading(run, options, repaired);
    if (r.found.size() == 1 && r.found.front().box.address.empty() && r.found.front().box.name.empty())
        r.found.front().box.name = comment_text(run, hints, defects);
    for (Found& f : r.found) {
        if (f.box.address.empty())
            defects.push_back(fmt::format("{}: no usable address in '{}'", name, shown(f.written)));
        out.push_back(std::move(f.box));
    }
}

}  // namespace

void parse_address_field(std::string_view name, std::string_view raw, const HeaderHints& hints,
                         GMimeParserOptions* options, std::vector<Mailbox>& out, std::vector<std::string>& defects,
                         bool& repaired) {
    const std::string value = normalize_address_words(raw, hints, defects);
    const std::string_view all(value);
    // Addresses GMime reads are read together (it joins "Doe, John <j@x>" into one mailbox);
    // one it gives up on is salvaged where it stands, so the list keeps its order.
    std::size_t checks = 0;
    std::size_t run_from = std::string_view::npos;
    std::size_t run_to = 0;
    const auto flush = [&] {
        if (run_from == std::string_view::npos) return;
        read_run(name, all.substr(run_from, run_to - run_from), hints, options, out, defects, repaired);
        run_from = std::string_view::npos;
    };
    for (std::string_view element : split_address_list(all)) {
        const std::size_t from = static_cast<std::size_t>(element.data() - all.data());
        if (std::optional<Salvaged> s = salvage(name, element, hints, options, defects, repaired, checks)) {
            flush();
            defects.push_back(std::move(s->defect));
            out.push_back(std::move(s->box));
            continue;
        }
        const bool alone = checks < kMaxSalvageChecks && word_and_comment(element);
        if (alone) {
            ++checks;
            flush();
        }
        if (run_from == std::string_view::npos) run_from = from;
        run_to = from + element.size();
        if (alone) flush();
    }
    flush();
}

}  // namespace deskgate
