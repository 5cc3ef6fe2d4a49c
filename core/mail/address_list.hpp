// address_list.hpp - an address-list header value cut into its addresses as written: at the
// commas that separate them, never at one inside a quoted string, a comment, angle brackets
// (a source route "<@a,@b:user@host>") or a group ("Team: a@x, b@y;" stays whole). Nothing is
// decoded or checked here: "Doe, John <j@x>" gives two pieces, whether they are one mailbox is
// the address parser's call. Lets address_header.hpp salvage one broken address of a list
// without losing the others. Internal to core/mail; pure.
#pragma once

#include <string_view>
#include <vector>

namespace deskgate {

// The non-blank pieces of `value` between top-level commas, in order, each a view into `value`
// (untrimmed: it runs from just after one comma to just before the next).
std::vector<std::string_view> split_address_list(std::string_view value);

}  // namespace deskgate
