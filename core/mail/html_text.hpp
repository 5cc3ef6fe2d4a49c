// html_text.hpp - renders HTML to readable plain text (libxml2's HTML parser): block elements
// become line breaks, script/style are dropped, entities decoded, whitespace collapsed.
#pragma once

#include <string>
#include <string_view>

namespace deskgate {

// `html` must be UTF-8. Never throws; returns "" for input with no text.
std::string html_to_text(std::string_view html);

}  // namespace deskgate
