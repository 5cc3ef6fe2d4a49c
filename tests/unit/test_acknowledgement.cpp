// test_acknowledgement.cpp - BRIEF rule 6 on the example config: every suppression rule, both
// templates (an injected clock in and out of the office calendar, a holiday), the message's
// headers, and the engine writing the acknowledgement to the outbox with the ticket, deadlines
// in business time.
#include <doctest/doctest.h>

#include "config/load.hpp"
#include "core/compose/acknowledgement.hpp"
#include "core/compose/approval.hpp"
#include "core/decision/engine.hpp"

#include <fmt/format.h>
#include "config_fixture.hpp"
#include "test_support.hpp"

using namespace deskgate;
using deskgate::test::source_dir;
using deskgate::test::TempDir;

namespace {

// The outbox without the staff's notifications (tests/unit/test_staff_mail.cpp covers those).
std::vector<OutboxItem> customer_mail(std::vector<OutboxItem> items) {
    std::erase_if(items, [](const OutboxItem& i) { return i.kind == "notify"; });
    return items;
}

const Config& example() { return deskgate::test::example_config(); }
const Queue& support() { return *example().queue_by_num(10); }

constexpr std::int64_t kTue0900 = 1795507200;     // 2026-11-24 09:00 Prague: in hours
constexpr std::int64_t kTue1700 = 1795536000;     // after hours
constexpr std::int64_t kHoliday1000 = 1798102800; // 2026-12-24 10:00: a holiday

ParsedMessage mail(const std::string& extra_headers, const std::string& from = "Alice <alice@acme.example>") {
    return parse_message("From: " + from + "\r\nTo: support@helpdesk.example.com\r\nSubject: Printer\r\n"
                         "Message-ID: <m1@acme.example>\r\n" + extra_headers + "\r\nhello\r\n");
}

std::string why(const std::string& headers, const std::string& envelope = "alice@acme.example",
                std::size_t recent = 0, const std::string& from = "Alice <alice@acme.example>") {
    return acknowledgement_suppressed(example(), support(), mail(headers, from), envelope, recent);
}

}  // namespace

TEST_CASE("suppression rules") {
    CHECK(why("") == "");
    CHECK(why("", "") == "null sender");
    CHECK(why("", "alice@acme.example", 0, "robot@noreply.example.net").find("exception") != std::string::npos);
    CHECK(why("", "x@example.org", 0, "someone@mail.example.org").find("exception") != std::string::npos);
    CHECK(why("Reply-To: bot@noreply.example.net\r\n").find("Reply-To") != std::string::npos);
    CHECK(why("", "alice@acme.example", 0, "MAILER-DAEMON@acme.example") != "");
    CHECK(why("", "alice@acme.example", 0, "postmaster@acme.example") != "");
    CHECK(why("", "alice@acme.example", 0, "list-request@acme.example") != "");
    CHECK(why("", "alice@acme.example", 0, "owner-list@acme.example") != "");
    CHECK(why("Auto-Submitted: auto-replied\r\n") != "");
    CHECK(why("Auto-Submitted: no\r\n") == "");
    CHECK(why("Precedence: bulk\r\n") != "");
    CHECK(why("Precedence: list\r\n") != "");
    CHECK(why("Precedence: junk\r\n") != "");
    CHECK(why("List-Id: <x.list.example>\r\n") != "");
    CHECK(why("List-Unsubscribe: <mailto:u@list.example>\r\n") != "");
    CHECK(why("X-Auto-Response-Suppress: All\r\n") != "");
    CHECK(why("X-Auto-Response-Suppress: AutoReply\r\n") != "");
    CHECK(why("X-Autoreply: yes\r\n") != "");
    CHECK(why("X-Autorespond: yes\r\n") != "");
    CHECK(why("X-Mail-Autoreply: yes\r\n") != "");
    CHECK(why("X-Deskgate-Loop: elsewhere.example\r\n").find("our own mail") != std::string::npos);
    CHECK(why("", "alice@acme.example", 3).find("limit 3") != std::string::npos);
    CHECK(why("", "alice@acme.example", 2) == "");
    CHECK(why("", "x@y.example", 0, "billing@helpdesk.example.com").find("own addresses") != std::string::npos);
}

