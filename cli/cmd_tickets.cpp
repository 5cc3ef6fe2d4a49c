// cmd_tickets.cpp - reading the store: `deskgate tickets`, `deskgate show TICKET`,
// `deskgate raw TICKET [INDEX]` (the raw bytes exactly as received). With --as STAFF, tickets
// lists only what that staff member may see, and show and raw refuse anything else.
#include <cstdio>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cli/commands.hpp"
#include "cli/render.hpp"
#include "core/store/view.hpp"

namespace deskgate::cli {
namespace {

// What show and raw read with: the store (read-only) and, with --as STAFF, that staff member
// (the config is then loaded even with --store, for the staff's categories).
struct Reading {
    std::optional<Config> config;
    const Staff* as = nullptr;
    std::optional<Store> store;
};

// Fills `r`; 0, or the exit status after reporting why not.
int open_reading(const Args& args, Reading& r) {
    if (auto who = args.option("as")) {
        r.config = load_or_report(config_path(args));
        if (!r.config) return kExitFailure;
        r.as = staff_or_report(*r.config, *who);
        if (!r.as) return kExitUsage;
        r.store = open_store_or_report(store_path(args, &*r.config), true);
    } else {
        r.store = reading_store(args);
    }
    return r.store ? 0 : kExitFailure;
}

// --as STAFF is access control: a ticket outside the staff member's categories is refused.
bool visible_or_report(const Staff* as, const Ticket& ticket) {
    if (!as) return true;
    const auto hidden = hidden_from(*as, ticket);
    if (hidden) fmt::print(stderr, "deskgate: {}\n", *hidden);
    return !hidden;
}

}  // namespace

int cmd_tickets(const Args& args) {
    const std::optional<TicketFilter> filter = filter_or_report(args);
    if (!filter) return kExitUsage;
    // --view NAME and --as STAFF need the config (views, staff categories) even with --store.
    std::optional<Config> config;
    const View* view = nullptr;
    const Staff* as = nullptr;
    const auto clock = now_or_report(args);
    if (!clock) return kExitUsage;
    const std::int64_t now = *clock;
    if (args.option("view") || args.option("as")) {
        config = load_or_report(config_path(args));
        if (!config) return kExitFailure;
        if (auto name = args.option("view")) {
            view = config->view_named(*name);
            if (!view) {
                std::vector<std::string_view> names;
                for (const View& v : config->views) names.push_back(v.name);
                fmt::print(stderr, "deskgate: no view '{}' in {} (views: {})\n", *name, config_path(args),
                           names.empty() ? "none defined" : fmt::format("{}", fmt::join(names, ", ")));
                return kExitUsage;
            }
        }
        if (args.option("as")) {
            as = staff_or_report(*config, *args.option("as"));
            if (!as) return kExitUsage;
        }
    }
    std::optional<Store> store = config ? open_store_or_report(store_path(args, &*config), true) : reading_store(args);
    if (!store) return kExitFailure;
    std::vector<Ticket> tickets;
    if (auto err = store->read([&](const ReadTxn& txn) { tickets = txn.tickets(*filter); })) {
        fmt::print(stderr, "deskgate: {}\n", err->message);
        return kExitFailure;
    }
    if (view || as) tickets = select_tickets(std::move(tickets), view, as, now);
    fmt::print("{}", args.flag("json") ? json_tickets(tickets) : text_ticket_table(tickets));
    return kExitOk;
}

int cmd_show(const Args& args) {
    if (args.positional.size() != 1) {
        fmt::print(stderr, "usage: deskgate show TICKET [--as STAFF] [--json]\n");
        return kExitUsage;
    }
    auto key = parse_ticket_key(args.positional[0]);
    if (!key) {
        fmt::print(stderr, "deskgate: '{}' is not a ticket number (QUEUE-SEQ, e.g. 10-42)\n",
                   args.positional[0]);
        return kExitUsage;
    }
    Reading reading;
    if (const int status = open_reading(args, reading)) return status;
    std::optional<Ticket> ticket;
    std::vector<TicketEntry> entries;
    if (auto err = reading.store->read([&](const ReadTxn& txn) {
            ticket = txn.ticket(*key);
            if (ticket) entries = txn.entries(*key);
        })) {
        fmt::print(stderr, "deskgate: {}\n", err->message);
        return kExitFailure;
    }
    if (!ticket) {
        fmt::print(stderr, "deskgate: no ticket {}\n", to_string(*key));
        return kExitFailure;
    }
    if (!visible_or_report(reading.as, *ticket)) return kExitFailure;
    if (args.flag("json")) {
        JsonWriter w;
        w.begin_object().key("ticket");
        write_json(w, *ticket);
        w.key("entries").begin_array();
        for (const TicketEntry& e : entries) write_json(w, e, true);
        w.end_array();
        write_events_json(w, entries);
        w.end_object();
        fmt::print("{}", w.str());
    } else {
        fmt::print("{}", text_ticket(*ticket, entries));
    }
    return kExitOk;
}

int cmd_raw(const Args& args) {
    if (args.positional.empty() || args.positional.size() > 2) {
        fmt::print(stderr, "usage: deskgate raw TICKET [INDEX] [--as STAFF]\n");
        return kExitUsage;
    }
    auto key = parse_ticket_key(args.positional[0]);
    std::uint32_t index = 0;
    try {
        if (args.positional.size() == 2) index = static_cast<std::uint32_t>(std::stoul(args.positional[1]));
    } catch (const std::exception&) {
        key.reset();
    }
    if (!key) {
        fmt::print(stderr, "usage: deskgate raw TICKET [INDEX] [--as STAFF]\n");
        return kExitUsage;
    }
    Reading reading;
    if (const int status = open_reading(args, reading)) return status;
    std::optional<Ticket> ticket;
    std::optional<std::string> raw;
    if (auto err = reading.store->read([&](const ReadTxn& txn) {
            ticket = txn.ticket(*key);
            for (const TicketEntry& e : txn.entries(*key))
                if (e.index == index && e.raw_id) raw = txn.raw(e.raw_id);
        })) {
        fmt::print(stderr, "deskgate: {}\n", err->message);
        return kExitFailure;
    }
    if (ticket && !visible_or_report(reading.as, *ticket)) return kExitFailure;
    if (!raw) {
        fmt::print(stderr, "deskgate: ticket {} has no entry #{} with a stored message\n",
                   to_string(*key), index);
        return kExitFailure;
    }
    std::fwrite(raw->data(), 1, raw->size(), stdout);
    return std::fflush(stdout) == 0 ? kExitOk : kExitFailure;
}

}  // namespace deskgate::cli
