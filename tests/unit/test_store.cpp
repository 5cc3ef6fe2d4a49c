// test_store.cpp - the LMDB ticket store on real LMDB environments in temporary directories:
// round trips, indexes, rollback, map growth, schema check, several processes, corruption.
#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <climits>
#include <cstdint>
#include <functional>
#include <optional>
#include <atomic>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "core/store/store.hpp"
#include "lmdb_raw.hpp"
#include "test_support.hpp"

using namespace deskgate;
using deskgate::test::raw_get;
using deskgate::test::raw_put;
using deskgate::test::TempDir;

namespace {

Store open_store(const std::filesystem::path& p, std::uint64_t map = 1ull << 20, bool ro = false) {
    auto s = Store::open(Store::Options{p, map, ro});
    if (auto* e = std::get_if<StoreError>(&s)) FAIL(e->message);
    return std::move(std::get<Store>(s));
}

Ticket sample_ticket(TicketKey key) {
    Ticket t;
    t.key = key;
    t.queue = key.queue;
    t.subject = "Tiskárna nefunguje";
    t.status = TicketStatus::Waiting;
    t.customer_id = "acme";
    t.opener = "alice@acme.example";
    t.participants = {"bob@acme.example", "carl@acme.example"};
    t.category = "general";
    t.priority = "high";
    t.tags = {"urgent", "printer"};
    t.assignee = "jana";
    t.created = 1795507200;
    t.updated = 1795507300;
    t.closed_at = 0;
    t.linked_from = TicketKey{10, 1};
    t.referrals = {20, 30};
    return t;
}

// Every field, exactly (the records have no operator==).
void check_same(const Ticket& a, const Ticket& b) {
    CHECK(a.key == b.key);
    CHECK(a.queue == b.queue);
    CHECK(a.subject == b.subject);
    CHECK(a.status == b.status);
    CHECK(a.customer_id == b.customer_id);
    CHECK(a.opener == b.opener);
    CHECK(a.participants == b.participants);
    CHECK(a.category == b.category);
    CHECK(a.priority == b.priority);
    CHECK(a.tags == b.tags);
    CHECK(a.assignee == b.assignee);
    CHECK(a.created == b.created);
    CHECK(a.updated == b.updated);
    CHECK(a.closed_at == b.closed_at);
    CHECK(a.linked_from == b.linked_from);
    CHECK(a.referrals == b.referrals);
    CHECK(a.entry_count == b.entry_count);
    CHECK(a.reaction_due == b.reaction_due);
    CHECK(a.resolution_due == b.resolution_due);
    CHECK(a.undeliverable == b.undeliverable);
}

void check_same(const TicketEntry& a, const TicketEntry& b) {
    CHECK(a.ticket == b.ticket);
    CHECK(a.index == b.index);
    CHECK(a.direction == b.direction);
    CHECK(a.kind == b.kind);
    CHECK(a.message_id == b.message_id);
    CHECK(a.from_address == b.from_address);
    CHECK(a.from_name == b.from_name);
    CHECK(a.subject == b.subject);
    CHECK(a.text_body == b.text_body);
    REQUIRE(a.attachments.size() == b.attachments.size());
    for (std::size_t i = 0; i < a.attachments.size(); ++i) {
        CHECK(a.attachments[i].filename == b.attachments[i].filename);
        CHECK(a.attachments[i].content_type == b.attachments[i].content_type);
        CHECK(a.attachments[i].size == b.attachments[i].size);
        CHECK(a.attachments[i].sha256 == b.attachments[i].sha256);
    }
    CHECK(a.defects == b.defects);
    CHECK(a.body_digest == b.body_digest);
    CHECK(a.envelope_sender == b.envelope_sender);
    CHECK(a.envelope_recipients == b.envelope_recipients);
    CHECK(a.explanation == b.explanation);
    CHECK(a.received == b.received);
    CHECK(a.raw_id == b.raw_id);
    CHECK(a.raw_size == b.raw_size);
}

void check_same(const Contact& a, const Contact& b) {
    CHECK(a.address == b.address);
    CHECK(a.name == b.name);
    CHECK(a.customer_id == b.customer_id);
    CHECK(a.queue == b.queue);
    CHECK(a.created == b.created);
}

void check_same(const OutboxItem& a, const OutboxItem& b) {
    CHECK(a.id == b.id);
    CHECK(a.kind == b.kind);
    CHECK(a.sender == b.sender);
    CHECK(a.recipients == b.recipients);
    CHECK(a.raw_id == b.raw_id);
    CHECK(a.ticket == b.ticket);
    CHECK(a.created == b.created);
    CHECK(a.next_attempt == b.next_attempt);
    CHECK(a.attempts == b.attempts);
    CHECK(a.state == b.state);
    CHECK(a.last_error == b.last_error);
}

std::string be(std::uint32_t a, std::uint32_t b) {
    std::string s;
    for (auto v : {a, b})
        for (int shift = 24; shift >= 0; shift -= 8) s.push_back(static_cast<char>((v >> shift) & 0xFF));
    return s;
}

}  // namespace

