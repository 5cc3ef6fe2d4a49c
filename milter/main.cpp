// main.cpp - deskgate-milter (inbound mode): libmilter glue around InboundDoor.
//   deskgate-milter --config PATH --socket unix:/path|inet:PORT@127.0.0.1 [--mode inbound|outbound|auto] [--store PATH] [--foreground] [--socket-mode OCTAL]
// Each SMTP connection gets its own InboundDoor; decisions are logged one line each with the
// MTA's queue id ({i}) when it is known.
#include <libmilter/mfapi.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <strings.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <ctime>
#include <memory>
#include <optional>
#include <condition_variable>
#include <mutex>
#include <stop_token>
#include <thread>
#include <variant>

#include <fmt/format.h>

#include "common/config_reload.hpp"
#include "common/exit_codes.hpp"
#include "common/option_value.hpp"
#include "common/log.hpp"
#include "config/load.hpp"
#include "core/policy/authenticity.hpp"
#include "core/policy/classify.hpp"
#include "core/decision/outbound.hpp"
#include "core/store/store.hpp"
#include "core/model/token.hpp"
#include "core/decision/door.hpp"
#include "core/mail/header_block.hpp"

using namespace deskgate;
using namespace deskgate::log;

namespace {


// libmilter's callbacks carry no user pointer: the loaded config is reachable through this one
// object, set up before smfi_main() starts its threads; a reload swaps the pointer under the
// mutex, connections keep the config they started with.
// One loaded configuration and what is compiled from it.
struct Loaded {
    explicit Loaded(Config c)
        : config(std::move(c)), tags(config),
          limiter(config.global.sender_rate_limit, config.global.sender_rate_window) {}
    const Config config;
    const SubjectTagMatcher tags;
    mutable SenderRateLimiter limiter;  // counts are kept until the next reload
};

// The door's verdicts of the whole process, logged once a minute under the names of
// `deskgate stats` (the milter has no store to count them in).
VerdictCounter g_verdicts;

enum class Mode { Inbound, Outbound, Auto };

struct Milter {
    std::string config_path;
    std::string store_path;      // --store: read-only, for In-Reply-To/References of staff replies
    Mode mode = Mode::Auto;
    mutable std::mutex mutex;
    std::shared_ptr<const Loaded> loaded;

    // The ticket store, opened when first possible: the milter may start before deskgate-lmtpd
    // has created it (or the store be briefly away during a restore). Until then outbound mail
    // is still rewritten, only without the In-Reply-To lookup; a failed open is retried every
    // second at most and logged once per failure kind. Once open it stays open (the pointer is stable).
    Store* ticket_store() {
        if (store_path.empty()) return nullptr;
        std::lock_guard lock(store_mutex);
        if (store) return &*store;
        const auto now = std::chrono::steady_clock::now();
        if (now < next_store_try) return nullptr;
        next_store_try = now + std::chrono::seconds(1);
        auto opened = Store::open(Store::Options{store_path, 64ull << 20, true});
        if (auto* err = std::get_if<StoreError>(&opened)) {
            if (err->message != last_store_error)
                log_warning("ticket store: {}; staff replies are rewritten without the In-Reply-To lookup "
                            "until it can be opened (retried every second)", err->message);
            last_store_error = err->message;
            return nullptr;
        }
        store.emplace(std::move(std::get<Store>(opened)));
        log_info("ticket store {} open (read-only) for In-Reply-To lookups", store_path);
        return &*store;
    }

private:
    std::mutex store_mutex;
    std::optional<Store> store;
    std::chrono::steady_clock::time_point next_store_try{};
    std::string last_store_error;

public:

    std::shared_ptr<const Loaded> current() const {
        std::lock_guard lock(mutex);
        return loaded;
    }
    void reload() {
        auto next = reload_config(config_path);
        if (!next) return;
        {
            std::lock_guard lock(mutex);
            loaded = std::make_shared<const Loaded>(std::move(*next));
        }
        log_info("config reloaded from {}", config_path);
    }
};
Milter* g_milter = nullptr;

}  // namespace

