// log.hpp - the daemons' log: one line per event, like an MTA, to stderr (foreground) or
// syslog (facility mail), prefixed with the program name and pid — except when stderr is
// systemd's journal, which records name and pid itself: there each line gets only its priority.
#pragma once

#include <string_view>

#include <fmt/format.h>

namespace deskgate::log {

enum class LogLevel { Info, Warning, Error };

// Set once at start-up, before any thread starts: the program name, and syslog instead of
// stderr.
void set_program(std::string_view name);
void log_to_syslog();
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

}  // namespace deskgate::log