TEST_CASE("ticket numbers print and parse strictly") {
    CHECK(to_string(TicketKey{10, 42}) == "10-42");
    CHECK(parse_ticket_key("10-42") == TicketKey{10, 42});
    CHECK(parse_ticket_key("4294967295-1") == TicketKey{4294967295u, 1});
    for (const char* bad : {"", "10", "10-", "-42", "10-42x", "a-1", "10--42", "4294967296-1", " 10-42"})
        CHECK_FALSE(parse_ticket_key(bad));
}

TEST_CASE("tickets, entries, contacts and outbox items round-trip") {
    TempDir dir;
    Store store = open_store(dir.path() / "s");
    const Ticket t = sample_ticket({10, 1});
    TicketEntry e;
    e.ticket = t.key;
    e.direction = Direction::Outbound;
    e.kind = EntryKind::Note;
    e.message_id = "m1@acme.example";
    e.from_address = "alice@acme.example";
    e.from_name = "Alice";
    e.subject = "Re: x";
    e.text_body = std::string("body with \0 nul", 15);
    e.attachments = {{"a.pdf", "application/pdf", 1234, "abcd"}, {"", "image/png", 1, "ef"}};
    e.defects = {"missing Date"};
    e.body_digest = "digest";
    e.envelope_sender = "alice@acme.example";
    e.envelope_recipients = {"support@helpdesk.example.com"};
    e.explanation = "why";
    e.received = 1795507400;
    e.raw_id = 7;
    e.raw_size = 99;
    Contact c{"dave@acme.example", "Dave", "acme", 10, 1795507200};
    OutboxItem o;
    o.kind = "redirect";
    o.sender = "staff@example.com";
    o.recipients = {"triage@example.com"};
    o.raw_id = 3;
    o.ticket = TicketKey{10, 1};
    o.created = 5;
    o.next_attempt = 6;
    o.attempts = 2;
    o.state = "failed";
    o.last_error = "550 no";

    REQUIRE_FALSE(store.write([&](WriteTxn& txn) {
        txn.put_ticket(t);
        TicketEntry copy = e;
        CHECK(txn.append_entry(copy) == 0);
        CHECK(copy.index == 0);
        txn.put_contact(c);
        CHECK(txn.add_outbox(o) == 1);
    }));
    REQUIRE_FALSE(store.read([&](const ReadTxn& txn) {
        auto got = txn.ticket({10, 1});
        REQUIRE(got);
        Ticket want = t;
        want.entry_count = 1;
        want.updated = e.received;
        CHECK(got->subject == want.subject);
        CHECK(got->status == want.status);
        CHECK(got->participants == want.participants);
        CHECK(got->tags == want.tags);
        CHECK(got->linked_from == want.linked_from);
        CHECK(got->referrals == want.referrals);
        CHECK(got->entry_count == 1);
        CHECK(got->updated == e.received);
        CHECK(got->assignee == "jana");
        auto entries = txn.entries({10, 1});
        REQUIRE(entries.size() == 1);
        CHECK(entries[0].text_body == e.text_body);
        CHECK(entries[0].direction == Direction::Outbound);
        CHECK(entries[0].kind == EntryKind::Note);
        REQUIRE(entries[0].attachments.size() == 2);
        CHECK(entries[0].attachments[0].size == 1234);
        CHECK(entries[0].attachments[1].content_type == "image/png");
        CHECK(entries[0].envelope_recipients == e.envelope_recipients);
        CHECK(entries[0].raw_id == 7);
        auto refs = txn.find_message_id("m1@acme.example");
        REQUIRE(refs.size() == 1);
        CHECK(refs[0].ticket == TicketKey{10, 1});
        CHECK(refs[0].body_digest == "digest");
        auto contact = txn.contact("dave@acme.example");
        REQUIRE(contact);
        CHECK(contact->customer_id == "acme");
        CHECK(txn.contacts().size() == 1);
        auto out = txn.outbox();
        REQUIRE(out.size() == 1);
        CHECK(out[0].id == 1);
        CHECK(out[0].recipients == o.recipients);
        CHECK(out[0].ticket == TicketKey{10, 1});
        CHECK(out[0].state == "failed");
        CHECK(out[0].last_error == "550 no");
        CHECK_FALSE(txn.ticket({10, 2}));
        CHECK(txn.entries({10, 2}).empty());
    }));
}

