// text_decode.hpp - mail text to valid UTF-8 for parse_message(): body text in its declared
// charset, wrong labels recovered (charset_guess.hpp: decode_declared), U+FFFD repair, header
// unfolding and newline normalisation. Internal to core/mail.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace deskgate {

// `s` without leading and trailing spaces, tabs, CRs and LFs.
std::string trim(std::string_view s);

// Valid UTF-8, invalid sequences replaced with U+FFFD; `repaired` set when that happened.
std::string valid_utf8(std::string_view s, bool* repaired = nullptr);
std::string valid_utf8(const char* s);  // "" for nullptr

// Unfolds a header value: CR/LF and the whitespace after them become one space.
std::string unfold(std::string_view s);

// Text bytes in `charset` to UTF-8 by decode_declared(): undeclared 8-bit text, UTF-8 that is
// not, UTF-8 labelled Latin-1, an unknown charset and a charset that does not hold the bytes are
// recovered. What was guessed or replaced is added to `defects`.
std::string to_utf8(std::string_view bytes, const char* charset, std::vector<std::string>& defects);

// CR LF and lone CR to LF.
std::string normalize_newlines(std::string_view s);

}  // namespace deskgate
