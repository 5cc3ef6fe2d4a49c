// cmd_close.cpp - `deskgate close TICKET [--now UNIX]`: closes a ticket; with the queue's
// close_summary the requester gets the correspondence through the outbox.

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "core/decision/engine.hpp"

namespace deskgate::cli {

int cmd_close(const Args& args) {
    if (args.positional.size() != 1) {
        fmt::print(stderr, "usage: deskgate close TICKET [--now UNIX]\n");
        return kExitUsage;
    }
    const auto key = parse_ticket_key(args.positional[0]);
    if (!key) {
        fmt::print(stderr, "deskgate: '{}' is not a ticket number (QUEUE-SEQ, e.g. 10-42)\n", args.positional[0]);
        return kExitUsage;
    }
    const auto clock = now_or_report(args);  // usage errors before anything is opened
    if (!clock) return kExitUsage;
    const std::int64_t now = *clock;
    auto config = load_or_report(config_path(args));
    if (!config) return kExitFailure;
    auto store = open_store_or_report(store_path(args, &*config), false);
    if (!store) return kExitFailure;
    const Engine engine(*config);
    std::optional<std::string> result;
    if (auto err = store->write([&](WriteTxn& txn) { result = engine.close(txn, *key, now); })) {
        fmt::print(stderr, "deskgate: {}\n", err->message);
        return kExitFailure;
    }
    if (!result) {
        fmt::print(stderr, "deskgate: ticket {} does not exist or is closed already\n", to_string(*key));
        return kExitFailure;
    }
    fmt::print("{}\n", *result);
    return kExitOk;
}

}  // namespace deskgate::cli
