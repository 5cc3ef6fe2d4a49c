// commands.hpp - the `deskgate` subcommands. Each returns the process exit status:
// 0 success, 1 failure (bad config, store error, not found, a recipient refused, an operation
// refused), 64 usage error, 75 temporary failure (a recipient deferred, the store busy: try again later).
#pragma once

#include <optional>
#include <string>
#include <variant>

#include "common/exit_codes.hpp"
#include "cli/args.hpp"
#include "config/load.hpp"
#include "core/decision/ticket_ops.hpp"
#include "core/store/store.hpp"

namespace deskgate::cli {


// The config file named by --config, else $DESKGATE_CONFIG, else /etc/deskgate/deskgate.toml.
std::string config_path(const Args& args);
// Loads the config; prints every error to stderr and returns nullopt on failure.
std::optional<Config> load_or_report(const std::string& path);
// --store, else the config's store path.
std::string store_path(const Args& args, const Config* config);
// --now UNIX (scripts and tests pin the clock with it), else the system clock; nullopt after
// printing a usage error for a value that is not a number.
std::optional<std::int64_t> now_or_report(const Args& args);
// Opens the store; prints the error to stderr and returns nullopt on failure.
std::optional<Store> open_store_or_report(const std::string& path, bool read_only);
// The store named by --store, or by the config (loaded only when --store is absent), read-only.
std::optional<Store> reading_store(const Args& args);
// --queue N and --status S as a TicketFilter; nullopt after printing a usage error.
std::optional<TicketFilter> filter_or_report(const Args& args);
// The [[staff]] member named `who` (alias or address); nullptr after printing an error.
const Staff* staff_or_report(const Config& config, const std::string& who);

// The bytes of `file`, or of standard input for "-"; nullopt when it cannot be read.
std::optional<std::string> read_input(const std::string& file);
// A ticket number (QUEUE-SEQ); nullopt after printing a usage error.
std::optional<TicketKey> ticket_key_or_report(const std::string& text);
// Prints a store error; the exit status for it (75 when it is temporary, else 1).
int report_store_error(const StoreError& err);

// What a command that changes tickets works with: the config, the store opened for writing, the
// time (--now) and who acts (--as STAFF with that staff member's permissions, else the admin).
struct WriteSession {
    Config config;
    std::optional<Store> store;
    std::int64_t now = 0;
    Actor actor;
};
// Opens a WriteSession; on failure prints why and returns the exit status instead.
std::variant<WriteSession, int> open_write_session(const Args& args);
// After a change: the ticket and its new entry, as {"ticket", "entry"} with --json (cli/JSON.md),
// else one line "ticket 10-1: assigned to petr".
void print_change(const Args& args, const Ticket& ticket, const TicketEntry& entry);

int cmd_ingest(const Args& args);
int cmd_parse(const Args& args);
int cmd_tickets(const Args& args);
int cmd_search(const Args& args);
int cmd_show(const Args& args);
int cmd_raw(const Args& args);
int cmd_check_config(const Args& args);
int cmd_outbox(const Args& args);
int cmd_contacts(const Args& args);
int cmd_bounces(const Args& args);
int cmd_close(const Args& args);
int cmd_stats(const Args& args);
int cmd_backup(const Args& args);
int cmd_restore(const Args& args);
int cmd_postfix_config(const Args& args);
int cmd_sendmail_config(const Args& args);
// The mailboxes at a provider (cmd_fetch.cpp): the fetchers' files, and one run of them.
int cmd_fetch_config(const Args& args);
int cmd_fetch(const Args& args);
// Ticket operations (cmd_ticket_op.cpp): assign, status, priority, move, reopen, tag, untag.
int cmd_assign(const Args& args);
int cmd_status(const Args& args);
int cmd_priority(const Args& args);
int cmd_move(const Args& args);
int cmd_reopen(const Args& args);
int cmd_tag(const Args& args);
int cmd_untag(const Args& args);
int cmd_note(const Args& args);
int cmd_reply(const Args& args);
int cmd_tick(const Args& args);
int cmd_merge(const Args& args);
int cmd_attachment(const Args& args);

}  // namespace deskgate::cli
