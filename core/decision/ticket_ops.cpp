// ticket_ops.cpp - see ticket_ops.hpp: parsing, checking and applying ticket operations, and
// recording them as events.
#include "core/decision/ticket_ops.hpp"

#include <algorithm>
#include <charconv>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/base/text.hpp"
#include "core/store/view.hpp"

namespace deskgate {
namespace {

bool contains(const std::vector<std::string>& v, std::string_view s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

std::vector<std::string_view> words(std::string_view text) {
    std::vector<std::string_view> out;
    constexpr std::string_view kSpace = " \t\r\n";
    std::size_t pos = text.find_first_not_of(kSpace);
    while (pos != std::string_view::npos) {
        const std::size_t end = std::min(text.find_first_of(kSpace, pos), text.size());
        out.push_back(text.substr(pos, end - pos));
        pos = text.find_first_not_of(kSpace, end);
    }
    return out;
}

struct Verb {
    std::string_view word;
    OpKind kind;
    std::string_view value;  // what the value is ("" = the op takes none)
};

constexpr Verb kVerbs[] = {
    {"assign", OpKind::Assign, "a staff alias"}, {"unassign", OpKind::Unassign, ""},
    {"status", OpKind::Status, "a status"},      {"priority", OpKind::Priority, "a priority"},
    {"move", OpKind::Move, "a queue number"},    {"queue", OpKind::Move, "a queue number"},
    {"reopen", OpKind::Reopen, ""},              {"tag", OpKind::Tag, "a tag"},
    {"untag", OpKind::Untag, "a tag"},
};

std::string queue_label(const Config& config, std::uint32_t number) {
    const Queue* q = config.queue_by_num(number);
    return q ? fmt::format("queue {} ({})", number, q->name) : fmt::format("queue {}", number);
}

std::string category_label(const Ticket& t) {
    return t.category.empty() ? std::string("uncategorised tickets") : "tickets of category " + t.category;
}

std::optional<std::uint32_t> queue_number(std::string_view text) {
    std::uint32_t n = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return n;
}

bool works_in(const Staff& staff, std::uint32_t queue) {
    return std::find(staff.queues.begin(), staff.queues.end(), queue) != staff.queues.end();
}

void set_status(Ticket& t, TicketStatus status, std::int64_t now) {
    if (t.status == status) return;
    t.status = status;
    t.status_since = now;
}

std::optional<std::string> check_assign(const Config& config, const Ticket& t, const TicketOp& op) {
    const Staff* staff = config.staff_named(op.value);
    if (!staff) {
        std::vector<std::string_view> aliases;
        for (const Staff& s : config.staff) aliases.push_back(s.alias);
        return fmt::format("no staff member '{}' (staff: {})", op.value,
                           aliases.empty() ? std::string("none configured") : fmt::format("{}", fmt::join(aliases, ", ")));
    }
    if (!works_in(*staff, t.queue))
        return fmt::format("{} does not work in {}", staff->alias, queue_label(config, t.queue));
    if (!staff_may_see(*staff, t)) return fmt::format("{} may not see {}", staff->alias, category_label(t));
    if (t.assignee == staff->alias) return fmt::format("ticket {} is already assigned to {}", to_string(t.key), staff->alias);
    return std::nullopt;
}

std::optional<std::string> check_status(const Ticket& t, const TicketOp& op) {
    const auto status = ticket_status_from(lower(op.value));
    if (!status) return fmt::format("unknown status '{}' (new, open, waiting)", op.value);
    if (*status == TicketStatus::Closed) return std::string("a ticket is closed with close, not with status");
    if (*status == TicketStatus::AwaitingApproval)
        return std::string("awaiting-approval is set by deskgate for requests that need approval");
    if (t.status == TicketStatus::AwaitingApproval)
        return fmt::format("ticket {} awaits approval by its customer's approvers", to_string(t.key));
    if (t.status == *status) return fmt::format("ticket {} is {} already", to_string(t.key), to_string(*status));
    return std::nullopt;
}

std::optional<std::string> check_priority(const Config& config, const Ticket& t, const TicketOp& op) {
    const std::string priority = lower(op.value);
    const auto& known = config.global.priorities;
    if (!contains(known, priority))
        return fmt::format("unknown priority '{}' ({})", op.value, fmt::join(known, ", "));
    if (t.priority == priority) return fmt::format("ticket {} has priority {} already", to_string(t.key), priority);
    return std::nullopt;
}

std::optional<std::string> check_move(const Config& config, const Ticket& t, const TicketOp& op, const Actor& actor) {
    const auto number = queue_number(op.value);
    if (!number) return fmt::format("'{}' is not a queue number", op.value);
    const Queue* q = config.queue_by_num(*number);
    if (!q) {
        std::vector<std::uint32_t> numbers;
        for (const Queue& each : config.queues) numbers.push_back(each.number);
        return fmt::format("no queue {} (queues: {})", *number, fmt::join(numbers, ", "));
    }
    if (!q->active) return fmt::format("{} is inactive", queue_label(config, *number));
    if (t.queue == *number) return fmt::format("ticket {} is in {} already", to_string(t.key), queue_label(config, *number));
    if (actor.staff && !works_in(*actor.staff, *number))
        return fmt::format("{} does not work in {}", actor.staff->alias, queue_label(config, *number));
    return std::nullopt;
}

std::optional<std::string> check_value(const Config& config, const Ticket& t, const TicketOp& op, const Actor& actor) {
    const std::string key = to_string(t.key);
    switch (op.kind) {
    case OpKind::Assign: return check_assign(config, t, op);
    case OpKind::Unassign:
        if (t.assignee.empty()) return fmt::format("ticket {} is not assigned to anyone", key);
        return std::nullopt;
    case OpKind::Status: return check_status(t, op);
    case OpKind::Priority: return check_priority(config, t, op);
    case OpKind::Move: return check_move(config, t, op, actor);
    case OpKind::Reopen:
        if (t.status != TicketStatus::Closed) return fmt::format("ticket {} is not closed (it is {})", key, to_string(t.status));
        return std::nullopt;
    case OpKind::Tag:
        if (op.value.empty()) return std::string("tag needs a tag name");
        if (contains(t.tags, op.value)) return fmt::format("ticket {} has tag {} already", key, op.value);
        return std::nullopt;
    case OpKind::Untag:
        if (!contains(t.tags, op.value)) return fmt::format("ticket {} has no tag {}", key, op.value);
        return std::nullopt;
    }
    return std::string("unknown operation");
}

std::string apply_assign(const Config& config, Ticket& t, const TicketOp& op, std::int64_t now) {
    const Staff* staff = config.staff_named(op.value);
    const std::string alias = staff ? staff->alias : op.value;
    std::string text = "assigned to " + alias;
    if (!t.assignee.empty()) text += fmt::format(" (was {})", t.assignee);
    t.assignee = alias;
    if (t.first_reaction == 0) t.first_reaction = now;
    if (t.status == TicketStatus::New) {
        set_status(t, TicketStatus::Open, now);
        text += ", status new → open";
    }
    return text;
}

void append(WriteTxn& txn, Ticket& t, const Actor& actor, EntryKind kind, const std::string& text,
            std::string explanation, std::int64_t now) {
    t.updated = std::max(t.updated, now);
    txn.put_ticket(t);
    TicketEntry e;
    e.ticket = t.key;
    e.direction = Direction::Internal;
    e.kind = kind;
    e.from_address = actor.staff ? actor.staff->address : std::string();
    e.from_name = actor.name;
    e.text_body = text;
    e.explanation = std::move(explanation);
    e.received = now;
    txn.append_entry(e);  // bumps the stored entry_count
    t.entry_count = e.index + 1;
}

}  // namespace

std::string_view to_string(OpKind kind) {
    for (const Verb& v : kVerbs)
        if (v.kind == kind) return v.word;
    return "?";
}

std::optional<TicketOp> parse_ticket_op(std::string_view command, std::string* error) {
    auto fail = [&](std::string why) -> std::optional<TicketOp> {
        if (error) *error = std::move(why);
        return std::nullopt;
    };
    const auto w = words(command);
    if (w.empty()) return fail("empty command");
    const std::string word = lower(w[0]);
    const auto verb = std::find_if(std::begin(kVerbs), std::end(kVerbs), [&](const Verb& v) { return v.word == word; });
    if (verb == std::end(kVerbs))
        return fail(fmt::format("unknown command '{}' (assign, unassign, status, priority, move, reopen, tag, untag)", w[0]));
    const bool takes_value = !verb->value.empty();
    if (takes_value && w.size() < 2) return fail(fmt::format("{} needs {}", word, verb->value));
    if (w.size() > (takes_value ? 2u : 1u))
        return fail(fmt::format("{} takes {}", word, takes_value ? "one value" : "no value"));
    TicketOp op;
    op.kind = verb->kind;
    if (takes_value) op.value = std::string(w[1]);
    if (op.kind == OpKind::Status || op.kind == OpKind::Priority) op.value = lower(op.value);
    return op;
}

std::optional<std::string> check_ticket_op(const Config& config, const Ticket& t, const TicketOp& op,
                                           const Actor& actor) {
    if (auto why = check_access(t, actor)) return why;
    const bool on_closed = op.kind == OpKind::Reopen || op.kind == OpKind::Tag || op.kind == OpKind::Untag;
    if (t.status == TicketStatus::Closed && !on_closed)
        return fmt::format("ticket {} is closed; reopen it first", to_string(t.key));
    return check_value(config, t, op, actor);
}

std::string apply_ticket_op(const Config& config, Ticket& t, const TicketOp& op, std::int64_t now) {
    t.updated = std::max(t.updated, now);
    switch (op.kind) {
    case OpKind::Assign: return apply_assign(config, t, op, now);
    case OpKind::Unassign: {
        std::string text = fmt::format("unassigned (was {})", t.assignee);
        t.assignee.clear();
        return text;
    }
    case OpKind::Status: {
        const TicketStatus before = t.status;
        set_status(t, ticket_status_from(lower(op.value)).value_or(before), now);
        return fmt::format("status {} → {}", to_string(before), to_string(t.status));
    }
    case OpKind::Priority: {
        std::string text = fmt::format("priority {} → {}", t.priority.empty() ? "none" : t.priority, lower(op.value));
        t.priority = lower(op.value);
        return text;
    }
    case OpKind::Move: {
        const std::uint32_t to = queue_number(op.value).value_or(t.queue);
        std::string text = fmt::format("moved from queue {} to {}", t.queue, to);
        t.queue = to;
        return text;
    }
    case OpKind::Reopen:
        set_status(t, TicketStatus::Open, now);
        t.closed_at = 0;
        return "reopened, status closed → open";
    case OpKind::Tag:
        t.tags.push_back(op.value);
        return fmt::format("tag {} added", op.value);
    case OpKind::Untag:
        std::erase(t.tags, op.value);
        return fmt::format("tag {} removed", op.value);
    }
    return {};
}

OpResult run_ticket_op(WriteTxn& txn, const Config& config, TicketKey key, const TicketOp& op, const Actor& actor,
                       std::int64_t now) {
    auto t = txn.ticket(key);
    if (!t) return {false, fmt::format("no ticket {}", to_string(key))};
    if (auto why = check_ticket_op(config, *t, op, actor)) return {false, std::move(*why)};
    std::string what = apply_ticket_op(config, *t, op, now);
    record_event(txn, *t, actor, what, now);
    return {true, std::move(what)};
}

std::optional<std::string> check_access(const Ticket& t, const Actor& actor) {
    if (t.merged_into)
        return fmt::format("ticket {} was merged into {}; act on that one", to_string(t.key), to_string(*t.merged_into));
    if (actor.staff && !staff_may_see(*actor.staff, t))
        return fmt::format("{} may not see ticket {} ({})", actor.staff->alias, to_string(t.key), category_label(t));
    return std::nullopt;
}

std::optional<std::string> check_close(const Ticket& t, const Actor& actor) {
    if (auto why = check_access(t, actor)) return why;
    if (t.status == TicketStatus::Closed) return fmt::format("ticket {} is closed already", to_string(t.key));
    return std::nullopt;
}

void record_event(WriteTxn& txn, Ticket& t, const Actor& actor, const std::string& what, std::int64_t now) {
    append(txn, t, actor, EntryKind::Event, what, {}, now);
}

void add_note(WriteTxn& txn, Ticket& t, const Actor& actor, const std::string& text, std::int64_t now) {
    append(txn, t, actor, EntryKind::Note, text, "internal note by " + actor.name, now);
}

namespace {

// `from`'s opener, participants and tags that `into` lacks join it; the parts of the event text.
std::vector<std::string> join_into(const Ticket& from, Ticket& into) {
    std::vector<std::string> people, tags;
    auto add_person = [&](const std::string& a) {
        if (a.empty() || a == into.opener || contains(into.participants, a)) return;
        into.participants.push_back(a);
        people.push_back(a);
    };
    add_person(from.opener);
    for (const std::string& p : from.participants) add_person(p);
    for (const std::string& tag : from.tags)
        if (!contains(into.tags, tag)) {
            into.tags.push_back(tag);
            tags.push_back(tag);
        }
    std::vector<std::string> parts;
    if (!people.empty()) parts.push_back(fmt::format("participants added: {}", fmt::join(people, ", ")));
    if (!tags.empty()) parts.push_back(fmt::format("tags added: {}", fmt::join(tags, ", ")));
    return parts;
}

}  // namespace

std::optional<std::string> merge_tickets(WriteTxn& txn, const Config&, TicketKey from_key, TicketKey into_key,
                                         const Actor& actor, std::int64_t now) {
    if (from_key == into_key) return fmt::format("cannot merge ticket {} into itself", to_string(from_key));
    auto from = txn.ticket(from_key);
    if (!from) return fmt::format("no ticket {}", to_string(from_key));
    auto into = txn.ticket(into_key);
    if (!into) return fmt::format("no ticket {}", to_string(into_key));
    if (from->merged_into)
        return fmt::format("ticket {} is already merged into {}", to_string(from_key), to_string(*from->merged_into));
    if (into->merged_into)
        return fmt::format("ticket {} was merged into {}; merge into that one", to_string(into_key),
                           to_string(*into->merged_into));
    for (const Ticket* t : {&*from, &*into})
        if (actor.staff && !staff_may_see(*actor.staff, *t))
            return fmt::format("{} may not see ticket {} ({})", actor.staff->alias, to_string(t->key), category_label(*t));
    const auto parts = join_into(*from, *into);
    std::string from_text = "merged into " + to_string(into_key);
    if (from->status != TicketStatus::Closed) {
        from_text += fmt::format(", status {} → closed", to_string(from->status));
        set_status(*from, TicketStatus::Closed, now);
        from->closed_at = now;
    }
    from->merged_into = into_key;
    record_event(txn, *from, actor, from_text, now);
    std::string into_text = fmt::format("ticket {} merged into this one", to_string(from_key));
    if (!parts.empty()) into_text += fmt::format("; {}", fmt::join(parts, "; "));
    record_event(txn, *into, actor, into_text, now);
    return std::nullopt;
}

}  // namespace deskgate
