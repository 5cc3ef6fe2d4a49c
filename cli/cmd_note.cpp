// cmd_note.cpp - `deskgate note TICKET [FILE|-] [--as STAFF] [--now UNIX] [--json]`: an internal
// note (never mailed to the customer) by the admin or a staff member, the text from FILE or
// standard input; the queue's staff are told as of a #note by mail.
#include <fmt/format.h>

#include "cli/commands.hpp"
#include "core/decision/engine.hpp"
#include "core/mail/text_decode.hpp"

namespace deskgate::cli {
namespace {

// UTF-8 with LF line ends, without trailing blank lines; "" when nothing but white space.
std::string note_text(std::string_view raw) {
    std::string text = normalize_newlines(valid_utf8(raw));
    const auto end = text.find_last_not_of(" \t\n");
    if (end == std::string::npos) return {};
    text.resize(end + 1);
    return text;
}

}  // namespace

int cmd_note(const Args& args) {
    if (args.positional.empty() || args.positional.size() > 2) {
        fmt::print(stderr, "usage: deskgate note TICKET [FILE|-] [--as STAFF] [--now UNIX] [--json]\n");
        return kExitUsage;
    }
    const auto key = ticket_key_or_report(args.positional[0]);
    if (!key) return kExitUsage;
    const std::string source = args.positional.size() == 2 ? args.positional[1] : "-";
    const auto raw = read_input(source);
    if (!raw) {
        fmt::print(stderr, "deskgate: cannot read {}\n", source);
        return kExitFailure;
    }
    const std::string text = note_text(*raw);
    if (text.empty()) {
        fmt::print(stderr, "deskgate: the note is empty\n");
        return kExitUsage;
    }
    auto opened = open_write_session(args);
    if (auto* code = std::get_if<int>(&opened)) return *code;
    WriteSession& s = std::get<WriteSession>(opened);
    std::string refusal;
    std::optional<Ticket> ticket;
    TicketEntry entry;
    if (auto err = s.store->write([&](WriteTxn& txn) {
            ticket = txn.ticket(*key);
            refusal = !ticket ? fmt::format("no ticket {}", to_string(*key)) : check_access(*ticket, s.actor).value_or("");
            if (!refusal.empty()) return;
            add_note(txn, *ticket, s.actor, text, s.now);
            entry = txn.entries(*key).back();
            // as a #note by mail: the colleagues are told (not who wrote it)
            Engine(s.config).notify_staff(txn, *ticket, NotifyEvent::StaffNote, &entry, {}, s.actor.name, s.now);
        }))
        return report_store_error(*err);
    if (!refusal.empty()) {
        fmt::print(stderr, "deskgate: {}\n", refusal);
        return kExitFailure;
    }
    print_change(args, *ticket, entry);
    return kExitOk;
}

}  // namespace deskgate::cli
