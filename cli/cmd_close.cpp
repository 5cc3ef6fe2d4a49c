// cmd_close.cpp - `deskgate close TICKET [--as STAFF] [--now UNIX] [--json]`: closes a ticket
// (recorded as a "closed" event); with the queue's close_summary the requester gets the
// correspondence through the outbox.

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/render.hpp"
#include "core/decision/engine.hpp"

namespace deskgate::cli {

int cmd_close(const Args& args) {
    if (args.positional.size() != 1) {
        fmt::print(stderr, "usage: deskgate close TICKET [--as STAFF] [--now UNIX] [--json]\n");
        return kExitUsage;
    }
    const auto key = ticket_key_or_report(args.positional[0]);
    if (!key) return kExitUsage;
    auto opened = open_write_session(args);
    if (auto* code = std::get_if<int>(&opened)) return *code;
    WriteSession& s = std::get<WriteSession>(opened);
    const Engine engine(s.config);
    std::optional<std::string> result;
    std::string refusal;
    std::optional<Ticket> ticket;
    TicketEntry entry;
    if (auto err = s.store->write([&](WriteTxn& txn) {
            ticket = txn.ticket(*key);
            refusal = !ticket ? fmt::format("ticket {} does not exist", to_string(*key))
                              : check_close(*ticket, s.actor).value_or("");
            if (!refusal.empty()) return;
            result = engine.close(txn, *key, s.now, s.actor);
            ticket = txn.ticket(*key);
            entry = txn.entries(*key).back();
        }))
        return report_store_error(*err);
    if (!refusal.empty() || !result || !ticket) {
        fmt::print(stderr, "deskgate: {}\n", refusal.empty() ? "ticket " + to_string(*key) + " cannot be closed" : refusal);
        return kExitFailure;
    }
    if (args.flag("json")) print_change(args, *ticket, entry);
    else fmt::print("{}\n", *result);
    return kExitOk;
}

}  // namespace deskgate::cli
