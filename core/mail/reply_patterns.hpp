// reply_patterns.hpp - the line recognisers behind extract_reply_text (reply_text.cpp): a quoted
// line, an attribution ("On ... wrote:" and its Czech, Slovak, Polish, Bulgarian and German
// forms), Outlook's "-----Original Message-----" and header block (From/Sent/To/Subject in the
// same six languages), rule lines, the "-- " delimiter and mobile footers. Internal to
// core/mail. Plain string scanning, no regular expressions: each call costs time linear in
// the lines it looks at, and attributions are only looked for in lines of bounded length.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

namespace deskgate::reply {

using Lines = std::vector<std::string_view>;

// `s` without spaces, tabs and no-break spaces (U+00A0) at both ends / at the end.
std::string_view trim_space(std::string_view s);
std::string_view trim_space_right(std::string_view s);
// Only spaces, tabs and no-break spaces.
bool is_blank(std::string_view line);
// The first character after leading spaces is '>'.
bool is_quoted(std::string_view line);
// `line` without its quote prefix (any mix of '>' and spaces, "> > " or ">>").
std::string_view strip_quote(std::string_view line);

// The language ("en", "cs", "sk", "pl", "bg", "de", or "" for a date-name-address line in no
// particular language, as Apple Mail writes it) when `line` is an attribution introducing a
// quote: a known shape ("On ... wrote:", "... napsal(a):", "Am ... schrieb ...:", ...) that
// also carries a time, a year or an address. nullopt otherwise. Without `need_evidence` the
// shape alone is enough ("Tom Baker wrote:"), for a line already known to precede a quote.
std::optional<std::string_view> attribution_language(std::string_view line, bool need_evidence = true);

// The language when lines[i] starts an Outlook header block: a From line ("From:", "Od:",
// "Von:", "От:") followed, before a blank line, by a Sent/Date line and a To or Subject line
// of the same language. nullopt otherwise.
std::optional<std::string_view> header_block_language(const Lines& lines, std::size_t i, std::size_t end);

// "-----Original Message-----" and its localised forms, "-------- Original Message --------".
bool is_original_separator(std::string_view line);
// A line of at least ten underscores (Outlook's separator above the header block).
bool is_rule_line(std::string_view line);
// The signature delimiter "-- " (also "--", as HTML rendering and some clients trim it).
bool is_signature_delimiter(std::string_view line);
// A mobile or client footer: "Sent from my iPhone", "Von meinem iPhone gesendet", "Get Outlook
// for Android", ... in the six languages.
bool is_mobile_footer(std::string_view line);

}  // namespace deskgate::reply
