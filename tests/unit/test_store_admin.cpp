// test_store_admin.cpp - the store's operations side: the migration of the schema-1 fixture
// (tests/data/store-v1, see its README for what it holds), read-only and newer-schema opens,
// two processes migrating at once, verdict counting through the engine (and not in a rolled-
// back transaction), backups while another thread writes, restore refused while another
// process has the store open.
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <thread>

#include <fmt/format.h>

#include "config/load.hpp"
#include "core/decision/engine.hpp"
#include "core/store/store.hpp"
#include "lmdb_raw.hpp"
#include "test_support.hpp"

using namespace deskgate;
using deskgate::test::data_dir;
using deskgate::test::read_file;
using deskgate::test::TempDir;
namespace fs = std::filesystem;

namespace {

Store open_store(const fs::path& p, bool ro = false) {
    auto s = Store::open(Store::Options{p, 1ull << 20, ro});
    if (auto* e = std::get_if<StoreError>(&s)) FAIL(e->message);
    return std::move(std::get<Store>(s));
}

// A copy of the schema-1 fixture in dir/name; the fixture itself is never opened.
fs::path copy_fixture(const TempDir& dir, const std::string& name = "store") {
    const fs::path p = dir.path() / name;
    fs::create_directories(p);
    fs::copy_file(data_dir() / "store-v1" / "data.mdb", p / "data.mdb");
    return p;
}

// The schema record, a u32 little-endian as the store writes it.
std::uint32_t raw_schema(const fs::path& p) {
    const auto v = deskgate::test::raw_get(p, "meta", "schema");
    REQUIRE(v);
    REQUIRE(v->size() == 4);
    std::uint32_t version = 0;
    for (int i = 3; i >= 0; --i) version = (version << 8) | static_cast<unsigned char>((*v)[static_cast<std::size_t>(i)]);
    return version;
}

void set_raw_schema(const fs::path& p, std::uint32_t version) {
    std::string bytes(4, '\0');
    for (std::size_t i = 0; i < 4; ++i) bytes[i] = static_cast<char>((version >> (8 * i)) & 0xFF);
    deskgate::test::raw_put(p, "meta", "schema", bytes);
}

std::map<std::string, std::uint64_t> counts(const Store& s) {
    std::map<std::string, std::uint64_t> out;
    REQUIRE_FALSE(s.read([&](const ReadTxn& txn) {
        for (const auto& [name, n] : txn.verdict_counts()) out[name] = n;
    }));
    return out;
}

const std::map<std::string, std::uint64_t> kFixtureSeeds = {{"appended", 1}, {"new-ticket", 4}, {"referral", 1}};

// Everything tests/data/store-v1/README.md lists.
void check_fixture_content(const Store& s) {
    REQUIRE_FALSE(s.read([&](const ReadTxn& txn) {
        const auto tickets = txn.tickets({});
        REQUIRE(tickets.size() == 4);
        struct Want {
            TicketKey key;
            TicketStatus status;
            std::uint32_t entries;
            std::string subject;
        };
        const Want want[] = {
            {{10, 1}, TicketStatus::New, 2, "Printer on fire"},
            {{10, 2}, TicketStatus::Closed, 1, "new person"},
            {{10, 3}, TicketStatus::New, 2, "URGENT: wrong charge and broken login"},
            {{20, 1}, TicketStatus::New, 1, "Invoice 2026-11 is missing"},
        };
        for (std::size_t i = 0; i < 4; ++i) {
            CAPTURE(to_string(want[i].key));
            CHECK(tickets[i].key == want[i].key);
            CHECK(tickets[i].status == want[i].status);
            CHECK(tickets[i].entry_count == want[i].entries);
            CHECK(tickets[i].subject == want[i].subject);
            CHECK(tickets[i].customer_id == "acme");
            CHECK(txn.entries(want[i].key).size() == want[i].entries);
        }
        CHECK(tickets[1].closed_at == 1793786400);
        CHECK(tickets[1].opener == "dave@acme.example");
        CHECK(tickets[2].priority == "high");
        CHECK(tickets[2].tags == std::vector<std::string>{"urgent"});
        CHECK(tickets[2].referrals == std::vector<std::uint32_t>{20});
        CHECK(tickets[3].category == "billing");

        // The raw bytes are the test mails, exactly.
        const auto e10 = txn.entries({10, 1});
        REQUIRE(e10.size() == 2);
        CHECK(e10[0].message_id == "printer-1@acme.example");
        CHECK(e10[1].message_id == "printer-2@acme.example");
        CHECK(txn.raw(e10[0].raw_id) == read_file(data_dir() / "engine" / "new-acme.eml"));
        CHECK(txn.raw(e10[1].raw_id) == read_file(data_dir() / "engine" / "reply-bob.eml"));
        const auto e20 = txn.entries({20, 1});
        REQUIRE(e20.size() == 1);
        CHECK(txn.raw(e20[0].raw_id) == read_file(data_dir() / "engine" / "invoice.eml"));
        const auto e103 = txn.entries({10, 3});
        REQUIRE(e103.size() == 2);
        CHECK(e103[0].kind == EntryKind::Message);
        CHECK(e103[1].kind == EntryKind::Referral);
        const auto refs = txn.find_message_id("printer-2@acme.example");
        REQUIRE(refs.size() == 1);
        CHECK(refs[0].ticket == TicketKey{10, 1});
        CHECK(refs[0].index == 1);

        const auto contacts = txn.contacts();
        REQUIRE(contacts.size() == 1);
        CHECK(contacts[0].address == "dave@acme.example");
        CHECK(contacts[0].name == "Dave");
        CHECK(contacts[0].customer_id == "acme");
        CHECK(contacts[0].queue == 10);

        const auto outbox = txn.outbox();
        REQUIRE(outbox.size() == 5);
        const char* kinds[] = {"ack", "ack", "ack", "ack", "summary"};
        const TicketKey of[] = {{10, 1}, {20, 1}, {10, 2}, {10, 3}, {10, 2}};
        for (std::size_t i = 0; i < 5; ++i) {
            CHECK(outbox[i].id == i + 1);
            CHECK(outbox[i].kind == kinds[i]);
            CHECK(outbox[i].state == "pending");
            CHECK(outbox[i].ticket == of[i]);
            CHECK(txn.raw(outbox[i].raw_id).has_value());
        }
    }));
}

Config load_engine_config() {
    LoadResult r = load_config(data_dir() / "engine" / "deskgate.toml");
    for (const auto& e : r.errors) MESSAGE(to_string(e));
    REQUIRE(r.config);
    return std::move(*r.config);
}

}  // namespace

