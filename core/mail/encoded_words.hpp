// encoded_words.hpp - header values to UTF-8 by our own RFC 2047 decoder, not GMime's. GMime
// joins the base64 text of adjacent encoded words of one charset before decoding it, so a word
// ending in '=' padding swallows the words after it ("=?utf-8?B?YQ==?= =?utf-8?B?Yg==?=" gave
// "a"; long Chinese subjects lost most of their text). Here each word is base64- or Q-decoded
// on its own, then the bytes of adjacent words in one charset are joined before conversion (a
// character split across two words stays whole); whitespace between adjacent words goes.
// Words are converted by decode_declared() (charset_guess.hpp): a charset that does not hold
// its bytes (ISO-2022-JP holding Shift_JIS) or that iconv does not know is guessed; UTF-7 is
// iconv's. Raw text that is not UTF-8 (or holds ESC: raw ISO-2022-JP) is guessed once per
// header, with the hints. Words are found anywhere, as GMime's loose mode does; RFC 2231
// language tags ("utf-8*en") are dropped. Internal to core/mail; pure.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace deskgate {

// What text of unknown charset in a header is tried in before the detector (charset_guess.hpp).
struct HeaderHints {
    std::string text_charset;  // declared charset of the message's text part ("" if none)
    std::string header_guess;  // the detector's answer over all of the message's bytes_to_guess()
};

// A raw header value (folded, perhaps 8-bit, with encoded words) as UTF-8 text: unfolded,
// trimmed, valid UTF-8. What had to be guessed is added to `defects`.
std::string decode_header_text(std::string_view raw, const HeaderHints& hints, std::vector<std::string>& defects);

// The bytes of a raw header value whose charset is unknown: raw 8-bit text that is not UTF-8,
// and the bytes of encoded words their declared charset does not hold. The message's share of
// them together gives the detector enough text for a hint (HeaderHints::header_guess). Stops
// once `limit` bytes are found.
std::string bytes_to_guess(std::string_view raw, std::size_t limit);

// A raw address-list value made safe for GMime's address parser, its structure (quotes,
// brackets, commas, comments) untouched: each run of adjacent encoded words becomes one
// "=?UTF-8?B?...?=" word of its decoded text (inside a quoted string: the text itself), raw
// 8-bit text becomes UTF-8. Encoded words inside <...> or next to '@' stay as written: RFC 2047
// forbids them in an address, and decoding one there would let
// "=?utf-8?B?Ym9zc0BiYW5rLmV4YW1wbGU=?=@evil.example" pose as boss@bank.example.
std::string normalize_address_words(std::string_view raw, const HeaderHints& hints,
                                    std::vector<std::string>& defects);

}  // namespace deskgate
