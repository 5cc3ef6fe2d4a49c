// fetched_recipient.hpp - the address a fetched message was really sent to. A fetcher takes
// mail from a provider's mailbox and delivers it to the queue's address; the plus-address it
// was sent to (a reply token: support+t10-7-...@, support+s10-1-jana-...@) is gone from the
// envelope but still in the headers the provider kept. Tokens are signed, so reading them from
// headers gives a sender no more than writing to the token address would.
#pragma once

#include <string>
#include <string_view>

#include "core/mail/message.hpp"

namespace deskgate {

// For the envelope recipient `queue_address` (normalised or not): the first plus-address of
// that same mailbox in Delivered-To, X-Original-To, To or Cc, else `queue_address` unchanged.
std::string fetched_recipient(const ParsedMessage& message, std::string_view queue_address);

}  // namespace deskgate