TEST_CASE("the schema-1 fixture migrates on open and keeps every ticket, entry, contact and outbox item") {
    TempDir dir;
    const fs::path p = copy_fixture(dir);
    REQUIRE(raw_schema(p) == 1);
    {
        Store s = open_store(p);
        CHECK(s.schema() == kSchemaVersion);
        REQUIRE(s.migration());
        CHECK(s.migration()->from == 1);
        CHECK(s.migration()->to == 3);
        CHECK(s.migration()->tickets_reencoded == 4);
        CHECK(s.migration()->words_indexed > 0);
        const std::vector<std::pair<std::string, std::uint64_t>> seeded(kFixtureSeeds.begin(), kFixtureSeeds.end());
        CHECK(s.migration()->seeded == seeded);
        CHECK(counts(s) == kFixtureSeeds);
        check_fixture_content(s);
        // Schema 3's word index was built from the stored tickets and entries.
        REQUIRE_FALSE(s.read([&](const ReadTxn& txn) {
            CHECK(txn.search({"printer"}, 0) == std::vector<TicketKey>{{10, 1}});
            CHECK(txn.search({"dave@acme.example"}, 0) == std::vector<TicketKey>{{10, 2}});
            CHECK(txn.search({"invoice", "missing"}, 0) == std::vector<TicketKey>{{20, 1}});
        }));
    }
    CHECK(raw_schema(p) == 3);
    {
        Store again = open_store(p);
        CHECK_FALSE(again.migration());  // once only
        CHECK(again.schema() == 3);
        CHECK(counts(again) == kFixtureSeeds);
        check_fixture_content(again);
        // And it is an ordinary store again: the next ticket numbers follow on.
        REQUIRE_FALSE(again.write([&](WriteTxn& txn) {
            CHECK(txn.allocate_ticket(10) == TicketKey{10, 4});
            CHECK(txn.allocate_ticket(20) == TicketKey{20, 2});
            txn.count_verdict("new-ticket");
        }));
        CHECK(counts(again).at("new-ticket") == 5);
    }
}

