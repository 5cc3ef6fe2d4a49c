// main.cpp - deskgate-lmtpd: the LMTP delivery agent.
//   deskgate-lmtpd --config PATH [--listen unix:/path|inet:[ADDR:]PORT]... [--store PATH]
//                  [--foreground] [--threads N] [--max-sessions N] [--spool-dir DIR]
//                  [--socket-mode OCTAL] [--socket-group GROUP]
// SIGTERM/SIGINT drain (in-flight transactions finish, new connections get 421); SIGHUP
// reloads the config (a bad one is reported with file:line:column and the old one stays).
#include <malloc.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <thread>

#include <fmt/format.h>

#include "common/config_reload.hpp"
#include "common/exit_codes.hpp"
#include "common/option_value.hpp"
#include "common/outbox_worker.hpp"
#include "config/load.hpp"
#include "lmtp/committer.hpp"
#include "common/log.hpp"
#include "lmtp/server.hpp"

namespace asio = boost::asio;
using namespace deskgate;
using namespace deskgate::lmtp;
using namespace deskgate::log;

namespace {


constexpr std::string_view kUsage =
    "usage: deskgate-lmtpd --config PATH [--listen unix:/path|inet:[ADDR:]PORT]... [--store PATH]\n"
    "                      [--foreground] [--threads N] [--max-sessions N] [--spool-dir DIR]\n"
    "                      [--socket-mode OCTAL] [--socket-group GROUP] [--fetch-listen unix:/path|inet:...]\n";

struct Options {
    std::string config;
    std::vector<std::string> listen;
    std::string fetch_listen;  // "" = the config's, when a queue has [[queues.mailboxes]]
    std::string store;
    bool foreground = false;
    unsigned threads = 2;
    std::size_t max_sessions = 100;
    std::string spool_dir;
    unsigned socket_mode = 0660;
    std::string socket_group;
    std::int64_t time_offset = 0;
};

std::optional<Options> parse_options(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        auto value = [&]() -> std::optional<std::string> {
            if (i + 1 >= argc) return std::nullopt;
            return std::string(argv[++i]);
        };
        // A number that is not one (or out of range) is a usage error, never a silent default.
        auto bad = [&](std::string_view what) {
            fmt::print(stderr, "deskgate-lmtpd: {} expects {}, got '{}'\n{}", a, what, argv[i], kUsage);
            return std::nullopt;
        };
        std::optional<std::string> v;
        if (a == "--foreground") { o.foreground = true; continue; }
        if (a == "--config" && (v = value())) o.config = *v;
        else if (a == "--listen" && (v = value())) o.listen.push_back(*v);
        else if (a == "--fetch-listen" && (v = value())) o.fetch_listen = *v;
        else if (a == "--store" && (v = value())) o.store = *v;
        else if (a == "--threads" && (v = value())) {
            const auto n = parse_count(*v, 1, 256);
            if (!n) return bad("a number of threads from 1 to 256");
            o.threads = static_cast<unsigned>(*n);
        } else if (a == "--max-sessions" && (v = value())) {
            const auto n = parse_count(*v, 1, 100000);
            if (!n) return bad("a number of sessions from 1 to 100000");
            o.max_sessions = static_cast<std::size_t>(*n);
        } else if (a == "--spool-dir" && (v = value())) o.spool_dir = *v;
        else if (a == "--socket-group" && (v = value())) o.socket_group = *v;
        else if (a == "--time-offset" && (v = value())) {
            const auto n = parse_signed(*v);
            if (!n) return bad("a number of seconds");
            o.time_offset = *n;
        } else if (a == "--socket-mode" && (v = value())) {
            const auto mode = parse_file_mode(*v);
            if (!mode) return bad("an octal file mode such as 0660");
            o.socket_mode = *mode;
        } else {
            fmt::print(stderr, "deskgate-lmtpd: bad argument '{}'\n{}", a, kUsage);
            return std::nullopt;
        }
    }
    if (o.config.empty()) {
        fmt::print(stderr, "deskgate-lmtpd: --config is required\n{}", kUsage);
        return std::nullopt;
    }
    return o;  // no --listen: the config's global.lmtp_listen
}

// The sockets to listen on: --listen or the config's lmtp_listen, and the fetcher's socket
// (--fetch-listen, or the config's fetch_listen when some queue fetches from a mailbox).
std::optional<std::vector<ListenSpec>> listen_specs(const Options& options, const Config& config) {
    std::vector<std::pair<std::string, bool>> wanted;
    for (const std::string& l : options.listen.empty() ? config.global.lmtp_listen : options.listen)
        wanted.emplace_back(l, false);
    const bool fetches = std::any_of(config.queues.begin(), config.queues.end(),
                                     [](const Queue& q) { return !q.mailboxes.empty(); });
    if (!options.fetch_listen.empty()) wanted.emplace_back(options.fetch_listen, true);
    else if (fetches) wanted.emplace_back(config.global.fetch_listen, true);
    std::vector<ListenSpec> specs;
    for (const auto& [text, fetched] : wanted) {
        std::string error;
        auto spec = parse_listen(text, error);
        if (!spec) {
            fmt::print(stderr, "deskgate-lmtpd: {}: {}\n", fetched ? "--fetch-listen" : "--listen", error);
            return std::nullopt;
        }
        spec->mode = options.socket_mode;
        spec->group = fetched ? std::string() : options.socket_group;  // the fetcher runs as our own user
        spec->fetched = fetched;
        specs.push_back(*spec);
    }
    return specs;
}

}  // namespace

