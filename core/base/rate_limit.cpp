// rate_limit.cpp - see rate_limit.hpp.
#include "core/base/rate_limit.hpp"

namespace deskgate {

SenderRateLimiter::SenderRateLimiter(std::uint32_t max_messages, std::int64_t window_seconds, std::size_t max_senders)
    : max_messages_(max_messages), window_(window_seconds), max_senders_(max_senders) {}

bool SenderRateLimiter::allow(std::string_view sender, std::int64_t now) {
    if (max_messages_ == 0) return true;
    std::lock_guard lock(mutex_);
    auto it = senders_.find(std::string(sender));
    if (it == senders_.end()) {
        if (senders_.size() >= max_senders_ && !lru_.empty()) {
            senders_.erase(lru_.back());
            lru_.pop_back();
        }
        lru_.emplace_front(sender);
        it = senders_.emplace(std::string(sender), Entry{{}, lru_.begin()}).first;
    } else {
        lru_.splice(lru_.begin(), lru_, it->second.lru);
    }
    auto& times = it->second.times;
    while (!times.empty() && times.front() <= now - window_) times.pop_front();
    if (times.size() >= max_messages_) return false;
    times.push_back(now);
    return true;
}

}  // namespace deskgate
