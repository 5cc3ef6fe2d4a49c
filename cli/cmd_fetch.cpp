// cmd_fetch.cpp - `deskgate fetch-config` and `deskgate fetch`: the mailboxes at a provider
// ([[queues.mailboxes]]). fetch-config prints the fetchers' files (config/fetch_config.hpp);
// fetch writes them into global.fetch_dir (0600; a fetchmailrc there holds its password, read
// from password_file) and runs getmail or fetchmail once per mailbox, in turn, each bounded in
// time, logging one line per mailbox like an MTA daemon. deskgate-fetch.timer runs it every
// minute. Exit status: 0 every mailbox fetched, 75 some mailbox failed (its mail waits at the
// provider for the next run), 78 config errors, 64 usage, 1 fetch_dir unusable (or another
// user's).
#include <fcntl.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <netdb.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cli/commands.hpp"
#include "common/log.hpp"
#include "common/run_program.hpp"
#include "config/fetch_config.hpp"
#include "config/fetch_report.hpp"
#include "core/base/socket_address.hpp"

namespace deskgate::cli {
namespace {

using config::FetchJob;

constexpr int kDefaultTimeout = 600;  // seconds per mailbox

// The mailboxes of every queue, or of --queue N; nullopt after printing a usage error.
std::optional<std::vector<FetchJob>> selected_jobs(const Args& args, const Config& config) {
    std::vector<FetchJob> jobs = config::fetch_jobs(config);
    const auto queue = args.option("queue");
    if (!queue) return jobs;
    const std::uint32_t number = static_cast<std::uint32_t>(std::strtoul(queue->c_str(), nullptr, 10));
    if (queue->empty() || queue->find_first_not_of("0123456789") != std::string::npos || !config.queue_by_num(number)) {
        fmt::print(stderr, "deskgate: --queue {}: no such queue\n", *queue);
        return std::nullopt;
    }
    std::erase_if(jobs, [&](const FetchJob& j) { return j.queue->number != number; });
    return jobs;
}

std::string run_line(const FetchJob& job) { return fmt::format("{}", fmt::join(job.argv, " ")); }

// The password in `file`, trimmed as getmail trims its password command's output.
std::optional<std::string> read_password(const std::string& file, std::string& problem) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        problem = fmt::format("cannot read password_file {}: {}", file, std::strerror(errno));
        return std::nullopt;
    }
    std::ostringstream s;
    s << in.rdbuf();
    std::string p = s.str();
    const auto first = p.find_first_not_of(" \t\r\n");
    if (first == std::string::npos) {
        problem = fmt::format("password_file {} is empty", file);
        return std::nullopt;
    }
    return p.substr(first, p.find_last_not_of(" \t\r\n") - first + 1);
}

// Writes `text` to `path` readable by its owner only: a temporary file renamed over it.
bool write_private(const std::string& path, const std::string& text, std::string& problem) {
    const std::string tmp = path + ".tmp";
    ::unlink(tmp.c_str());
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    bool ok = fd >= 0;
    for (std::size_t done = 0; ok && done < text.size();) {
        const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        ok = n > 0;
        if (ok) done += static_cast<std::size_t>(n);
    }
    if (fd >= 0 && ::close(fd) != 0) ok = false;
    if (ok && ::rename(tmp.c_str(), path.c_str()) != 0) ok = false;
    if (!ok) {
        problem = fmt::format("cannot write {}: {}", path, std::strerror(errno));
        ::unlink(tmp.c_str());
    }
    return ok;
}

// global.fetch_dir, made (0700: a fetchmailrc there holds a password) when missing. It must be
// ours: files root left in the deskgate user's directory could not be updated by the timer's runs.
bool prepare_fetch_dir(const std::string& dir) {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) {
        const mode_t old = ::umask(077);
        std::filesystem::create_directories(dir, ec);
        ::umask(old);
        if (ec) {
            log::log_error("cannot create fetch_dir {}: {}", dir, ec.message());
            return false;
        }
    }
    struct stat st {};
    if (::stat(dir.c_str(), &st) == 0 && st.st_uid != ::geteuid()) {
        log::log_error("fetch_dir {} belongs to uid {}, not to us (uid {}): run deskgate fetch as its owner, "
                       "e.g. runuser -u deskgate -- deskgate fetch", dir, st.st_uid, ::geteuid());
        return false;
    }
    return true;
}

// Removes the files of mailboxes no longer in the config (a stale fetchmailrc holds a password).
void remove_stale_files(const std::string& dir, const std::vector<FetchJob>& jobs) {
    std::set<std::string> current;
    for (const FetchJob& j : jobs) current.insert(std::filesystem::path(j.rc_file).filename().string());
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
        const std::string name = entry.path().filename().string();
        const bool ours = name.starts_with("q") && (name.ends_with(".getmailrc") || name.ends_with(".fetchmailrc"));
        if (ours && !current.contains(name)) std::filesystem::remove(entry.path(), ec);
    }
}