TEST_CASE("a read-only open of a schema-1 store reads it as it is and changes nothing") {
    TempDir dir;
    const fs::path p = copy_fixture(dir);
    {
        Store s = open_store(p, true);
        CHECK(s.schema() == 1);
        CHECK_FALSE(s.migration());
        CHECK(counts(s).empty());  // no counters before the migration
        check_fixture_content(s);
        auto err = s.write([](WriteTxn&) {});
        REQUIRE(err);
        CHECK(err->message.find("read-only") != std::string::npos);
    }
    CHECK(raw_schema(p) == 1);
    // A writer (another process: LMDB allows one environment per file and process) migrates it
    // while a reader has it open; the reader keeps reading.
    {
        Store reader = open_store(p, true);
        const pid_t child = fork();
        REQUIRE(child >= 0);
        if (child == 0) {
            auto s = Store::open(Store::Options{p, 1ull << 20, false});
            auto* store = std::get_if<Store>(&s);
            _exit(store && store->migration() ? 0 : 1);
        }
        int status = 0;
        REQUIRE(waitpid(child, &status, 0) == child);
        CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));
        check_fixture_content(reader);
        CHECK(reader.schema() == 1);  // as opened
    }
    CHECK(raw_schema(p) == 3);
}

TEST_CASE("a schema older than any this build reads is refused read-only with what to do") {
    TempDir dir;
    const fs::path p = copy_fixture(dir);
    set_raw_schema(p, kOldestReadableSchema - 1);  // 0: "corrupt" for a writer too
    auto ro = Store::open(Store::Options{p, 1ull << 20, true});
    REQUIRE(std::holds_alternative<StoreError>(ro));
    CHECK_FALSE(std::get<StoreError>(ro).temporary);
}

TEST_CASE("a store with a newer schema is refused, read-only too: no downgrade") {
    TempDir dir;
    const fs::path p = copy_fixture(dir);
    set_raw_schema(p, kSchemaVersion + 1);
    for (bool ro : {false, true}) {
        CAPTURE(ro);
        auto s = Store::open(Store::Options{p, 1ull << 20, ro});
        REQUIRE(std::holds_alternative<StoreError>(s));
        const std::string& m = std::get<StoreError>(s).message;
        CHECK(m.find(fmt::format("store has schema {}, newer than this build (schema {})", kSchemaVersion + 1,
                                 kSchemaVersion)) != std::string::npos);
        CHECK(m.find("no downgrade") != std::string::npos);
    }
    CHECK(raw_schema(p) == kSchemaVersion + 1);  // untouched
}

TEST_CASE("two processes opening an old store at once: exactly one migrates") {
    TempDir dir;
    const fs::path p = copy_fixture(dir);
    int go[2];
    REQUIRE(pipe(go) == 0);
    pid_t children[3];
    for (pid_t& child : children) {
        child = fork();
        REQUIRE(child >= 0);
        if (child == 0) {
            char c;
            close(go[1]);
            if (read(go[0], &c, 1) != 0) _exit(3);  // wait for the start (EOF)
            auto s = Store::open(Store::Options{p, 1ull << 20, false});
            if (auto* store = std::get_if<Store>(&s)) _exit(store->migration() ? 10 : 20);
            _exit(2);
        }
    }
    close(go[0]);
    close(go[1]);  // all start now
    int migrated = 0, plain = 0;
    for (pid_t child : children) {
        int status = 0;
        REQUIRE(waitpid(child, &status, 0) == child);
        REQUIRE(WIFEXITED(status));
        if (WEXITSTATUS(status) == 10) ++migrated;
        if (WEXITSTATUS(status) == 20) ++plain;
    }
    CHECK(migrated == 1);
    CHECK(plain == 2);
    Store s = open_store(p);
    CHECK_FALSE(s.migration());
    CHECK(counts(s) == kFixtureSeeds);  // seeded once, not three times
    check_fixture_content(s);
}

