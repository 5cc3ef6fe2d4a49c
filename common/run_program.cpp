// run_program.cpp - see run_program.hpp.
#include "common/run_program.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string_view>

#include <fmt/format.h>

extern char** environ;

namespace deskgate {
namespace {

constexpr auto kTermGrace = std::chrono::seconds(5);

// This process's environment with `extra` added; entries of `extra` win.
std::vector<std::string> merged_environment(const std::vector<std::string>& extra) {
    std::vector<std::string> out;
    for (char** e = environ; e && *e; ++e) {
        const std::string_view entry = *e;
        const std::string_view name = entry.substr(0, entry.find('='));
        bool overridden = false;
        for (const std::string& x : extra) overridden |= std::string_view(x).substr(0, x.find('=')) == name;
        if (!overridden) out.emplace_back(entry);
    }
    out.insert(out.end(), extra.begin(), extra.end());
    return out;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
    std::vector<char*> out;
    for (std::string& s : strings) out.push_back(s.data());
    out.push_back(nullptr);
    return out;
}

// Starts argv with stdout/stderr on the write ends of `out_pipe`/`err_pipe`; the child's pid or -1.
pid_t spawn(std::vector<std::string> argv, const std::vector<std::string>& env, int out_fd, int err_fd,
            std::string& problem) {
    std::vector<std::string> envs = merged_environment(env);
    std::vector<char*> args = c_strings(argv), envp = c_strings(envs);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, out_fd, STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, err_fd, STDERR_FILENO);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);  // its own group: the deadline stops its children too
    pid_t pid = -1;
    const int rc = ::posix_spawnp(&pid, args[0], &actions, &attr, args.data(), envp.data());
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
        problem = fmt::format("cannot run {}: {}", argv[0], std::strerror(rc));
        return -1;
    }
    return pid;
}

// Reads what is ready on the open pipes; closes (sets to -1) a pipe at its end.
void drain(int (&fds)[2], std::string* (&sinks)[2], int wait_ms) {
    pollfd p[2];
    nfds_t n = 0;
    int which[2];
    for (int i = 0; i < 2; ++i)
        if (fds[i] >= 0) {
            p[n] = {fds[i], POLLIN, 0};
            which[n++] = i;
        }
    if (n == 0) {
        ::usleep(static_cast<useconds_t>(wait_ms) * 1000);  // both closed: the child may still run
        return;
    }
    if (::poll(p, n, wait_ms) <= 0) return;
    char buf[65536];
    for (nfds_t k = 0; k < n; ++k) {
        if (!(p[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        const int i = which[k];
        const ssize_t got = ::read(fds[i], buf, sizeof buf);
        if (got > 0) {
            std::string& sink = *sinks[i];
            sink.append(buf, std::min<std::size_t>(static_cast<std::size_t>(got), kMaxProgramOutput - std::min(kMaxProgramOutput, sink.size())));
        } else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
            ::close(fds[i]);
            fds[i] = -1;
        }
    }
}

}  // namespace

ProgramResult run_program(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                          std::chrono::seconds timeout) {
    ProgramResult r;
    if (argv.empty()) {
        r.problem = "nothing to run";
        return r;
    }
    int out_pipe[2], err_pipe[2];
    if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
        r.problem = fmt::format("pipe: {}", std::strerror(errno));
        return r;
    }
    if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
        r.problem = fmt::format("pipe: {}", std::strerror(errno));
        ::close(out_pipe[0]);
        ::close(out_pipe[1]);
        return r;
    }
    const pid_t pid = spawn(argv, env, out_pipe[1], err_pipe[1], r.problem);
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);
    int fds[2] = {out_pipe[0], err_pipe[0]};
    std::string* sinks[2] = {&r.out, &r.err};
    if (pid < 0) {
        ::close(fds[0]);
        ::close(fds[1]);
        return r;
    }
    r.started = true;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    bool termed = false;
    int status = 0;
    for (;;) {
        drain(fds, sinks, 100);
        const pid_t done = ::waitpid(pid, &status, WNOHANG);
        if (done == pid && fds[0] < 0 && fds[1] < 0) break;
        if (done == pid) {  // exited; what it (or a left-over child) still writes is not waited for
            for (int i = 0; i < 20 && (fds[0] >= 0 || fds[1] >= 0); ++i) drain(fds, sinks, 50);
            break;
        }
        const auto now = std::chrono::steady_clock::now();
        if (!termed && now > deadline) {
            ::kill(-pid, SIGTERM);
            termed = r.timed_out = true;
        } else if (termed && now > deadline + kTermGrace) {
            ::kill(-pid, SIGKILL);
            ::waitpid(pid, &status, 0);
            break;
        }
    }
    for (int fd : fds)
        if (fd >= 0) ::close(fd);
    if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
    if (r.timed_out) r.problem = fmt::format("{} stopped after {} s", argv[0], timeout.count());
    else if (WIFSIGNALED(status)) r.problem = fmt::format("{} killed by signal {}", argv[0], WTERMSIG(status));
    return r;
}

}  // namespace deskgate
