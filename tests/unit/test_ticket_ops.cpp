// test_ticket_ops.cpp - core/decision/ticket_ops on a real LMDB store: parsing ops, every
// refusal, the life cycle (assign new -> open, first reaction, status time), events recorded by
// whom, notes, Engine::close's event, and merging (a merged ticket's tag, reply token and
// Message-ID thread into the survivor through Engine::deliver).
#include <doctest/doctest.h>

#include <algorithm>

#include "config/load.hpp"
#include "core/decision/engine.hpp"
#include "core/decision/ticket_ops.hpp"
#include "core/model/token.hpp"
#include "test_support.hpp"

using namespace deskgate;
using deskgate::test::TempDir;
using deskgate::test::write_file;

namespace {

constexpr std::int64_t kNow = 1795507200;  // 2026-11-24T00:00:00Z

constexpr std::string_view kConfig = R"([global]
hostname = "helpdesk.example.com"
store = "/nonexistent/overridden-by-tests"
staff_sender = "staff@example.com"
secret_file = "secret"
priorities = ["low", "normal", "high", "urgent"]

[[staff]]
alias = "jana"
address = "jana@example.com"
queues = [10, 20]

[[staff]]
alias = "petr"
address = "petr@example.com"
queues = [10]
categories = ["general"]

[[staff]]
alias = "eva"
address = "eva@example.com"
queues = [10, 20]
categories = ["billing"]

[[customers]]
id = "acme"
name = "Acme Corp"
domains = ["acme.example"]
email_tickets = true

[[customers]]
id = "umbrella"
name = "Umbrella"
domains = ["umbrella.example"]
email_tickets = true

[[queues]]
number = 10
name = "Support"
address = "support@helpdesk.example.com"
default_category = "general"
on_closed_reply = "reopen"
subject_tag = "[Support#{{ticket.number}}]"

[[queues]]
number = 20
name = "Billing"
address = "billing@helpdesk.example.com"
default_category = "billing"
subject_tag = "[Billing#{{ticket.number}}]"

[[queues]]
number = 30
name = "Archive"
address = "archive@helpdesk.example.com"
active = false
)";

Config load(const TempDir& dir) {
    write_file(dir.path() / "secret", "0123456789abcdef0123456789abcdef\n");
    LoadResult r = load_config_text(kConfig, "t.toml", dir.path());
    for (const auto& e : r.errors) MESSAGE(to_string(e));
    REQUIRE(r.config);
    return std::move(*r.config);
}

struct Harness {
    Harness() : config(load(dir)), engine(config), store(open()) {}

    Store open() {
        auto s = Store::open(Store::Options{dir.path() / "store", 1ull << 20, false});
        REQUIRE(std::holds_alternative<Store>(s));
        return std::move(std::get<Store>(s));
    }

    RecipientDecision deliver(const std::string& raw, const std::string& from, std::string to,
                                    std::int64_t now = kNow) {
        Envelope env;
        env.sender = from;
        env.recipients = {std::move(to)};
        const DeliveryPlan p = engine.deliver(store, env, raw, now);
        REQUIRE(p.recipients.size() == 1);
        return p.recipients.front();
    }

    // A new ticket from `from`; returns its number.
    TicketKey open_ticket(const std::string& from, const std::string& id, const std::string& to = "support@helpdesk.example.com") {
        const std::string raw = "From: " + from + "\nTo: " + to + "\nSubject: help " + id + "\nMessage-ID: <" + id +
                                ">\n\nplease\n";
        const auto d = deliver(raw, from, to);
        REQUIRE(d.verdict == Verdict::NewTicket);
        REQUIRE(d.ticket);
        return *d.ticket;
    }

    Ticket ticket(TicketKey key) {
        std::optional<Ticket> t;
        REQUIRE_FALSE(store.read([&](const ReadTxn& txn) { t = txn.ticket(key); }));
        REQUIRE(t);
        return *t;
    }

    std::vector<TicketEntry> entries(TicketKey key) {
        std::vector<TicketEntry> e;
        REQUIRE_FALSE(store.read([&](const ReadTxn& txn) { e = txn.entries(key); }));
        return e;
    }

    // Runs `command` ("assign petr") on `key` by `actor` in one write.
    OpResult run(TicketKey key, std::string_view command, const Actor& actor, std::int64_t now = kNow + 60) {
        std::string error;
        const auto op = parse_ticket_op(command, &error);
        REQUIRE_MESSAGE(op, error);
        OpResult r;
        REQUIRE_FALSE(store.write([&](WriteTxn& txn) { r = run_ticket_op(txn, config, key, *op, actor, now); }));
        return r;
    }

