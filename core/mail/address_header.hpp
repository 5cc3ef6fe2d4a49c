// address_header.hpp - the mailboxes of one address field (From, Reply-To, To, Cc) from its raw
// value: encoded words made safe first (normalize_address_words: GMime's own decoder loses
// words), then GMime's address parser. Every mailbox without a usable address is a defect.
// Internal to core/mail.
#pragma once

#include <gmime/gmime.h>

#include <string>
#include <string_view>
#include <vector>

#include "core/mail/encoded_words.hpp"
#include "core/mail/message.hpp"

namespace deskgate {

// Appends the mailboxes of field `name` (for defects) with raw value `raw` to `out`;
// `repaired` is set when invalid UTF-8 had to be replaced.
void parse_address_field(std::string_view name, std::string_view raw, const HeaderHints& hints,
                         GMimeParserOptions* options, std::vector<Mailbox>& out, std::vector<std::string>& defects,
                         bool& repaired);

}  // namespace deskgate
