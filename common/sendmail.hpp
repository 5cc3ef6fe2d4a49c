// sendmail.hpp - hands one message to sendmail(1): `<command> -i -f <sender> -- <recipients>`
// with the message on stdin, started without a shell (posix_spawn), bounded in time. The exit
// status says whether the MTA took it, should be retried, or refused it for good.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "core/store/outbox_policy.hpp"

namespace deskgate {

struct SendResult {
    SendOutcome outcome = SendOutcome::Temporary;
    std::string message;  // e.g. "sendmail exited with 75 (temporary failure)"
};

SendResult run_sendmail(const std::vector<std::string>& command, std::string_view sender,
                        const std::vector<std::string>& recipients, std::string_view message,
                        std::chrono::seconds timeout = std::chrono::seconds(120), std::string_view envid = {});

}  // namespace deskgate