TEST_CASE("every recipient decision is counted in the transaction that stores the message") {
    TempDir dir;
    const Config config = load_engine_config();
    const Engine engine(config);
    Store store = open_store(dir.path() / "store");
    CHECK_FALSE(store.migration());  // a new store starts at the current schema
    CHECK(store.schema() == kSchemaVersion);
    CHECK(counts(store).empty());
    constexpr std::int64_t now = 1795507200;
    auto deliver = [&](const std::string& file, std::vector<std::string> to) {
        const std::string raw = read_file(data_dir() / "engine" / file);
        const ParsedMessage m = parse_message(raw);
        Envelope env;
        env.sender = m.from ? m.from->address : "";
        env.recipients = std::move(to);
        return engine.deliver(store, env, raw, now);
    };
    CHECK(deliver("new-acme.eml", {"support@helpdesk.example.com"}).recipients[0].verdict == Verdict::NewTicket);
    CHECK(deliver("reply-bob.eml", {"support@helpdesk.example.com"}).recipients[0].verdict == Verdict::Appended);
    CHECK(deliver("new-acme.eml", {"support@helpdesk.example.com"}).recipients[0].verdict == Verdict::Duplicate);
    CHECK(deliver("globex.eml", {"support@helpdesk.example.com"}).recipients[0].verdict == Verdict::Refused);
    CHECK(deliver("initech.eml", {"archive@helpdesk.example.com"}).recipients[0].verdict == Verdict::QueueInactive);
    const auto two = deliver("two-queues.eml", {"support@helpdesk.example.com", "billing@helpdesk.example.com",
                                                "nobody@helpdesk.example.com"});
    REQUIRE(two.recipients.size() == 3);
    CHECK(two.recipients[0].verdict == Verdict::NewTicket);
    CHECK(two.recipients[1].verdict == Verdict::Referral);
    CHECK(two.recipients[2].verdict == Verdict::UnknownRecipient);

    const std::map<std::string, std::uint64_t> want = {
        {"new-ticket", 2}, {"appended", 1}, {"duplicate", 1}, {"refused", 1},
        {"queue-inactive", 1}, {"referral", 1}, {"unknown-recipient", 1}};
    CHECK(counts(store) == want);

    SUBCASE("a dry run counts nothing") {
        const std::string raw = read_file(data_dir() / "engine" / "initech.eml");
        Envelope env;
        env.sender = "peter@initech.example";
        env.recipients = {"support@helpdesk.example.com"};
        (void)engine.dry_run(store, env, raw, now);
        CHECK(counts(store) == want);
    }
    SUBCASE("a transaction that rolls back counts nothing") {
        const std::string raw = read_file(data_dir() / "engine" / "globex.eml");
        Envelope env;
        env.sender = "carol@globex.example";
        env.recipients = {"support@helpdesk.example.com"};
        auto err = store.write([&](WriteTxn& txn) {
            DeliveryPlan plan = engine.plan(txn, env, parse_message(raw), raw.size(), now);
            engine.apply(txn, plan, env, raw, now);
            throw std::runtime_error("the disk is gone");
        });
        REQUIRE(err);
        CHECK(counts(store) == want);
        // In a group commit only the failing message's counts go.
        std::vector<std::function<void(WriteTxn&)>> fns;
        fns.emplace_back([&](WriteTxn& txn) {
            DeliveryPlan plan = engine.plan(txn, env, parse_message(raw), raw.size(), now);
            engine.apply(txn, plan, env, raw, now);
        });
        fns.emplace_back([&](WriteTxn& txn) {
            txn.count_verdict("refused", 5);
            throw std::runtime_error("fails");
        });
        const auto errors = store.write_each(fns);
        CHECK_FALSE(errors[0]);
        CHECK(errors[1]);
        CHECK(counts(store).at("refused") == 2);
    }
}

