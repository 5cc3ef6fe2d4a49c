// attachment_name.hpp - an attachment's file name, from the raw Content-Disposition and
// Content-Type values of its part (mime_parameter.hpp), decoded by the functions header fields
// use, not by GMime (which cuts names written as adjacent base64 encoded words at the first '='
// padding, and reads raw 8-bit names in the locale's charset):
//   filename="..." / name="..."        decode_header_text: encoded words (as Outlook and many
//                                      others write names) by our own decoder, raw 8-bit text
//                                      guessed with the message's hints
//   filename*=charset''%XX (RFC 2231)  decode_declared: the bytes in their charset, a label that
//                                      lies recovered as for a body part
//   filename*0=... without a charset   like a plain value (it may hold encoded words or 8-bit text)
// The RFC 2231 form counts before a plain one, Content-Disposition's filename before
// Content-Type's name. A message/rfc822 part without either is named after the Subject of the
// message it holds, "<subject>.eml" (its slashes become '_'). Every name is then made safe to
// store and show (safe_filename.hpp: no directories, no control characters). Internal to
// core/mail; pure.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/mail/encoded_words.hpp"
#include "core/mail/mime_parameter.hpp"

namespace deskgate {

// An attachment's name as written.
struct RawAttachmentName {
    std::optional<MimeParameter> parameter;  // Content-Disposition's filename, else Content-Type's name
    std::optional<std::string> subject;      // message/rfc822: the raw Subject of the message it holds
};

// The name parameter of a part from its raw Content-Disposition and Content-Type values ("" for
// a field the part does not have): filename, else name (an empty filename counts as none).
std::optional<MimeParameter> name_parameter(std::string_view disposition, std::string_view content_type);

// The bytes of the names whose charset is unknown (raw 8-bit text, encoded words their charset
// does not hold), for the message's detector hint (encoded_words.hpp: bytes_to_guess); at most
// `limit` of them.
std::string names_bytes_to_guess(const std::vector<RawAttachmentName>& names, std::size_t limit);

// The decoded, safe name ("" for none). What was guessed, or made safe, is added to `defects`.
std::string attachment_name(const RawAttachmentName& name, const HeaderHints& hints,
                            std::vector<std::string>& defects);

}  // namespace deskgate
