// charset_guess.hpp - text whose charset is not declared, or declared wrongly, made UTF-8 by
// guessing, always in one order: valid UTF-8 is UTF-8 (legacy 8-bit text is almost never valid
// UTF-8; text with an ESC byte is left to the detector, it may be ISO-2022); then each charset
// hint in turn (the charset of the message's text part, a guess over all of the message's raw
// 8-bit headers); then uchardet (Debian's libuchardet, from Mozilla's detector) on the bytes
// themselves; windows-1252 last, which reads any byte. A guess counts only if the bytes convert
// cleanly in it (charset_convert.hpp: no invalid byte, no C1 control); an ISO-8859-N guess that
// does not is tried as its windows-125x superset. Internal to core/mail; pure (no I/O).
#pragma once

#include <cstddef>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace deskgate {

// uchardet reads this much at most: plenty for a guess, and bounded on huge input.
inline constexpr std::size_t kMaxDetectBytes = 64 * 1024;

// uchardet's answer for `bytes` ("" when it has none): "SHIFT_JIS", "GB18030", "KOI8-R", ...
std::string detect_charset(std::string_view bytes);

struct GuessedText {
    std::string text;     // valid UTF-8
    std::string charset;  // the charset it was read in ("UTF-8", a hint, a detector's answer, "WINDOWS-1252")
};

// The guesses above that read `bytes` cleanly (UTF-8, the hints, the detector), nullopt when
// none does. Empty hints are skipped.
std::optional<GuessedText> guess_clean(std::string_view bytes, std::initializer_list<std::string_view> hints);

// guess_clean(), else windows-1252 (undefined bytes as U+FFFD).
GuessedText guess_to_utf8(std::string_view bytes, std::initializer_list<std::string_view> hints);

// Text in a declared charset (a body part's, an encoded word's) to UTF-8, recovering the
// labels that lie:
//   no label or US-ASCII, yet 8-bit    -> guessed (guess_to_utf8)
//   UTF-8, yet not UTF-8               -> kept with U+FFFD if mostly UTF-8 (stray bytes), else
//                                         guessed cleanly, else kept with U+FFFD
//   a single-byte charset, yet valid
//   UTF-8 with multi-byte characters   -> UTF-8 (such UTF-8 is never real Latin-1 text)
//   reads cleanly (or its windows-125x
//   superset does: windows-1252 labelled ISO-8859-1 is the norm) -> as declared
//   unknown to iconv                   -> guessed (guess_to_utf8)
//   bytes invalid in it                -> a few (at most one in eight of the 8-bit bytes): read
//                                         in it with U+FFFD for them (damage); more: guessed
//                                         cleanly (ISO-2022-JP holding Shift_JIS), else as a few
struct DecodedText {
    enum class Label { kept, undeclared, not_utf8, utf8_mislabelled, unknown, wrong };
    std::string text;     // valid UTF-8
    std::string charset;  // what it was read in
    Label label = Label::kept;
    bool replaced = false;  // bytes replaced with U+FFFD
};
DecodedText decode_declared(std::string_view bytes, std::string_view declared,
                            std::initializer_list<std::string_view> hints = {});

}  // namespace deskgate
