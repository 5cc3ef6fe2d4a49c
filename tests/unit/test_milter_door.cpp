// test_milter_door.cpp - the inbound milter's decisions (no MTA): only helpdesk recipients are
// judged, refusals at RCPT from the envelope sender, at end of message from the headers, and
// mixed recipients never rejected as a whole.
#include <doctest/doctest.h>

#include "config/load.hpp"
#include "core/policy/authenticity.hpp"
#include "core/base/address.hpp"
#include "core/decision/door.hpp"
#include "core/model/token.hpp"
#include "test_support.hpp"

using namespace deskgate;
using deskgate::InboundDoor;

namespace {

std::shared_ptr<const Config> config() {
    static std::shared_ptr<const Config> c = [] {
        LoadResult r = load_config(deskgate::test::data_dir() / "engine" / "deskgate.toml");
        REQUIRE(r.config);
        return std::make_shared<const Config>(std::move(*r.config));
    }();
    return c;
}

}  // namespace

TEST_CASE("RCPT: helpdesk addresses are judged, others pass untouched") {
    InboundDoor door(config());
    door.sender("<alice@acme.example>");
    CHECK_FALSE(door.recipient("<support@helpdesk.example.com>"));
    CHECK_FALSE(door.recipient("<someone@elsewhere.example>"));
    auto unknown = door.recipient("<nobody@helpdesk.example.com>");
    REQUIRE(unknown);
    CHECK(unknown->reply.code == 550);
    CHECK(unknown->reply.status == EnhancedStatus{5, 1, 1});
    auto inactive = door.recipient("<archive@helpdesk.example.com>");
    REQUIRE(inactive);
    CHECK(inactive->reply.code == 451);
    CHECK(inactive->reply.status == EnhancedStatus{4, 2, 1});
    CHECK(door.helpdesk_recipients() == 1);
    CHECK(door.log_lines().size() == 2);
}

TEST_CASE("RCPT: an envelope sender of a customer not enabled is refused with the admin's text") {
    InboundDoor door(config());
    door.sender("<carol@globex.example>");
    auto r = door.recipient("<support@helpdesk.example.com>");
    REQUIRE(r);
    CHECK(r->reply.code == 550);
    CHECK(r->reply.status == EnhancedStatus{5, 7, 1});
    CHECK(r->reply.text == "Globex is not enabled for e-mail tickets; please use the portal.");
    CHECK_FALSE(door.recipient("<friend@elsewhere.example>"));  // a non-helpdesk recipient still passes
}

TEST_CASE("end of message: a From of a customer not enabled rejects, unless other recipients are in the mail") {
    InboundDoor door(config());
    door.sender("<bounces@mailer.example>");
    CHECK_FALSE(door.recipient("<support@helpdesk.example.com>"));
    door.header("From", "=?UTF-8?Q?Carol?= <carol@globex.example>");
    door.header("Subject", "help");
    door.body(100);
    auto r = door.end_of_message();
    REQUIRE(r);
    CHECK(r->reply.status == EnhancedStatus{5, 7, 1});

    door.sender("<bounces@mailer.example>");
    CHECK_FALSE(door.recipient("<support@helpdesk.example.com>"));
    CHECK_FALSE(door.recipient("<friend@elsewhere.example>"));
    door.header("From", "carol@globex.example");
    CHECK_FALSE(door.end_of_message());  // mixed: the LMTP agent refuses just the helpdesk copy
    REQUIRE(door.log_lines().size() == 2);
    CHECK(door.log_lines().back().starts_with("left to LMTP"));
}

TEST_CASE("end of message: loops and size, enabled customers pass") {
    InboundDoor door(config());
    door.sender("<alice@acme.example>");
    door.recipient("<support@helpdesk.example.com>");
    door.header("From", "Alice <alice@acme.example>");
    door.header("X-Deskgate-Loop", "helpdesk.example.com");
    auto r = door.end_of_message();
    REQUIRE(r);
    CHECK(r->reply.code == 554);
    CHECK(r->reply.status == EnhancedStatus{5, 4, 6});

    door.sender("<alice@acme.example>");
    door.recipient("<support@helpdesk.example.com>");
    door.header("From", "Alice <alice@acme.example>");
    door.body(2 * 1024 * 1024);  // the test config allows 1M
    r = door.end_of_message();
    REQUIRE(r);
    CHECK(r->reply.status == EnhancedStatus{5, 3, 4});

    door.sender("<alice@acme.example>");
    door.recipient("<support@helpdesk.example.com>");
    door.header("From", "Alice <alice@acme.example>");
    door.body(1000);
    CHECK_FALSE(door.end_of_message());
}

