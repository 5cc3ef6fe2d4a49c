// cmd_outbox.cpp - `deskgate outbox [--state S] [--json] [--send]`: the mail deskgate generated
// (acknowledgements, redirects) and what became of it; --send drains what is due now.
#include <chrono>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/render.hpp"
#include "common/outbox_worker.hpp"

namespace deskgate::cli {

int cmd_outbox(const Args& args) {
    auto config = load_or_report(config_path(args));
    if (!config) return kExitFailure;
    const bool send = args.flag("send");
    auto store = open_store_or_report(store_path(args, &*config), !send);
    if (!store) return kExitFailure;
    if (send) {
        const std::size_t n = OutboxWorker::drain(*store, *config, OutboxWorker::system_clock_seconds);
        fmt::print(stderr, "deskgate: {} item(s) attempted\n", n);
    }
    std::vector<OutboxItem> items;
    if (auto err = store->read([&](const ReadTxn& txn) { items = txn.outbox(); })) {
        fmt::print(stderr, "deskgate: {}\n", err->message);
        return kExitFailure;
    }
    const auto state = args.option("state");
    std::erase_if(items, [&](const OutboxItem& i) { return state && i.state != *state; });
    if (args.flag("json")) {
        JsonWriter w;
        w.begin_array();
        for (const OutboxItem& i : items) {
            w.begin_object();
            w.field("id", i.id).field("kind", i.kind).field("state", i.state).field("sender", i.sender);
            w.string_array("recipients", i.recipients);
            w.key("ticket");
            if (i.ticket) w.value(to_string(*i.ticket));
            else w.null();
            w.field("created", iso_time(i.created)).field("next_attempt", iso_time(i.next_attempt));
            w.field("attempts", i.attempts).field("last_error", i.last_error);
            w.end_object();
        }
        w.end_array();
        fmt::print("{}", w.str());
        return kExitOk;
    }
    fmt::print("{:<6} {:<9} {:<8} {:<9} {:<30} {:<20} {}\n", "ID", "KIND", "STATE", "TICKET", "TO", "CREATED", "LAST ERROR");
    for (const OutboxItem& i : items)
        fmt::print("{:<6} {:<9} {:<8} {:<9} {:<30} {:<20} {}\n", i.id, i.kind, i.state,
                   i.ticket ? to_string(*i.ticket) : "-", i.recipients.empty() ? "" : i.recipients.front(),
                   iso_time(i.created), i.last_error);
    return kExitOk;
}

}  // namespace deskgate::cli
