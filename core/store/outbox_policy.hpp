// outbox_policy.hpp - what an attempt to send an outbox item means for it: sent, retried with
// exponential backoff (1 minute doubling to an hour), or failed for good after a permanent
// error or too many attempts. Failed items are kept for `deskgate outbox`.
#pragma once

#include <cstdint>
#include <string>

#include "core/model/ticket.hpp"

namespace deskgate {

enum class SendOutcome { Sent, Temporary, Permanent };

inline constexpr std::uint32_t kMaxSendAttempts = 12;

// Is the item due for an attempt at `now`?
bool outbox_due(const OutboxItem& item, std::int64_t now);

// The item after an attempt at `now` with `outcome` (and the sender's message).
OutboxItem after_attempt(OutboxItem item, SendOutcome outcome, std::string_view message, std::int64_t now);

}  // namespace deskgate
