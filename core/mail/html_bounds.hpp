// html_bounds.hpp - caps on HTML before it reaches libxml2's parser, which needs time
// quadratic in the number of attributes of one element (0.8 s at 10 000, 252 s at 100 000):
// a linear pass keeps the first attributes of every tag and drops the rest, whatever the
// parser underneath does. No mail a person wrote comes near the cap.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace deskgate {

inline constexpr std::size_t kMaxHtmlAttributesPerTag = 256;

// `html` with every start tag cut to its first `max_per_tag` attributes; nullopt when no tag
// has more (the common case: no copy). Linear in html.size(); quotes are respected.
std::optional<std::string> bound_html_attributes(std::string_view html,
                                                 std::size_t max_per_tag = kMaxHtmlAttributesPerTag);

}  // namespace deskgate
