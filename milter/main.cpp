// main.cpp - deskgate-milter (inbound mode): libmilter glue around InboundDoor.
//   deskgate-milter --config PATH --socket unix:/path|inet:PORT@127.0.0.1 [--foreground] [--socket-mode OCTAL]
// Each SMTP connection gets its own InboundDoor; decisions are logged one line each with the
// MTA's queue id ({i}) when it is known.
#include <libmilter/mfapi.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <memory>
#include <mutex>

#include <fmt/format.h>

#include "common/log.hpp"
#include "config/load.hpp"
#include "milter/door.hpp"

using namespace deskgate;
using namespace deskgate::log;

namespace {

constexpr int kExitUsage = 64;
constexpr int kExitTempFail = 75;
constexpr int kExitConfig = 78;

// libmilter's callbacks carry no user pointer: the loaded config is reachable through this one
// object, set up before smfi_main() starts its threads; a reload swaps the pointer under the
// mutex, connections keep the config they started with.
struct Milter {
    std::string config_path;
    mutable std::mutex mutex;
    std::shared_ptr<const Config> config;

    std::shared_ptr<const Config> current() const {
        std::lock_guard lock(mutex);
        return config;
    }
    void reload() {
        LoadResult next = load_config(config_path);
        if (!next.config) {
            for (const ConfigError& e : next.errors) log_error("config reload: {}", to_string(e));
            log_error("config reload failed ({} error(s)); the previous config stays in force", next.errors.size());
            return;
        }
        {
            std::lock_guard lock(mutex);
            config = std::make_shared<const Config>(std::move(*next.config));
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
        *sig = s;
        return 0;
    }
}

namespace {

struct Connection {
    explicit Connection(std::shared_ptr<const Config> c) : door(std::move(c)) {}
    milter::InboundDoor door;
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

sfsistat on_connect(SMFICTX* ctx, char*, _SOCK_ADDR*) {
    // libmilter keeps a raw pointer per connection; on_close deletes it.
    auto* c = new (std::nothrow) Connection(g_milter->current());
    if (!c) return SMFIS_TEMPFAIL;
    smfi_setpriv(ctx, c);
    return SMFIS_CONTINUE;
}

sfsistat on_envfrom(SMFICTX* ctx, char** argv) {
    Connection* c = connection(ctx);
    if (!c) return SMFIS_TEMPFAIL;
    c->door.sender(argv && argv[0] ? argv[0] : "");
    return SMFIS_CONTINUE;
}

sfsistat on_envrcpt(SMFICTX* ctx, char** argv) {
    Connection* c = connection(ctx);
    if (!c) return SMFIS_TEMPFAIL;
    auto refusal = c->door.recipient(argv && argv[0] ? argv[0] : "");
    flush_log(ctx, c);
    return refusal ? refuse(ctx, refusal->reply) : SMFIS_CONTINUE;
}

sfsistat on_header(SMFICTX* ctx, char* name, char* value) {
    if (Connection* c = connection(ctx)) c->door.header(name ? name : "", value ? value : "");
    return SMFIS_CONTINUE;
}

sfsistat on_body(SMFICTX* ctx, unsigned char*, size_t len) {
    if (Connection* c = connection(ctx)) c->door.body(len);
    return SMFIS_CONTINUE;
}

sfsistat on_eom(SMFICTX* ctx) {
    Connection* c = connection(ctx);
    if (!c) return SMFIS_TEMPFAIL;
    auto refusal = c->door.end_of_message();
    flush_log(ctx, c);
    c->door.reset();
    return refusal ? refuse(ctx, refusal->reply) : SMFIS_CONTINUE;
}

sfsistat on_abort(SMFICTX* ctx) {
    if (Connection* c = connection(ctx)) c->door.reset();
    return SMFIS_CONTINUE;
}

sfsistat on_close(SMFICTX* ctx) {
    delete connection(ctx);
    smfi_setpriv(ctx, nullptr);
    return SMFIS_CONTINUE;
}

}  // namespace

int main(int argc, char** argv) {
    set_program("deskgate-milter");
    std::string config_path, socket;
    bool foreground = false;
    unsigned socket_mode = 0660;
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        if (a == "--config" && i + 1 < argc) config_path = argv[++i];
        else if (a == "--socket" && i + 1 < argc) socket = argv[++i];
        else if (a == "--foreground") foreground = true;
        else if (a == "--socket-mode" && i + 1 < argc) socket_mode = static_cast<unsigned>(std::strtoul(argv[++i], nullptr, 8));
        else {
            fmt::print(stderr, "usage: deskgate-milter --config PATH --socket unix:/path|inet:PORT@127.0.0.1 [--foreground] [--socket-mode OCTAL]\n");
            return kExitUsage;
        }
    }
    if (config_path.empty() || socket.empty()) {
        fmt::print(stderr, "usage: deskgate-milter --config PATH --socket unix:/path|inet:PORT@127.0.0.1 [--foreground]\n");
        return kExitUsage;
    }
    LoadResult loaded = load_config(config_path);
    if (!loaded.config) {
        for (const ConfigError& e : loaded.errors) fmt::print(stderr, "deskgate-milter: {}\n", to_string(e));
        return kExitConfig;
    }
    static Milter state;
    state.config_path = config_path;
    state.config = std::make_shared<const Config>(std::move(*loaded.config));
    g_milter = &state;

    smfiDesc desc{};
    desc.xxfi_name = const_cast<char*>("deskgate");
    desc.xxfi_version = SMFI_VERSION;
    desc.xxfi_flags = 0;  // inbound mode changes nothing in the message
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
    if (socket.starts_with("unix:")) ::chmod(socket.c_str() + 5, socket_mode);
    if (!foreground) {
        log_to_syslog();
        if (::daemon(0, 0) != 0) return kExitTempFail;
    }
    log_info("ready: listening on {}, {} queue(s)", socket, state.config->queues.size());
    const int rc = smfi_main();
    log_info("stopped");
    return rc == MI_SUCCESS ? 0 : kExitTempFail;
}
