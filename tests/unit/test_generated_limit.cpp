// test_generated_limit.cpp - one cap for every mail deskgate generates to an address
// (generated_mail_limit per hour): acknowledgements, approval requests and notices, decline
// notices and close summaries all count against it and all stop at it; the staff's
// notifications count apart (notification_limit), and a staff member's answer is never held.
#include <doctest/doctest.h>

#include <fmt/format.h>

#include "config/load.hpp"
#include "core/compose/approval.hpp"
#include "core/decision/engine.hpp"
#include "core/policy/generated_limit.hpp"
#include "test_support.hpp"

using namespace deskgate;
using deskgate::test::source_dir;
using deskgate::test::TempDir;

namespace {

Config example_with(std::uint32_t generated_mail_limit) {
    LoadResult r = load_config(source_dir() / "config/examples/deskgate.toml");
    REQUIRE(r.config);
    r.config->global.generated_mail_limit = generated_mail_limit;
    return std::move(*r.config);
}

constexpr std::int64_t kTue0900 = 1795507200;

struct Desk {
    explicit Desk(std::uint32_t limit) : config(example_with(limit)), engine(config) {}
    Config config;
    TempDir dir;
    Store store = std::move(std::get<Store>(Store::open(Store::Options{dir.path() / "s", 1u << 20, false})));
    Engine engine;

    DeliveryPlan mail(const std::string& from, const std::string& to, const std::string& subject, const std::string& id,
                      std::int64_t now, const std::string& body = "hello") {
        return engine.deliver(store, {from, {to}, ""},
                              fmt::format("From: {}\r\nSubject: {}\r\nMessage-ID: <{}>\r\n\r\n{}\r\n", from, subject, id, body),
                              now);
    }
    // Generated mail of `kind` to `to` in the outbox.
    std::size_t sent(std::string_view kind, const std::string& to) {
        std::size_t n = 0;
        REQUIRE_FALSE(store.read([&](const ReadTxn& txn) {
            for (const OutboxItem& i : txn.outbox())
                if (i.kind == kind && i.recipients == std::vector<std::string>{to}) ++n;
        }));
        return n;
    }
};

}  // namespace

TEST_CASE("the limit's key and size per kind") {
    const Config c = example_with(3);
    CHECK(generated_limit(c, "ack", "a@x.example").key == "a@x.example");
    CHECK(generated_limit(c, "summary", "a@x.example").limit == 3);
    CHECK(generated_limit(c, "approval", "a@x.example").limit == 3);
    CHECK(generated_limit(c, "declined", "a@x.example").limit == 3);
    CHECK(generated_limit(c, "notify", "jana@example.com").key == "notify:jana@example.com");
    CHECK(generated_limit(c, "notify", "jana@example.com").limit == c.global.notification_limit);
    CHECK(generated_limit(c, "welcome", "jana@example.com").key == "notify:jana@example.com");
    CHECK(generated_limit(c, "reply", "a@x.example").limit == 0);
    CHECK(generated_limit_reached(generated_limit(c, "summary", "a@x.example"), "a@x.example", 2) == "");
    CHECK(generated_limit_reached(generated_limit(c, "summary", "a@x.example"), "a@x.example", 3) ==
          "3 mails generated to a@x.example in the last hour (limit 3)");
}

TEST_CASE("close summaries stop at the limit the acknowledgements reached") {
    Desk d(2);
    d.mail("alice@acme.example", "support@helpdesk.example.com", "one", "o1@acme.example", kTue0900);
    d.mail("alice@acme.example", "support@helpdesk.example.com", "two", "o2@acme.example", kTue0900 + 60);
    REQUIRE(d.sent("ack", "alice@acme.example") == 2);
    std::optional<std::string> why;
    REQUIRE_FALSE(d.store.write([&](WriteTxn& txn) { why = d.engine.close(txn, {10, 1}, kTue0900 + 120); }));
    REQUIRE(why);
    CHECK(*why == "ticket 10-1 closed, no summary to alice@acme.example: "
                  "2 mails generated to alice@acme.example in the last hour (limit 2)");
    CHECK(d.sent("summary", "alice@acme.example") == 0);
    // an hour later the summary of the next close goes again
    REQUIRE_FALSE(d.store.write([&](WriteTxn& txn) { why = d.engine.close(txn, {10, 2}, kTue0900 + 3700); }));
    CHECK(*why == "ticket 10-2 closed, summary to alice@acme.example");
    CHECK(d.sent("summary", "alice@acme.example") == 1);
}

TEST_CASE("approval requests and decline notices stop at the limit too") {
    Desk d(2);
    // peter (initech: authorization required) asks three times: boss gets two requests
    for (int i = 1; i <= 3; ++i) {
        const auto p = d.mail("peter@initech.example", "support@helpdesk.example.com", fmt::format("stapler {}", i),
                              fmt::format("s{}@initech.example", i), kTue0900 + i);
        if (i == 3)
            CHECK(p.recipients[0].explanation.find("no approval request to boss@initech.example: 2 mails generated to "
                                                   "boss@initech.example in the last hour (limit 2)") != std::string::npos);
    }
    CHECK(d.sent("approval", "boss@initech.example") == 2);
    // boss declines all three: peter is told twice, then the limit holds
    for (int i = 1; i <= 3; ++i) {
        const auto p = d.mail("boss@initech.example", decision_address(d.config, *d.config.queue_by_num(10), {10, static_cast<std::uint32_t>(i)}, DecisionKind::Decline),
                              "no", fmt::format("no{}@initech.example", i), kTue0900 + 100 + i, "decline");
        CHECK(p.recipients[0].verdict == Verdict::Appended);
        if (i == 3)
            CHECK(p.recipients[0].explanation.find("no decline notice to peter@initech.example: 2 mails generated to "
                                                   "peter@initech.example in the last hour (limit 2)") != std::string::npos);
    }
    CHECK(d.sent("declined", "peter@initech.example") == 2);
}

TEST_CASE("the staff's notifications count apart, and a staff answer always reaches the customer") {
    Desk d(1);
    d.mail("alice@acme.example", "support@helpdesk.example.com", "one", "n1@acme.example", kTue0900);
    CHECK(d.sent("ack", "alice@acme.example") == 1);
    CHECK(d.sent("notify", "jana@example.com") == 1);  // alice's limit is reached, jana's is not
    REQUIRE_FALSE(d.store.write([&](WriteTxn& txn) {
        const Ticket t = *txn.ticket({10, 1});
        const Queue& q = *d.config.queue_by_num(10);
        CHECK(d.engine.queue_mail(txn, "reply", q, &t, {"alice@acme.example"}, "Subject: answer\r\n\r\nx\r\n", kTue0900 + 60));
        CHECK_FALSE(d.engine.queue_mail(txn, "summary", q, &t, {"alice@acme.example"}, "Subject: s\r\n\r\nx\r\n", kTue0900 + 60));
    }));
    CHECK(d.sent("reply", "alice@acme.example") == 1);
    CHECK(d.sent("summary", "alice@acme.example") == 0);
}
