// test_outbound.cpp - what the outbound milter does to staff mail (core/outbound), and the
// journal copy's way into its ticket through the engine (valid token only).
#include <doctest/doctest.h>

#include "config/load.hpp"
#include "core/decision/engine.hpp"
#include "core/decision/outbound.hpp"
#include "core/model/token.hpp"
#include "config_fixture.hpp"
#include "test_support.hpp"

using namespace deskgate;
using deskgate::test::read_file;
using deskgate::test::source_dir;
using deskgate::test::TempDir;

namespace {

const Config& example() { return deskgate::test::example_config(); }

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

TEST_CASE("a sender who is not staff: left unchanged, never journaled, even with a ticket tag") {
    const Config& c = example();
    const SubjectTagMatcher tags(c);
    const std::string head = "From: Mallory <mallory@example.com>\r\nTo: alice@acme.example\r\n"
                             "Subject: Re: [Support#10-1] printer\r\nX-Deskgate-Ticket: 10-1\r\nMessage-ID: <m1@example.com>\r\n";
    auto plan = plan_outbound(c, tags, headers(head), "mallory@example.com", {"alice@acme.example"});
    REQUIRE(plan);
    CHECK(plan->unchanged);
    CHECK(plan->from.empty());
    CHECK(plan->reply_to.empty());
    CHECK(plan->subject.empty());
    CHECK(plan->message_id.empty());
    CHECK(plan->control.empty());
    CHECK(plan->journal_recipient.empty());
    CHECK(plan->explanation.find("not staff") != std::string::npos);
    // a staff envelope sender does not make a stranger's From staff, nor does an unknown From
    auto spoof = plan_outbound(c, tags, headers(head), "jana@example.com", {"alice@acme.example"});
    REQUIRE(spoof);
    CHECK(spoof->unchanged);
    CHECK(spoof->journal_recipient.empty());
    auto unparseable = plan_outbound(c, tags, headers("From: not an address\r\nSubject: [Support#10-1]\r\n"),
                                     "jana@example.com", {"alice@acme.example"});
    REQUIRE(unparseable);
    CHECK(unparseable->unchanged);
}

TEST_CASE("a SASL login must be the From's own staff member") {
    const Config& c = example();
    const SubjectTagMatcher tags(c);
    const auto head = headers("From: Jana <jana@example.com>\r\nTo: alice@acme.example\r\n"
                              "Subject: Re: printer [Support#10-7]\r\nMessage-ID: <r2@example.com>\r\n");
    // another staff member's login (or a stranger's) with jana's From: unchanged, no journal
    for (const char* login : {"petr", "petr@example.com", "mallory", "jana@other.example", "jana.novak"}) {
        CAPTURE(login);
        auto plan = plan_outbound(c, tags, head, "jana@example.com", {"alice@acme.example"}, login);
        REQUIRE(plan);
        CHECK(plan->unchanged);
        CHECK(plan->from.empty());
        CHECK(plan->journal_recipient.empty());
        CHECK(plan->explanation.find("SASL login") != std::string::npos);
    }
    // her own login, as address or local part, any case: rewritten and journaled
    for (const char* login : {"jana", "JANA", "jana@example.com", "Jana@Example.COM"}) {
        CAPTURE(login);
        auto plan = plan_outbound(c, tags, head, "jana@example.com", {"alice@acme.example"}, login);
        REQUIRE(plan);
        CHECK_FALSE(plan->unchanged);
        CHECK(plan->from == "\"jana - Support\" <support@helpdesk.example.com>");
        CHECK_FALSE(plan->journal_recipient.empty());
    }
    // no login at all (sendmail(1), non_smtpd_milters): the staff From decides
    auto plan = plan_outbound(c, tags, head, "jana@example.com", {"alice@acme.example"}, "");
    REQUIRE(plan);
    CHECK_FALSE(plan->unchanged);
    CHECK(plan->from == "\"jana - Support\" <support@helpdesk.example.com>");
    CHECK_FALSE(plan->journal_recipient.empty());
    // without a From header the envelope sender is the sender
    auto bare = plan_outbound(c, tags, headers("To: alice@acme.example\r\nSubject: [Support#10-7]\r\n"),
                              "petr@example.com", {"alice@acme.example"}, "petr");
    REQUIRE(bare);
    CHECK_FALSE(bare->unchanged);
    CHECK(bare->from == "\"petr - Support\" <support@helpdesk.example.com>");
    auto bare_other = plan_outbound(c, tags, headers("To: alice@acme.example\r\nSubject: [Support#10-7]\r\n"),
                                    "mallory@example.com", {"alice@acme.example"});
    REQUIRE(bare_other);
    CHECK(bare_other->unchanged);

    CHECK(staff_login_matches(c.staff[0], "jana"));
    CHECK_FALSE(staff_login_matches(c.staff[0], ""));
    CHECK_FALSE(staff_login_matches(c.staff[0], "example.com"));
}

namespace {

// A ticket store with ticket 10-1 opened by <a@acme.example>, and a reader that counts its calls.
struct StoreWithTicket {
    TempDir dir;
    std::optional<Store> store;
    int reads = 0;
    StoreWithTicket() {
        auto opened = Store::open(Store::Options{dir.path() / "s", 1u << 20, false});
        store.emplace(std::move(std::get<Store>(opened)));
        auto first = Engine(example()).deliver(*store, {"alice@acme.example", {"support@helpdesk.example.com"}, ""},
                                               "From: alice@acme.example\r\nSubject: x\r\nMessage-ID: <a@acme.example>\r\n\r\nhi\r\n",
                                               1000);
        REQUIRE(first.recipients[0].ticket == TicketKey{10, 1});
    }
    ReadTicketStore reader() {
        return [this](const std::function<void(const ReadTxn&)>& body) {
            ++reads;
            REQUIRE_FALSE(store->read(body));
        };
    }
};

}  // namespace

TEST_CASE("outbound_ticket: header, else tag, else In-Reply-To/References; the store only for the last") {
    const Config& c = example();
    const SubjectTagMatcher tags(c);
    StoreWithTicket s;
    const ReadTicketStore read = s.reader();

    // the client's header names it: no store read, even with references present
    CHECK(outbound_ticket(tags, headers("X-Deskgate-Ticket: 20-3\r\nSubject: Re: x [Support#10-1]\r\n"
                                        "In-Reply-To: <a@acme.example>\r\n"), read) == TicketKey{20, 3});
    CHECK(s.reads == 0);
    // the subject tag names it: no store read
    CHECK(outbound_ticket(tags, headers("Subject: Re: x [Support#10-4]\r\nIn-Reply-To: <a@acme.example>\r\n"), read) ==
          TicketKey{10, 4});
    CHECK(s.reads == 0);
    // an unparseable header falls through to the tag
    CHECK(outbound_ticket(tags, headers("X-Deskgate-Ticket: bogus\r\nSubject: [Support#10-5]\r\n"), read) ==
          TicketKey{10, 5});
    CHECK(s.reads == 0);
    // nothing names it and nothing is referenced: no store read
    CHECK_FALSE(outbound_ticket(tags, headers("Subject: lunch?\r\n"), read));
    CHECK(s.reads == 0);
    // In-Reply-To, then References (direct parent last) through the store: one read
    CHECK(outbound_ticket(tags, headers("Subject: Re: x\r\nIn-Reply-To: <a@acme.example>\r\n"), read) == TicketKey{10, 1});
    CHECK(s.reads == 1);
    CHECK(outbound_ticket(tags, headers("Subject: Re: x\r\nIn-Reply-To: <unknown@x.example>\r\n"
                                        "References: <a@acme.example> <unknown@x.example>\r\n"), read) == TicketKey{10, 1});
    CHECK(s.reads == 2);
    // the mail's own Message-ID is skipped, as in inbound threading
    CHECK_FALSE(outbound_ticket(tags, headers("Subject: Re: x\r\nMessage-ID: <a@acme.example>\r\n"
                                              "References: <a@acme.example>\r\n"), read));
    CHECK(s.reads == 3);
    // no store at all
    CHECK_FALSE(outbound_ticket(tags, headers("Subject: Re: x\r\nIn-Reply-To: <a@acme.example>\r\n"), {}));
}

TEST_CASE("plan_outbound reads the store for staff replies only, and threads by In-Reply-To") {
    const Config& c = example();
    const SubjectTagMatcher tags(c);
    StoreWithTicket s;
    const std::string body = "To: alice@acme.example\r\nSubject: Re: x\r\nIn-Reply-To: <a@acme.example>\r\n"
                             "Message-ID: <r3@example.com>\r\n";
    auto stranger = plan_outbound(c, tags, headers("From: mallory@example.com\r\n" + body), "mallory@example.com",
                                  {"alice@acme.example"}, "", s.reader());
    REQUIRE(stranger);
    CHECK(stranger->unchanged);
    CHECK(s.reads == 0);
    auto staff = plan_outbound(c, tags, headers("From: jana@example.com\r\n" + body), "jana@example.com",
                               {"alice@acme.example"}, "", s.reader());
    REQUIRE(staff);
    CHECK(s.reads == 1);
    CHECK(staff->ticket == TicketKey{10, 1});
    CHECK(staff->subject == "Re: x [Support#10-1]");
    CHECK(staff->journal_recipient ==
          "journal+" + make_journal_token(c.global.secret, {10, 1}, "r3@example.com") + "@helpdesk.example.com");
}

TEST_CASE("a queue with its own outgoing server: the reply gets the queue's envelope sender, the journal its author") {
    Config c = example();
    Outgoing out;
    out.server = "smtp.provider.example";
    out.user = "login10";
    out.password_file = "/etc/deskgate/q10.pass";
    c.queues[0].outgoing = out;
    c.build_indexes();
    const SubjectTagMatcher tags(c);
    const std::string head = "From: Jana <jana@example.com>\r\nTo: alice@acme.example\r\n"
                             "Subject: Re: x [Support#10-1]\r\nMessage-ID: <staff-2@example.com>\r\n";
    auto plan = plan_outbound(c, tags, headers(head), "jana@example.com", {"alice@acme.example"});
    REQUIRE(plan);
    CHECK(plan->envelope_sender == "support@helpdesk.example.com");
    CHECK(plan->explanation.find("envelope sender support@helpdesk.example.com (through smtp.provider.example:587 "
                                 "as login10)") != std::string::npos);
    REQUIRE(plan->control.size() == 4);
    CHECK(plan->control[2].name == "X-Deskgate-Staff");
    CHECK(plan->control[2].value == "jana");  // an alias: the customer's copy shows no staff address

    // already the queue's sender (a helpdesk client sending as the queue): nothing to change
    CHECK(plan_outbound(c, tags, headers(head), "support@helpdesk.example.com", {"alice@acme.example"}));
    // billing (queue 20) has no outgoing server: the staff member's envelope sender stays
    auto billing = plan_outbound(c, tags, headers("From: jana@example.com\r\nSubject: Re: y [Billing#20-1]\r\n"),
                                 "jana@example.com", {"alice@acme.example"});
    REQUIRE(billing);
    CHECK(billing->envelope_sender.empty());
    CHECK(billing->control.size() == 3);
    // a customer not enabled: the global staff sender, the ordinary way
    auto globex = plan_outbound(c, tags, headers("From: jana@example.com\r\nSubject: hello\r\n"), "jana@example.com",
                                {"carol@globex.example"});
    REQUIRE(globex);
    CHECK(globex->envelope_sender.empty());

    // the journal copy leaves with the queue's envelope sender; X-Deskgate-Staff names its author
    TempDir dir;
    Store store = std::move(std::get<Store>(Store::open(Store::Options{dir.path() / "s", 1u << 20, false})));
    const Engine engine(c);
    engine.deliver(store, {"alice@acme.example", {"support@helpdesk.example.com"}, ""},
                   "From: alice@acme.example\r\nSubject: x\r\nMessage-ID: <a@acme.example>\r\n\r\nhi\r\n", 1000);
    std::string raw = head;
    for (const auto& h : plan->control) raw += h.name + ": " + h.value + "\r\n";
    raw += "\r\nOn its way.\r\n";
    auto ok = engine.deliver(store, {plan->envelope_sender, {plan->journal_recipient}, ""}, raw, 2000);
    CHECK(ok.recipients[0].verdict == Verdict::Appended);
    CHECK(ok.recipients[0].explanation.find("staff reply by jana@example.com journaled") != std::string::npos);
    std::vector<TicketEntry> entries;
    REQUIRE_FALSE(store.read([&](const ReadTxn& txn) { entries = txn.entries({10, 1}); }));
    REQUIRE(entries.size() == 2);
    CHECK(entries[1].direction == Direction::Outbound);
    CHECK(entries[1].from_address == "jana@example.com");
}
