// mime_bounds.hpp - caps on MIME headers before GMime parses a message. GMime checks every new
// Content-Type / Content-Disposition parameter against all earlier ones, so one field with
// 40 000 parameters took 7.6 s and 50 parts of 7 000 each (a 2.7 MB mail) 7 s. A linear pass
// keeps the first parameters of each such field and drops the rest; real mail has a handful
// (RFC 2231 continuations of a long file name included).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace deskgate {

inline constexpr std::size_t kMaxMimeParameters = 128;

// `raw` with every Content-Type and Content-Disposition field (at a line start, in any part,
// folded lines included) cut after its first `max_parameters` parameters; nullopt when none has
// more (the common case: no copy of the message). Linear in raw.size(); quotes are respected.
std::optional<std::string> bound_mime_parameters(std::string_view raw, std::size_t max_parameters = kMaxMimeParameters);

}  // namespace deskgate
