// charset_convert.hpp - bytes in a named charset to UTF-8 with iconv, two ways: strict (every
// byte must belong to the charset, for trying a guess) and lenient (what does not belong
// becomes U+FFFD, for the charset finally chosen). Charset names go through GMime's alias table
// first ("latin1", "x-sjis", "ks_c_5601-1987" ... to iconv's names). Internal to core/mail.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace deskgate {

// Whether `s` is valid UTF-8 (NUL bytes included).
bool is_utf8(std::string_view s);

// Whether `s` (valid UTF-8) holds at least one multi-byte sequence.
bool has_multibyte_utf8(std::string_view s);

// Whether iconv can read `charset` (a MIME name).
bool charset_known(std::string_view charset);

// `bytes` in `charset` to UTF-8; nullopt when iconv does not know the charset, or a byte is
// invalid or truncated in it, or the text would hold C1 control characters (U+0080..U+009F,
// which real text never holds: the bytes belong to another charset, windows-125x mostly).
std::optional<std::string> convert_strict(std::string_view bytes, std::string_view charset);

// `bytes` in `charset` to UTF-8, every undecodable byte as U+FFFD (counted in `replaced`);
// nullopt when iconv does not know the charset.
std::optional<std::string> convert_lenient(std::string_view bytes, std::string_view charset, std::size_t& replaced);

}  // namespace deskgate
