// address_list.hpp - an address-list header value cut into its addresses as written: at the
// commas that separate them, never at one inside a quoted string, a comment, angle brackets
// (a source route "<@a,@b:user@host>") or a group ("Team: a@x, b@y;" stays whole). Nothing is
// decoded or checked here: "Doe, John <j@x>" gives two pieces, whether they are one mailbox is
// the address parser's call. Lets address_header.hpp salvage one broken address of a list
// without losing the others. Internal to core/mail; pure.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

namespace deskgate {

// The non-blank pieces of `value` between top-level commas, in order, each a view into `value`
// (untrimmed: it runs from just after one comma to just before the next).
std::vector<std::string_view> split_address_list(std::string_view value);

// Where to cut `value` to keep its first `max` addresses, a group's members counted one by one
// (the same reading of commas as above): `at` is the comma that ends address number max,
// `in_group` says it stands inside a group, whose ';' must then be put back. nullopt when the
// value has no more than `max` addresses. Linear in value.size().
struct AddressListCut {
    std::size_t at = 0;
    bool in_group = false;
};
std::optional<AddressListCut> address_list_cut(std::string_view value, std::size_t max);

}  // namespace deskgate
