// fetch_report.hpp - what one fetcher run said, read from its output: how many messages went to
// deskgate-lmtpd, how many stayed on the server for being larger than max_message_size, and
// when it failed, the one line that says why (the certificate, the login, the LMTP answer).
// Pure: `deskgate fetch` runs getmail or fetchmail (fetch_config.hpp) and logs the result.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "config/fetch_config.hpp"

namespace deskgate::config {

struct FetchReport {
    bool ok = false;
    std::size_t fetched = 0;    // delivered to deskgate-lmtpd (answered 250)
    std::size_t oversized = 0;  // left on the server: larger than max_message_size
    std::string error;          // why it failed (one line, at most ~300 bytes); "" when ok
};

// `exit_code` is the fetcher's exit status (-1: it did not exit normally; the caller says why).
FetchReport read_fetch_output(Fetcher fetcher, int exit_code, std::string_view out, std::string_view err);

}  // namespace deskgate::config
