// address_header.hpp - the mailboxes of one address field (From, Reply-To, To, Cc) from its raw
// value: encoded words made safe first (normalize_address_words: GMime's own decoder loses
// words), then GMime's address parser, then a salvage of what it gives up on:
//   "x" <power quadrant system@example.com>   blanks in an unquoted local part: GMime drops the
//       whole field, name included. The name is kept and the local part quoted exactly as
//       written: "power quadrant system"@example.com is a valid address and names the same
//       mailbox the sender wrote. Squeezing the blanks out would not: powerquadrantsystem@
//       may well be somebody else, and a ticket must not be filed under another identity.
//   Big Bug bb@bug.com                         a name, then an address without <>: both kept.
//   MAILER-DAEMON (Mail Delivery System)       no domain: the address stays empty (nothing can
//       be replied to or looked up) and a defect says so; the comment, the only name the
//       field has, becomes the display name.
// Each address of a list is salvaged where it stands (address_list.hpp cuts the list at its
// commas): GMime drops a broken address and keeps the others, so
//   "x" <a b@example.com>, c@example.org      gives both, in the order written, the first salvaged
//       as above. Addresses GMime reads are still read together ("Doe, John <j@x>" stays GMime's
//       one mailbox "Doe, John"); "word (comment)" is read on its own, so its comment can name it.
// Every mailbox without a usable address is a defect. Internal to core/mail.
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
