// ticket_ops.hpp - every change a person makes to a ticket (assign, status, priority, move,
// reopen, tags, notes, merge), in one place for every way in: the admin CLI and commands by mail.
// Each change is checked against the config and the actor's permissions (check_ticket_op), applied
// in memory (apply_ticket_op) and recorded as an EntryKind::Event entry (record_event) in the
// caller's write transaction. Closing goes through Engine::close (it may mail a summary), which
// records its event here too. Time always comes in.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/model/config.hpp"
#include "core/model/ticket.hpp"
#include "core/store/store.hpp"

namespace deskgate {

struct Actor {
    std::string name;              // staff alias, "admin" (the CLI without --as), or "deskgate" (automatic)
    const Staff* staff = nullptr;  // nullptr: an administrator or deskgate itself, who may do anything
};

// The administrator (the CLI without --as); may do anything.
inline Actor admin_actor() { return Actor{"admin", nullptr}; }
// A staff member acting under their own name and permissions.
inline Actor staff_actor(const Staff& staff) { return Actor{staff.alias, &staff}; }

enum class OpKind { Assign, Unassign, Status, Priority, Move, Reopen, Tag, Untag };

struct TicketOp {
    OpKind kind = OpKind::Assign;
    std::string value;             // alias / status name / priority / queue number / tag ("" where none)
};

// The command word of an op ("assign", "unassign", "status", "priority", "move", "reopen", "tag", "untag").
std::string_view to_string(OpKind);

// Parses "assign petr", "status open", "priority high", "queue 20" / "move 20", "reopen", "tag vip",
// "untag vip", "unassign" (the word without '#'; words are separated by white space, the command
// word is case-insensitive, status and priority names are lower-cased). nullopt + reason in *error
// (when error is not null) when unknown or when the value is missing or extra words follow.
std::optional<TicketOp> parse_ticket_op(std::string_view command, std::string* error);

// Whether `actor` may do `op` to `ticket`: values checked against the config (known staff alias who
// works in the ticket's queue and may see its category, a status name other than closed — closing
// goes through Engine::close — and awaiting-approval, a configured priority, an existing active
// queue, a tag present / absent, ...), the op must change something, a merged ticket takes no ops,
// a closed one only reopen and tags; a staff actor must be allowed to see the ticket
// (staff_may_see) and, for Move, work in the target queue. nullopt = allowed, else a one-line
// reason a person can act on.
std::optional<std::string> check_ticket_op(const Config&, const Ticket&, const TicketOp&, const Actor&);

// Applies a checked op to the ticket in memory and returns the event text ("assigned to petr",
// "status new → open", "priority normal → high", "moved from queue 10 to 20", "tag vip added").
// Life cycle (the helpdesk's): assigning a `new` ticket makes it `open`; status changes set
// status_since=now; the first assignment sets first_reaction if 0; reopen: closed → open, closed_at = 0.
std::string apply_ticket_op(const Config&, Ticket&, const TicketOp&, std::int64_t now);

// check_ticket_op, apply_ticket_op and record_event on the stored ticket `key` in one go; the
// refusal text (also "no ticket 10-9") or the event text.
struct OpResult {
    bool done = false;
    std::string text;              // the event text when done, else why not
};
OpResult run_ticket_op(WriteTxn&, const Config&, TicketKey key, const TicketOp&, const Actor&, std::int64_t now);

// Whether `actor` may act on `ticket` at all (notes too): it is not merged into another ticket,
// and a staff actor may see it (staff_may_see). check_ticket_op, check_close and merge_tickets
// start with it.
std::optional<std::string> check_access(const Ticket&, const Actor&);

// Whether `actor` may close `ticket` (closed already, merged, a staff actor who may not see it).
std::optional<std::string> check_close(const Ticket&, const Actor&);

// Appends an EntryKind::Event entry (Direction::Internal, from_address = actor's address or "",
// from_name = actor.name, text_body = what, received = now) and puts the ticket (updated = now).
// The ticket's entry_count follows the store's.
void record_event(WriteTxn&, Ticket&, const Actor&, const std::string& what, std::int64_t now);

// An internal note by actor (EntryKind::Note, Direction::Internal); puts the ticket.
void add_note(WriteTxn&, Ticket&, const Actor&, const std::string& text, std::int64_t now);

// Merges `from` into `into`: `from` is closed with merged_into = into, its opener, participants and
// tags join `into`, an event in both; threading (core/policy/threading, follow_merged) then follows
// merged_into so the merged ticket's tags, reply tokens and Message-IDs keep threading into the
// survivor. Error text when either is missing, they are the same, `from` is already merged or
// `into` was merged itself; a staff actor must see both.
std::optional<std::string> merge_tickets(WriteTxn&, const Config&, TicketKey from, TicketKey into, const Actor&,
                                         std::int64_t now);

}  // namespace deskgate
