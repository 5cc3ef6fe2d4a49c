// main.cpp - `deskgate`, the admin tool: dispatches to the subcommands in commands.hpp.
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "cli/commands.hpp"

namespace {

constexpr std::string_view kUsage = R"(usage: deskgate COMMAND [ARGS] [--config PATH] [--store PATH]

commands:
  ingest FILE|- --to ADDR [--to ADDR...] [--from ADDR] [--queue-id ID] [--now UNIX]
                [--dry-run] [--json]        decide (and store) one message
  parse FILE|- [--json]                     show the decoded message
  tickets [--queue N] [--status S] [--view NAME] [--as STAFF] [--now UNIX] [--json]
                                            list tickets; --view: a saved [[views]] filter,
                                            --as: only what that staff member may see
  search WORDS... [--queue N] [--status S] [--limit N] [--as STAFF] [--json]
                                            tickets holding every word (subject, addresses,
                                            messages, attachment names; `word*`: a prefix),
                                            by ticket number descending (in a queue: newest
                                            first), at most 50 (--limit 0: all)
  show TICKET [--as STAFF] [--json]         one ticket with its messages (TICKET: 10-42)
  raw TICKET [INDEX] [--as STAFF]           the raw bytes of a ticket's message, as received
                                            (--as: refused unless that staff member may see it)
  check-config [PATH]                       validate the configuration
  outbox [--state S] [--send] [--json]      generated mail (acknowledgements, redirects) and its state
  contacts [--json]                         contacts created automatically from unknown senders
  bounces [ID] [--json]                     delivery failure reports that matched none of our mail
                                            (never a ticket); with ID: that report's raw bytes
  close TICKET [--as STAFF] [--now UNIX]    close a ticket (and mail the summary, if the queue says so)
  assign TICKET STAFF|--none                assign a ticket to a staff member (a new ticket becomes open)
  status TICKET new|open|waiting            set the status (closing is `close`)
  priority TICKET PRIORITY                  set the priority (one of [global] priorities)
  move TICKET QUEUE                         move a ticket to another active queue
  reopen TICKET                             reopen a closed ticket
  tag TICKET TAG, untag TICKET TAG          add or remove a tag
  note TICKET [FILE|-]                      add an internal note (text from FILE or standard input)
  merge FROM INTO                           close FROM into INTO; FROM's mail threads into INTO
  reply TICKET --as STAFF [FILE|-]          answer the customer as STAFF, exactly as by mail (commands
                                            such as #close on the first lines; text from FILE or stdin)
                                            these and close take [--as STAFF] (that person's
                                            permissions; default: admin) [--now UNIX] [--json]
  attachment TICKET ENTRY N [-o FILE] [--as STAFF]
                                            the Nth attachment of an entry (as `show` numbers them), decoded
  tick [--now UNIX]                         deadline warnings, waiting tickets closed, welcome mails (a timer runs it)
  stats [--json]                            verdict counts, tickets per queue and status, store size, outbox depth
  backup DEST                               consistent compacted copy of the store (safe while the daemons run)
  restore SRC [--force]                     replace the store by a backup (daemons stopped; exit 75 while in use)
  postfix-config [--postfix-dir DIR] [--submission SERVICE]
                                            the postconf commands that hook deskgate into Postfix
  sendmail-config                           the sendmail.mc lines and mailertable entries
  fetch-config [--queue N]                  the getmail/fetchmail files for [[queues.mailboxes]]
                                            (a fetchmail password shown as where it is read from)
  fetch [--queue N] [--timeout SECONDS]     fetch every mailbox at a provider once into deskgate-lmtpd's
                                            fetch_listen socket (a timer runs it); one log line per
                                            mailbox; exit 75 when one failed (its mail stays there)

--config defaults to $DESKGATE_CONFIG, else /etc/deskgate/deskgate.toml;
--store overrides the config's global.store.
)";

// The commands that change a ticket through core/decision/ticket_ops (same options).
int (*ticket_command(std::string_view command))(const deskgate::cli::Args&) {
    using namespace deskgate::cli;
    static constexpr std::pair<std::string_view, int (*)(const Args&)> kCommands[] = {
        {"assign", cmd_assign}, {"status", cmd_status}, {"priority", cmd_priority}, {"move", cmd_move},
        {"reopen", cmd_reopen}, {"tag", cmd_tag},       {"untag", cmd_untag},       {"note", cmd_note},
        {"merge", cmd_merge},   {"reply", cmd_reply},
    };
    for (const auto& [name, run] : kCommands)
        if (name == command) return run;
    return nullptr;
}

}  // namespace

int main(int argc, char** argv) {
    using namespace deskgate;
    using namespace deskgate::cli;
    if (argc < 2) {
        fmt::print(stderr, "{}", kUsage);
        return kExitUsage;
    }
    const std::string_view command = argv[1];
    if (command == "--help" || command == "-h" || command == "help") {
        fmt::print("{}", kUsage);
        return kExitOk;
    }
    ArgSpec spec;
    spec.with_value = {"config", "store"};
    spec.flags = {"json"};
    int (*run)(const Args&) = nullptr;
    if (command == "ingest") {
        spec.with_value.insert({"from", "to", "queue-id", "now"});
        spec.flags.insert("dry-run");
        run = cmd_ingest;
    } else if (command == "parse") {
        run = cmd_parse;
    } else if (command == "tickets") {
        spec.with_value.insert({"queue", "status", "view", "as", "now"});
        run = cmd_tickets;
    } else if (command == "search") {
        spec.with_value.insert({"queue", "status", "limit", "as"});
        run = cmd_search;
    } else if (command == "show") {
        spec.with_value.insert("as");
        run = cmd_show;
    } else if (command == "raw") {
        spec.with_value.insert("as");
        run = cmd_raw;
    } else if (command == "close") {
        spec.with_value.insert({"now", "as"});
        run = cmd_close;
    } else if (auto op = ticket_command(command)) {
        spec.with_value.insert({"now", "as"});
        if (command == "assign") spec.flags.insert("none");
        run = op;
    } else if (command == "attachment") {
        spec.with_value.insert({"output", "as"});
        spec.short_names.emplace('o', "output");
        run = cmd_attachment;
    } else if (command == "tick") {
        spec.with_value.insert("now");
        run = cmd_tick;
    } else if (command == "contacts") {
        run = cmd_contacts;
    } else if (command == "bounces") {
        run = cmd_bounces;
    } else if (command == "outbox") {
        spec.with_value.insert("state");
        spec.flags.insert("send");
        run = cmd_outbox;
    } else if (command == "postfix-config") {
        spec.with_value.insert({"postfix-dir", "submission"});
        run = cmd_postfix_config;
    } else if (command == "sendmail-config") {
        run = cmd_sendmail_config;
    } else if (command == "fetch-config") {
        spec.with_value.insert("queue");
        run = cmd_fetch_config;
    } else if (command == "fetch") {
        spec.with_value.insert({"queue", "timeout"});
        run = cmd_fetch;
    } else if (command == "stats") {
        spec.with_value.insert("now");
        run = cmd_stats;
    } else if (command == "backup") {
        run = cmd_backup;
    } else if (command == "restore") {
        spec.flags.insert("force");
        run = cmd_restore;
    } else if (command == "check-config") {
        run = cmd_check_config;
    } else {
        fmt::print(stderr, "deskgate: unknown command '{}'\n\n{}", command, kUsage);
        return kExitUsage;
    }
    Args args;
    if (auto error = parse_args(argc, argv, 2, spec, args)) {
        fmt::print(stderr, "deskgate {}: {}\n", command, *error);
        return kExitUsage;
    }
    return run(args);
}
