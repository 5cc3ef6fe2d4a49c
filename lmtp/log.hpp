// log.hpp - one line per event, like an MTA: to stderr (foreground) or syslog (mail facility).
#pragma once

#include <string_view>

#include <fmt/format.h>

namespace deskgate::lmtp {

enum class LogLevel { Info, Warning, Error };

// Where log lines go; set once at start-up, before any thread starts.
void log_to_syslog(std::string_view ident);
void log_line(LogLevel level, std::string_view line);

template <typename... Args>
void log_info(fmt::format_string<Args...> f, Args&&... args) {
    log_line(LogLevel::Info, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void log_warning(fmt::format_string<Args...> f, Args&&... args) {
    log_line(LogLevel::Warning, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void log_error(fmt::format_string<Args...> f, Args&&... args) {
    log_line(LogLevel::Error, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace deskgate::lmtp