TEST_CASE("the acknowledgement message: template for the hour, headers, stable Message-ID") {
    const ParsedMessage original = mail("References: <r0@acme.example>\r\n");
    Ticket t;
    t.key = {10, 7};
    t.subject = "Printer";
    t.created = kTue0900;
    t.reaction_due = kTue0900 + 4 * 3600;
    AcknowledgementInput in;
    in.config = &example();
    in.queue = &support();
    in.ticket = &t;
    in.customer = example().customer_by_id("acme");
    in.original = &original;
    in.recipient = "alice@acme.example";
    in.now = kTue0900;
    in.in_hours = true;
    const std::string day = build_acknowledgement(in);
    in.in_hours = false;
    const std::string night = build_acknowledgement(in);
    CHECK(day.find("filed it as [Support#10-7]") != std::string::npos);
    CHECK(day.find("We will get back to you by") != std::string::npos);  // the deadline section
    CHECK(night.find("outside our office hours") != std::string::npos);
    const ParsedMessage m = parse_message(day);
    CHECK(m.auto_submitted == "auto-replied");
    CHECK(m.in_reply_to == std::vector<std::string>{"m1@acme.example"});
    CHECK(m.references == std::vector<std::string>{"r0@acme.example", "m1@acme.example"});
    CHECK(m.subject == "Re: Printer [Support#10-7]");
    REQUIRE(m.from);
    CHECK(m.from->address == "support@helpdesk.example.com");
    REQUIRE(m.reply_to.size() == 1);
    CHECK(m.reply_to[0].address.starts_with("support+t10-7-"));
    CHECK(m.message_id == acknowledgement_message_id(example(), {10, 7}));
    CHECK(m.message_id == parse_message(night).message_id);
    CHECK(m.header("X-Deskgate-Loop") == "helpdesk.example.com");
    CHECK(m.text_body.find("Example Ltd.") != std::string::npos);  // the signature
    CHECK(m.defects.empty());
}

TEST_CASE("the engine puts the acknowledgement in the outbox with the ticket") {
    TempDir dir;
    Store store = std::move(std::get<Store>(Store::open(Store::Options{dir.path() / "s", 1u << 20, false})));
    const Engine engine(example());
    auto deliver = [&](const std::string& raw, std::int64_t now) {
        return engine.deliver(store, {"alice@acme.example", {"support@helpdesk.example.com"}, ""}, raw, now);
    };
    auto p = deliver("From: Alice <alice@acme.example>\r\nSubject: day\r\nMessage-ID: <d1@acme.example>\r\n\r\nx\r\n", kTue0900);
    CHECK(p.recipients[0].explanation.find("acknowledged to alice@acme.example (in hours)") != std::string::npos);
    p = deliver("From: Alice <alice@acme.example>\r\nSubject: night\r\nMessage-ID: <d2@acme.example>\r\n\r\nx\r\n", kTue1700);
    CHECK(p.recipients[0].explanation.find("(after hours)") != std::string::npos);
    p = deliver("From: Alice <alice@acme.example>\r\nSubject: xmas\r\nMessage-ID: <d3@acme.example>\r\n\r\nx\r\n", kHoliday1000);
    CHECK(p.recipients[0].explanation.find("(after hours)") != std::string::npos);
    p = deliver("From: Alice <alice@acme.example>\r\nSubject: list\r\nList-Id: <l.example>\r\nMessage-ID: <d4@acme.example>\r\n\r\nx\r\n", kTue0900);
    CHECK(p.recipients[0].explanation.find("no acknowledgement: List-Id present") != std::string::npos);
    // within the hour after the holiday one: the second and third still go, the fourth not
    for (int i = 5; i <= 7; ++i)
        p = deliver(fmt::format("From: Alice <alice@acme.example>\r\nSubject: more\r\nMessage-ID: <d{}@acme.example>\r\n\r\nx\r\n", i),
                    kHoliday1000 + 60 * i);
    CHECK(p.recipients[0].explanation.find("limit 3") != std::string::npos);

    std::vector<OutboxItem> out;
    std::optional<Ticket> first;
    std::optional<std::string> raw;
    REQUIRE_FALSE(store.read([&](const ReadTxn& txn) {
        out = customer_mail(txn.outbox());
        first = txn.ticket({10, 1});
        if (!out.empty()) raw = txn.raw(out[0].raw_id);
    }));
    REQUIRE(out.size() == 5);
    CHECK(out[0].kind == "ack");
    CHECK(out[0].ticket == TicketKey{10, 1});
    CHECK(out[0].recipients == std::vector<std::string>{"alice@acme.example"});
    REQUIRE(raw);
    CHECK(raw->find("Auto-Submitted: auto-replied") != std::string::npos);
    REQUIRE(first);
    CHECK(first->reaction_due == kTue0900 + 4 * 3600);          // 240 business minutes, same day
    CHECK(first->resolution_due > first->reaction_due);
}

