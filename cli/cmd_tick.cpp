// cmd_tick.cpp - `deskgate tick [--now UNIX]`: the staff's clock, run once a minute by the
// packaged deskgate-tick.timer (core/decision/tick.hpp): deadline warnings and misses, waiting
// tickets closed after the queue's close_waiting_days, welcome mails to new staff. One line
// per thing done; the outbox sends the mail.
#include <fmt/format.h>

#include "cli/commands.hpp"
#include "core/decision/tick.hpp"

namespace deskgate::cli {

int cmd_tick(const Args& args) {
    if (!args.positional.empty()) {
        fmt::print(stderr, "usage: deskgate tick [--now UNIX]\n");
        return kExitUsage;
    }
    auto opened = open_write_session(args);
    if (auto* code = std::get_if<int>(&opened)) return *code;
    WriteSession& s = std::get<WriteSession>(opened);
    const Engine engine(s.config);
    std::vector<std::string> log;
    if (auto err = s.store->write([&](WriteTxn& txn) { log = run_tick(engine, txn, s.now); }))
        return report_store_error(*err);
    for (const std::string& line : log) fmt::print("deskgate tick: {}\n", line);
    return kExitOk;
}

}  // namespace deskgate::cli
