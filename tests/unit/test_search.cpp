// test_search.cpp - the word index: words and queries as core/mail/words.hpp normalises them,
// and the store's `words` database: kept by put_ticket and append_entry in their transaction
// (and rolled back with it), ReadTxn::search (AND, prefixes, addresses, order, limit), the
// migration that builds the index for a schema-2 store, and a read-only open of one.
#include <doctest/doctest.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/mail/words.hpp"
#include "core/store/store.hpp"
#include "lmdb_raw.hpp"
#include "test_support.hpp"

using namespace deskgate;
using deskgate::test::TempDir;
namespace fs = std::filesystem;

using Words = std::vector<std::string>;

namespace {

bool has(const Words& words, const std::string& w) { return std::find(words.begin(), words.end(), w) != words.end(); }

Store open_store(const fs::path& p, bool ro = false) {
    auto s = Store::open(Store::Options{p, 1ull << 20, ro});
    if (auto* e = std::get_if<StoreError>(&s)) FAIL(e->message);
    return std::move(std::get<Store>(s));
}

Ticket make_ticket(TicketKey key, std::string subject, std::string opener = "alice@acme.example") {
    Ticket t;
    t.key = key;
    t.queue = key.queue;
    t.subject = std::move(subject);
    t.opener = std::move(opener);
    t.created = t.updated = 1795507200;
    return t;
}

TicketEntry make_entry(TicketKey key, std::string body) {
    TicketEntry e;
    e.ticket = key;
    e.from_address = "alice@acme.example";
    e.from_name = "Alice Example";
    e.subject = "a message";
    e.text_body = std::move(body);
    e.received = 1795507300;
    return e;
}

// A ticket with one entry, in one transaction.
void add(Store& s, TicketKey key, const std::string& subject, const std::string& body) {
    REQUIRE_FALSE(s.write([&](WriteTxn& txn) {
        txn.put_ticket(make_ticket(key, subject));
        TicketEntry e = make_entry(key, body);
        txn.append_entry(e);
    }));
}

// The tickets for the command-line arguments, as `deskgate search` asks.
std::vector<TicketKey> search(const Store& s, std::vector<std::string> args, std::size_t limit = 0) {
    Words query;
    for (const std::string& a : args)
        for (std::string& w : normalise_query(a)) query.push_back(std::move(w));
    std::vector<TicketKey> out;
    const auto err = s.read([&](const ReadTxn& txn) { out = txn.search(query, limit); });
    if (err) FAIL(err->message);
    return out;
}

using Keys = std::vector<TicketKey>;

}  // namespace

TEST_CASE("index_words: split on anything but letters and digits, fold case, at least two characters") {
    CHECK(index_words("Tiskárna ve 2. patře NEFUNGUJE!") == Words{"nefunguje", "patře", "tiskárna", "ve"});
    CHECK(index_words("") == Words{});
    CHECK(index_words("a b c - 1 2") == Words{});
    CHECK(index_words("printer, printer; PRINTER") == Words{"printer"});  // once
    CHECK(index_words("order_no=A-1234/x") == Words{"1234", "no", "order"});
}

TEST_CASE("index_words: case, composition and compatibility forms fold, diacritics stay") {
    const Words want{"tiskárna"};
    CHECK(index_words("Tiskárna") == want);
    CHECK(index_words("TISKÁRNA") == want);
    CHECK(index_words("tiska\xCC\x81rna") == want);  // a + U+0301 COMBINING ACUTE: composed
    CHECK(index_words("tiskarna") == Words{"tiskarna"});  // without the accent: another word
    CHECK(index_words("ＡＢＣ　ｄｅｆ") == Words{"abc", "def"});  // fullwidth letters and space
    CHECK(index_words("Straße") == Words{"strasse"});
    CHECK(index_words("ÚČET účet") == Words{"účet"});
    CHECK(index_words("Ελληνικά ΠΡΟΒΛΗΜΑ") == Words{"ελληνικά", "προβλημα"});
}

TEST_CASE("index_words: limits, invalid UTF-8 and NUL separate words") {
    const std::string w64(64, 'x'), w65(65, 'y');
    CHECK(index_words(w64 + " " + w65) == Words{w64});
    CHECK(index_words("ab\xFF" "cd") == Words{"ab", "cd"});
    CHECK(index_words(std::string("ab\0cd", 5)) == Words{"ab", "cd"});
    CHECK(index_words("日本") == Words{"日本"});  // two characters, six bytes
    CHECK(index_words("日") == Words{});
}

