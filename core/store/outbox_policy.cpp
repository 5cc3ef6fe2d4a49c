// outbox_policy.cpp - see outbox_policy.hpp.
#include "core/store/outbox_policy.hpp"

#include <algorithm>

namespace deskgate {

bool outbox_due(const OutboxItem& item, std::int64_t now) {
    return (item.state == "pending" || item.state == "sending") && item.next_attempt <= now;
}

OutboxItem claim_for_sending(OutboxItem item, std::int64_t now) {
    item.state = "sending";
    item.next_attempt = now + kClaimSeconds;
    return item;
}

bool still_claimed(const OutboxItem& current, const OutboxItem& claimed) {
    return current.state == "sending" && current.next_attempt == claimed.next_attempt;
}

OutboxItem after_attempt(OutboxItem item, SendOutcome outcome, std::string_view message, std::int64_t now) {
    item.attempts += 1;
    item.last_error = std::string(message);
    switch (outcome) {
    case SendOutcome::Sent:
        item.state = "sent";
        item.last_error.clear();
        break;
    case SendOutcome::Permanent:
        item.state = "failed";
        break;
    case SendOutcome::Temporary:
        if (item.attempts >= kMaxSendAttempts) {
            item.state = "failed";
        } else {
            const std::int64_t backoff = std::min<std::int64_t>(3600, std::int64_t{60} << std::min<std::uint32_t>(item.attempts - 1, 10));
            item.state = "pending";
            item.next_attempt = now + backoff;
        }
        break;
    }
    return item;
}

}  // namespace deskgate
