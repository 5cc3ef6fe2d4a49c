// mime_bounds.hpp - caps on header fields GMime parses super-linearly, applied before GMime parses a
// message (address lists: see bound_address_lists below). GMime checks every new
// Content-Type / Content-Disposition parameter against all earlier ones, so one field with
// 40 000 parameters took 7.6 s and 50 parts of 7 000 each (a 2.7 MB mail) 7 s. A linear pass
// keeps the first parameters of each such field and drops the rest; real mail has a handful
// (RFC 2231 continuations of a long file name included).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace deskgate {

inline constexpr std::size_t kMaxMimeParameters = 128;

// `raw` with every Content-Type and Content-Disposition field (at a line start, in any part,
// folded lines included) cut after its first `max_parameters` parameters; nullopt when none has
// more (the common case: no copy of the message). Linear in raw.size(); quotes are respected.
std::optional<std::string> bound_mime_parameters(std::string_view raw, std::size_t max_parameters = kMaxMimeParameters);

// GMime's address-list parser is super-linear too, and GMime runs it on From, Sender, Reply-To,
// To, Cc and Bcc while it builds the message: one To of 40 000 "a (b), " took 16 s in plain
// GMime, 100 000 about 150 s through parse_message under ASan. Real mail to big lists has a few
// hundred addresses.
inline constexpr std::size_t kMaxAddressesPerHeader = 1000;

// `raw` with every such field (at a line start, in any part, folded lines included) cut after
// its first `max_addresses` addresses (group members counted one by one; a cut group gets its
// ';' back); the name of each field cut is appended to `cut_fields`. nullopt when none has more
// (no copy of the message). Linear in raw.size(); quotes, comments and <> are respected.
std::optional<std::string> bound_address_lists(std::string_view raw, std::vector<std::string>& cut_fields,
                                               std::size_t max_addresses = kMaxAddressesPerHeader);

}  // namespace deskgate