TEST_CASE("index_words: an address is a word whole, and so are its local part and domain") {
    const Words w = index_words("Write to <Jana.Novak@Firma.CZ>. Thanks");
    for (const char* want : {"jana.novak@firma.cz", "jana.novak", "firma.cz", "jana", "novak", "firma", "cz", "write",
                             "to", "thanks"})
        CHECK_MESSAGE(has(w, want), want);
    CHECK(w.size() == 10);
    CHECK(has(index_words("x@acme.example"), "x@acme.example"));
    CHECK_FALSE(has(index_words("x@acme.example"), "x"));  // too short as a word
    CHECK(index_words("user@localhost") == Words{"localhost", "user"});  // no dot: no address
    CHECK(has(index_words("mailto:bob+tag@sub.acme.example."), "bob+tag@sub.acme.example"));
    CHECK(has(index_words("petr@příklad.cz"), "petr@příklad.cz"));
}

TEST_CASE("normalise_query: words, prefixes, addresses and domains") {
    CHECK(normalise_query("TISKÁRNA") == Words{"tiskárna"});
    CHECK(normalise_query("Tisk*") == Words{"tisk*"});
    CHECK(normalise_query("tiskárna ve*") == Words{"tiskárna", "ve*"});
    CHECK(normalise_query("2. patře") == Words{"patře"});
    CHECK(normalise_query("a") == Words{});
    CHECK(normalise_query("*") == Words{});
    CHECK(normalise_query("<Jana@Firma.cz>,") == Words{"jana@firma.cz"});
    CHECK(normalise_query("jana@firma*") == Words{"jana@firma*"});
    CHECK(normalise_query("@Firma.CZ") == Words{"firma.cz"});
    CHECK(normalise_query("bob@acme.example printer") == Words{"bob@acme.example", "printer"});
    CHECK(is_prefix_query("tisk*"));
    CHECK_FALSE(is_prefix_query("tisk"));
    CHECK_FALSE(is_prefix_query("*"));
}

TEST_CASE("an appended entry's words are found: body, subject, sender, attachment names") {
    TempDir dir;
    Store s = open_store(dir.path() / "s");
    CHECK(s.schema() == 3);
    REQUIRE_FALSE(s.write([&](WriteTxn& txn) {
        txn.put_ticket(make_ticket({10, 1}, "Tiskárna nefunguje"));
        TicketEntry e = make_entry({10, 1}, "The toner cartridge is empty.");
        e.subject = "Printer down";
        e.from_address = "petr@firma.cz";
        e.from_name = "Petr Dvořák";
        e.attachments = {{"scan-001.PDF", "application/pdf", 10, "x"}};
        txn.append_entry(e);
    }));
    const Keys one{{10, 1}};
    for (const char* q : {"toner", "printer", "petr@firma.cz", "dvořák", "scan", "pdf", "nefunguje"})
        CHECK_MESSAGE(search(s, {q}) == one, q);
    CHECK(search(s, {"missing"}).empty());
    // A later entry of the same ticket adds its words.
    REQUIRE_FALSE(s.write([&](WriteTxn& txn) {
        TicketEntry e = make_entry({10, 1}, "fixed by replacing the drum unit");
        txn.append_entry(e);
    }));
    CHECK(search(s, {"drum"}) == one);
    CHECK(search(s, {"drum", "toner"}) == one);  // words of two entries, one ticket
}

TEST_CASE("search folds case and composition like the index: Tiskárna") {
    TempDir dir;
    Store s = open_store(dir.path() / "s");
    add(s, {10, 1}, "Tiskárna ve 2. patře nefunguje", "body");
    const Keys one{{10, 1}};
    CHECK(search(s, {"tiskárna"}) == one);
    CHECK(search(s, {"TISKÁRNA"}) == one);
    CHECK(search(s, {"Tiska\xCC\x81rna"}) == one);
    CHECK(search(s, {"PATŘE"}) == one);
    CHECK(search(s, {"tiskarna"}).empty());  // diacritics are not folded away
}