TEST_CASE("a backup while another thread writes is consistent and complete") {
    TempDir dir;
    Store store = open_store(dir.path() / "store");
    auto body = [](std::uint32_t seq, std::uint32_t index) {
        return fmt::format("Message-ID: <{}.{}@load>\n\n{}\n", seq, index, std::string(200 + seq % 700, 'x'));
    };
    std::atomic<bool> stop{false};
    std::atomic<int> written{0};
    std::thread writer([&] {
        for (std::uint32_t i = 0; !stop && i < 5000; ++i) {
            auto err = store.write([&](WriteTxn& txn) {
                Ticket t;
                t.key = txn.allocate_ticket(10);
                t.queue = 10;
                t.subject = fmt::format("load {}", t.key.seq);
                txn.put_ticket(t);
                for (std::uint32_t n = 0; n < 1 + t.key.seq % 3; ++n) {
                    TicketEntry e;
                    e.ticket = t.key;
                    e.message_id = fmt::format("{}.{}@load", t.key.seq, n);
                    const std::string raw = body(t.key.seq, n);
                    e.raw_id = txn.put_raw(raw);
                    e.raw_size = raw.size();
                    txn.append_entry(e);
                }
                txn.count_verdict("new-ticket");
            });
            if (err) FAIL_CHECK(err->message);
            ++written;
        }
    });
    std::vector<fs::path> backups;
    for (int round = 0; round < 3; ++round) {
        while (written < 40 * (round + 1)) std::this_thread::sleep_for(std::chrono::milliseconds(2));
        const fs::path dest = dir.path() / fmt::format("backup-{}", round);
        auto done = store.backup(dest);
        if (auto* e = std::get_if<StoreError>(&done)) FAIL(e->message);
        const BackupResult& b = std::get<BackupResult>(done);
        CHECK(b.schema == kSchemaVersion);
        CHECK(b.tickets >= static_cast<std::size_t>(40 * (round + 1)));
        CHECK(b.bytes == fs::file_size(dest / "data.mdb"));
        CHECK_FALSE(fs::exists(dest / "lock.mdb"));
        backups.push_back(dest);
    }
    stop = true;
    writer.join();

    std::size_t last = 0;
    for (const fs::path& dest : backups) {
        CAPTURE(dest);
        Store copy = open_store(dest, true);
        std::size_t tickets = 0;
        REQUIRE_FALSE(copy.read([&](const ReadTxn& txn) {
            const auto all = txn.tickets({});
            tickets = all.size();
            for (std::size_t i = 0; i < all.size(); ++i) {
                const Ticket& t = all[i];
                REQUIRE(t.key == TicketKey{10, static_cast<std::uint32_t>(i + 1)});  // no gaps
                const auto entries = txn.entries(t.key);
                REQUIRE(entries.size() == 1 + t.key.seq % 3);
                REQUIRE(t.entry_count == entries.size());
                for (const TicketEntry& e : entries) REQUIRE(txn.raw(e.raw_id) == body(t.key.seq, e.index));
            }
            const auto c = txn.verdict_counts();
            REQUIRE(c.size() == 1);
            CHECK(c[0].second == tickets);  // the counters are in the same snapshot
        }));
        CHECK(tickets >= last);
        last = tickets;
    }

    // The destination must be new or empty.
    auto again = store.backup(backups.front());
    REQUIRE(std::holds_alternative<StoreError>(again));
    CHECK(std::get<StoreError>(again).message.find("not empty") != std::string::npos);
    fs::create_directory(dir.path() / "empty");
    CHECK(std::holds_alternative<BackupResult>(store.backup(dir.path() / "empty")));
}