// Holds fetch_dir/fetch.lock while it lives: one `deskgate fetch` at a time (the timer's and one
// started by hand would fetch the same mailboxes twice).
class RunLock {
public:
    explicit RunLock(const std::string& dir)
        : fd_(::open((dir + "/fetch.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)),
          held_(fd_ >= 0 && ::flock(fd_, LOCK_EX | LOCK_NB) == 0) {}
    ~RunLock() {
        if (fd_ >= 0) ::close(fd_);  // releases the lock
    }
    RunLock(const RunLock&) = delete;
    RunLock& operator=(const RunLock&) = delete;
    bool held() const { return held_; }

private:
    int fd_;
    bool held_;
};

// "" when something accepts connections on global.fetch_listen, else why not.
std::string fetch_socket_problem(const std::string& spec) {
    const ParsedSocketAddress parsed = parse_lmtp_address(spec);
    const auto* a = std::get_if<SocketAddress>(&parsed);
    if (!a) return std::get<std::string>(parsed);
    int fd = -1;
    int rc = -1;
    if (a->kind == SocketAddress::Kind::Unix) {
        sockaddr_un sun{};
        sun.sun_family = AF_UNIX;
        std::strncpy(sun.sun_path, a->path.c_str(), sizeof sun.sun_path - 1);
        fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd >= 0) rc = ::connect(fd, reinterpret_cast<sockaddr*>(&sun), sizeof sun);
    } else {
        addrinfo hints{};
        hints.ai_socktype = SOCK_STREAM;
        hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
        addrinfo* res = nullptr;
        if (::getaddrinfo(a->host.c_str(), std::to_string(a->port).c_str(), &hints, &res) != 0 || !res)
            return fmt::format("cannot resolve {}", a->host);
        fd = ::socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd >= 0) rc = ::connect(fd, res->ai_addr, res->ai_addrlen);
        ::freeaddrinfo(res);
    }
    const std::string problem = rc == 0 ? "" : std::strerror(errno);
    if (fd >= 0) ::close(fd);
    return problem;
}

// The mailbox as log lines name it: "mailbox=q10-1 queue=10 imaps://host:993/INBOX user=u".
std::string who(const FetchJob& job) {
    return fmt::format("mailbox={} queue={} {}", job.stem, job.queue->number, config::mailbox_label(*job.mailbox));
}

// Writes the job's file and runs its fetcher once; logs the outcome. True when it fetched.
bool fetch_one(const Config& config, const FetchJob& job, std::chrono::seconds timeout) {
    std::string problem;
    std::optional<std::string> password;
    if (job.fetcher == config::Fetcher::Fetchmail && !(password = read_password(job.mailbox->password_file, problem))) {
        log::log_error("{}: not fetched: {}", who(job), problem);
        return false;
    }
    if (!write_private(job.rc_file, config::fetch_rc_text(config, job, password), problem)) {
        log::log_error("{}: not fetched: {}", who(job), problem);
        return false;
    }
    std::vector<std::string> env;
    if (job.fetcher == config::Fetcher::Fetchmail) env.push_back("FETCHMAILHOME=" + config.global.fetch_dir);
    const ProgramResult run = run_program(job.argv, env, timeout);
    if (!run.started) {
        log::log_error("{}: not fetched: {}", who(job), run.problem);
        return false;
    }
    config::FetchReport report = config::read_fetch_output(job.fetcher, run.exit_code, run.out, run.err);
    if (!run.problem.empty()) {
        report.ok = false;
        report.error = run.problem;
    }
    if (report.oversized)
        log::log_warning("{}: {} message{} larger than max_message_size ({} bytes) left on the server", who(job),
                         report.oversized, report.oversized == 1 ? "" : "s", config.global.max_message_size);
    if (report.ok) log::log_info("{}: fetched={} oversized={}", who(job), report.fetched, report.oversized);
    else log::log_error("{}: fetched={} oversized={} failed: {}", who(job), report.fetched, report.oversized, report.error);
    return report.ok;
}

}  // namespace

int cmd_fetch_config(const Args& args) {
    const std::string path = config_path(args);
    auto config = load_or_report(path);
    if (!config) return kExitConfig;
    const auto jobs = selected_jobs(args, *config);
    if (!jobs) return kExitUsage;
    if (jobs->empty()) fmt::print("# {}: no [[queues.mailboxes]], nothing to fetch\n", path);
    for (const FetchJob& job : *jobs) {
        fmt::print("# ==> {} (mode 0600; `deskgate fetch` runs: {})\n", job.rc_file, run_line(job));
        fmt::print("{}\n", config::fetch_rc_text(*config, job));
    }
    return kExitOk;
}

int cmd_fetch(const Args& args) {
    log::set_program("deskgate-fetch");
    auto config = load_or_report(config_path(args));
    if (!config) return kExitConfig;
    const auto jobs = selected_jobs(args, *config);
    if (!jobs) return kExitUsage;
    int timeout = kDefaultTimeout;
    if (auto t = args.option("timeout")) {
        timeout = std::atoi(t->c_str());
        if (timeout <= 0) {
            fmt::print(stderr, "deskgate fetch: --timeout {}: expected seconds\n", *t);
            return kExitUsage;
        }
    }
    if (jobs->empty()) return kExitOk;
    if (!prepare_fetch_dir(config->global.fetch_dir)) return kExitFailure;
    const RunLock lock(config->global.fetch_dir);
    if (!lock.held()) {
        log::log_warning("another deskgate fetch is running (lock {}/fetch.lock): not fetching now", config->global.fetch_dir);
        return kExitTempFail;
    }
    if (!args.option("queue")) remove_stale_files(config->global.fetch_dir, *jobs);
    // nothing is taken from a provider while nobody would take it from the fetcher
    if (const std::string down = fetch_socket_problem(config->global.fetch_listen); !down.empty()) {
        for (const FetchJob& job : *jobs)
            log::log_error("{}: not fetched: deskgate-lmtpd does not answer on fetch_listen {} ({}); the mail "
                           "stays at the provider", who(job), config->global.fetch_listen, down);
        return kExitTempFail;
    }
    bool all_ok = true;
    for (const FetchJob& job : *jobs) all_ok &= fetch_one(*config, job, std::chrono::seconds(timeout));
    return all_ok ? kExitOk : kExitTempFail;
}

}  // namespace deskgate::cli