TEST_CASE("a word ending in * is a prefix") {
    TempDir dir;
    Store s = open_store(dir.path() / "s");
    add(s, {10, 1}, "Invoice missing", "xy1");
    add(s, {10, 2}, "Invoices for March", "xy2");
    add(s, {10, 3}, "Invoicing question", "xy3");
    add(s, {10, 4}, "Printer", "xy4");
    CHECK(search(s, {"invoic*"}) == Keys{{10, 3}, {10, 2}, {10, 1}});
    CHECK(search(s, {"invoice*"}) == Keys{{10, 2}, {10, 1}});
    CHECK(search(s, {"invoicex*"}).empty());
    CHECK(search(s, {"invoic*", "march"}) == Keys{{10, 2}});
    CHECK(search(s, {"xy*"}) == Keys{{10, 4}, {10, 3}, {10, 2}, {10, 1}});
    CHECK(normalise_query("x*").empty());  // a prefix needs two characters too
    CHECK(search(s, {"alice@acme*"}).size() == 4);  // the sender's address, as a prefix
}

TEST_CASE("addresses: opener, participants, senders; whole, local part, domain") {
    TempDir dir;
    Store s = open_store(dir.path() / "s");
    REQUIRE_FALSE(s.write([&](WriteTxn& txn) {
        Ticket t = make_ticket({10, 1}, "hello", "jana.novak@firma.cz");
        t.participants = {"bob@acme.example"};
        txn.put_ticket(t);
        txn.put_ticket(make_ticket({10, 2}, "other", "carl@globex.example"));
    }));
    CHECK(search(s, {"jana.novak@firma.cz"}) == Keys{{10, 1}});
    CHECK(search(s, {"JANA.NOVAK@FIRMA.CZ"}) == Keys{{10, 1}});
    CHECK(search(s, {"@firma.cz"}) == Keys{{10, 1}});
    CHECK(search(s, {"jana.novak"}) == Keys{{10, 1}});
    CHECK(search(s, {"bob@acme.example"}) == Keys{{10, 1}});
    CHECK(search(s, {"@globex.example"}) == Keys{{10, 2}});
    CHECK(search(s, {"novak@firma.cz"}).empty());  // another address
    // A participant joining later is indexed by put_ticket; one already there is not again.
    REQUIRE_FALSE(s.write([&](WriteTxn& txn) {
        Ticket t = *txn.ticket({10, 2});
        t.participants.push_back("dana@acme.example");
        txn.put_ticket(t);
    }));
    CHECK(search(s, {"dana@acme.example"}) == Keys{{10, 2}});
    CHECK(search(s, {"@acme.example"}) == Keys{{10, 2}, {10, 1}});
}

TEST_CASE("every word must match (AND), from the rarest up") {
    TempDir dir;
    Store s = open_store(dir.path() / "s");
    add(s, {10, 1}, "printer broken", "regards");
    add(s, {10, 2}, "printer fine", "regards");
    add(s, {20, 1}, "scanner broken", "regards");
    CHECK(search(s, {"printer"}) == Keys{{10, 2}, {10, 1}});
    CHECK(search(s, {"printer", "broken"}) == Keys{{10, 1}});
    CHECK(search(s, {"printer broken"}) == Keys{{10, 1}});  // one argument, two words
    CHECK(search(s, {"broken", "fine"}).empty());
    CHECK(search(s, {"printer", "nowhere"}).empty());
    std::vector<TicketKey> none;
    REQUIRE_FALSE(s.read([&](const ReadTxn& txn) { none = txn.search({}, 0); }));
    CHECK(none.empty());  // no words: nothing, not everything

    // Many tickets with a common word, one with a rare one: both ways of narrowing agree.
    REQUIRE_FALSE(s.write([&](WriteTxn& txn) {
        for (std::uint32_t i = 1; i <= 300; ++i) {
            txn.put_ticket(make_ticket({30, i}, fmt::format("common word{} {}", i % 7, i == 150 ? "rare" : "")));
        }
    }));
    CHECK(search(s, {"common", "rare"}) == Keys{{30, 150}});
    CHECK(search(s, {"rare", "common", "word3"}) == Keys{{30, 150}});  // 150 % 7 == 3
    CHECK(search(s, {"common", "word3"}).size() == 43);                  // lists intersected
    CHECK(search(s, {"common", "word*"}).size() == 300);
    CHECK(search(s, {"rare", "word3*"}) == Keys{{30, 150}});
}

