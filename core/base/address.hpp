// address.hpp - e-mail address normalisation for lookups: one canonical form (lower case,
// angle brackets and surrounding blanks removed) so every table is keyed the same way.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace deskgate {

// RFC 5321's limits (4.5.3.1): a reverse/forward path of 256 octets with its brackets, a local
// part of 64, a domain of 255.
inline constexpr std::size_t kMaxAddressLength = 254;
inline constexpr std::size_t kMaxLocalPartLength = 64;
inline constexpr std::size_t kMaxDomainLength = 255;

// Lower-cased "local@domain" with <> and blanks stripped; empty if there is no '@', either
// side is empty, or it is longer than RFC 5321 allows. The null sender "<>" gives "".
std::string normalize_address(std::string_view address);

// The domain part of a normalised address ("" if none).
std::string_view address_domain(std::string_view normalized);
// The local part of a normalised address.
std::string_view address_local(std::string_view normalized);

// Splits "base+detail@domain" into "base@domain" and "detail"; nullopt without a '+'.
struct PlusAddress {
    std::string base;    // normalised, without the +detail
    std::string detail;  // as written after '+' (lower-cased)
};
std::optional<PlusAddress> split_plus_address(std::string_view normalized);

// The inverse: "local+detail@domain" from "local@domain" (split at the last '@'), the one way
// reply-token, journal, decision and VERP addresses are composed. An address without '@' or an
// empty detail is returned unchanged.
std::string plus_address(std::string_view address, std::string_view detail);

// True for addresses automated systems use: MAILER-DAEMON, postmaster, *-request, owner-*, ...
bool is_automated_local_part(std::string_view normalized);

}  // namespace deskgate
