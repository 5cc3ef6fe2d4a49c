// address_header.cpp - see address_header.hpp.
#include "core/mail/address_header.hpp"

#include <fmt/format.h>

#include "core/base/address.hpp"
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

std::string shown(std::string_view s) { return valid_utf8(s.substr(0, 80)); }

}  // namespace

void parse_address_field(std::string_view name, std::string_view raw, const HeaderHints& hints,
                         GMimeParserOptions* options, std::vector<Mailbox>& out, std::vector<std::string>& defects,
                         bool& repaired) {
    const std::string value = normalize_address_words(raw, hints, defects);
    if (trim(value).empty()) return;
    GPtr<InternetAddressList> list(internet_address_list_parse(options, value.c_str()));
    std::vector<Found> found;
    bool group = false;
    collect(list.get(), found, group, repaired);
    for (Found& f : found) {
        if (f.box.address.empty())
            defects.push_back(fmt::format("{}: no usable address in '{}'", name, shown(f.written)));
        out.push_back(std::move(f.box));
    }
}

}  // namespace deskgate
