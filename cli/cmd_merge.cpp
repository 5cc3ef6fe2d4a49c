// cmd_merge.cpp - `deskgate merge FROM INTO [--as STAFF] [--now UNIX] [--json]`: FROM is closed
// and merged into INTO (its people and tags join INTO); mail to FROM threads into INTO from then on.
#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/render.hpp"

namespace deskgate::cli {

int cmd_merge(const Args& args) {
    if (args.positional.size() != 2) {
        fmt::print(stderr, "usage: deskgate merge FROM INTO [--as STAFF] [--now UNIX] [--json]\n");
        return kExitUsage;
    }
    const auto from = ticket_key_or_report(args.positional[0]);
    if (!from) return kExitUsage;
    const auto into = ticket_key_or_report(args.positional[1]);
    if (!into) return kExitUsage;
    auto opened = open_write_session(args);
    if (auto* code = std::get_if<int>(&opened)) return *code;
    WriteSession& s = std::get<WriteSession>(opened);
    std::optional<std::string> refusal;
    std::optional<Ticket> merged, survivor;
    if (auto err = s.store->write([&](WriteTxn& txn) {
            refusal = merge_tickets(txn, s.config, *from, *into, s.actor, s.now);
            merged = txn.ticket(*from);
            survivor = txn.ticket(*into);
        }))
        return report_store_error(*err);
    if (refusal || !merged || !survivor) {
        fmt::print(stderr, "deskgate: {}\n", refusal.value_or("merge failed"));
        return kExitFailure;
    }
    if (args.flag("json")) {
        JsonWriter w;
        w.begin_object().key("from");
        write_json(w, *merged);
        w.key("into");
        write_json(w, *survivor);
        w.end_object();
        fmt::print("{}", w.str());
    } else {
        fmt::print("ticket {} merged into {}\n", to_string(*from), to_string(*into));
    }
    return kExitOk;
}

}  // namespace deskgate::cli
