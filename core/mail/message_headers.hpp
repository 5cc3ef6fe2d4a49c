// message_headers.hpp - the header half of parse_message(): every field of the top-level header
// block decoded from its raw value by our own decoder (encoded_words.hpp), not GMime's, and the
// addressing fields (From, Reply-To, To, Cc) parsed from their raw values (address_header.hpp).
// Text of unknown charset (raw 8-bit, or encoded words their charset does not hold) is guessed
// per field, with two hints: the declared charset of the message's text part, and uchardet's
// answer over all such bytes of the message together (one short field alone, a two-letter name,
// is too little for a detector); attachment names are guessed with the same hints. Internal to
// core/mail.
#pragma once

#include <gmime/gmime.h>

#include <string_view>

#include "core/mail/encoded_words.hpp"
#include "core/mail/message.hpp"

namespace deskgate {

// The hints for this message's text of unknown charset: `text_charset`, the declared charset of
// the text body ("" if none), and the detector's answer over such bytes of the top-level header
// fields and of `more` (the attachment names', attachment_name.hpp).
HeaderHints header_hints(GMimeMessage* message, std::string_view text_charset, std::string_view more);

// Fills m.headers, m.subject, m.message_id, m.from, m.reply_to, m.to, m.cc and m.date.
void read_headers(GMimeMessage* message, GMimeParserOptions* options, const HeaderHints& hints, ParsedMessage& m,
                  bool& repaired);

}  // namespace deskgate