// libmilter waits for SIGHUP, SIGTERM and SIGINT in its own signal thread with sigwait() and
// stops on any of them. deskgate-milter reloads its config on SIGHUP like deskgate-lmtpd, so
// this definition takes the place of libc's sigwait() for libmilter: SIGHUP reloads and the
// wait goes on; every other signal is returned to libmilter unchanged.
extern "C" int sigwait(const sigset_t* set, int* sig) {
    for (;;) {
        const int s = ::sigwaitinfo(set, nullptr);
        if (s < 0) {
            if (errno == EINTR) continue;
            return errno;
        }
        if (s == SIGHUP && g_milter) {
            g_milter->reload();
            continue;
        }
        ::sd_notify(0, "STOPPING=1");  // libmilter stops on this signal (systemd: Type=notify)
        *sig = s;
        return 0;
    }
}

namespace {

struct Connection {
    Connection(std::shared_ptr<const Loaded> l, bool out)
        : loaded(l), outbound(out), door(std::shared_ptr<const Config>(l, &l->config), &l->limiter, &g_verdicts) {}
    std::shared_ptr<const Loaded> loaded;
    bool outbound = false;
    InboundDoor door;
    // outbound mode: the transaction as seen so far
    std::string sender;
    std::string sasl_login;  // {auth_authen}, "" without SASL
    std::vector<std::string> recipients;
    std::string header_block;
    std::vector<std::pair<std::string, int>> control_headers;  // X-Deskgate-* name and count

