// template.hpp - the {{placeholder}} templates of queues (display name, subject tag,
// acknowledgements). Parsing is separate from rendering so config/ can reject unknown
// placeholders with their position before any mail is seen.
//   {{name}}            value of `name` ("" if absent)
//   {{#name}}...{{/name}} section rendered only when `name` has a non-empty value
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace deskgate {

// Every placeholder name a template may use.
const std::vector<std::string_view>& known_placeholders();

struct TemplateError {
    std::size_t offset = 0;  // byte offset in the template text
    std::string message;
};

// How deep sections may nest ({{#a}}{{#b}}...); deeper is an error.
inline constexpr std::size_t kMaxTemplateNesting = 16;

// Checks syntax and that every placeholder is known (or in `allowed`, if given).
std::vector<TemplateError> check_template(std::string_view text,
                                          const std::vector<std::string_view>* allowed = nullptr);

// How a rendered value is escaped for where it lands.
enum class TemplateContext {
    Text,    // message body: as is
    Header,  // header value: CR, LF and other control characters become spaces
};

using TemplateLookup = std::function<std::optional<std::string>(std::string_view name)>;

// Renders; unknown or malformed placeholders render as nothing (check_template catches them).
std::string render_template(std::string_view text, const TemplateLookup& lookup,
                            TemplateContext context = TemplateContext::Text);

}  // namespace deskgate