TEST_CASE("two helpdesks pointed at each other exchange at most one acknowledgement") {
    Config b = example();
    b.global.hostname = "helpdesk-b.example.net";
    b.queues[0].system_address = "support@helpdesk-b.example.net";
    b.queues[0].sender_address = "support@helpdesk-b.example.net";
    b.queues[0].reply_to = "support@helpdesk-b.example.net";
    b.build_indexes();
    TempDir dir;
    Store store_a = std::move(std::get<Store>(Store::open(Store::Options{dir.path() / "a", 1u << 20, false})));
    Store store_b = std::move(std::get<Store>(Store::open(Store::Options{dir.path() / "b", 1u << 20, false})));
    const Engine a(example()), eb(b);
    // Helpdesk B writes to helpdesk A (a person there, say): A acknowledges to B.
    auto first = a.deliver(store_a, {"support@helpdesk-b.example.net", {"support@helpdesk.example.com"}, ""},
                           "From: support@helpdesk-b.example.net\r\nSubject: hello A\r\nMessage-ID: <x1@b.example>\r\n\r\nhi\r\n",
                           kTue0900);
    REQUIRE(first.recipients[0].explanation.find("acknowledged") != std::string::npos);
    std::vector<OutboxItem> out_a;
    std::string ack_raw;
    REQUIRE_FALSE(store_a.read([&](const ReadTxn& txn) {
        out_a = customer_mail(txn.outbox());
        ack_raw = txn.raw(out_a.at(0).raw_id).value_or("");
    }));
    // A's acknowledgement arrives at B: it becomes a ticket there, but B does not answer it.
    auto second = eb.deliver(store_b, {"support@helpdesk.example.com", {"support@helpdesk-b.example.net"}, ""}, ack_raw, kTue0900 + 5);
    CHECK(second.recipients[0].reply.code == 250);
    CHECK(second.recipients[0].explanation.find("no acknowledgement: Auto-Submitted: auto-replied") != std::string::npos);
    std::vector<OutboxItem> out_b;
    REQUIRE_FALSE(store_b.read([&](const ReadTxn& txn) { out_b = customer_mail(txn.outbox()); }));
    CHECK(out_b.empty());
}

TEST_CASE("bounces: by VERP token or returned Message-ID they join the ticket; unmatched ones open none") {
    TempDir dir;
    Store store = std::move(std::get<Store>(Store::open(Store::Options{dir.path() / "s", 1u << 20, false})));
    const Engine engine(example());
    engine.deliver(store, {"alice@acme.example", {"support@helpdesk.example.com"}, ""},
                   "From: Alice <alice@acme.example>\r\nSubject: help\r\nMessage-ID: <h1@acme.example>\r\n\r\nx\r\n", kTue0900);
    std::vector<OutboxItem> out;
    REQUIRE_FALSE(store.read([&](const ReadTxn& txn) { out = customer_mail(txn.outbox()); }));
    REQUIRE(out.size() == 1);
    CHECK(out[0].sender == engine.verp_sender(out[0].id));
    CHECK(out[0].sender.starts_with("bounces+b1-"));

    // 1. to the VERP address
    const std::string dsn = "From: MAILER-DAEMON@mx.acme.example\r\nSubject: Undelivered Mail\r\nMessage-ID: <dsn1@mx>\r\n"
                            "Content-Type: multipart/report; report-type=delivery-status; boundary=\"R\"\r\n\r\n"
                            "--R\r\nContent-Type: text/plain\r\n\r\nUser unknown\r\n"
                            "--R\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <" +
                            acknowledgement_message_id(example(), {10, 1}) + ">\r\nSubject: Re: help\r\n--R--\r\n";
    auto p = engine.deliver(store, {"", {out[0].sender}, ""}, dsn, kTue0900 + 60);
    CHECK(p.recipients[0].verdict == Verdict::Appended);
    CHECK(p.recipients[0].ticket == TicketKey{10, 1});
    CHECK(p.recipients[0].explanation.find("VERP token of outbox item 1") != std::string::npos);
    std::optional<Ticket> t;
    REQUIRE_FALSE(store.read([&](const ReadTxn& txn) { t = txn.ticket({10, 1}); }));
    CHECK(t->undeliverable == std::vector<std::string>{"alice@acme.example"});
    CHECK(t->status == TicketStatus::New);

    // 2. to the plain bounce address, matched by the returned acknowledgement's Message-ID
    std::string dsn2 = dsn;
    dsn2.replace(dsn2.find("dsn1"), 4, "dsn2");
    p = engine.deliver(store, {"", {"bounces@helpdesk.example.com"}, ""}, dsn2, kTue0900 + 120);
    CHECK(p.recipients[0].verdict == Verdict::Appended);
    CHECK(p.recipients[0].explanation.find("returned acknowledgement") != std::string::npos);

    // 3. a forged token and nothing to match: no ticket, the bounce list (tests/unit/test_bounces.cpp)
    p = engine.deliver(store, {"", {"bounces+b1-0000000000000000@helpdesk.example.com"}, ""},
                       "From: MAILER-DAEMON@x.example\r\nSubject: failure\r\nMessage-ID: <dsn3@x>\r\n\r\nsomething\r\n",
                       kTue0900 + 180);
    CHECK(p.recipients[0].verdict == Verdict::Bounce);
    CHECK_FALSE(p.recipients[0].ticket);
    REQUIRE_FALSE(store.read([&](const ReadTxn& txn) { out = customer_mail(txn.outbox()); }));
    CHECK(out.size() == 1);  // nothing sent to robots
}

