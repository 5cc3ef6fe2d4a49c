// cmd_mta_config.cpp - `deskgate postfix-config` and `deskgate sendmail-config`: the MTA
// settings for the current config, printed for the administrator to run or paste. Postfix's
// current values are read with postconf(1), so existing transport tables and milters are kept.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <optional>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "config/mta_snippets.hpp"

extern char** environ;

namespace deskgate::cli {
namespace {

// Runs argv (no shell) and returns its standard output, or nullopt when it cannot run or fails.
std::optional<std::string> capture(const std::vector<std::string>& argv) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return std::nullopt;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid = 0;
    const int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[1]);
    std::string out;
    if (rc == 0) {
        char buf[4096];
        for (;;) {
            const ssize_t n = ::read(fds[0], buf, sizeof buf);
            if (n > 0) out.append(buf, static_cast<std::size_t>(n));
            else if (n == 0 || errno != EINTR) break;
        }
    }
    ::close(fds[0]);
    if (rc != 0) return std::nullopt;
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return std::nullopt;
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    return out;
}

config::PostfixFacts read_postfix(const std::string& dir, const std::string& submission) {
    config::PostfixFacts facts;
    facts.config_dir = dir;
    facts.submission_service = submission;
    auto postconf = [&](std::vector<std::string> args) {
        std::vector<std::string> argv{"postconf"};
        if (!dir.empty()) argv.insert(argv.end(), {"-c", dir});
        argv.insert(argv.end(), args.begin(), args.end());
        return capture(argv);
    };
    if (!postconf({"-h", "mail_version"})) {
        facts.postconf_available = false;
        return facts;
    }
    for (const char* name : {"transport_maps", "relay_domains", "smtpd_milters", "non_smtpd_milters", "mydestination",
                             // queues' own outgoing servers (section 5)
                             "sender_dependent_relayhost_maps", "sender_dependent_default_transport_maps",
                             "smtp_sasl_password_maps", "smtp_tls_policy_maps", "smtp_tls_CAfile", "smtp_tls_CApath",
                             "recipient_delimiter", "config_directory", "default_database_type"})
        if (auto v = postconf({"-h", name})) facts.main[name] = *v;
    for (const std::string& service : std::vector<std::string>{"lmtp/unix", "smtp/inet", submission + "/inet", "pickup/unix"})
        if (auto v = postconf({"-Fh", service + "/chroot"}); v && !v->empty()) facts.chroot[service] = *v;
    return facts;
}

}  // namespace

int cmd_postfix_config(const Args& args) {
    const std::string path = config_path(args);
    auto config = load_or_report(path);
    if (!config) return kExitFailure;
    const std::string dir = args.option("postfix-dir").value_or("");
    const std::string submission = args.option("submission").value_or("submission");
    fmt::print("{}", config::postfix_config_script(*config, path, read_postfix(dir, submission)));
    return kExitOk;
}

int cmd_sendmail_config(const Args& args) {
    const std::string path = config_path(args);
    auto config = load_or_report(path);
    if (!config) return kExitFailure;
    fmt::print("{}", config::sendmail_config_lines(*config, path));
    return kExitOk;
}

}  // namespace deskgate::cli