TEST_CASE("header edge cases: several From, folded and encoded, missing From") {
    InboundDoor door(config());
    door.sender("<alice@acme.example>");
    door.recipient("<support@helpdesk.example.com>");
    door.header("From", "\"Carol\r\n Globex\" <carol@globex.example>");
    door.header("From", "alice@acme.example");
    CHECK(door.end_of_message());  // the first From decides, as in the LMTP agent

    door.sender("<carol@other.example>");
    door.recipient("<support@helpdesk.example.com>");
    door.header("Subject", "=?ISO-8859-2?Q?P=F8=EDli=B9?=");
    CHECK_FALSE(door.end_of_message());  // no From: the envelope sender decides (unknown: accepted)
}

TEST_CASE("per-sender rate limit: 451 4.7.1 past N messages in the window, counted once per message") {
    SenderRateLimiter limiter(2, 3600);
    InboundDoor door(config(), &limiter);
    for (int i = 0; i < 2; ++i) {
        door.sender("<robot@acme.example>");
        CHECK_FALSE(door.recipient("<support@helpdesk.example.com>", 1000 + i));
        CHECK_FALSE(door.recipient("<billing@helpdesk.example.com>", 1000 + i));  // same message: not counted again
    }
    door.sender("<robot@acme.example>");
    auto r = door.recipient("<support@helpdesk.example.com>", 1002);
    REQUIRE(r);
    CHECK(r->reply.code == 451);
    CHECK(r->reply.status == EnhancedStatus{4, 7, 1});
    CHECK_FALSE(door.recipient("<friend@elsewhere.example>", 1002));  // other recipients are not limited
    door.sender("<alice@acme.example>");
    CHECK_FALSE(door.recipient("<support@helpdesk.example.com>", 1002));  // another sender
    door.sender("<robot@acme.example>");
    CHECK_FALSE(door.recipient("<support@helpdesk.example.com>", 1000 + 3600));  // the window moved on
}

TEST_CASE("the limiter forgets the least recently seen senders first") {
    SenderRateLimiter limiter(1, 3600, 2);
    CHECK(limiter.allow("a", 1));
    CHECK(limiter.allow("b", 1));
    CHECK_FALSE(limiter.allow("a", 2));
    CHECK(limiter.allow("c", 2));  // evicts b (a was seen more recently)
    CHECK(limiter.allow("b", 3));  // b starts afresh
    CHECK(SenderRateLimiter(0, 10).allow("x", 1));
}

TEST_CASE("Authentication-Results from a trusted verifier") {
    const Config& c = *config();
    auto msg = [](const std::string& ar) {
        ParsedMessage m;
        m.headers = {{"Authentication-Results", ar}};
        return m;
    };
    CHECK(sender_authenticated(c, msg("mx.test.example; dmarc=pass (p=reject) header.from=secure.example"), "secure.example", false));
    CHECK(sender_authenticated(c, msg("mx.test.example 1; dkim=pass header.d=secure.example header.s=s1"), "secure.example", false));
    CHECK(sender_authenticated(c, msg("mx.test.example; spf=pass smtp.mailfrom=bob@secure.example"), "secure.example", false));
    CHECK_FALSE(sender_authenticated(c, msg("evil.example; dmarc=pass header.from=secure.example"), "secure.example", false));
    CHECK_FALSE(sender_authenticated(c, msg("mx.test.example; dkim=pass header.d=other.example"), "secure.example", false));
    CHECK_FALSE(sender_authenticated(c, msg("mx.test.example; dmarc=fail header.from=secure.example"), "secure.example", false));
    CHECK_FALSE(sender_authenticated(c, msg("mx.test.example; spf=pass smtp.mailfrom=x@notsecure.example"), "secure.example", false));
    CHECK(sender_authenticated(c, ParsedMessage{}, "secure.example", true));  // SMTP AUTH
}