TEST_CASE("request authorization: approvers asked, approve opens and acknowledges, decline closes and tells") {
    TempDir dir;
    Store store = std::move(std::get<Store>(Store::open(Store::Options{dir.path() / "s", 1u << 20, false})));
    const Config& c = example();
    const Engine engine(c);
    auto request = [&](const std::string& mid, std::int64_t now) {
        return engine.deliver(store, {"peter@initech.example", {"support@helpdesk.example.com"}, ""},
                              "From: Peter <peter@initech.example>\r\nSubject: New stapler\r\nMessage-ID: <" + mid +
                                  ">\r\n\r\nA red one, please.\r\n",
                              now);
    };
    auto outbox = [&] {
        std::vector<OutboxItem> out;
        REQUIRE_FALSE(store.read([&](const ReadTxn& txn) { out = customer_mail(txn.outbox()); }));
        return out;
    };
    auto ticket = [&](TicketKey k) {
        std::optional<Ticket> t;
        REQUIRE_FALSE(store.read([&](const ReadTxn& txn) { t = txn.ticket(k); }));
        return *t;
    };

    auto p = request("s1@initech.example", kTue0900);
    REQUIRE(p.recipients[0].ticket == TicketKey{10, 1});
    CHECK(ticket({10, 1}).status == TicketStatus::AwaitingApproval);
    auto out = outbox();
    REQUIRE(out.size() == 1);  // no acknowledgement yet, one approval request
    CHECK(out[0].kind == "approval");
    CHECK(out[0].recipients == std::vector<std::string>{"boss@initech.example"});
    std::string raw;
    REQUIRE_FALSE(store.read([&](const ReadTxn& txn) { raw = txn.raw(out[0].raw_id).value_or(""); }));
    const std::string approve = decision_address(c, support(), {10, 1}, DecisionKind::Approve);
    const std::string decline = decision_address(c, support(), {10, 1}, DecisionKind::Decline);
    CHECK(raw.find(approve) != std::string::npos);
    CHECK(raw.find(decline) != std::string::npos);
    CHECK(raw.find("A red one, please.") != std::string::npos);

    // someone else cannot decide
    p = engine.deliver(store, {"peter@initech.example", {approve}, ""},
                       "From: peter@initech.example\r\nSubject: ok\r\nMessage-ID: <fake@initech.example>\r\n\r\nyes\r\n", kTue0900 + 60);
    CHECK(p.recipients[0].reply.status == EnhancedStatus{5, 7, 1});
    CHECK(ticket({10, 1}).status == TicketStatus::AwaitingApproval);

    // the approver approves: the ticket opens and the requester gets the acknowledgement
    p = engine.deliver(store, {"boss@initech.example", {approve}, ""},
                       "From: Boss <boss@initech.example>\r\nSubject: Re: Approval needed\r\nMessage-ID: <ok@initech.example>\r\n\r\nyes\r\n",
                       kTue0900 + 120);
    CHECK(p.recipients[0].verdict == Verdict::Appended);
    CHECK(ticket({10, 1}).status == TicketStatus::New);
    out = outbox();
    REQUIRE(out.size() == 2);
    CHECK(out[1].kind == "ack");
    CHECK(out[1].recipients == std::vector<std::string>{"peter@initech.example"});

    // a second request, declined: closed, the requester is told
    request("s2@initech.example", kTue0900 + 300);
    p = engine.deliver(store, {"boss@initech.example", {decision_address(c, support(), {10, 2}, DecisionKind::Decline)}, ""},
                       "From: boss@initech.example\r\nSubject: no\r\nMessage-ID: <no@initech.example>\r\n\r\nno\r\n", kTue0900 + 400);
    CHECK(p.recipients[0].verdict == Verdict::Appended);
    const Ticket declined = ticket({10, 2});
    CHECK(declined.status == TicketStatus::Closed);
    CHECK(declined.closed_at == kTue0900 + 400);
    out = outbox();
    REQUIRE(out.size() == 4);  // + approval request for 10-2, + decline notice
    CHECK(out[3].kind == "declined");
    CHECK(out[3].recipients == std::vector<std::string>{"peter@initech.example"});

    // a forged decision token is not a decision
    p = engine.deliver(store, {"boss@initech.example", {"support+a10-3-0000000000000000@helpdesk.example.com"}, ""},
                       "From: boss@initech.example\r\nSubject: hm\r\nMessage-ID: <hm@initech.example>\r\n\r\nhm\r\n", kTue0900 + 500);
    CHECK(p.recipients[0].verdict == Verdict::NewTicket);
}