TEST_CASE("restore is refused while another process has the store open, and works when it is closed") {
    TempDir dir;
    const fs::path target = dir.path() / "store";
    {
        Store s = open_store(target);
        REQUIRE_FALSE(s.write([](WriteTxn& txn) {
            Ticket t;
            t.key = txn.allocate_ticket(30);
            t.queue = 30;
            t.subject = "the store before the restore";
            txn.put_ticket(t);
        }));
    }
    const fs::path source = copy_fixture(dir, "backup");
    CHECK_FALSE(Store::in_use(target));
    CHECK_FALSE(Store::in_use(dir.path() / "nothing-here"));

    // A child holds the store open (a daemon) until we close the pipe.
    int hold[2], ready[2];
    REQUIRE(pipe(hold) == 0);
    REQUIRE(pipe(ready) == 0);
    const pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        close(hold[1]);
        close(ready[0]);
        auto s = Store::open(Store::Options{target, 1ull << 20, true});
        if (!std::holds_alternative<Store>(s)) _exit(2);
        if (write(ready[1], "r", 1) != 1) _exit(3);
        char c;
        if (read(hold[0], &c, 1) != 0) _exit(4);
        _exit(0);
    }
    close(hold[0]);
    close(ready[1]);
    char c = 0;
    REQUIRE(read(ready[0], &c, 1) == 1);
    CHECK(Store::in_use(target));
    for (bool force : {false, true}) {
        auto refused = Store::restore(source, target, force, 1795507200);
        REQUIRE(std::holds_alternative<RestoreError>(refused));
        CHECK(std::get<RestoreError>(refused).kind == RestoreError::Kind::InUse);
        CHECK(std::get<RestoreError>(refused).message ==
              fmt::format("the store {} is in use (stop deskgate-lmtpd and deskgate-milter first)", target.string()));
    }
    close(hold[1]);
    int status = 0;
    REQUIRE(waitpid(child, &status, 0) == child);
    CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));
    close(ready[0]);
    CHECK_FALSE(Store::in_use(target));

    // Closed now, but it holds data: only with force.
    auto not_forced = Store::restore(source, target, false, 1795507200);
    REQUIRE(std::holds_alternative<RestoreError>(not_forced));
    CHECK(std::get<RestoreError>(not_forced).kind == RestoreError::Kind::NotEmpty);
    CHECK(std::get<RestoreError>(not_forced).message.find("--force") != std::string::npos);

    auto done = Store::restore(source, target, true, 1795507200);
    if (auto* e = std::get_if<RestoreError>(&done)) FAIL(e->message);
    const RestoreResult& r = std::get<RestoreResult>(done);
    CHECK(r.tickets == 4);
    CHECK(r.schema == 1);
    CHECK(r.previous == fs::path(target.string() + ".before-restore-20261124T080000Z"));
    CHECK_FALSE(fs::exists(source / "lock.mdb"));  // the source is left as it was
    CHECK(raw_schema(source) == 1);
    {
        Store previous = open_store(r.previous, true);
        REQUIRE_FALSE(previous.read([](const ReadTxn& txn) {
            const auto all = txn.tickets({});
            REQUIRE(all.size() == 1);
            CHECK(all[0].subject == "the store before the restore");
        }));
    }
    {
        Store restored = open_store(target);  // the normal open migrates it
        REQUIRE(restored.migration());
        CHECK(counts(restored) == kFixtureSeeds);
        check_fixture_content(restored);
    }
    // Into a store directory that does not exist yet: nothing to keep.
    auto fresh = Store::restore(source, dir.path() / "new" / "store", false, 1795507200);
    if (auto* e = std::get_if<RestoreError>(&fresh)) FAIL(e->message);
    CHECK(std::get<RestoreResult>(fresh).previous.empty());
    // A bad source changes nothing.
    auto bad = Store::restore(dir.path() / "no-such-backup", target, true, 1795507200);
    REQUIRE(std::holds_alternative<RestoreError>(bad));
    CHECK(std::get<RestoreError>(bad).kind == RestoreError::Kind::BadSource);
    CHECK(fs::exists(target / "data.mdb"));
    // Every temporary directory is gone.
    for (const auto& e : fs::directory_iterator(dir.path()))
        CHECK(e.path().filename().string().find(".restore-") == std::string::npos);
}

TEST_CASE("a store root creates in a directory of the daemons' user belongs to that user") {
    if (::geteuid() != 0) {
        MESSAGE("not root: nothing to adopt");
        return;
    }
    TempDir dir;
    const auto state = dir.path() / "var-lib-deskgate";
    std::filesystem::create_directory(state);
    const uid_t uid = 65534;  // nobody, standing in for user deskgate
    const gid_t gid = 65534;
    REQUIRE(::chown(state.c_str(), uid, gid) == 0);
    {
        auto s = Store::open(Store::Options{state / "store", 1ull << 20, false});
        REQUIRE(std::holds_alternative<Store>(s));
    }
    for (const auto& p : {state / "store", state / "store" / "data.mdb", state / "store" / "lock.mdb"}) {
        struct stat st{};
        REQUIRE(::stat(p.c_str(), &st) == 0);
        CHECK_MESSAGE(st.st_uid == uid, p.string());
        CHECK_MESSAGE(st.st_gid == gid, p.string());
    }
}
