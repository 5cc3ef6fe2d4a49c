// received.hpp - the MTA's queue id from the topmost Received: header ("... by mx (Postfix)
// with ESMTPS id 4XyZ1abcD for <...>"), so every log line can be grepped together with the
// MTA's own log.
#pragma once

#include <string>

#include "core/mail/message.hpp"

namespace deskgate {

// The queue id in the first Received: header, or "" when there is none.
std::string mta_queue_id(const ParsedMessage& message);

}  // namespace deskgate