    void reset() {
        door.reset();
        sender.clear();
        sasl_login.clear();
        recipients.clear();
        header_block.clear();
        control_headers.clear();
    }
};

Connection* connection(SMFICTX* ctx) { return static_cast<Connection*>(smfi_getpriv(ctx)); }

std::string queue_id(SMFICTX* ctx) {
    const char* id = smfi_getsymval(ctx, const_cast<char*>("i"));
    return id && *id ? id : "NOQUEUE";
}

void flush_log(SMFICTX* ctx, Connection* c) {
    const std::string id = queue_id(ctx);
    for (const std::string& line : c->door.log_lines()) log_info("{}: {}", id, line);
    c->door.clear_log();
}

// libmilter formats reply text: '%' must be doubled; CR/LF are not allowed.
std::string milter_text(std::string_view text) {
    std::string out;
    for (char ch : text) {
        if (ch == '%') out += "%%";
        else if (ch == '\r' || ch == '\n') out += ' ';
        else out += ch;
    }
    return out;
}

sfsistat refuse(SMFICTX* ctx, const Reply& r) {
    const std::string code = std::to_string(r.code);
    const std::string status = fmt::format("{}", r.status);
    const std::string text = milter_text(r.text);
    smfi_setreply(ctx, const_cast<char*>(code.c_str()), const_cast<char*>(status.c_str()),
                  const_cast<char*>(text.c_str()));
    return r.code / 100 == 4 ? SMFIS_TEMPFAIL : SMFIS_REJECT;
}

bool outbound_connection(SMFICTX* ctx) {
    if (g_milter->mode != Mode::Auto) return g_milter->mode == Mode::Outbound;
    const char* daemon = smfi_getsymval(ctx, const_cast<char*>("{daemon_name}"));
    std::string name = daemon ? daemon : "";
    for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return name.find("outbound") != std::string::npos;
}

// The client's IP address as text; "" when libmilter has none (a local submission).
std::string client_address(const _SOCK_ADDR* addr) {
    if (!addr) return {};
    char text[INET6_ADDRSTRLEN] = {};
    if (addr->sa_family == AF_INET) {
        sockaddr_in in{};
        std::memcpy(&in, addr, sizeof in);
        if (!::inet_ntop(AF_INET, &in.sin_addr, text, sizeof text)) return {};
    } else if (addr->sa_family == AF_INET6) {
        sockaddr_in6 in6{};
        std::memcpy(&in6, addr, sizeof in6);
        if (!::inet_ntop(AF_INET6, &in6.sin6_addr, text, sizeof text)) return {};
    }
    return text;
}

sfsistat on_connect(SMFICTX* ctx, char*, _SOCK_ADDR* addr) {
    // libmilter keeps a raw pointer per connection; on_close deletes it.
    auto* c = new (std::nothrow) Connection(g_milter->current(), outbound_connection(ctx));
    if (!c) return SMFIS_TEMPFAIL;
    c->door.client(client_address(addr));  // the reporting MTA of its null-sender mail (rate limit)
    smfi_setpriv(ctx, c);
    return SMFIS_CONTINUE;
}

sfsistat on_envfrom(SMFICTX* ctx, char** argv) {
    Connection* c = connection(ctx);
    if (!c) return SMFIS_TEMPFAIL;
    c->reset();
    c->sender = argv && argv[0] ? argv[0] : "";
    const char* auth = smfi_getsymval(ctx, const_cast<char*>("{auth_authen}"));
    c->sasl_login = auth ? auth : "";
    c->door.sender(c->sender, !c->sasl_login.empty());
    return SMFIS_CONTINUE;
}

sfsistat on_envrcpt(SMFICTX* ctx, char** argv) {
    Connection* c = connection(ctx);
    if (!c) return SMFIS_TEMPFAIL;
    if (c->outbound) {
        c->recipients.emplace_back(argv && argv[0] ? argv[0] : "");
        return SMFIS_CONTINUE;
    }
    auto refusal = c->door.recipient(argv && argv[0] ? argv[0] : "", static_cast<std::int64_t>(std::time(nullptr)));
    flush_log(ctx, c);
    return refusal ? refuse(ctx, refusal->reply) : SMFIS_CONTINUE;
}

sfsistat on_header(SMFICTX* ctx, char* name, char* value) {
    Connection* c = connection(ctx);
    if (!c) return SMFIS_CONTINUE;
    const std::string_view n = name ? name : "", v = value ? value : "";
    if (n.size() > 11 && strncasecmp(n.data(), "X-Deskgate-", 11) == 0 &&
        strcasecmp(std::string(n).c_str(), std::string(kLoopHeader).c_str()) != 0) {
        auto it = std::find_if(c->control_headers.begin(), c->control_headers.end(),
                               [&](const auto& p) { return strcasecmp(p.first.c_str(), std::string(n).c_str()) == 0; });
        if (it == c->control_headers.end()) c->control_headers.emplace_back(std::string(n), 1);
        else ++it->second;
    }
    if (!c->outbound) {
        c->door.header(n, v);
        return SMFIS_CONTINUE;
    }
    append_header(c->header_block, n, v);
    return SMFIS_CONTINUE;
}

sfsistat on_body(SMFICTX* ctx, unsigned char* chunk, size_t len) {
    if (Connection* c = connection(ctx)) c->door.body_chunk(std::string_view(reinterpret_cast<const char*>(chunk), len));
    return SMFIS_CONTINUE;
}

// Control headers come only from us: whatever the client sent is removed first.
void remove_control_headers(SMFICTX* ctx, const Connection* c) {
    for (const auto& [name, count] : c->control_headers)
        for (int i = count; i >= 1; --i) smfi_chgheader(ctx, const_cast<char*>(name.c_str()), i, nullptr);
}

void add_headers(SMFICTX* ctx, const std::vector<HeaderField>& fields) {
    for (const HeaderField& h : fields) {
        std::string n = h.name, v = h.value;
        smfi_addheader(ctx, n.data(), v.data());
    }
}

// Sets (or adds) the first header `name`.
void set_header(SMFICTX* ctx, const ParsedMessage& headers, const char* name, const std::string& value) {
    std::string v = value;
    if (headers.header(name)) smfi_chgheader(ctx, const_cast<char*>(name), 1, v.data());
    else smfi_addheader(ctx, const_cast<char*>(name), v.data());
}

sfsistat outbound_eom(SMFICTX* ctx, Connection* c) {
    const ParsedMessage headers = parse_message(c->header_block + "\r\n");
    const std::string id = queue_id(ctx);
    // What the reply answers, from the ticket store (when the milter runs beside it): core
    // decides whether it is needed, this only opens the read transaction.
    const ReadTicketStore read_store = [&](const std::function<void(const ReadTxn&)>& body) {
        if (Store* store = g_milter->ticket_store())
            if (const auto err = store->read(body)) log_warning("{}: outbound: ticket store: {}", id, err->message);
    };
    const auto plan = plan_outbound(c->loaded->config, c->loaded->tags, headers, c->sender, c->recipients,
                                    c->sasl_login, read_store);
    if (!plan) {
        log_info("{}: outbound: from={}: no customer recipient and no ticket, unchanged", id, c->sender);
        return SMFIS_CONTINUE;
    }
    if (plan->unchanged) {
        log_info("{}: outbound: from={}: {}", id, c->sender, plan->explanation);
        return SMFIS_CONTINUE;
    }
    if (!plan->from.empty()) set_header(ctx, headers, "From", plan->from);
    if (!plan->reply_to.empty()) set_header(ctx, headers, "Reply-To", plan->reply_to);
    if (!plan->subject.empty()) set_header(ctx, headers, "Subject", plan->subject);
    if (!plan->message_id.empty()) {
        std::string v = plan->message_id;
        smfi_addheader(ctx, const_cast<char*>("Message-ID"), v.data());
    }
    remove_control_headers(ctx, c);
    add_headers(ctx, plan->control);
    if (!plan->journal_recipient.empty()) {
        std::string r = "<" + plan->journal_recipient + ">";
        smfi_addrcpt(ctx, r.data());
    }
    if (!plan->envelope_sender.empty()) {
        std::string from = "<" + plan->envelope_sender + ">";
        if (smfi_chgfrom(ctx, from.data(), nullptr) != MI_SUCCESS)
            log_warning("{}: outbound: the MTA did not take the envelope sender {}", id, from);
    }
    log_info("{}: outbound: from={}, ticket={}, customer={}: {}{}", id, c->sender,
             plan->ticket ? to_string(*plan->ticket) : "-", plan->customer_id.empty() ? "-" : plan->customer_id,
             plan->explanation, plan->journal_recipient.empty() ? "" : ", journaled to " + plan->journal_recipient);
    return SMFIS_CONTINUE;
}

sfsistat on_eom(SMFICTX* ctx) {
    Connection* c = connection(ctx);
    if (!c) return SMFIS_TEMPFAIL;
    if (c->outbound) {
        const sfsistat rc = outbound_eom(ctx, c);
        c->reset();
        return rc;
    }
    auto refusal = c->door.end_of_message();
    flush_log(ctx, c);
    if (!refusal && c->door.strip_control_headers()) {
        // Control headers reach deskgate-lmtpd only from us: the client's go, ours are added.
        remove_control_headers(ctx, c);
        add_headers(ctx, c->door.headers_to_add());
    }
    c->reset();
    return refusal ? refuse(ctx, refusal->reply) : SMFIS_CONTINUE;
}

sfsistat on_abort(SMFICTX* ctx) {
    if (Connection* c = connection(ctx)) c->reset();
    return SMFIS_CONTINUE;
}

sfsistat on_close(SMFICTX* ctx) {
    delete connection(ctx);
    smfi_setpriv(ctx, nullptr);
    return SMFIS_CONTINUE;
}

}  // namespace

