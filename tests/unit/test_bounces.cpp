// test_bounces.cpp - a bounce never opens a ticket: a delivery failure report that matches none
// of our mail (a forged or stale VERP token, nothing returned we know, a report to a queue
// address) goes into the store's bounce list (`deskgate bounces`), answered 250 and never
// acknowledged; a matched one joins its ticket as before. Old entries leave the list after
// kBounceDays.
#include <doctest/doctest.h>

#include <fmt/format.h>

#include "config/load.hpp"
#include "core/compose/acknowledgement.hpp"
#include "core/decision/engine.hpp"
#include "config_fixture.hpp"
#include "test_support.hpp"

using namespace deskgate;
using deskgate::test::source_dir;
using deskgate::test::TempDir;

namespace {

const Config& example() { return deskgate::test::example_config(); }

constexpr std::int64_t kTue0900 = 1795507200;

// A delivery status notification from mx.acme.example for alice, returning `returned_id`.
std::string dsn(const std::string& id, const std::string& returned_id) {
    return "From: Mail Delivery System <MAILER-DAEMON@mx.acme.example>\r\nSubject: Undelivered Mail Returned to Sender\r\n"
           "Message-ID: <" + id + ">\r\n"
           "Content-Type: multipart/report; report-type=delivery-status; boundary=\"R\"\r\n\r\n"
           "--R\r\nContent-Type: text/plain\r\n\r\nUser unknown\r\n"
           "--R\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.acme.example\r\n\r\n"
           "Final-Recipient: rfc822; alice@acme.example\r\nAction: failed\r\nStatus: 5.1.1\r\n"
           "Diagnostic-Code: smtp; 550 5.1.1 <alice@acme.example>: User unknown\r\n"
           "--R\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <" + returned_id + ">\r\nSubject: Re: help\r\n"
           "--R--\r\n";
}

struct Desk {
    TempDir dir;
    Store store = std::move(std::get<Store>(Store::open(Store::Options{dir.path() / "s", 1u << 20, false})));
    Engine engine{example()};

    std::vector<Bounce> bounces() {
        std::vector<Bounce> out;
        REQUIRE_FALSE(store.read([&](const ReadTxn& txn) { out = txn.bounces(); }));
        return out;
    }
    std::size_t tickets() {
        std::size_t n = 0;
        REQUIRE_FALSE(store.read([&](const ReadTxn& txn) { n = txn.tickets({}).size(); }));
        return n;
    }
    std::size_t outbox() {
        std::size_t n = 0;
        REQUIRE_FALSE(store.read([&](const ReadTxn& txn) { n = txn.outbox().size(); }));
        return n;
    }
};

}  // namespace

TEST_CASE("an unmatched bounce to the bounce address is kept in the bounce list, not a ticket") {
    Desk d;
    const auto p = d.engine.deliver(d.store, {"", {"bounces+b1-0000000000000000@helpdesk.example.com"}, ""},
                                    dsn("dsn1@mx.acme.example", "unknown@elsewhere.example"), kTue0900);
    REQUIRE(p.recipients.size() == 1);
    CHECK(p.recipients[0].verdict == Verdict::Bounce);
    CHECK(p.recipients[0].reply.code == 250);
    CHECK_FALSE(p.recipients[0].ticket);
    CHECK(p.recipients[0].explanation.find("bounce list") != std::string::npos);
    CHECK(d.tickets() == 0);
    CHECK(d.outbox() == 0);  // never answered
    const auto list = d.bounces();
    REQUIRE(list.size() == 1);
    const Bounce& b = list[0];
    CHECK(b.id == 1);
    CHECK(b.received == kTue0900);
    CHECK(b.envelope_sender.empty());
    CHECK(b.recipients == std::vector<std::string>{"bounces+b1-0000000000000000@helpdesk.example.com"});
    CHECK(b.from == "mailer-daemon@mx.acme.example");
    CHECK(b.subject == "Undelivered Mail Returned to Sender");
    CHECK(b.message_id == "dsn1@mx.acme.example");
    CHECK(b.failed == std::vector<std::string>{"alice@acme.example"});
    CHECK(b.diagnostic == "550 5.1.1 <alice@acme.example>: User unknown");
    CHECK(b.reason.find("bad signature") != std::string::npos);
    std::optional<std::string> raw;
    REQUIRE_FALSE(d.store.read([&](const ReadTxn& txn) { raw = txn.raw(b.raw_id); }));
    CHECK(raw == dsn("dsn1@mx.acme.example", "unknown@elsewhere.example"));
    std::vector<std::pair<std::string, std::uint64_t>> counts;
    REQUIRE_FALSE(d.store.read([&](const ReadTxn& txn) { counts = txn.verdict_counts(); }));
    CHECK(counts == std::vector<std::pair<std::string, std::uint64_t>>{{"bounce", 1}});
}

