// context.cpp - what several commands share: finding and loading the config, opening the store.
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include <fmt/format.h>

#include "cli/commands.hpp"

namespace deskgate::cli {

std::string config_path(const Args& args) {
    if (auto p = args.option("config")) return *p;
    if (const char* env = std::getenv("DESKGATE_CONFIG"); env && *env) return env;
    return "/etc/deskgate/deskgate.toml";
}

std::optional<Config> load_or_report(const std::string& path) {
    LoadResult result = load_config(path);
    if (result.config) return std::move(result.config);
    for (const ConfigError& e : result.errors) fmt::print(stderr, "{}\n", to_string(e));
    fmt::print(stderr, "deskgate: {} error(s) in the configuration\n", result.errors.size());
    return std::nullopt;
}

std::string store_path(const Args& args, const Config* config) {
    if (auto p = args.option("store")) return *p;
    return config ? config->global.store_path : std::string();
}

std::optional<std::int64_t> now_or_report(const Args& args) {
    auto n = args.option("now");
    if (!n)
        return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    std::int64_t value = 0;
    const auto [end, ec] = std::from_chars(n->data(), n->data() + n->size(), value);
    if (ec != std::errc() || end != n->data() + n->size()) {
        fmt::print(stderr, "deskgate: --now expects Unix seconds, got '{}'\n", *n);
        return std::nullopt;
    }
    return value;
}

std::optional<Store> open_store_or_report(const std::string& path, bool read_only) {
    if (path.empty()) {
        fmt::print(stderr, "deskgate: no store path (give --store or set global.store)\n");
        return std::nullopt;
    }
    Store::Options options;
    options.path = path;
    options.read_only = read_only;
    auto opened = Store::open(options);
    if (auto* err = std::get_if<StoreError>(&opened)) {
        fmt::print(stderr, "deskgate: {}\n", err->message);
        return std::nullopt;
    }
    if (const auto& m = std::get<Store>(opened).migration())
        fmt::print(stderr, "deskgate: store {} migrated from schema {} to {}\n", path, m->from, m->to);
    return std::move(std::get<Store>(opened));
}

std::optional<std::string> read_input(const std::string& file) {
    if (file == "-") {
        std::ostringstream s;
        s << std::cin.rdbuf();
        return s.str();
    }
    std::ifstream in(file, std::ios::binary);
    if (!in) return std::nullopt;
    return std::string(std::istreambuf_iterator<char>(in), {});
}

std::optional<TicketKey> ticket_key_or_report(const std::string& text) {
    auto key = parse_ticket_key(text);
    if (!key) fmt::print(stderr, "deskgate: '{}' is not a ticket number (QUEUE-SEQ, e.g. 10-42)\n", text);
    return key;
}

int report_store_error(const StoreError& err) {
    fmt::print(stderr, "deskgate: {}\n", err.message);
    return err.temporary ? kExitTempFail : kExitFailure;
}

std::variant<WriteSession, int> open_write_session(const Args& args) {
    const auto clock = now_or_report(args);  // usage errors before anything is opened
    if (!clock) return kExitUsage;
    auto config = load_or_report(config_path(args));
    if (!config) return kExitFailure;
    std::variant<WriteSession, int> out(std::in_place_index<0>);
    WriteSession& session = std::get<0>(out);
    session.config = std::move(*config);
    session.now = *clock;
    session.actor = admin_actor();
    if (auto who = args.option("as")) {
        const Staff* staff = session.config.staff_named(*who);
        if (!staff) {
            fmt::print(stderr, "deskgate: no staff member '{}' (an alias or address from [[staff]])\n", *who);
            return kExitUsage;
        }
        session.actor = staff_actor(*staff);
    }
    session.store = open_store_or_report(store_path(args, &session.config), false);
    if (!session.store) return kExitFailure;
    return out;
}

std::optional<Store> reading_store(const Args& args) {
    if (args.option("store")) return open_store_or_report(*args.option("store"), true);
    auto config = load_or_report(config_path(args));
    if (!config) return std::nullopt;
    return open_store_or_report(store_path(args, &*config), true);
}

std::optional<TicketFilter> filter_or_report(const Args& args) {
    TicketFilter filter;
    if (auto q = args.option("queue")) {
        try {
            filter.queue = static_cast<std::uint32_t>(std::stoul(*q));
        } catch (const std::exception&) {
            fmt::print(stderr, "deskgate: --queue expects a queue number, got '{}'\n", *q);
            return std::nullopt;
        }
    }
    if (auto s = args.option("status")) {
        filter.status = ticket_status_from(*s);
        if (!filter.status) {
            fmt::print(stderr, "deskgate: unknown status '{}' (new, open, waiting, closed, "
                               "awaiting-approval)\n", *s);
            return std::nullopt;
        }
    }
    return filter;
}

const Staff* staff_or_report(const Config& config, const std::string& who) {
    const Staff* staff = config.staff_named(who);
    if (!staff) fmt::print(stderr, "deskgate: no staff member '{}' (an alias or address from [[staff]])\n", who);
    return staff;
}

}  // namespace deskgate::cli
