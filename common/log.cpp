// log.cpp - see log.hpp. The destination is chosen once at start-up (before threads exist).
#include "common/log.hpp"

#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace deskgate::log {
namespace {

std::atomic<bool> use_syslog{false};
std::atomic<bool> stderr_is_journal{false};

// systemd's journal names the stream it gave us as stderr in $JOURNAL_STREAM ("DEV:INODE");
// only when fd 2 is still that stream (not redirected to a file by a test or an admin).
bool stderr_is_journal_stream() {
    const char* env = std::getenv("JOURNAL_STREAM");
    if (env == nullptr) return false;
    struct stat st {};
    if (::fstat(STDERR_FILENO, &st) != 0) return false;
    unsigned long long dev = 0, ino = 0;
    if (std::sscanf(env, "%llu:%llu", &dev, &ino) != 2) return false;
    return dev == static_cast<unsigned long long>(st.st_dev) && ino == static_cast<unsigned long long>(st.st_ino);
}

std::string& program() {
    static std::string name = "deskgate";  // set before threads start, read-only afterwards
    return name;
}

}  // namespace

void set_program(std::string_view name) {
    program() = std::string(name);
    stderr_is_journal = stderr_is_journal_stream();
}

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
    if (stderr_is_journal) {
        // The journal adds the unit's name and pid itself; a "<N>" prefix (sd-daemon(3)) gives
        // the line its priority, so `journalctl -p warning` finds warnings and errors.
        const std::string text = fmt::format("<{}>{}\n", level == LogLevel::Error ? 3 : level == LogLevel::Warning ? 4 : 6, line);
        std::fwrite(text.data(), 1, text.size(), stderr);
        return;
    }
    const std::string text = fmt::format("{}[{}]: {}{}\n", program(), ::getpid(),
                                         level == LogLevel::Error ? "error: " : level == LogLevel::Warning ? "warning: " : "",
                                         line);
    std::fwrite(text.data(), 1, text.size(), stderr);  // one call: lines never interleave
}

}  // namespace deskgate::log
