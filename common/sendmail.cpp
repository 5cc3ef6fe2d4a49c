// sendmail.cpp - see sendmail.hpp.
#include "common/sendmail.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

extern char** environ;

namespace deskgate {

namespace {

SendOutcome classify(int status) {
    switch (status) {
    case 0: return SendOutcome::Sent;
    case 64:  // EX_USAGE
    case 65:  // EX_DATAERR
    case 67:  // EX_NOUSER
    case 68:  // EX_NOHOST
    case 77:  // EX_NOPERM
        return SendOutcome::Permanent;
    default: return SendOutcome::Temporary;  // 69, 71, 74, 75 and anything unexpected
    }
}

}  // namespace

SendResult run_sendmail(const std::vector<std::string>& command, std::string_view sender,
                        const std::vector<std::string>& recipients, std::string_view message,
                        std::chrono::seconds timeout, std::string_view envid) {
    if (command.empty() || recipients.empty()) return {SendOutcome::Permanent, "nothing to run or no recipients"};
    std::vector<std::string> args = command;
    if (!envid.empty()) args.insert(args.end(), {"-N", "failure,delay", "-V", std::string(envid)});
    args.insert(args.end(), {"-i", "-f", sender.empty() ? std::string("<>") : std::string(sender), "--"});
    args.insert(args.end(), recipients.begin(), recipients.end());
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);

    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return {SendOutcome::Temporary, fmt::format("pipe: {}", std::strerror(errno))};
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[0], STDIN_FILENO);
    pid_t pid = 0;
    const int rc = ::posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(pipe_fds[0]);
    if (rc != 0) {
        ::close(pipe_fds[1]);
        return {SendOutcome::Temporary, fmt::format("cannot run {}: {}", args[0], std::strerror(rc))};
    }
    // Write the message; a sendmail that stops reading (or hangs) is bounded by the deadline.
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::size_t done = 0;
    bool write_failed = false;
    ::fcntl(pipe_fds[1], F_SETFL, O_NONBLOCK);
    while (done < message.size()) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) { write_failed = true; break; }
        pollfd p{pipe_fds[1], POLLOUT, 0};
        if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
        const ssize_t n = ::write(pipe_fds[1], message.data() + done, message.size() - done);
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR) continue;
            write_failed = true;
            break;
        }
        done += static_cast<std::size_t>(n);
    }
    ::close(pipe_fds[1]);
    int status = 0;
    for (;;) {
        const pid_t r = ::waitpid(pid, &status, WNOHANG);
        if (r == pid) break;
        if (r < 0 && errno != EINTR) return {SendOutcome::Temporary, "waitpid failed"};
        if (std::chrono::steady_clock::now() > deadline) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, &status, 0);
            return {SendOutcome::Temporary, fmt::format("{} timed out after {}s", args[0], timeout.count())};
        }
        ::usleep(10000);
    }
    if (!WIFEXITED(status)) return {SendOutcome::Temporary, fmt::format("{} killed by signal {}", args[0], WTERMSIG(status))};
    const int code = WEXITSTATUS(status);
    if (code == 0 && write_failed) return {SendOutcome::Temporary, "the message could not be written to sendmail"};
    const SendOutcome outcome = classify(code);
    return {outcome, code == 0 ? std::string() : fmt::format("{} exited with {}", args[0], code)};
}

}  // namespace deskgate