TEST_CASE("sequences per queue, filters and ordering") {
    TempDir dir;
    Store store = open_store(dir.path() / "s");
    REQUIRE_FALSE(store.write([&](WriteTxn& txn) {
        CHECK(txn.allocate_ticket(10) == TicketKey{10, 1});
        CHECK(txn.allocate_ticket(10) == TicketKey{10, 2});
        CHECK(txn.allocate_ticket(20) == TicketKey{20, 1});
        CHECK(txn.allocate_ticket(300) == TicketKey{300, 1});
        for (auto k : {TicketKey{300, 1}, TicketKey{10, 2}, TicketKey{20, 1}, TicketKey{10, 1}}) {
            Ticket t = sample_ticket(k);
            t.status = k.queue == 10 ? TicketStatus::New : TicketStatus::Closed;
            txn.put_ticket(t);
        }
    }));
    REQUIRE_FALSE(store.read([&](const ReadTxn& txn) {
        auto all = txn.tickets({});
        REQUIRE(all.size() == 4);
        CHECK(all[0].key == TicketKey{10, 1});
        CHECK(all[1].key == TicketKey{10, 2});
        CHECK(all[2].key == TicketKey{20, 1});
        CHECK(all[3].key == TicketKey{300, 1});
        CHECK(txn.tickets({10, std::nullopt, 0}).size() == 2);
        CHECK(txn.tickets({std::nullopt, TicketStatus::Closed, 0}).size() == 2);
        CHECK(txn.tickets({std::nullopt, std::nullopt, 3}).size() == 3);
    }));
}

TEST_CASE("Message-ID index keeps every mail that shares an id, also very long ids") {
    TempDir dir;
    Store store = open_store(dir.path() / "s");
    const std::string long_id = std::string(1000, 'x') + "@example.com";
    REQUIRE_FALSE(store.write([&](WriteTxn& txn) {
        for (std::uint32_t seq : {1u, 2u}) {
            txn.put_ticket(sample_ticket({10, seq}));
            TicketEntry e;
            e.ticket = {10, seq};
            e.message_id = "reused@example.com";
            e.body_digest = seq == 1 ? "aaa" : "bbb";
            txn.append_entry(e);
            TicketEntry l;
            l.ticket = {10, seq};
            l.message_id = long_id;
            txn.append_entry(l);
        }
    }));
    REQUIRE_FALSE(store.read([&](const ReadTxn& txn) {
        auto refs = txn.find_message_id("reused@example.com");
        REQUIRE(refs.size() == 2);
        std::set<std::string> digests{refs[0].body_digest, refs[1].body_digest};
        CHECK(digests == std::set<std::string>{"aaa", "bbb"});
        CHECK(txn.find_message_id(long_id).size() == 2);
        CHECK(txn.find_message_id("nope@example.com").empty());
        CHECK(txn.find_message_id("").empty());
    }));
}