TEST_CASE("customers requiring authenticated senders: refuse, or mark for no ticket rights") {
    InboundDoor door(config());
    door.sender("<bob@secure.example>");
    CHECK_FALSE(door.recipient("<support@helpdesk.example.com>"));
    door.header("From", "bob@secure.example");
    auto r = door.end_of_message();
    REQUIRE(r);
    CHECK(r->reply.status == EnhancedStatus{5, 7, 1});
    CHECK(r->reply.text == "sender address <bob@secure.example> could not be authenticated");

    door.sender("<bob@secure.example>");
    door.recipient("<support@helpdesk.example.com>");
    door.header("Authentication-Results", "mx.test.example; dmarc=pass header.from=secure.example");
    door.header("From", "bob@secure.example");
    CHECK_FALSE(door.end_of_message());

    door.sender("<bob@secure.example>", /*smtp_auth=*/true);
    door.recipient("<support@helpdesk.example.com>");
    door.header("From", "bob@secure.example");
    CHECK_FALSE(door.end_of_message());

    door.sender("<eve@lenient.example>");
    door.recipient("<support@helpdesk.example.com>");
    door.header("From", "eve@lenient.example");
    // the test config refuses mail without ticket rights (not_enabled_policy = refuse)
    r = door.end_of_message();
    REQUIRE(r);
    CHECK(r->reply.status == EnhancedStatus{5, 7, 1});
    CHECK(door.mark_unauthenticated());
}

TEST_CASE("null-sender mail: a bucket per reporting MTA, and bounces with our VERP token one per token") {
    LoadResult r = load_config(deskgate::test::source_dir() / "config/examples/deskgate.toml");
    REQUIRE(r.config);
    const auto example = std::make_shared<const Config>(std::move(*r.config));
    REQUIRE_FALSE(example->global.bounce_address.empty());
    auto verp = [&](std::uint64_t id) {
        return "<" + plus_address(example->global.bounce_address, make_bounce_token(example->global.secret, id)) + ">";
    };
    SenderRateLimiter limiter(2, 3600);
    auto from = [&](std::string_view client) {
        auto door = std::make_unique<InboundDoor>(example, &limiter);
        door->client(client);
        door->sender("<>");
        return door;
    };
    // a stranger's flood of null-sender mail from 192.0.2.66 to the support address
    for (int i = 0; i < 2; ++i) CHECK_FALSE(from("192.0.2.66")->recipient("<support@helpdesk.example.com>", 1000));
    auto flood = from("192.0.2.66")->recipient("<support@helpdesk.example.com>", 1000);
    REQUIRE(flood);
    CHECK(flood->reply.code == 451);
    CHECK(flood->explanation.find("192.0.2.66") != std::string::npos);
    // ... keeps neither another MTA's report nor the bounces of our own mail out
    CHECK_FALSE(from("198.51.100.7")->recipient("<support@helpdesk.example.com>", 1000));
    for (std::uint64_t id = 1; id <= 5; ++id) CHECK_FALSE(from("192.0.2.66")->recipient(verp(id), 1000));
    // a VERP token is a bucket of its own: a replayed one is limited like anybody
    CHECK_FALSE(from("192.0.2.66")->recipient(verp(7), 1000));
    CHECK_FALSE(from("198.51.100.7")->recipient(verp(7), 1000));
    CHECK(from("203.0.113.9")->recipient(verp(7), 1000));
    // a forged token is the reporting MTA's null-sender mail
    CHECK(from("192.0.2.66")->recipient("<bounces+b9-0000000000000000@helpdesk.example.com>", 1000));
    // no client address known (a test, a local pickup): all such mail in one bucket, as before
    for (int i = 0; i < 2; ++i) CHECK_FALSE(from("")->recipient("<support@helpdesk.example.com>", 1000));
    CHECK(from("")->recipient("<support@helpdesk.example.com>", 1000));
}
