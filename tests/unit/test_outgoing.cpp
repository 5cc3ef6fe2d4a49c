// test_outgoing.cpp - a queue with its own outgoing server ([queues.outgoing]) in the core: the
// return path of its mail (its sender_address, VERP-extended with bounce_address), the way back
// of a bounce to it, and the log line of a refusal by that server naming queue, server, login
// and the server's words - without marking the customer undeliverable.
#include <doctest/doctest.h>

#include "config/load.hpp"
#include "core/decision/engine.hpp"
#include "core/model/token.hpp"
#include "core/policy/queue_resolver.hpp"
#include "core/policy/return_path.hpp"
#include "test_support.hpp"

using namespace deskgate;
using deskgate::test::source_dir;
using deskgate::test::TempDir;

namespace {

constexpr std::int64_t kTue0900 = 1795507200;  // 2026-11-24 09:00 Prague: in hours

// The example with queue 10 sending through smtp.provider.example as login10.
Config with_outgoing() {
    LoadResult r = load_config(source_dir() / "config/examples/deskgate.toml");
    REQUIRE(r.config);
    Config c = std::move(*r.config);
    Outgoing out;
    out.server = "smtp.provider.example";
    out.user = "login10@provider.example";
    out.password_file = "/etc/deskgate/q10.pass";
    c.queues[0].outgoing = out;
    c.build_indexes();
    return c;
}

// A Postfix-style delivery status notification about `recipient`.
std::string dsn(const std::string& id, const std::string& recipient, const std::string& remote_mta,
                const std::string& status, const std::string& diagnostic) {
    return "From: MAILER-DAEMON@mx.helpdesk.example.com (Mail Delivery System)\r\nSubject: Undelivered Mail Returned "
           "to Sender\r\nMessage-ID: <" + id + "@mx>\r\nAuto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n"
           "Content-Type: multipart/report; report-type=delivery-status; boundary=\"R\"\r\n\r\n"
           "--R\r\nContent-Type: text/plain\r\n\r\nI'm sorry to have to inform you that your message could not\r\n"
           "be delivered to one or more recipients.\r\n"
           "--R\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.helpdesk.example.com\r\n"
           "X-Postfix-Queue-ID: 4XyZ1\r\n\r\nFinal-Recipient: rfc822; " + recipient + "\r\nOriginal-Recipient: rfc822;" +
           recipient + "\r\nAction: failed\r\nStatus: " + status + "\r\nRemote-MTA: dns; " + remote_mta +
           "\r\nDiagnostic-Code: smtp; " + diagnostic + "\r\n\r\n--R--\r\n";
}

std::vector<OutboxItem> acknowledgements(const Store& store) {
    std::vector<OutboxItem> out;
    REQUIRE_FALSE(store.read([&](const ReadTxn& txn) { out = txn.outbox(); }));
    std::erase_if(out, [](const OutboxItem& i) { return i.kind != "ack"; });
    return out;
}

}  // namespace

TEST_CASE("the return path: the queue's own sender_address when it has an outgoing server") {
    Config c = with_outgoing();
    const Queue& support = c.queues[0];
    const Queue& billing = c.queues[1];
    const std::string token = make_bounce_token(c.global.secret, 7);
    CHECK(return_path(c, support, 7) == "support+" + token + "@helpdesk.example.com");
    CHECK(return_path(c, billing, 7) == "bounces+" + token + "@helpdesk.example.com");  // the shared bounce_address
    CHECK(outgoing_queue_of_sender(c, return_path(c, support, 7)) == &support);
    CHECK(outgoing_queue_of_sender(c, "support@helpdesk.example.com") == &support);
    CHECK(outgoing_queue_of_sender(c, return_path(c, billing, 7)) == nullptr);
    CHECK(outgoing_queue_of_sender(c, "") == nullptr);
    // without bounce_address: no VERP, the plain sender_address for every queue
    c.global.bounce_address.clear();
    CHECK(return_path(c, support, 7) == "support@helpdesk.example.com");
    CHECK(return_path(c, billing, 7) == "billing@helpdesk.example.com");
}