    Actor as(std::string_view alias) const {
        const Staff* s = config.staff_named(alias);
        REQUIRE(s);
        return staff_actor(*s);
    }

    std::optional<std::string> merge(TicketKey from, TicketKey into, const Actor& actor, std::int64_t now = kNow + 120) {
        std::optional<std::string> r;
        REQUIRE_FALSE(store.write([&](WriteTxn& txn) { r = merge_tickets(txn, config, from, into, actor, now); }));
        return r;
    }

    TempDir dir;
    Config config;
    Engine engine;
    Store store;
};

std::vector<std::string> event_texts(const std::vector<TicketEntry>& entries) {
    std::vector<std::string> out;
    for (const TicketEntry& e : entries)
        if (e.kind == EntryKind::Event) out.push_back(e.text_body);
    return out;
}

bool refused_with(const OpResult& r, std::string_view needle) {
    if (r.done) MESSAGE("done: " << r.text);
    else if (r.text.find(needle) == std::string::npos) MESSAGE("refused: " << r.text);
    return !r.done && r.text.find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("parse_ticket_op reads every command and explains what it cannot") {
    std::string error;
    auto op = parse_ticket_op("assign petr", &error);
    REQUIRE(op);
    CHECK(op->kind == OpKind::Assign);
    CHECK(op->value == "petr");
    CHECK(parse_ticket_op("  Status  OPEN ", &error)->value == "open");
    CHECK(parse_ticket_op("status open", &error)->kind == OpKind::Status);
    CHECK(parse_ticket_op("priority high", &error)->kind == OpKind::Priority);
    CHECK(parse_ticket_op("queue 20", &error)->kind == OpKind::Move);
    CHECK(parse_ticket_op("move 20", &error)->value == "20");
    CHECK(parse_ticket_op("reopen", &error)->kind == OpKind::Reopen);
    CHECK(parse_ticket_op("tag vip", &error)->kind == OpKind::Tag);
    CHECK(parse_ticket_op("untag vip", &error)->kind == OpKind::Untag);
    CHECK(parse_ticket_op("unassign", &error)->kind == OpKind::Unassign);

    CHECK_FALSE(parse_ticket_op("frobnicate 3", &error));
    CHECK(error.find("unknown command 'frobnicate'") != std::string::npos);
    CHECK_FALSE(parse_ticket_op("assign", &error));
    CHECK(error == "assign needs a staff alias");
    CHECK_FALSE(parse_ticket_op("reopen now", &error));
    CHECK(error == "reopen takes no value");
    CHECK_FALSE(parse_ticket_op("tag a b", &error));
    CHECK(error == "tag takes one value");
    CHECK_FALSE(parse_ticket_op("", nullptr));
}

TEST_CASE("assigning a new ticket opens it, sets the first reaction once, and records who did it") {
    Harness h;
    const TicketKey k = h.open_ticket("alice@acme.example", "a1@acme.example");
    auto r = h.run(k, "assign petr", admin_actor(), kNow + 60);
    CHECK(r.done);
    CHECK(r.text == "assigned to petr, status new → open");
    Ticket t = h.ticket(k);
    CHECK(t.assignee == "petr");
    CHECK(t.status == TicketStatus::Open);
    CHECK(t.status_since == kNow + 60);
    CHECK(t.first_reaction == kNow + 60);
    CHECK(t.updated == kNow + 60);

    r = h.run(k, "assign jana", h.as("jana"), kNow + 600);
    CHECK(r.text == "assigned to jana (was petr)");
    t = h.ticket(k);
    CHECK(t.first_reaction == kNow + 60);  // the first one stays
    CHECK(t.status_since == kNow + 60);    // no status change

    r = h.run(k, "unassign", admin_actor(), kNow + 700);
    CHECK(r.text == "unassigned (was jana)");
    CHECK(h.ticket(k).assignee.empty());

    const auto entries = h.entries(k);
    REQUIRE(entries.size() == 4);
    const TicketEntry& e = entries[2];
    CHECK(e.kind == EntryKind::Event);
    CHECK(e.direction == Direction::Internal);
    CHECK(e.from_name == "jana");
    CHECK(e.from_address == "jana@example.com");
    CHECK(e.received == kNow + 600);
    CHECK(entries[1].from_name == "admin");
    CHECK(entries[1].from_address.empty());
    CHECK(h.ticket(k).entry_count == 4);
}

TEST_CASE("status, priority, move, tags and reopen change the ticket and say what changed") {
    Harness h;
    const TicketKey k = h.open_ticket("alice@acme.example", "a1@acme.example");
    CHECK(h.run(k, "status waiting", admin_actor(), kNow + 10).text == "status new → waiting");
    CHECK(h.ticket(k).status_since == kNow + 10);
    CHECK(h.run(k, "priority high", admin_actor()).text == "priority normal → high");
    CHECK(h.run(k, "tag vip", admin_actor()).text == "tag vip added");
    CHECK(h.ticket(k).tags == std::vector<std::string>{"vip"});
    CHECK(h.run(k, "untag vip", admin_actor()).text == "tag vip removed");
    CHECK(h.run(k, "move 20", h.as("jana")).text == "moved from queue 10 to 20");
    Ticket t = h.ticket(k);
    CHECK(t.queue == 20);
    CHECK(t.priority == "high");
    CHECK(t.key == TicketKey{10, 1});  // the number never changes

    std::optional<std::string> closed;
    REQUIRE_FALSE(h.store.write([&](WriteTxn& txn) { closed = h.engine.close(txn, k, kNow + 100, h.as("jana")); }));
    REQUIRE(closed);
    t = h.ticket(k);
    CHECK(t.status == TicketStatus::Closed);
    CHECK(t.closed_at == kNow + 100);
    CHECK(h.run(k, "reopen", admin_actor(), kNow + 200).text == "reopened, status closed → open");
    t = h.ticket(k);
    CHECK(t.status == TicketStatus::Open);
    CHECK(t.closed_at == 0);
    CHECK(t.status_since == kNow + 200);

    const auto entries = h.entries(k);
    CHECK(event_texts(entries) == std::vector<std::string>{"status new → waiting", "priority normal → high",
                                                           "tag vip added", "tag vip removed",
                                                           "moved from queue 10 to 20", "closed",
                                                           "reopened, status closed → open"});
    const auto close_event = std::find_if(entries.begin(), entries.end(),
                                          [](const TicketEntry& e) { return e.text_body == "closed"; });
    REQUIRE(close_event != entries.end());
    CHECK(close_event->from_name == "jana");
    CHECK(close_event->received == kNow + 100);
}

TEST_CASE("Engine::close without an actor records the admin") {
    Harness h;
    const TicketKey k = h.open_ticket("alice@acme.example", "a1@acme.example");
    REQUIRE_FALSE(h.store.write([&](WriteTxn& txn) { CHECK(h.engine.close(txn, k, kNow + 5)); }));
    const auto entries = h.entries(k);
    REQUIRE(entries.size() == 2);
    CHECK(entries[1].kind == EntryKind::Event);
    CHECK(entries[1].text_body == "closed");
    CHECK(entries[1].from_name == "admin");
    CHECK(check_close(h.ticket(k), admin_actor()) == "ticket 10-1 is closed already");
}

TEST_CASE("refusals name what to fix and change nothing") {
    Harness h;
    const TicketKey k = h.open_ticket("alice@acme.example", "a1@acme.example");           // queue 10, general
    const TicketKey b = h.open_ticket("alice@acme.example", "b1@acme.example", "billing@helpdesk.example.com");
    CHECK(refused_with(h.run(k, "assign nobody", admin_actor()), "no staff member 'nobody' (staff: jana, petr, eva)"));
    CHECK(refused_with(h.run(b, "assign petr", admin_actor()), "petr does not work in queue 20 (Billing)"));
    CHECK(refused_with(h.run(k, "assign eva", admin_actor()), "eva may not see tickets of category general"));
    CHECK(refused_with(h.run(k, "priority extreme", admin_actor()), "unknown priority 'extreme' (low, normal, high, urgent)"));
    CHECK(refused_with(h.run(k, "status closed", admin_actor()), "closed with close"));
    CHECK(refused_with(h.run(k, "status pending", admin_actor()), "unknown status 'pending'"));
    CHECK(refused_with(h.run(k, "status awaiting-approval", admin_actor()), "set by deskgate"));
    CHECK(refused_with(h.run(k, "status new", admin_actor()), "ticket 10-1 is new already"));
    CHECK(refused_with(h.run(k, "priority normal", admin_actor()), "has priority normal already"));
    CHECK(refused_with(h.run(k, "move 30", admin_actor()), "queue 30 (Archive) is inactive"));
    CHECK(refused_with(h.run(k, "move 99", admin_actor()), "no queue 99 (queues: 10, 20, 30)"));
    CHECK(refused_with(h.run(k, "move ten", admin_actor()), "'ten' is not a queue number"));
    CHECK(refused_with(h.run(k, "move 10", admin_actor()), "is in queue 10 (Support) already"));
    CHECK(refused_with(h.run(k, "move 20", h.as("petr")), "petr does not work in queue 20 (Billing)"));
    CHECK(refused_with(h.run(k, "unassign", admin_actor()), "not assigned to anyone"));
    CHECK(refused_with(h.run(k, "untag vip", admin_actor()), "has no tag vip"));
    CHECK(refused_with(h.run(k, "reopen", admin_actor()), "ticket 10-1 is not closed (it is new)"));
    // A staff actor only acts on tickets they may see.
    CHECK(refused_with(h.run(b, "priority high", h.as("petr")), "petr may not see ticket 20-1 (tickets of category billing)"));
    CHECK(refused_with(h.run(k, "tag vip", h.as("eva")), "eva may not see ticket 10-1"));
    CHECK(refused_with(h.run({10, 9}, "reopen", admin_actor()), "no ticket 10-9"));

    // A closed ticket takes only reopen and tags.
    REQUIRE_FALSE(h.store.write([&](WriteTxn& txn) { h.engine.close(txn, k, kNow + 30); }));
    CHECK(refused_with(h.run(k, "assign petr", admin_actor()), "ticket 10-1 is closed; reopen it first"));
    CHECK(h.run(k, "tag later", admin_actor()).done);

    CHECK(h.ticket(b).entry_count == 1);  // no event for a refusal
    CHECK(h.ticket(b).priority == "normal");
}

TEST_CASE("staff with the right queue and categories may act; check_ticket_op alone changes nothing") {
    Harness h;
    const TicketKey b = h.open_ticket("alice@acme.example", "b1@acme.example", "billing@helpdesk.example.com");
    const Ticket before = h.ticket(b);
    const TicketOp op{OpKind::Assign, "eva"};
    CHECK_FALSE(check_ticket_op(h.config, before, op, h.as("eva")));
    CHECK(h.ticket(b).assignee.empty());
    CHECK(h.run(b, "assign eva", h.as("eva")).done);
    CHECK(h.run(b, "move 10", h.as("eva")).done);  // eva works in queue 10 too
}

TEST_CASE("notes are internal entries by their author") {
    Harness h;
    const TicketKey k = h.open_ticket("alice@acme.example", "a1@acme.example");
    REQUIRE_FALSE(h.store.write([&](WriteTxn& txn) {
        auto t = txn.ticket(k);
        REQUIRE(t);
        add_note(txn, *t, h.as("petr"), "called the customer", kNow + 50);
        CHECK(t->entry_count == 2);
    }));
    const auto entries = h.entries(k);
    REQUIRE(entries.size() == 2);
    CHECK(entries[1].kind == EntryKind::Note);
    CHECK(entries[1].direction == Direction::Internal);
    CHECK(entries[1].from_name == "petr");
    CHECK(entries[1].from_address == "petr@example.com");
    CHECK(entries[1].text_body == "called the customer");
    CHECK(h.ticket(k).updated == kNow + 50);
    CHECK(check_access(h.ticket(k), h.as("eva")) == "eva may not see ticket 10-1 (tickets of category general)");
}

TEST_CASE("merge: the merged ticket's tag, reply token and Message-ID thread into the survivor") {
    Harness h;
    const TicketKey into = h.open_ticket("alice@acme.example", "a1@acme.example");
    const std::string dora = "From: dora@umbrella.example\nTo: support@helpdesk.example.com\n"
                             "Cc: Ed <ed@umbrella.example>\nSubject: same printer\n"
                             "Message-ID: <d1@umbrella.example>\n\nours too\n";
    auto d = h.deliver(dora, "dora@umbrella.example", "support@helpdesk.example.com");
    REQUIRE(d.ticket == TicketKey{10, 2});
    const TicketKey from = *d.ticket;
    REQUIRE(h.run(from, "tag printer", admin_actor()).done);

    CHECK(h.merge(from, into, h.as("petr"), kNow + 120) == std::nullopt);
    const Ticket merged = h.ticket(from);
    CHECK(merged.status == TicketStatus::Closed);
    CHECK(merged.closed_at == kNow + 120);
    CHECK(merged.merged_into == into);
    const Ticket survivor = h.ticket(into);
    CHECK(survivor.participants == std::vector<std::string>{"dora@umbrella.example", "ed@umbrella.example"});
    CHECK(survivor.tags == std::vector<std::string>{"printer"});
    CHECK(event_texts(h.entries(from)).back() == "merged into 10-1, status new → closed");
    CHECK(event_texts(h.entries(into)).back() ==
          "ticket 10-2 merged into this one; participants added: dora@umbrella.example, ed@umbrella.example; "
          "tags added: printer");
    CHECK(h.entries(into).back().from_name == "petr");

    // By subject tag.
    d = h.deliver("From: dora@umbrella.example\nTo: support@helpdesk.example.com\nSubject: Re: [Support#10-2] same\n"
                  "Message-ID: <d2@umbrella.example>\n\nstill broken\n",
                  "dora@umbrella.example", "support@helpdesk.example.com", kNow + 200);
    CHECK(d.verdict == Verdict::Appended);
    CHECK(d.ticket == into);
    CHECK(d.explanation.find("ticket 10-2 merged into 10-1") != std::string::npos);
    // By In-Reply-To.
    d = h.deliver("From: ed@umbrella.example\nTo: support@helpdesk.example.com\nSubject: Re: same printer\n"
                  "Message-ID: <e1@umbrella.example>\nIn-Reply-To: <d1@umbrella.example>\n\nme too\n",
                  "ed@umbrella.example", "support@helpdesk.example.com", kNow + 300);
    CHECK(d.verdict == Verdict::Appended);
    CHECK(d.ticket == into);
    // By the merged ticket's reply token.
    const std::string token = make_reply_token(h.config.global.secret, from);
    d = h.deliver("From: dora@umbrella.example\nTo: x\nSubject: another thing\nMessage-ID: <d3@umbrella.example>\n\nhi\n",
                  "dora@umbrella.example", "support+" + token + "@helpdesk.example.com", kNow + 400);
    CHECK(d.verdict == Verdict::Appended);
    CHECK(d.ticket == into);

    CHECK(h.ticket(from).status == TicketStatus::Closed);  // never reopened
    CHECK(h.ticket(from).entry_count == 3);               // message, tag event, merge event
}

TEST_CASE("merge refusals, and ops on a merged ticket") {
    Harness h;
    const TicketKey a = h.open_ticket("alice@acme.example", "a1@acme.example");
    const TicketKey b = h.open_ticket("alice@acme.example", "b1@acme.example");
    const TicketKey bill = h.open_ticket("alice@acme.example", "c1@acme.example", "billing@helpdesk.example.com");
    CHECK(h.merge(a, a, admin_actor()) == "cannot merge ticket 10-1 into itself");
    CHECK(h.merge({10, 9}, a, admin_actor()) == "no ticket 10-9");
    CHECK(h.merge(a, {10, 9}, admin_actor()) == "no ticket 10-9");
    CHECK(h.merge(bill, a, h.as("petr")) == "petr may not see ticket 20-1 (tickets of category billing)");
    CHECK(h.merge(a, bill, h.as("petr")) == "petr may not see ticket 20-1 (tickets of category billing)");
    CHECK(h.merge(b, a, admin_actor()) == std::nullopt);
    CHECK(h.merge(b, a, admin_actor()) == "ticket 10-2 is already merged into 10-1");
    CHECK(h.merge(bill, b, admin_actor()) == "ticket 10-2 was merged into 10-1; merge into that one");
    CHECK(refused_with(h.run(b, "reopen", admin_actor()), "ticket 10-2 was merged into 10-1; act on that one"));
    CHECK(check_close(h.ticket(b), admin_actor()) == "ticket 10-2 was merged into 10-1; act on that one");
    CHECK(h.ticket(bill).entry_count == 1);
}

TEST_CASE("follow_merged walks chains of merges, bounded and loop-safe") {
    Harness h;
    std::vector<TicketKey> keys;
    for (int i = 0; i < 12; ++i) keys.push_back(h.open_ticket("alice@acme.example", "m" + std::to_string(i) + "@acme.example"));
    // 10-1 -> 10-2 -> ... -> 10-12, written directly (merge_tickets refuses chains it would loop).
    REQUIRE_FALSE(h.store.write([&](WriteTxn& txn) {
        for (std::size_t i = 0; i + 1 < keys.size(); ++i) {
            auto t = txn.ticket(keys[i]);
            t->merged_into = keys[i + 1];
            txn.put_ticket(*t);
        }
    }));
    REQUIRE_FALSE(h.store.read([&](const ReadTxn& txn) {
        CHECK(follow_merged(txn, keys[10])->key == keys[11]);
        CHECK(follow_merged(txn, keys[0])->key == keys[kMaxMergeHops]);  // stops after 8 hops
        CHECK_FALSE(follow_merged(txn, {10, 99}));
    }));
    REQUIRE_FALSE(h.store.write([&](WriteTxn& txn) {  // a loop: 10-12 -> 10-11
        auto t = txn.ticket(keys[11]);
        t->merged_into = keys[10];
        txn.put_ticket(*t);
    }));
    REQUIRE_FALSE(h.store.read([&](const ReadTxn& txn) { CHECK(follow_merged(txn, keys[10])->key == keys[11]); }));
}
