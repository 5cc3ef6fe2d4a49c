// outbox_policy.hpp - the life of an outbox item: claimed by one sender before it is handed
// to sendmail(1), then sent, retried with exponential backoff (1 minute doubling to an hour),
// or failed for good after a permanent error or too many attempts. Failed items are kept for
// `deskgate outbox`.
//
// The claim: deskgate-lmtpd's worker and `deskgate outbox --send` (or two of them) may drain
// the same store. A sender first claims the item in its own write transaction (state
// "sending", next_attempt = the claim's expiry), which LMDB serialises: whoever comes second
// finds it claimed, not due, and leaves it. A sender that dies after claiming leaves the claim
// to expire; the item is then due again. What remains is one window: a crash after sendmail(1)
// took the mail but before "sent" is written - that item goes out a second time when its claim
// expires (at least once, never lost).
#pragma once

#include <cstdint>
#include <string>

#include "core/model/ticket.hpp"

namespace deskgate {

enum class SendOutcome { Sent, Temporary, Permanent };

inline constexpr std::uint32_t kMaxSendAttempts = 12;
// How long a claim holds: well beyond one sendmail(1) run (at most two minutes). A sender that
// crashed mid-send holds its items this long: they go out (again) when it is over.
inline constexpr std::int64_t kClaimSeconds = 300;

// Is the item due for an attempt at `now`? Pending and its time has come, or claimed by a
// sender whose claim expired.
bool outbox_due(const OutboxItem& item, std::int64_t now);

// The item claimed for sending at `now` (state "sending" until now + kClaimSeconds).
OutboxItem claim_for_sending(OutboxItem item, std::int64_t now);

// Whether `current` (as stored now) is still the claim `claimed` made.
bool still_claimed(const OutboxItem& current, const OutboxItem& claimed);

// The item after an attempt at `now` with `outcome` (and the sender's message).
OutboxItem after_attempt(OutboxItem item, SendOutcome outcome, std::string_view message, std::int64_t now);

}  // namespace deskgate
