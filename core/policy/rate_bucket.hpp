// rate_bucket.hpp - whose count a message is under the per-sender rate limit (sender_rate_limit
// messages per sender_rate_window, core/base/rate_limit.hpp, applied at the SMTP door): its
// envelope sender. The null sender is anybody's, so its mail is counted by something more
// specific: a bounce to our own VERP address with a valid token (bounces+b7-<sig>@, or a queue's
// return path support+b7-<sig>@) per token - a stranger's flood never delays the bounces of our
// mail, and a replayed token floods only itself; other null-sender mail per reporting MTA (the
// connecting client's address), so one MTA's flood holds back only its own reports. With the
// client unknown, all such mail shares one bucket "<>", as before.
#pragma once

#include <string>
#include <string_view>

#include "core/model/config.hpp"
#include "core/policy/queue_resolver.hpp"

namespace deskgate {

// `envelope_sender` normalised ("" = the null sender); `target` the recipient's queue;
// `client` the connecting client's address ("" = unknown).
std::string rate_bucket(const Config& config, std::string_view envelope_sender, const QueueTarget& target,
                        std::string_view client);

// The bucket for a log line: "sender <a@b.example>", "null-sender mail from 192.0.2.1", ...
std::string describe_bucket(std::string_view bucket);

}  // namespace deskgate
