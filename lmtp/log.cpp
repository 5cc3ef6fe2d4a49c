// log.cpp - see log.hpp. The destination is chosen once at start-up (before threads exist).
#include "lmtp/log.hpp"

#include <syslog.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <string>

namespace deskgate::lmtp {
namespace {

std::atomic<bool> use_syslog{false};

}  // namespace

void log_to_syslog(std::string_view ident) {
    static std::string name(ident);  // openlog keeps the pointer
    openlog(name.c_str(), LOG_PID | LOG_NDELAY, LOG_MAIL);
    use_syslog = true;
}

void log_line(LogLevel level, std::string_view line) {
    if (use_syslog) {
        const int priority = level == LogLevel::Error ? LOG_ERR : level == LogLevel::Warning ? LOG_WARNING : LOG_INFO;
        syslog(priority, "%.*s", static_cast<int>(line.size()), line.data());
        return;
    }
    const std::string text = fmt::format("deskgate-lmtpd[{}]: {}{}\n", ::getpid(),
                                         level == LogLevel::Error ? "error: " : level == LogLevel::Warning ? "warning: " : "",
                                         line);
    std::fwrite(text.data(), 1, text.size(), stderr);  // one call: lines never interleave
}

}  // namespace deskgate::lmtp