TEST_CASE("order: ticket numbers descending; limit keeps the first") {
    TempDir dir;
    Store s = open_store(dir.path() / "s");
    for (TicketKey k : {TicketKey{10, 1}, TicketKey{20, 1}, TicketKey{10, 2}, TicketKey{20, 2}, TicketKey{10, 3}})
        add(s, k, "same subject", "body");
    CHECK(search(s, {"same"}) == Keys{{20, 2}, {20, 1}, {10, 3}, {10, 2}, {10, 1}});
    CHECK(search(s, {"same"}, 2) == Keys{{20, 2}, {20, 1}});
    CHECK(search(s, {"same"}, 99).size() == 5);
}

TEST_CASE("a changed subject adds its words; the old ones still find the ticket") {
    TempDir dir;
    Store s = open_store(dir.path() / "s");
    add(s, {10, 1}, "printer broken", "body");
    REQUIRE_FALSE(s.write([&](WriteTxn& txn) {
        Ticket t = *txn.ticket({10, 1});
        t.subject = "Printer replaced";
        txn.put_ticket(t);
    }));
    CHECK(search(s, {"replaced"}) == Keys{{10, 1}});
    CHECK(search(s, {"broken"}) == Keys{{10, 1}});
}

TEST_CASE("the index rolls back with the transaction that wrote it") {
    TempDir dir;
    Store s = open_store(dir.path() / "s");
    add(s, {10, 1}, "kept", "body");
    auto err = s.write([&](WriteTxn& txn) {
        txn.put_ticket(make_ticket({10, 2}, "vanishing subject"));
        TicketEntry e = make_entry({10, 1}, "rollbackword in an entry of a kept ticket");
        txn.append_entry(e);
        throw std::runtime_error("abort");
    });
    REQUIRE(err);
    CHECK(search(s, {"vanishing"}).empty());
    CHECK(search(s, {"rollbackword"}).empty());
    // In a group commit only the failing writer's words go.
    auto results = s.write_each({
        [](WriteTxn& txn) { txn.put_ticket(make_ticket({10, 3}, "groupkept")); },
        [](WriteTxn& txn) {
            txn.put_ticket(make_ticket({10, 4}, "groupgone"));
            throw std::runtime_error("abort");
        },
    });
    CHECK_FALSE(results[0]);
    CHECK(results[1]);
    CHECK(search(s, {"groupkept"}) == Keys{{10, 3}});
    CHECK(search(s, {"groupgone"}).empty());
}

TEST_CASE("a schema-2 store: read-only it has no index; the migration to 3 builds it") {
    TempDir dir;
    const fs::path p = dir.path() / "s";
    {
        Store s = open_store(p);
        add(s, {10, 1}, "Tiskárna nefunguje", "toner empty");
        add(s, {20, 1}, "Invoice missing", "see attachment");
        REQUIRE_FALSE(s.write([&](WriteTxn& txn) {
            Ticket t = *txn.ticket({20, 1});
            t.participants = {"bob@acme.example"};
            txn.put_ticket(t);
        }));
    }
    // What schema 2 had: no `words`, schema record 2 (u32 little-endian).
    deskgate::test::raw_drop(p, "words");
    deskgate::test::raw_put(p, "meta", "schema", std::string("\x02\x00\x00\x00", 4));
    {
        Store ro = open_store(p, true);
        CHECK(ro.schema() == 2);
        const auto err = ro.read([&](const ReadTxn& txn) { (void)txn.search({"toner"}, 0); });
        REQUIRE(err);
        CHECK(err->message.find("no word index") != std::string::npos);
        REQUIRE_FALSE(ro.read([&](const ReadTxn& txn) { CHECK(txn.tickets({}).size() == 2); }));
    }
    {
        Store s = open_store(p);
        REQUIRE(s.migration());
        CHECK(s.migration()->from == 2);
        CHECK(s.migration()->to == 3);
        CHECK(s.migration()->seeded.empty());  // the counters were there already
        CHECK(s.migration()->words_indexed > 10);
        CHECK(s.schema() == 3);
        CHECK(search(s, {"TISKÁRNA"}) == Keys{{10, 1}});
        CHECK(search(s, {"toner"}) == Keys{{10, 1}});
        CHECK(search(s, {"invoice", "attachment"}) == Keys{{20, 1}});
        CHECK(search(s, {"bob@acme.example"}) == Keys{{20, 1}});
        CHECK(search(s, {"alice@acme.example"}) == Keys{{20, 1}, {10, 1}});
    }
    Store again = open_store(p);
    CHECK_FALSE(again.migration());
    CHECK(search(again, {"toner"}) == Keys{{10, 1}});
}