TEST_CASE("a report to a queue address: joins the ticket of our returned mail, else the bounce list") {
    Desk d;
    d.engine.deliver(d.store, {"alice@acme.example", {"support@helpdesk.example.com"}, ""},
                     "From: Alice <alice@acme.example>\r\nSubject: help\r\nMessage-ID: <h1@acme.example>\r\n\r\nx\r\n", kTue0900);
    REQUIRE(d.tickets() == 1);
    // our acknowledgement came back to the queue's own address (no VERP on that path)
    auto p = d.engine.deliver(d.store, {"", {"support@helpdesk.example.com"}, ""},
                              dsn("dsn2@mx.acme.example", acknowledgement_message_id(example(), {10, 1})), kTue0900 + 60);
    CHECK(p.recipients[0].verdict == Verdict::Appended);
    CHECK(p.recipients[0].ticket == TicketKey{10, 1});
    // a report about mail we never sent (backscatter of a forged support@ sender)
    p = d.engine.deliver(d.store, {"", {"support@helpdesk.example.com"}, ""},
                         dsn("dsn3@mx.acme.example", "spam123@forged.example"), kTue0900 + 120);
    CHECK(p.recipients[0].verdict == Verdict::Bounce);
    CHECK(d.tickets() == 1);
    REQUIRE(d.bounces().size() == 1);
    CHECK(d.bounces()[0].reason.find("no returned Message-ID") != std::string::npos);
    // other null-sender mail to a queue address (an out-of-office without a report) is still mail
    p = d.engine.deliver(d.store, {"", {"support@helpdesk.example.com"}, ""},
                         "From: carol@acme.example\r\nSubject: away\r\nAuto-Submitted: auto-replied\r\n"
                         "Message-ID: <away@acme.example>\r\n\r\nI am away.\r\n",
                         kTue0900 + 180);
    CHECK(p.recipients[0].verdict == Verdict::NewTicket);
}

TEST_CASE("the bounce list keeps kBounceDays") {
    Desk d;
    for (int i = 0; i < 3; ++i)
        d.engine.deliver(d.store, {"", {"bounces@helpdesk.example.com"}, ""},
                         dsn(fmt::format("old{}@mx.acme.example", i), "x@elsewhere.example"), kTue0900 + i);
    REQUIRE(d.bounces().size() == 3);
    std::uint64_t old_raw = d.bounces()[0].raw_id;
    d.engine.deliver(d.store, {"", {"bounces@helpdesk.example.com"}, ""}, dsn("new@mx.acme.example", "x@elsewhere.example"),
                     kTue0900 + 2 + kBounceDays * 86400);
    const auto list = d.bounces();
    REQUIRE(list.size() == 2);  // the two older than kBounceDays are gone
    CHECK(list[0].message_id == "old2@mx.acme.example");
    CHECK(list[1].message_id == "new@mx.acme.example");
    CHECK(list[1].id == 4);
    std::optional<std::string> raw;
    REQUIRE_FALSE(d.store.read([&](const ReadTxn& txn) { raw = txn.raw(old_raw); }));
    CHECK_FALSE(raw);  // with their raw bytes
}