TEST_CASE("raw bytes round-trip exactly, large ones too") {
    TempDir dir;
    Store store = open_store(dir.path() / "s", 1ull << 20);
    const std::string small("a\0b\r\n\xff", 6);
    std::string big(5 * 1024 * 1024, '\0');
    for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 31 + 7);
    std::uint64_t id1 = 0, id2 = 0;
    REQUIRE_FALSE(store.write([&](WriteTxn& txn) {
        id1 = txn.put_raw(small);
        id2 = txn.put_raw(big);
    }));
    CHECK(id1 == 1);
    CHECK(id2 == 2);
    REQUIRE_FALSE(store.read([&](const ReadTxn& txn) {
        CHECK(txn.raw(id1) == small);
        CHECK(txn.raw(id2) == big);
        CHECK_FALSE(txn.raw(3));
    }));
}

TEST_CASE("an exception in the callback rolls everything back and comes back as an error") {
    TempDir dir;
    Store store = open_store(dir.path() / "s");
    auto err = store.write([&](WriteTxn& txn) {
        txn.put_ticket(sample_ticket({10, 1}));
        txn.put_raw("bytes");
        throw std::runtime_error("boom");
    });
    REQUIRE(err);
    CHECK(err->message == "boom");
    CHECK(err->internal);
    REQUIRE_FALSE(store.read([&](const ReadTxn& txn) {
        CHECK(txn.tickets({}).empty());
        CHECK_FALSE(txn.raw(1));
    }));
    // appending to a missing ticket is refused, not undefined
    err = store.write([&](WriteTxn& txn) {
        TicketEntry e;
        e.ticket = {10, 9};
        txn.append_entry(e);
    });
    REQUIRE(err);
    CHECK(err->message.find("no ticket 10-9") != std::string::npos);
}

TEST_CASE("the map grows by itself when full") {
    TempDir dir;
    Store store = open_store(dir.path() / "s", 256 * 1024);
    const std::uint64_t before = store.map_size();
    const std::string chunk(512 * 1024, 'm');
    for (int i = 0; i < 40; ++i)  // 20 MB in many transactions
        REQUIRE_FALSE(store.write([&](WriteTxn& txn) { txn.put_raw(chunk); }));
    REQUIRE_FALSE(store.write([&](WriteTxn& txn) {  // 20 MB in one transaction
        for (int i = 0; i < 40; ++i) txn.put_raw(chunk);
    }));
    CHECK(store.map_size() > before);
    CHECK(store.map_size() >= 40ull * 1024 * 1024);
    REQUIRE_FALSE(store.read([&](const ReadTxn& txn) {
        CHECK(txn.raw(1) == chunk);
        CHECK(txn.raw(80) == chunk);
        CHECK_FALSE(txn.raw(81));
    }));
}

TEST_CASE("schema version mismatch and missing stores are errors, not crashes") {
    TempDir dir;
    { Store s = open_store(dir.path() / "s"); }
    std::string newer(4, '\0');
    newer[0] = static_cast<char>(kSchemaVersion + 1);
    raw_put(dir.path() / "s", "meta", "schema", newer);
    auto s = Store::open(Store::Options{dir.path() / "s", 1ull << 20, false});
    REQUIRE(std::holds_alternative<StoreError>(s));
    CHECK(std::get<StoreError>(s).message.find(fmt::format("store has schema {}, newer than this build (schema {})",
                                                           kSchemaVersion + 1, kSchemaVersion)) != std::string::npos);
    CHECK_FALSE(std::get<StoreError>(s).temporary);

    auto missing = Store::open(Store::Options{dir.path() / "nothing", 1ull << 20, true});
    REQUIRE(std::holds_alternative<StoreError>(missing));
    CHECK_FALSE(std::filesystem::exists(dir.path() / "nothing"));
}

TEST_CASE("a corrupt record is reported as an error") {
    TempDir dir;
    {
        Store s = open_store(dir.path() / "s");
        REQUIRE_FALSE(s.write([&](WriteTxn& txn) { txn.put_ticket(sample_ticket({10, 1})); }));
    }
    raw_put(dir.path() / "s", "tickets", be(10, 1), std::string("\x01garbage", 8));
    raw_put(dir.path() / "s", "tickets", be(10, 2), std::string("\x01\x0a\0\0\0\x02\0\0\0\x0a\0\0\0\xff\xff\xff\x7f", 18));
    Store s = open_store(dir.path() / "s");
    auto err = s.read([&](const ReadTxn& txn) { (void)txn.ticket({10, 1}); });
    REQUIRE(err);
    CHECK(err->message.find("corrupt record") != std::string::npos);
    CHECK_FALSE(err->internal);
    err = s.read([&](const ReadTxn& txn) { (void)txn.ticket({10, 2}); });
    REQUIRE(err);
    CHECK(err->message.find("corrupt record") != std::string::npos);
}

