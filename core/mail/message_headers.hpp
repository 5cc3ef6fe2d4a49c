// message_headers.hpp - the header half of parse_message(): every field of the top-level header
// block decoded from its raw value by our own decoder (encoded_words.hpp), not GMime's, and the
// addressing fields (From, Reply-To, To, Cc) parsed from their raw values (address_header.hpp).
// Text of unknown charset (raw 8-bit, or encoded words their charset does not hold) is guessed
// per field, with two hints: the declared charset of the message's text part, and uchardet's
// answer over all such bytes of the message together (one short field alone, a two-letter name,
// is too little for a detector). Internal to core/mail.
#pragma once

#include <gmime/gmime.h>

#include <string_view>

#include "core/mail/message.hpp"

namespace deskgate {

// Fills m.headers, m.subject, m.message_id, m.from, m.reply_to, m.to, m.cc and m.date;
// `text_charset` is the declared charset of the text body ("" if none).
void read_headers(GMimeMessage* message, GMimeParserOptions* options, std::string_view text_charset,
                  ParsedMessage& m, bool& repaired);

}  // namespace deskgate