namespace {

struct Options {
    std::string config_path, socket, store_path;
    bool foreground = false;
    unsigned socket_mode = 0660;
    Mode mode = Mode::Auto;
};

constexpr std::string_view kUsage =
    "usage: deskgate-milter --config PATH [--socket unix:/path|inet:PORT@127.0.0.1] [--mode inbound|outbound|auto]\n"
    "                       [--store PATH] [--foreground] [--socket-mode OCTAL]\n";

// The command line; nullopt after printing the usage (exit 64).
std::optional<Options> parse_options(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        if (a == "--config" && i + 1 < argc) o.config_path = argv[++i];
        else if (a == "--socket" && i + 1 < argc) o.socket = argv[++i];
        else if (a == "--foreground") o.foreground = true;
        else if (a == "--store" && i + 1 < argc) o.store_path = argv[++i];
        else if (a == "--mode" && i + 1 < argc) {
            const std::string_view m = argv[++i];
            if (m == "inbound") o.mode = Mode::Inbound;
            else if (m == "outbound") o.mode = Mode::Outbound;
            else if (m == "auto") o.mode = Mode::Auto;
            else {
                fmt::print(stderr, "deskgate-milter: --mode inbound|outbound|auto\n");
                return std::nullopt;
            }
        }
        else if (a == "--socket-mode" && i + 1 < argc) {
            const auto mode = parse_file_mode(argv[++i]);
            if (!mode) {
                fmt::print(stderr, "deskgate-milter: --socket-mode expects an octal file mode such as 0660, got '{}'\n{}",
                           argv[i], kUsage);
                return std::nullopt;
            }
            o.socket_mode = *mode;
        } else {
            fmt::print(stderr, "deskgate-milter: bad argument '{}'\n{}", a, kUsage);
            return std::nullopt;
        }
    }
    if (o.config_path.empty()) {
        fmt::print(stderr, "deskgate-milter: --config is required\n{}", kUsage);
        return std::nullopt;
    }
    return o;
}

