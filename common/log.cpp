// log.cpp - see log.hpp. The destination is chosen once at start-up (before threads exist).
#include "common/log.hpp"

#include <syslog.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <string>

namespace deskgate::log {
namespace {

std::atomic<bool> use_syslog{false};

std::string& program() {
    static std::string name = "deskgate";  // set before threads start, read-only afterwards
    return name;
}

}  // namespace

void set_program(std::string_view name) { program() = std::string(name); }

void log_to_syslog() {
    openlog(program().c_str(), LOG_PID | LOG_NDELAY, LOG_MAIL);  // openlog keeps the pointer
    use_syslog = true;
}

void log_line(LogLevel level, std::string_view line) {
    if (use_syslog) {
        const int priority = level == LogLevel::Error ? LOG_ERR : level == LogLevel::Warning ? LOG_WARNING : LOG_INFO;
        syslog(priority, "%.*s", static_cast<int>(line.size()), line.data());
        return;
    }
    const std::string text = fmt::format("{}[{}]: {}{}\n", program(), ::getpid(),
                                         level == LogLevel::Error ? "error: " : level == LogLevel::Warning ? "warning: " : "",
                                         line);
    std::fwrite(text.data(), 1, text.size(), stderr);  // one call: lines never interleave
}

}  // namespace deskgate::log