TEST_CASE("several processes: one writes while another reads; concurrent writers get unique numbers") {
    TempDir dir;
    const auto path = dir.path() / "s";
    { Store s = open_store(path, 256 * 1024); }

    auto writer = [&](int count, std::size_t pad) {
        Store s = open_store(path, 256 * 1024);
        for (int i = 0; i < count; ++i) {
            auto err = s.write([&](WriteTxn& txn) {
                Ticket t = sample_ticket(txn.allocate_ticket(10));
                t.subject = std::string(pad, 's');  // grows the map now and then
                txn.put_ticket(t);
            });
            if (err) return 1;
        }
        return 0;
    };

    pid_t children[2];
    for (pid_t& child : children) {
        child = fork();
        REQUIRE(child >= 0);
        if (child == 0) _exit(writer(100, 4000));
    }
    {
        Store reader = open_store(path, 256 * 1024, true);
        std::size_t last = 0;
        for (int i = 0; i < 50; ++i) {
            std::size_t n = 0;
            CHECK_FALSE(reader.read([&](const ReadTxn& txn) { n = txn.tickets({}).size(); }));
            CHECK(n <= 200);
            CHECK(n >= last);  // committed tickets never disappear from a later snapshot
            last = n;
        }
    }
    for (pid_t child : children) {
        int status = 0;
        REQUIRE(waitpid(child, &status, 0) == child);
        CHECK(WIFEXITED(status));
        CHECK(WEXITSTATUS(status) == 0);
    }
    Store s = open_store(path, 256 * 1024);
    REQUIRE_FALSE(s.read([&](const ReadTxn& txn) {
        auto all = txn.tickets({});
        REQUIRE(all.size() == 200);
        for (std::uint32_t i = 0; i < 200; ++i) CHECK(all[i].key == TicketKey{10, i + 1});
    }));
}

TEST_CASE("group commit: one failing write rolls back alone, the others commit together") {
    TempDir dir;
    Store store = open_store(dir.path() / "s", 256 * 1024);
    const std::string big(300 * 1024, 'g');  // forces a map resize in the middle of the batch
    std::vector<std::function<void(WriteTxn&)>> fns;
    fns.emplace_back([&](WriteTxn& txn) { txn.put_ticket(sample_ticket(txn.allocate_ticket(10))); });
    fns.emplace_back([&](WriteTxn& txn) {
        txn.put_ticket(sample_ticket(txn.allocate_ticket(10)));
        throw std::runtime_error("second fails");
    });
    fns.emplace_back([&](WriteTxn& txn) {
        txn.put_raw(big);
        txn.put_ticket(sample_ticket(txn.allocate_ticket(10)));
    });
    const auto results = store.write_each(fns);
    REQUIRE(results.size() == 3);
    CHECK_FALSE(results[0]);
    REQUIRE(results[1]);
    CHECK(results[1]->message == "second fails");
    CHECK(results[1]->internal);
    CHECK_FALSE(results[2]);
    REQUIRE_FALSE(store.read([&](const ReadTxn& txn) {
        auto all = txn.tickets({});
        REQUIRE(all.size() == 2);
        CHECK(all[0].key == TicketKey{10, 1});
        CHECK(all[1].key == TicketKey{10, 2});  // the failed write's sequence was rolled back too
        CHECK(txn.raw(1) == big);
    }));
}