TEST_CASE("a bounce token on an outgoing queue's sender_address is a bounce; a forged one is not") {
    const Config c = with_outgoing();
    const std::string token = make_bounce_token(c.global.secret, 3);
    auto t = resolve_queue(c, "support+" + token + "@helpdesk.example.com");
    REQUIRE(t);
    CHECK(t->role == AddressRole::Bounce);
    CHECK(t->queue == 0);
    CHECK(t->detail == token);
    t = resolve_queue(c, "support+b3-0000000000000000@helpdesk.example.com");
    REQUIRE(t);
    CHECK(t->role == AddressRole::System);  // ordinary plus-addressed mail to the queue
    t = resolve_queue(c, "billing+" + token + "@helpdesk.example.com");  // no outgoing server: its bounces
    REQUIRE(t);                                                        // go to bounce_address
    CHECK(t->role == AddressRole::System);
}

TEST_CASE("the outgoing server refuses the login: logged with queue, server, login and its words; nobody marked") {
    const Config c = with_outgoing();
    TempDir dir;
    Store store = std::move(std::get<Store>(Store::open(Store::Options{dir.path() / "s", 1u << 20, false})));
    const Engine engine(c);
    engine.deliver(store, {"alice@acme.example", {"support@helpdesk.example.com"}, ""},
                   "From: Alice <alice@acme.example>\r\nSubject: help\r\nMessage-ID: <h1@acme.example>\r\n\r\nx\r\n", kTue0900);
    auto acks = acknowledgements(store);
    REQUIRE(acks.size() == 1);
    CHECK(acks[0].sender == return_path(c, c.queues[0], acks[0].id));
    CHECK(acks[0].sender.starts_with("support+b"));

    // 1. the provider refused the sender: the customer is fine
    auto p = engine.deliver(store, {"", {acks[0].sender}, ""},
                            dsn("d1", "alice@acme.example", "smtp.provider.example", "5.7.60",
                                "550 5.7.60 SMTP; Client does not have permissions to send as this sender"),
                            kTue0900 + 60);
    REQUIRE(p.recipients.size() == 1);
    const RecipientDecision& d = p.recipients[0];
    MESSAGE(d.explanation);
    CHECK(d.verdict == Verdict::Appended);
    CHECK(d.ticket == TicketKey{10, 1});
    CHECK(d.explanation.find("alice@acme.example not marked undeliverable; queue 10 sends through "
                             "smtp.provider.example:587 as login login10@provider.example: refused by "
                             "smtp.provider.example: 550 5.7.60 SMTP; Client does not have permissions to send as "
                             "this sender") != std::string::npos);
    std::optional<Ticket> t;
    REQUIRE_FALSE(store.read([&](const ReadTxn& txn) { t = txn.ticket({10, 1}); }));
    CHECK(t->undeliverable.empty());

    // 2. a server further on refused the address: marked, and the queue's route still named
    p = engine.deliver(store, {"", {acks[0].sender}, ""},
                       dsn("d2", "alice@acme.example", "mx.acme.example", "5.1.1", "550 5.1.1 <alice@acme.example>: "
                           "Recipient address rejected: User unknown"),
                       kTue0900 + 120);
    CHECK(p.recipients[0].explanation.find("alice@acme.example marked undeliverable; queue 10 sends through "
                                           "smtp.provider.example:587 as login login10@provider.example: refused by "
                                           "mx.acme.example: 550 5.1.1") != std::string::npos);
    REQUIRE_FALSE(store.read([&](const ReadTxn& txn) { t = txn.ticket({10, 1}); }));
    CHECK(t->undeliverable == std::vector<std::string>{"alice@acme.example"});

    // 3. a report without a delivery-status part still names the route
    p = engine.deliver(store, {"", {acks[0].sender}, ""},
                       "From: MAILER-DAEMON@x.example\r\nSubject: failure\r\nMessage-ID: <d3@x>\r\n\r\nno\r\n",
                       kTue0900 + 180);
    CHECK(p.recipients[0].verdict == Verdict::Appended);
    CHECK(p.recipients[0].explanation.find("as login login10@provider.example: refused: no delivery-status part in the "
                                           "report") != std::string::npos);
}
