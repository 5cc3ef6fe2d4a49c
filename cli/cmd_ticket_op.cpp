// cmd_ticket_op.cpp - the ticket operations of core/decision/ticket_ops on the command line:
// `deskgate assign TICKET STAFF|--none`, `status TICKET STATUS`, `priority TICKET PRIO`,
// `move TICKET QUEUE`, `reopen TICKET`, `tag TICKET TAG`, `untag TICKET TAG`, each with
// [--as STAFF] [--now UNIX] [--json]. One write transaction per operation: the change and its
// event entry commit together.
#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/render.hpp"

namespace deskgate::cli {
namespace {

constexpr std::string_view kOptions = "[--as STAFF] [--now UNIX] [--json]";

}  // namespace

void print_change(const Args& args, const Ticket& ticket, const TicketEntry& entry) {
    if (args.flag("json")) {
        JsonWriter w;
        w.begin_object().key("ticket");
        write_json(w, ticket);
        w.key("entry");
        write_json(w, entry, true);
        w.end_object();
        fmt::print("{}", w.str());
        return;
    }
    fmt::print("ticket {}: {}\n", to_string(ticket.key),
               entry.kind == EntryKind::Event ? entry.text_body : fmt::format("note #{} added", entry.index));
}

namespace {

// `args.positional` is TICKET [VALUE]: runs the op in one write and prints the result.
int run_op(const Args& args, OpKind kind, std::string_view usage, std::size_t values) {
    if (args.positional.size() != 1 + values) {
        fmt::print(stderr, "usage: deskgate {} {}\n", usage, kOptions);
        return kExitUsage;
    }
    const auto key = ticket_key_or_report(args.positional[0]);
    if (!key) return kExitUsage;
    TicketOp op;
    op.kind = kind;
    if (values == 1) op.value = args.positional[1];
    auto opened = open_write_session(args);
    if (auto* code = std::get_if<int>(&opened)) return *code;
    WriteSession& s = std::get<WriteSession>(opened);
    OpResult result;
    std::optional<Ticket> ticket;
    TicketEntry entry;
    if (auto err = s.store->write([&](WriteTxn& txn) {
            result = run_ticket_op(txn, s.config, *key, op, s.actor, s.now);
            if (!result.done) return;
            ticket = txn.ticket(*key);
            entry = txn.entries(*key).back();
        }))
        return report_store_error(*err);
    if (!result.done || !ticket) {
        fmt::print(stderr, "deskgate: {}\n", result.text);
        return kExitFailure;
    }
    print_change(args, *ticket, entry);
    return kExitOk;
}

}  // namespace

int cmd_assign(const Args& args) {
    if (args.flag("none")) return run_op(args, OpKind::Unassign, "assign TICKET STAFF|--none", 0);
    return run_op(args, OpKind::Assign, "assign TICKET STAFF|--none", 1);
}

int cmd_status(const Args& args) { return run_op(args, OpKind::Status, "status TICKET new|open|waiting", 1); }
int cmd_priority(const Args& args) { return run_op(args, OpKind::Priority, "priority TICKET PRIORITY", 1); }
int cmd_move(const Args& args) { return run_op(args, OpKind::Move, "move TICKET QUEUE", 1); }
int cmd_reopen(const Args& args) { return run_op(args, OpKind::Reopen, "reopen TICKET", 0); }
int cmd_tag(const Args& args) { return run_op(args, OpKind::Tag, "tag TICKET TAG", 1); }
int cmd_untag(const Args& args) { return run_op(args, OpKind::Untag, "untag TICKET TAG", 1); }

}  // namespace deskgate::cli