TEST_CASE("generated-mail counts per address, pruned after a day; ticket deadlines round-trip") {
    TempDir dir;
    Store store = open_store(dir.path() / "s");
    REQUIRE_FALSE(store.write([&](WriteTxn& txn) {
        txn.note_generated("alice@acme.example", 1000);
        txn.note_generated("alice@acme.example", 2000);
        txn.note_generated("alice@acme.example", 90000);  // drops 1000 and 2000 (older than a day)
        Ticket t = sample_ticket({10, 1});
        t.reaction_due = 5000;
        t.resolution_due = 6000;
        txn.put_ticket(t);
    }));
    REQUIRE_FALSE(store.read([&](const ReadTxn& txn) {
        CHECK(txn.generated_since("alice@acme.example", 0) == 1);
        CHECK(txn.generated_since("alice@acme.example", 90000) == 1);
        CHECK(txn.generated_since("alice@acme.example", 90001) == 0);
        CHECK(txn.generated_since("bob@acme.example", 0) == 0);
        auto t = txn.ticket({10, 1});
        REQUIRE(t);
        CHECK(t->reaction_due == 5000);
        CHECK(t->resolution_due == 6000);
    }));
}

TEST_CASE("every field round-trips exactly, empty optionals and extreme values too") {
    TempDir dir;
    Store store = open_store(dir.path() / "s");
    Ticket full = sample_ticket({7, 1});
    full.closed_at = -5;  // negative times survive the unsigned encoding
    full.reaction_due = INT64_MAX;
    full.resolution_due = INT64_MIN;
    full.undeliverable = {"gone@acme.example", ""};
    full.entry_count = 0;
    full.key = {0xFFFFFFFFu, 0xFFFFFFFFu};
    full.queue = 0xFFFFFFFFu;
    Ticket bare;  // every field defaulted: empty strings, no linked_from, no referrals
    bare.key = {7, 2};
    TicketEntry entry;
    entry.ticket = {7, 2};
    entry.direction = Direction::Internal;
    entry.kind = EntryKind::Referral;
    entry.from_name = "Žluťoučký kůň";
    entry.text_body = std::string("\0\0\xff\xfe", 4);
    entry.attachments = {{"smlouva.pdf", "application/pdf", UINT64_MAX, std::string(64, 'a')}};
    entry.defects = {"", "x"};
    entry.envelope_recipients = {};
    entry.received = -1;
    entry.raw_id = UINT64_MAX;
    entry.raw_size = 0;
    TicketEntry second;  // no message id: not indexed
    second.ticket = {7, 2};
    second.received = 100;
    Contact contact{"eve@acme.example", "", "", 0, 0};
    OutboxItem no_ticket;
    no_ticket.kind = "ack";
    no_ticket.recipients = {};
    no_ticket.state = "pending";

    REQUIRE_FALSE(store.write([&](WriteTxn& txn) {
        txn.put_ticket(full);
        txn.put_ticket(bare);
        CHECK(txn.append_entry(entry) == 0);
        CHECK(txn.append_entry(second) == 1);
        txn.put_contact(contact);
        CHECK(txn.add_outbox(no_ticket) == 1);
        no_ticket.attempts = 3;
        no_ticket.state = "sent";
        txn.update_outbox(no_ticket);
    }));
    CHECK(entry.index == 0);
    CHECK(second.index == 1);
    REQUIRE_FALSE(store.read([&](const ReadTxn& txn) {
        auto got_full = txn.ticket(full.key);
        REQUIRE(got_full);
        check_same(*got_full, full);
        auto got_bare = txn.ticket(bare.key);
        REQUIRE(got_bare);
        Ticket want = bare;
        want.entry_count = 2;
        want.updated = 100;  // max(updated, received) over both entries
        check_same(*got_bare, want);
        CHECK_FALSE(got_bare->linked_from);
        auto entries = txn.entries(bare.key);
        REQUIRE(entries.size() == 2);
        check_same(entries[0], entry);
        check_same(entries[1], second);
        CHECK(txn.entries(full.key).empty());
        auto c = txn.contact("eve@acme.example");
        REQUIRE(c);
        check_same(*c, contact);
        auto item = txn.outbox_item(1);
        REQUIRE(item);
        check_same(*item, no_ticket);
        CHECK_FALSE(item->ticket);
        CHECK_FALSE(txn.outbox_item(2));
        CHECK(txn.find_message_id("").empty());
    }));
}