void log_verdicts() {
    if (const auto counts = g_verdicts.take(); !counts.empty()) log_info("verdicts: {}", format_counts(counts));
}

// One line a minute with the door's verdicts since the last line (none when idle).
void report_verdicts(std::stop_token stop) {
    std::mutex m;
    std::condition_variable_any cv;
    std::unique_lock lock(m);
    while (!stop.stop_requested()) {
        cv.wait_for(lock, stop, std::chrono::minutes(1), [] { return false; });
        if (!stop.stop_requested()) log_verdicts();
    }
}

}  // namespace

int main(int argc, char** argv) {
    set_program("deskgate-milter");
    const auto options = parse_options(argc, argv);
    if (!options) return kExitUsage;
    const std::string& config_path = options->config_path;
    std::string socket = options->socket;
    const bool foreground = options->foreground;
    const unsigned socket_mode = options->socket_mode;
    const Mode mode = options->mode;
    const std::string& store_path = options->store_path;
    LoadResult loaded = load_config(config_path);
    if (!loaded.config) {
        for (const ConfigError& e : loaded.errors) fmt::print(stderr, "deskgate-milter: {}\n", to_string(e));
        return kExitConfig;
    }
    if (socket.empty()) socket = loaded.config->global.milter_socket;  // no --socket: global.milter_socket
    static Milter state;
    state.config_path = config_path;
    state.loaded = std::make_shared<const Loaded>(std::move(*loaded.config));
    state.mode = mode;
    state.store_path = store_path;
    g_milter = &state;

    smfiDesc desc{};
    desc.xxfi_name = const_cast<char*>("deskgate");
    desc.xxfi_version = SMFI_VERSION;
    // outbound mode rewrites and journals, and sets a queue's own envelope sender ([queues.outgoing])
    desc.xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_ADDRCPT | SMFIF_CHGFROM;
    desc.xxfi_connect = on_connect;
    desc.xxfi_envfrom = on_envfrom;
    desc.xxfi_envrcpt = on_envrcpt;
    desc.xxfi_header = on_header;
    desc.xxfi_body = on_body;
    desc.xxfi_eom = on_eom;
    desc.xxfi_abort = on_abort;
    desc.xxfi_close = on_close;
    if (smfi_register(desc) == MI_FAILURE) {
        fmt::print(stderr, "deskgate-milter: smfi_register failed\n");
        return kExitTempFail;
    }
    if (smfi_setconn(socket.data()) == MI_FAILURE || smfi_opensocket(true) == MI_FAILURE) {
        fmt::print(stderr, "deskgate-milter: cannot listen on {}\n", socket);
        return kExitTempFail;
    }
    if (socket.starts_with("unix:") && ::chmod(socket.c_str() + 5, socket_mode) != 0) {
        fmt::print(stderr, "deskgate-milter: cannot set mode {:04o} on {}: {}\n", socket_mode, socket.substr(5),
                   std::strerror(errno));
        return kExitTempFail;
    }
    if (!foreground) {
        log_to_syslog();
        if (::daemon(0, 0) != 0) return kExitTempFail;
    }
    ::sd_notify(0, "READY=1");  // the socket is listening (a no-op outside systemd's Type=notify)
    (void)state.ticket_store();  // open it now if it is there (else logged, retried later)
    log_info("ready: listening on {} ({} mode), {} queue(s)", socket,
             mode == Mode::Inbound ? "inbound" : mode == Mode::Outbound ? "outbound" : "{daemon_name} chooses the",
             state.loaded->config.queues.size());
    // The reporter must not take libmilter's signals (SIGHUP reloads, SIGTERM stops): it starts
    // with them blocked, as libmilter's own threads do.
    sigset_t signals, previous;
    sigemptyset(&signals);
    for (int s : {SIGHUP, SIGTERM, SIGINT, SIGUSR1}) sigaddset(&signals, s);
    pthread_sigmask(SIG_BLOCK, &signals, &previous);
    std::jthread reporter(report_verdicts);
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    const int rc = smfi_main();
    reporter.request_stop();
    reporter.join();
    log_verdicts();
    log_info("stopped");
    return rc == MI_SUCCESS ? 0 : kExitTempFail;
}