int main(int argc, char** argv) {
    set_program("deskgate-lmtpd");
    auto options = parse_options(argc, argv);
    if (!options) return kExitUsage;
    // Message-sized buffers (megabytes) come from mmap and go back to the system when freed,
    // instead of lingering in malloc's heap after a burst of large mail.
    mallopt(M_MMAP_THRESHOLD, 512 * 1024);

    LoadResult loaded = load_config(options->config);
    if (!loaded.config) {
        for (const ConfigError& e : loaded.errors) fmt::print(stderr, "deskgate-lmtpd: {}\n", to_string(e));
        return kExitConfig;
    }
    const auto specs = listen_specs(*options, *loaded.config);
    if (!specs) return kExitUsage;
    const std::string store_path = options->store.empty() ? loaded.config->global.store_path : options->store;
    // LMDB forbids using an environment across fork() (its locks and reader slots belong to the
    // process that opened it), and daemon() forks: the store the daemon uses is opened after
    // it. In the background it is opened once before as well (read-only when it exists, so that
    // the daemon itself migrates and logs it; created when not), and closed again, so that a
    // store that cannot be opened is still reported on the terminal that started us.
    auto open_store = [&] { return Store::open(Store::Options{store_path, 64ull << 20, false}); };
    if (!options->foreground) {
        std::error_code ec;
        const bool exists = std::filesystem::exists(std::filesystem::path(store_path) / "data.mdb", ec);
        if (auto probe = Store::open(Store::Options{store_path, 64ull << 20, exists});
            auto* err = std::get_if<StoreError>(&probe)) {
            fmt::print(stderr, "deskgate-lmtpd: {}\n", err->message);
            return kExitTempFail;
        }
        log_to_syslog();
        if (::daemon(0, 0) != 0) {
            log_error("cannot run in the background: {}", std::strerror(errno));
            return kExitTempFail;
        }
    }
    auto opened = open_store();
    if (auto* err = std::get_if<StoreError>(&opened)) {
        if (options->foreground) fmt::print(stderr, "deskgate-lmtpd: {}\n", err->message);
        else log_error("{}", err->message);
        return kExitTempFail;
    }
    Store& store = std::get<Store>(opened);

    auto runtime = std::make_shared<const Runtime>(std::move(*loaded.config));
    asio::io_context io(static_cast<int>(options->threads));
    Committer committer(store);
    ServerOptions server_options;
    server_options.max_sessions = options->max_sessions;
    if (!options->spool_dir.empty()) server_options.spool.dir = options->spool_dir;
    server_options.time_offset = options->time_offset;  // a testing aid: shifts the daemon's clock
    Server server(io, server_options, runtime, committer);
    // Acknowledgements and redirects leave through sendmail(1), under the current config.
    OutboxWorker outbox(store, [&server] {
        const auto rt = server.runtime();
        return std::shared_ptr<const Config>(rt, &rt->config);
    }, options->time_offset);
    committer.on_mail_queued([&outbox] { outbox.wake(); });  // generated mail leaves at once
    // Whatever way main() ends, the committer (which may call the worker) stops before the worker goes.
    struct StopCommitterFirst {
        Committer& committer;
        ~StopCommitterFirst() { committer.stop(); }
    } stop_committer_first{committer};
    try {
        for (const ListenSpec& spec : *specs) server.listen(spec);
    } catch (const std::exception& e) {
        log_error("cannot listen: {}", e.what());
        return kExitTempFail;
    }

    asio::signal_set signals(io, SIGTERM, SIGINT, SIGHUP);
    std::function<void()> wait_signal;
    bool stopping = false;
    wait_signal = [&] {
        signals.async_wait([&](const boost::system::error_code& ec, int signo) {
            if (ec) return;
            if (signo == SIGHUP) {
                if (auto next = reload_config(options->config)) {
                    if (next->global.store_path != runtime->config.global.store_path && options->store.empty())
                        log_warning("config reload: a new store path takes effect only after a restart");
                    server.reload(std::make_shared<const Runtime>(std::move(*next)));
                    log_info("config reloaded from {}", options->config);
                }
                wait_signal();
                return;
            }
            if (stopping) return;
            stopping = true;
            log_info("signal {}: draining {} session(s)", signo, server.active_sessions());
            ::sd_notify(0, "STOPPING=1");
            server.drain();
            asio::co_spawn(io, [&]() -> asio::awaitable<void> {
                asio::steady_timer t(io);
                const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
                while (server.active_sessions() > 0 && std::chrono::steady_clock::now() < deadline) {
                    t.expires_after(std::chrono::milliseconds(100));
                    co_await t.async_wait(asio::use_awaitable);
                }
                server.close();
                committer.stop();
                outbox.stop();
                io.stop();
            }, asio::detached);
        });
    };
    wait_signal();

    ::sd_notify(0, "READY=1");
    log_info("ready: store {}, {} queue(s), max {} session(s)", store_path, runtime->config.queues.size(),
             options->max_sessions);
    std::vector<std::thread> threads;
    for (unsigned i = 1; i < options->threads; ++i) threads.emplace_back([&] { io.run(); });
    io.run();
    for (auto& t : threads) t.join();
    committer.stop();
    const auto stats = committer.stats();
    log_info("stopped: {} message(s) in {} commit(s)", stats.messages, stats.batches);
    return 0;
}