TEST_CASE("counters are independent and survive reopening") {
    TempDir dir;
    {
        Store s = open_store(dir.path() / "s");
        REQUIRE_FALSE(s.write([&](WriteTxn& txn) {
            CHECK(txn.allocate_ticket(1) == TicketKey{1, 1});
            CHECK(txn.put_raw("a") == 1);
            OutboxItem o;
            CHECK(txn.add_outbox(o) == 1);
            CHECK(o.id == 1);
        }));
    }
    Store s = open_store(dir.path() / "s");
    REQUIRE_FALSE(s.write([&](WriteTxn& txn) {
        CHECK(txn.allocate_ticket(1) == TicketKey{1, 2});
        CHECK(txn.allocate_ticket(2) == TicketKey{2, 1});
        CHECK(txn.put_raw("b") == 2);
        CHECK(txn.put_raw("") == 3);
        OutboxItem o;
        CHECK(txn.add_outbox(o) == 2);
    }));
    REQUIRE_FALSE(s.read([&](const ReadTxn& txn) {
        CHECK(txn.raw(3) == std::string());  // empty bytes are stored, not "absent"
        CHECK_FALSE(txn.raw(0));
    }));
}

TEST_CASE("reopening keeps a map that was grown, and read-only stores refuse writes") {
    TempDir dir;
    const auto path = dir.path() / "s";
    std::uint64_t grown = 0;
    {
        Store s = open_store(path, 256 * 1024);
        CHECK(s.map_size() == 256 * 1024);
        const std::string chunk(1024 * 1024, 'r');
        for (int i = 0; i < 6; ++i) REQUIRE_FALSE(s.write([&](WriteTxn& txn) { txn.put_raw(chunk); }));
        grown = s.map_size();
        CHECK(grown >= 8ull * 1024 * 1024);
    }
    {
        Store s = open_store(path, 256 * 1024);
        CHECK(s.map_size() == grown);  // not shrunk back to the initial size
    }
    {
        Store s = open_store(path, grown * 4);
        CHECK(s.map_size() == grown * 4);  // a bigger initial size still applies
    }
    Store ro = open_store(path, 256 * 1024, true);
    CHECK(ro.map_size() >= grown);
    REQUIRE_FALSE(ro.read([&](const ReadTxn& txn) { CHECK(txn.raw(6) == std::string(1024 * 1024, 'r')); }));
    auto err = ro.write([&](WriteTxn& txn) { txn.put_raw("x"); });
    REQUIRE(err);
    CHECK(err->message.find("read-only") != std::string::npos);
}

TEST_CASE("every truncation of every record kind is a clean error") {
    TempDir dir;
    const auto path = dir.path() / "s";
    {
        Store s = open_store(path);
        REQUIRE_FALSE(s.write([&](WriteTxn& txn) {
            txn.put_ticket(sample_ticket({10, 1}));
            TicketEntry e;
            e.ticket = {10, 1};
            e.message_id = "m@x";
            e.body_digest = "d";
            e.attachments = {{"f", "t/s", 1, "h"}};
            e.defects = {"d1"};
            txn.append_entry(e);
            txn.put_contact(Contact{"c@x", "C", "acme", 10, 1});
            OutboxItem o;
            o.ticket = TicketKey{10, 1};
            o.recipients = {"r@x"};
            txn.add_outbox(o);
        }));
    }
    std::string entry_key = be(10, 1) + std::string(4, '\0');
    std::string outbox_key(8, '\0');
    outbox_key[7] = 1;
    struct Kind {
        const char* db;
        std::string key;
        std::function<void(const ReadTxn&)> read;
    };
    const std::vector<Kind> kinds{
        {"tickets", be(10, 1), [](const ReadTxn& t) { (void)t.ticket({10, 1}); }},
        {"entries", entry_key, [](const ReadTxn& t) { (void)t.entries({10, 1}); }},
        {"contacts", "c@x", [](const ReadTxn& t) { (void)t.contacts(); }},
        {"outbox", outbox_key, [](const ReadTxn& t) { (void)t.outbox(); }},
    };
    for (const auto& kind : kinds) {
        CAPTURE(kind.db);
        const auto good = raw_get(path, kind.db, kind.key);
        REQUIRE(good);
        REQUIRE(good->size() > 10);
        for (std::size_t len = 0; len < good->size(); ++len) {
            CAPTURE(len);
            raw_put(path, kind.db, kind.key, good->substr(0, len));
            Store s = open_store(path);
            auto err = s.read(kind.read);
            REQUIRE(err);
            CHECK(err->message.find("corrupt record") != std::string::npos);
            CHECK_FALSE(err->internal);
        }
        raw_put(path, kind.db, kind.key, *good + "x");  // trailing bytes
        {
            Store s = open_store(path);
            CHECK(s.read(kind.read));
        }
        raw_put(path, kind.db, kind.key, *good);  // intact again: reads fine
        Store s = open_store(path);
        CHECK_FALSE(s.read(kind.read));
    }
    // a corrupt Message-ID reference is an error too
    raw_put(path, "msgids", "m@x", std::string("\x01\x0a", 2));
    Store s = open_store(path);
    auto err = s.read([](const ReadTxn& t) { (void)t.find_message_id("m@x"); });
    REQUIRE(err);
    CHECK(err->message.find("corrupt record") != std::string::npos);
}

