// mime_parameter.hpp - one parameter of a raw Content-Type or Content-Disposition value, its
// bytes as written. GMime hands parameter values out decoded by its own RFC 2047 decoder, which
// joins the base64 of adjacent words and stops at the first '=' padding (long file names cut
// short), and reads raw 8-bit values in the locale's charset; so names are taken from the raw
// value here and decoded like header text (attachment_name.hpp). The syntax is read as GMime's
// loose mode reads it: a value is a quoted string (backslash escapes) or runs to the next ';'.
// RFC 2231: "name*=charset'lang'%XX..." and continuations "name*0*=...; name*1=..." joined in
// numbered order, %XX decoded in the sections marked '*', the charset from the first section.
// Internal to core/mail; pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace deskgate {

struct MimeParameter {
    bool extended = false;  // RFC 2231 ("name*" or "name*N"): `charset` is the charset of `bytes`
    std::string charset;    // RFC 2231's charset, "" when none is given
    std::string bytes;      // the value: unquoted (plain) or joined and %-decoded (RFC 2231); no charset applied
};

// Parameter `name` (case-insensitive) of a raw field value (the type or disposition, then
// "; attribute=value" pairs, folded or not). The RFC 2231 form wins over a plain one; of each,
// the first written counts. nullopt when the field has no such parameter.
std::optional<MimeParameter> mime_parameter(std::string_view field_value, std::string_view name);

}  // namespace deskgate
