// test_outbound.cpp - what the outbound milter does to staff mail (core/outbound), and the
// journal copy's way into its ticket through the engine (valid token only).
#include <doctest/doctest.h>

#include "config/load.hpp"
#include "core/decision/engine.hpp"
#include "core/decision/outbound.hpp"
#include "core/model/token.hpp"
#include "test_support.hpp"

using namespace deskgate;
using deskgate::test::read_file;
using deskgate::test::source_dir;
using deskgate::test::TempDir;

namespace {

const Config& example() {
    static const Config c = [] {
        LoadResult r = load_config(source_dir() / "config/examples/deskgate.toml");
        REQUIRE(r.config);
        return std::move(*r.config);
    }();
    return c;
}

ParsedMessage headers(const std::string& block) { return parse_message(block + "\r\n"); }

}  // namespace

TEST_CASE("enabled customer: queue From, reply-token Reply-To, tag, journal") {
    const Config& c = example();
    const SubjectTagMatcher tags(c);
    auto plan = plan_outbound(c, tags,
                              headers("From: Jana <jana@example.com>\r\nTo: alice@acme.example\r\n"
                                      "Subject: Re: printer\r\nX-Deskgate-Ticket: 10-7\r\nMessage-ID: <r1@example.com>\r\n"),
                              "jana@example.com", {"<alice@acme.example>"});
    REQUIRE(plan);
    CHECK(plan->ticket == TicketKey{10, 7});
    CHECK(plan->customer_id == "acme");
    CHECK(plan->from == "\"jana - Support\" <support@helpdesk.example.com>");
    CHECK(plan->reply_to == "support+" + make_reply_token(c.global.secret, {10, 7}) + "@helpdesk.example.com");
    CHECK(plan->subject == "Re: printer [Support#10-7]");
    CHECK(plan->message_id.empty());
    CHECK(plan->journal_recipient ==
          "journal+" + make_journal_token(c.global.secret, {10, 7}, "r1@example.com") + "@helpdesk.example.com");
    REQUIRE(plan->control.size() == 3);
    CHECK(plan->control[0].name == "X-Deskgate-Ticket");
}

TEST_CASE("customer not enabled: the staff sender, no journal; other mail untouched") {
    const Config& c = example();
    const SubjectTagMatcher tags(c);
    auto plan = plan_outbound(c, tags, headers("From: Jana Novak <jana@example.com>\r\nSubject: hello\r\n"),
                              "jana@example.com", {"carol@globex.example"});
    REQUIRE(plan);
    CHECK(plan->from == "\"Jana Novak\" <staff@example.com>");
    CHECK(plan->reply_to == "staff@example.com");
    CHECK(plan->journal_recipient.empty());
    CHECK(plan->control.empty());
    CHECK(plan->message_id.starts_with("<deskgate."));  // the mail had none

    CHECK_FALSE(plan_outbound(c, tags, headers("From: jana@example.com\r\nSubject: lunch?\r\n"), "jana@example.com",
                              {"friend@elsewhere.example"}));
}

TEST_CASE("no header injection through names, subjects or templates") {
    Config c = example();
    c.staff[0].alias = "jana\r\nBcc: victim@example.net";
    c.build_indexes();
    const SubjectTagMatcher tags(c);
    auto plan = plan_outbound(c, tags,
                              headers("From: jana@example.com\r\nSubject: =?UTF-8?Q?hi=0D=0ABcc:_x@y.example?= [Support#10-1]\r\n"),
                              "jana@example.com", {"alice@acme.example"});
    REQUIRE(plan);
    for (const std::string* v : {&plan->from, &plan->reply_to, &plan->subject}) {
        CHECK(v->find('\r') == std::string::npos);
        CHECK(v->find('\n') == std::string::npos);
    }
    CHECK(plan->from.find("Bcc: victim") != std::string::npos);  // kept as harmless text in the display name
    CHECK(header_safe(" a\r\nb\tc\x01 ") == "a  b c");
}

TEST_CASE("a journal copy lands in its ticket only with the right token") {
    const Config& c = example();
    TempDir dir;
    auto opened = Store::open(Store::Options{dir.path() / "s", 1u << 20, false});
    Store store = std::move(std::get<Store>(opened));
    const Engine engine(c);
    auto first = engine.deliver(store, {"alice@acme.example", {"support@helpdesk.example.com"}, ""},
                                "From: alice@acme.example\r\nSubject: x\r\nMessage-ID: <a@acme.example>\r\n\r\nhi\r\n", 1000);
    REQUIRE(first.recipients[0].ticket == TicketKey{10, 1});

    const SubjectTagMatcher tags(c);
    const std::string head = "From: jana@example.com\r\nTo: alice@acme.example\r\nSubject: Re: x [Support#10-1]\r\n"
                             "Message-ID: <staff-1@example.com>\r\n";
    auto plan = plan_outbound(c, tags, headers(head), "jana@example.com", {"alice@acme.example"});
    REQUIRE(plan);
    std::string raw = head;
    for (const auto& h : plan->control) raw += h.name + ": " + h.value + "\r\n";
    raw += "\r\nOn its way.\r\n";

    auto forged = engine.deliver(store, {"jana@example.com", {"journal@helpdesk.example.com"}, ""}, raw, 2000);
    CHECK(forged.recipients[0].reply.status == EnhancedStatus{5, 7, 1});
    auto ok = engine.deliver(store, {"jana@example.com", {plan->journal_recipient}, ""}, raw, 2000);
    CHECK(ok.recipients[0].verdict == Verdict::Appended);
    std::vector<TicketEntry> entries;
    std::optional<Ticket> t;
    REQUIRE_FALSE(store.read([&](const ReadTxn& txn) {
        entries = txn.entries({10, 1});
        t = txn.ticket({10, 1});
    }));
    REQUIRE(entries.size() == 2);
    CHECK(entries[1].direction == Direction::Outbound);
    CHECK(entries[1].from_address == "jana@example.com");
    CHECK(t->status == TicketStatus::Waiting);
    auto again = engine.deliver(store, {"jana@example.com", {plan->journal_recipient}, ""}, raw, 2001);
    CHECK(again.recipients[0].verdict == Verdict::Duplicate);
}

TEST_CASE("deskgate's own generated mail passes the outbound milter untouched (non_smtpd_milters)") {
    const Config& c = example();
    const SubjectTagMatcher tags(c);
    const std::string ack = "From: Support <support@helpdesk.example.com>\r\nTo: alice@acme.example\r\n"
                            "Subject: [Support#10-7] printer\r\nAuto-Submitted: auto-replied\r\n";
    // our loop header with our host name: an acknowledgement, summary or approval request
    CHECK_FALSE(plan_outbound(c, tags, headers(ack + "X-Deskgate-Loop: Helpdesk.Example.COM \r\n"),
                              "bounces+b1-x@helpdesk.example.com", {"alice@acme.example"}));
    // without it, or with another helpdesk's host name, the same mail is planned
    CHECK(plan_outbound(c, tags, headers(ack), "support@helpdesk.example.com", {"alice@acme.example"}));
    CHECK(plan_outbound(c, tags, headers(ack + "X-Deskgate-Loop: desk.other.example\r\n"),
                        "support@helpdesk.example.com", {"alice@acme.example"}));
}