TEST_CASE("a callback that swallows MDB_MAP_FULL still gets a bigger map and a clean retry") {
    TempDir dir;
    Store store = open_store(dir.path() / "s", 256 * 1024);
    const std::string big(1024 * 1024, 'b');
    int calls = 0;
    std::uint64_t id = 0;
    REQUIRE_FALSE(store.write([&](WriteTxn& txn) {
        ++calls;
        try {
            id = txn.put_raw(big);
        } catch (const std::exception&) {
            // a careless caller: ignores the failure and carries on
        }
    }));
    CHECK(calls >= 2);
    CHECK(id == 1);
    CHECK(store.map_size() > 256 * 1024);
    REQUIRE_FALSE(store.read([&](const ReadTxn& txn) { CHECK(txn.raw(1) == big); }));
}

TEST_CASE("threads of one process: readers run while writers grow the map") {
    TempDir dir;
    Store store = open_store(dir.path() / "s", 256 * 1024);
    std::atomic<bool> done{false};
    std::atomic<int> read_errors{0}, reads{0};
    std::vector<std::thread> readers;
    for (int r = 0; r < 3; ++r)
        readers.emplace_back([&] {
            while (!done) {
                std::size_t n = 0;
                if (store.read([&](const ReadTxn& txn) { n = txn.tickets({}).size(); })) ++read_errors;
                if (n > 100) ++read_errors;
                ++reads;
            }
        });
    std::atomic<int> write_errors{0};
    std::vector<std::thread> writers;
    for (int w = 0; w < 2; ++w)
        writers.emplace_back([&] {
            for (int i = 0; i < 50; ++i) {
                auto err = store.write([&](WriteTxn& txn) {
                    Ticket t = sample_ticket(txn.allocate_ticket(5));
                    t.subject = std::string(20000, 'p');  // ~2 MB in all: several resizes
                    txn.put_ticket(t);
                });
                if (err) ++write_errors;
            }
        });
    for (auto& t : writers) t.join();
    done = true;
    for (auto& t : readers) t.join();
    CHECK(write_errors == 0);
    CHECK(read_errors == 0);
    CHECK(reads > 0);
    CHECK(store.map_size() > 256 * 1024);
    REQUIRE_FALSE(store.read([&](const ReadTxn& txn) {
        auto all = txn.tickets({});
        REQUIRE(all.size() == 100);
        for (std::uint32_t i = 0; i < 100; ++i) CHECK(all[i].key == TicketKey{5, i + 1});
    }));
}

TEST_CASE("a write that must grow the map inside another callback of the store fails instead of hanging") {
    TempDir dir;
    Store store = open_store(dir.path() / "s", 256 * 1024);
    std::optional<StoreError> inner;
    REQUIRE_FALSE(store.read([&](const ReadTxn&) {
        inner = store.write([&](WriteTxn& txn) { txn.put_raw(std::string(1024 * 1024, 'n')); });
    }));
    REQUIRE(inner);
    CHECK(inner->message.find("inside another transaction") != std::string::npos);
    // outside any callback the same write grows the map and succeeds
    std::uint64_t id = 0;
    REQUIRE_FALSE(store.write([&](WriteTxn& txn) { id = txn.put_raw(std::string(1024 * 1024, 'n')); }));
    CHECK(id == 1);
}
