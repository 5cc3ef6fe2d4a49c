// rate_limit.hpp - per-sender message limit over a sliding window (N messages per W seconds),
// so a runaway script or a mail loop cannot flood a queue with tickets. Time is passed in; the
// table is bounded (the least recently seen senders are forgotten first). Thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace deskgate {

class SenderRateLimiter {
public:
    SenderRateLimiter(std::uint32_t max_messages, std::int64_t window_seconds, std::size_t max_senders = 100000);

    // Counts one message from `sender` at `now`; false when that exceeds the limit (the
    // refused attempt is not counted). A limit of 0 messages means no limit.
    bool allow(std::string_view sender, std::int64_t now);

private:
    struct Entry {
        std::deque<std::int64_t> times;
        std::list<std::string>::iterator lru;
    };
    std::uint32_t max_messages_;
    std::int64_t window_;
    std::size_t max_senders_;
    std::mutex mutex_;
    std::unordered_map<std::string, Entry> senders_;
    std::list<std::string> lru_;  // front = most recently seen
};

}  // namespace deskgate