TEST_CASE("optional authorization: the ticket opens at once and the approvers are informed") {
    Config c = example();
    for (Customer& cu : c.customers)
        if (cu.id == "initech") cu.authorization = Authorization::Optional;
    c.build_indexes();
    TempDir dir;
    Store store = std::move(std::get<Store>(Store::open(Store::Options{dir.path() / "s", 1u << 20, false})));
    const Engine engine(c);
    auto p = engine.deliver(store, {"peter@initech.example", {"support@helpdesk.example.com"}, ""},
                            "From: peter@initech.example\r\nSubject: Chair\r\nMessage-ID: <c1@initech.example>\r\n\r\nblue\r\n", kTue0900);
    REQUIRE(p.recipients[0].verdict == Verdict::NewTicket);
    std::vector<OutboxItem> out;
    std::optional<Ticket> t;
    REQUIRE_FALSE(store.read([&](const ReadTxn& txn) {
        out = customer_mail(txn.outbox());
        t = txn.ticket({10, 1});
    }));
    CHECK(t->status == TicketStatus::New);
    REQUIRE(out.size() == 2);
    CHECK(out[0].kind == "ack");
    CHECK(out[1].kind == "approval-info");
    CHECK(out[1].recipients == std::vector<std::string>{"boss@initech.example"});
}

TEST_CASE("closing a ticket mails the requester the correspondence and the NPS text, once") {
    TempDir dir;
    Store store = std::move(std::get<Store>(Store::open(Store::Options{dir.path() / "s", 1u << 20, false})));
    const Engine engine(example());
    engine.deliver(store, {"alice@acme.example", {"support@helpdesk.example.com"}, ""},
                   "From: Alice <alice@acme.example>\r\nSubject: Printer\r\nMessage-ID: <p1@acme.example>\r\n\r\nIt burns.\r\n", kTue0900);
    engine.deliver(store, {"jana@example.com", {"support-comment@helpdesk.example.com"}, ""},
                   "From: jana@example.com\r\nSubject: Re: [Support#10-1] Printer\r\nMessage-ID: <n1@example.com>\r\n\r\nsecret note\r\n",
                   kTue0900 + 60);
    std::optional<std::string> why;
    REQUIRE_FALSE(store.write([&](WriteTxn& txn) { why = engine.close(txn, {10, 1}, kTue0900 + 3600); }));
    REQUIRE(why);
    CHECK(*why == "ticket 10-1 closed, summary to alice@acme.example");
    std::vector<OutboxItem> out;
    std::optional<Ticket> t;
    std::string summary;
    REQUIRE_FALSE(store.read([&](const ReadTxn& txn) {
        out = customer_mail(txn.outbox());
        t = txn.ticket({10, 1});
        summary = txn.raw(out.back().raw_id).value_or("");
    }));
    CHECK(t->status == TicketStatus::Closed);
    CHECK(t->closed_at == kTue0900 + 3600);
    CHECK(out.back().kind == "summary");
    CHECK(summary.find("It burns.") != std::string::npos);
    CHECK(summary.find("secret note") == std::string::npos);  // internal notes stay inside
    CHECK(summary.find("https://survey.example.com/nps?ticket=10-1") != std::string::npos);
    REQUIRE_FALSE(store.write([&](WriteTxn& txn) { why = engine.close(txn, {10, 1}, kTue0900 + 7200); }));
    CHECK_FALSE(why);  // closed already
}
