// test_engine.cpp - scenario suite: real .eml files under tests/data/engine go through the
// core engine with the config tests/data/engine/deskgate.toml and a real LMDB store.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>

#include "config/load.hpp"
#include "core/decision/engine.hpp"
#include "core/policy/classify.hpp"
#include "core/model/token.hpp"
#include "test_support.hpp"

using namespace deskgate;
using deskgate::test::data_dir;
using deskgate::test::read_file;
using deskgate::test::TempDir;

namespace {

constexpr std::int64_t kNow = 1795507200;  // 2026-11-24T00:00:00Z
constexpr std::int64_t kDay = 86400;

Config load_test_config(NotEnabledPolicy policy = NotEnabledPolicy::Refuse) {
    LoadResult r = load_config(data_dir() / "engine" / "deskgate.toml");
    for (const auto& e : r.errors) MESSAGE(to_string(e));
    REQUIRE(r.config);
    Config c = std::move(*r.config);
    c.global.not_enabled_policy = policy;
    return c;
}

struct Harness {
    explicit Harness(NotEnabledPolicy policy = NotEnabledPolicy::Refuse)
        : config(load_test_config(policy)), engine(config), store(open()) {}

    Store open() {
        auto s = Store::open(Store::Options{dir.path() / "store", 1ull << 20, false});
        REQUIRE(std::holds_alternative<Store>(s));
        return std::move(std::get<Store>(s));
    }

    DeliveryPlan deliver_raw(const std::string& raw, std::vector<std::string> to,
                             std::string from = "", std::int64_t now = kNow, bool fetched = false) {
        Envelope env;
        env.sender = from;
        env.recipients = std::move(to);
        env.fetched = fetched;
        return engine.deliver(store, env, raw, now);
    }

    DeliveryPlan deliver(const std::string& file, std::vector<std::string> to = {"support@helpdesk.example.com"},
                         std::int64_t now = kNow) {
        const std::string raw = read_file(data_dir() / "engine" / file);
        const ParsedMessage m = parse_message(raw);
        return deliver_raw(raw, std::move(to), m.from ? m.from->address : "", now);
    }

    // As a fetcher delivers mail it took from a mailbox at a provider (deskgate-lmtpd's fetch socket).
    DeliveryPlan deliver_fetched(const std::string& file, std::vector<std::string> to = {"support@helpdesk.example.com"}) {
        const std::string raw = read_file(data_dir() / "engine" / file);
        const ParsedMessage m = parse_message(raw);
        return deliver_raw(raw, std::move(to), m.from ? m.from->address : "", kNow, true);
    }

    std::vector<OutboxItem> outbox() {
        std::vector<OutboxItem> out;
        REQUIRE_FALSE(store.read([&](const ReadTxn& txn) { out = txn.outbox(); }));
        return out;
    }

    Ticket ticket(TicketKey key) {
        std::optional<Ticket> t;
        REQUIRE_FALSE(store.read([&](const ReadTxn& txn) { t = txn.ticket(key); }));
        REQUIRE(t);
        return *t;
    }

    std::vector<TicketEntry> entries(TicketKey key) {
        std::vector<TicketEntry> e;
        REQUIRE_FALSE(store.read([&](const ReadTxn& txn) { e = txn.entries(key); }));
        return e;
    }

    std::vector<Ticket> all_tickets() {
        std::vector<Ticket> t;
        REQUIRE_FALSE(store.read([&](const ReadTxn& txn) { t = txn.tickets({}); }));
        return t;
    }

    void set_status(TicketKey key, TicketStatus status, std::int64_t closed_at = 0) {
        REQUIRE_FALSE(store.write([&](WriteTxn& txn) {
            auto t = txn.ticket(key);
            REQUIRE(t);
            t->status = status;
            t->closed_at = closed_at;
            txn.put_ticket(*t);
        }));
    }

    TempDir dir;
    Config config;
    Engine engine;
    Store store;
};

const RecipientDecision& only(const DeliveryPlan& p) {
    REQUIRE(p.recipients.size() == 1);
    return p.recipients.front();
}

TicketKey key(std::uint32_t q, std::uint32_t s) { return TicketKey{q, s}; }

}  // namespace

TEST_CASE("new ticket from an enabled customer") {
    Harness h;
    const auto p = h.deliver("new-acme.eml");
    const auto& d = only(p);
    CHECK(d.verdict == Verdict::NewTicket);
    CHECK(d.reply.code == 250);
    CHECK(d.reply.status == EnhancedStatus{2, 0, 0});
    CHECK(d.reply.text == "ticket 10-1 created");
    REQUIRE(d.ticket == key(10, 1));
    CHECK(d.explanation.find("customer acme") != std::string::npos);
    CHECK(d.explanation.find("queue 10 Support") != std::string::npos);

    const Ticket t = h.ticket(key(10, 1));
    CHECK(t.subject == "Printer on fire");
    CHECK(t.status == TicketStatus::New);
    CHECK(t.customer_id == "acme");
    CHECK(t.opener == "alice@acme.example");
    CHECK(t.category == "general");
    CHECK(t.priority == "normal");
    // CC'd colleague is a participant; the never-CC alias and our own address are not.
    CHECK(t.participants == std::vector<std::string>{"carl@acme.example"});
    CHECK(t.created == kNow);

    const auto e = h.entries(key(10, 1));
    REQUIRE(e.size() == 1);
    CHECK(e[0].message_id == "printer-1@acme.example");
    CHECK(e[0].direction == Direction::Inbound);
    CHECK(e[0].text_body.find("second floor is on fire") != std::string::npos);
    std::optional<std::string> raw;
    REQUIRE_FALSE(h.store.read([&](const ReadTxn& txn) { raw = txn.raw(e[0].raw_id); }));
    CHECK(raw == read_file(data_dir() / "engine" / "new-acme.eml"));
}

TEST_CASE("a reply by In-Reply-To from another contact of the same customer joins") {
    Harness h;
    h.deliver("new-acme.eml");
    h.set_status(key(10, 1), TicketStatus::Waiting);
    const auto p = h.deliver("reply-bob.eml");
    const auto& d = only(p);
    CHECK(d.verdict == Verdict::Appended);
    CHECK(d.ticket == key(10, 1));
    CHECK(d.reply.text == "added to ticket 10-1");
    CHECK(d.explanation.find("In-Reply-To") != std::string::npos);
    const Ticket t = h.ticket(key(10, 1));
    CHECK(t.entry_count == 2);
    CHECK(t.status == TicketStatus::Open);  // the queue's status_on_customer_reply
    CHECK(std::count(t.participants.begin(), t.participants.end(), "bob@acme.example") == 1);
    CHECK(h.all_tickets().size() == 1);
}

TEST_CASE("a forged subject tag and reference from another customer opens a new ticket") {
    Harness h;
    h.deliver("new-acme.eml");
    const auto p = h.deliver("forged-tag-umbrella.eml");
    const auto& d = only(p);
    CHECK(d.verdict == Verdict::NewTicket);
    CHECK(d.ticket == key(10, 2));
    CHECK(d.explanation.find("10-1") != std::string::npos);  // says which ticket it refused
    CHECK(h.ticket(key(10, 1)).entry_count == 1);
    CHECK(h.ticket(key(10, 2)).customer_id == "umbrella");
}

TEST_CASE("a not-enabled customer is refused with the admin's text") {
    Harness h;
    const auto p = h.deliver("globex.eml");
    const auto& d = only(p);
    CHECK(d.verdict == Verdict::Refused);
    CHECK(d.reply.code == 550);
    CHECK(d.reply.status == EnhancedStatus{5, 7, 1});
    CHECK(d.reply.text == "Globex is not enabled for e-mail tickets; please use the portal.");
    CHECK(h.all_tickets().empty());
}

TEST_CASE("a not-enabled customer is redirected to the staff mailbox under the redirect policy") {
    Harness h(NotEnabledPolicy::Redirect);
    const auto p = h.deliver("globex.eml");
    const auto& d = only(p);
    CHECK(d.verdict == Verdict::Redirected);
    CHECK(d.reply.code == 250);
    CHECK(h.all_tickets().empty());
    std::vector<OutboxItem> out;
    std::optional<std::string> raw;
    REQUIRE_FALSE(h.store.read([&](const ReadTxn& txn) {
        out = txn.outbox();
        if (!out.empty()) raw = txn.raw(out[0].raw_id);
    }));
    REQUIRE(out.size() == 1);
    CHECK(out[0].kind == "redirect");
    CHECK(out[0].recipients == std::vector<std::string>{"triage@example.com"});
    CHECK(out[0].state == "pending");
    CHECK(raw == read_file(data_dir() / "engine" / "globex.eml"));
}

TEST_CASE("unknown recipient is 550 5.1.1, inactive queue 451 4.2.1") {
    Harness h;
    auto p = h.deliver("new-acme.eml", {"nobody@helpdesk.example.com"});
    CHECK(only(p).verdict == Verdict::UnknownRecipient);
    CHECK(only(p).reply.code == 550);
    CHECK(only(p).reply.status == EnhancedStatus{5, 1, 1});

    p = h.deliver("new-acme.eml", {"archive@helpdesk.example.com"});
    CHECK(only(p).verdict == Verdict::QueueInactive);
    CHECK(only(p).reply.code == 451);
    CHECK(only(p).reply.status == EnhancedStatus{4, 2, 1});
    CHECK(h.all_tickets().empty());
}

TEST_CASE("a routing rule overrides the queue's category; a forwarding address lands in its queue") {
    Harness h;
    const auto p = h.deliver("invoice.eml", {"help@example.com"});
    const auto& d = only(p);
    CHECK(d.verdict == Verdict::NewTicket);
    CHECK(d.ticket == key(10, 1));
    CHECK(d.rule == "invoices");
    CHECK(d.explanation.find("forwarding address") != std::string::npos);
    const Ticket t = h.ticket(key(10, 1));
    CHECK(t.queue == 10);
    CHECK(t.category == "invoices");
}

TEST_CASE("plus-addressing reaches the queue; a valid reply token threads, a forged one does not") {
    Harness h;
    auto p = h.deliver("new-acme.eml", {"Support+Printer@Helpdesk.Example.COM"});
    CHECK(only(p).verdict == Verdict::NewTicket);
    CHECK(only(p).ticket == key(10, 1));

    // A fresh mail without any reference, sent to the ticket's signed reply address.
    const std::string token = make_reply_token(h.config.global.secret, key(10, 1));
    const std::string fresh = "From: bob@acme.example\nTo: x\nSubject: another thing\n"
                              "Message-ID: <fresh-1@acme.example>\n\nbody\n";
    p = h.deliver_raw(fresh, {"support+" + token + "@helpdesk.example.com"}, "bob@acme.example");
    CHECK(only(p).verdict == Verdict::Appended);
    CHECK(only(p).ticket == key(10, 1));

    std::string forged = token;
    forged.back() = forged.back() == '0' ? '1' : '0';
    const std::string other = "From: bob@acme.example\nTo: x\nSubject: third thing\n"
                              "Message-ID: <fresh-2@acme.example>\n\nbody\n";
    p = h.deliver_raw(other, {"support+" + forged + "@helpdesk.example.com"}, "bob@acme.example");
    CHECK(only(p).verdict == Verdict::NewTicket);
    CHECK(only(p).explanation.find("bad signature") != std::string::npos);
}

TEST_CASE("duplicate delivery is stored once; a reused Message-ID with another body is kept") {
    Harness h;
    auto first = h.deliver("new-acme.eml");
    auto second = h.deliver("new-acme.eml");
    CHECK(only(first).verdict == Verdict::NewTicket);
    CHECK(only(second).verdict == Verdict::Duplicate);
    CHECK(only(second).reply.code == 250);
    CHECK(only(second).ticket == key(10, 1));
    CHECK(h.all_tickets().size() == 1);
    CHECK(h.ticket(key(10, 1)).entry_count == 1);

    // Same Message-ID, different body: a different mail, kept.
    std::string raw = read_file(data_dir() / "engine" / "new-acme.eml");
    raw += "\nP.S. another body.\n";
    auto third = h.deliver_raw(raw, {"support@helpdesk.example.com"}, "alice@acme.example");
    CHECK(only(third).verdict != Verdict::Duplicate);
    CHECK(only(third).reply.code == 250);
    std::vector<MessageRef> refs;
    REQUIRE_FALSE(h.store.read([&](const ReadTxn& txn) {
        refs = txn.find_message_id("printer-1@acme.example");
    }));
    CHECK(refs.size() == 2);
}

TEST_CASE("one mail to two queues opens one ticket and a referral in the other queue") {
    Harness h;
    const auto p = h.deliver("two-queues.eml",
                             {"billing@helpdesk.example.com", "support@helpdesk.example.com"});
    REQUIRE(p.recipients.size() == 2);
    // Support comes first in config order, so it owns the ticket.
    CHECK(p.recipients[1].verdict == Verdict::NewTicket);
    CHECK(p.recipients[1].ticket == key(10, 1));
    CHECK(p.recipients[0].verdict == Verdict::Referral);
    CHECK(p.recipients[0].ticket == key(10, 1));
    CHECK(p.recipients[0].reply.code == 250);
    CHECK(h.all_tickets().size() == 1);
    const Ticket t = h.ticket(key(10, 1));
    CHECK(t.referrals == std::vector<std::uint32_t>{20});
    CHECK(t.priority == "high");
    CHECK(t.tags == std::vector<std::string>{"urgent"});
    const auto e = h.entries(key(10, 1));
    REQUIRE(e.size() == 2);
    CHECK(e[1].kind == EntryKind::Referral);

    // Postfix retrying only the billing recipient (e.g. after a deferral) does not open a
    // second ticket either.
    const auto again = h.deliver("two-queues.eml", {"billing@helpdesk.example.com"});
    CHECK(only(again).verdict == Verdict::Duplicate);
    CHECK(h.all_tickets().size() == 1);
}

TEST_CASE("reply to a closed ticket follows the queue's policy") {
    SUBCASE("reopen within reopen_days") {
        Harness h;
        h.deliver("new-acme.eml");
        h.set_status(key(10, 1), TicketStatus::Closed, kNow);
        const auto p = h.deliver("reply-bob.eml", {"support@helpdesk.example.com"}, kNow + 2 * kDay);
        CHECK(only(p).verdict == Verdict::Appended);
        CHECK(h.ticket(key(10, 1)).status == TicketStatus::Open);
    }
    SUBCASE("after reopen_days a new linked ticket") {
        Harness h;
        h.deliver("new-acme.eml");
        h.set_status(key(10, 1), TicketStatus::Closed, kNow);
        const auto p = h.deliver("reply-bob.eml", {"support@helpdesk.example.com"}, kNow + 30 * kDay);
        CHECK(only(p).verdict == Verdict::NewTicket);
        CHECK(only(p).ticket == key(10, 2));
        CHECK(h.ticket(key(10, 2)).linked_from == key(10, 1));
        CHECK(h.ticket(key(10, 1)).status == TicketStatus::Closed);
    }
    SUBCASE("new_ticket queue") {
        Harness h;
        h.deliver("new-acme.eml", {"billing@helpdesk.example.com"});
        h.set_status(key(20, 1), TicketStatus::Closed, kNow);
        const auto p = h.deliver("reply-bob.eml", {"billing@helpdesk.example.com"}, kNow + 60);
        CHECK(only(p).verdict == Verdict::NewTicket);
        CHECK(only(p).ticket == key(20, 2));
        CHECK(h.ticket(key(20, 2)).linked_from == key(20, 1));
    }
    SUBCASE("refuse queue: held for staff, not bounced (the sender may be forged)") {
        Harness h;
        h.deliver("new-acme.eml", {"sales@helpdesk.example.com"});
        h.set_status(key(40, 1), TicketStatus::Closed, kNow);
        const auto p = h.deliver("reply-bob.eml", {"sales@helpdesk.example.com"}, kNow + 60);
        CHECK(only(p).verdict == Verdict::Held);
        CHECK(only(p).reply.status == EnhancedStatus{2, 0, 0});
        CHECK(only(p).reply.text.find("10-1") == std::string::npos);
        CHECK(only(p).reply.text.find("40-1") != std::string::npos);
    }
}

TEST_CASE("comment address: staff mail becomes an internal note, anyone else is refused") {
    Harness h;
    h.deliver("new-acme.eml");
    auto p = h.deliver("staff-comment.eml", {"support-comment@helpdesk.example.com"});
    CHECK(only(p).verdict == Verdict::Note);
    CHECK(only(p).ticket == key(10, 1));
    const auto e = h.entries(key(10, 1));
    REQUIRE(e.size() == 2);
    CHECK(e[1].kind == EntryKind::Note);
    CHECK(e[1].direction == Direction::Internal);
    CHECK(h.ticket(key(10, 1)).status == TicketStatus::New);

    p = h.deliver("outsider-comment.eml", {"support-comment@helpdesk.example.com"});
    CHECK(only(p).verdict == Verdict::Refused);
    CHECK(only(p).reply.code == 550);
    CHECK(h.entries(key(10, 1)).size() == 2);
}

TEST_CASE("authorization=required: a non-approver's request waits for approval") {
    Harness h;
    const auto p = h.deliver("initech.eml");
    CHECK(only(p).verdict == Verdict::NewTicket);
    const Ticket t = h.ticket(*only(p).ticket);
    CHECK(t.status == TicketStatus::AwaitingApproval);
    CHECK(t.customer_id == "initech");
}

TEST_CASE("unknown sender at an enabled customer's domain becomes a contact") {
    Harness h;
    const std::string raw = "From: Dave <dave@acme.example>\nSubject: hi\nMessage-ID: <d1@acme.example>\n\nx\n";
    const auto p = h.deliver_raw(raw, {"support@helpdesk.example.com"}, "dave@acme.example");
    CHECK(only(p).verdict == Verdict::NewTicket);
    std::optional<Contact> c;
    REQUIRE_FALSE(h.store.read([&](const ReadTxn& txn) { c = txn.contact("dave@acme.example"); }));
    REQUIRE(c);
    CHECK(c->customer_id == "acme");
    CHECK(c->name == "Dave");
    CHECK(c->queue == 10);
}

TEST_CASE("routing rules can discard and refuse") {
    Harness h;
    auto p = h.deliver("spam.eml");
    CHECK(only(p).verdict == Verdict::Discarded);
    CHECK(only(p).rule == "spam");
    CHECK(only(p).reply.code == 250);
    p = h.deliver("lottery.eml");
    CHECK(only(p).verdict == Verdict::Refused);
    CHECK(only(p).reply.text == "We do not accept this kind of mail.");
    CHECK(h.all_tickets().empty());
}

TEST_CASE("loops and oversize mail are refused with their own codes") {
    Harness h;
    auto p = h.deliver("loop.eml");
    CHECK(only(p).verdict == Verdict::Loop);
    CHECK(only(p).reply.code == 554);
    CHECK(only(p).reply.status == EnhancedStatus{5, 4, 6});

    std::string many;
    for (int i = 0; i < 30; ++i) many += "Received: from a by b; Tue, 24 Nov 2026 09:00:00 +0000\n";
    many += "From: alice@acme.example\nSubject: hops\nMessage-ID: <hops@acme.example>\n\nx\n";
    p = h.deliver_raw(many, {"support@helpdesk.example.com"}, "alice@acme.example");
    CHECK(only(p).verdict == Verdict::Loop);

    std::string big = "From: alice@acme.example\nSubject: big\nMessage-ID: <big@acme.example>\n\n";
    big += std::string(1024 * 1024 + 10, 'x');
    p = h.deliver_raw(big, {"support@helpdesk.example.com"}, "alice@acme.example");
    CHECK(only(p).verdict == Verdict::TooBig);
    CHECK(only(p).reply.code == 552);
    CHECK(only(p).reply.status == EnhancedStatus{5, 3, 4});
    CHECK(h.all_tickets().empty());
}

TEST_CASE("an out-of-office reply joins its ticket without changing its status") {
    Harness h;
    h.deliver("new-acme.eml");
    h.set_status(key(10, 1), TicketStatus::Waiting);
    const auto p = h.deliver("ooo-reply.eml");
    CHECK(only(p).verdict == Verdict::Appended);
    CHECK(h.ticket(key(10, 1)).status == TicketStatus::Waiting);
}

TEST_CASE("unsigned X-Deskgate-* control headers are stripped") {
    Harness h;
    const auto p = h.deliver("forged-control.eml");
    CHECK(only(p).verdict == Verdict::NewTicket);
    CHECK_FALSE(p.message.header("X-Deskgate-Ticket"));
    CHECK_FALSE(p.message.header("X-Deskgate-Direction"));
    const auto e = h.entries(*only(p).ticket);
    REQUIRE(e.size() == 1);
    CHECK(e[0].direction == Direction::Inbound);
    CHECK(std::any_of(e[0].defects.begin(), e[0].defects.end(), [](const std::string& d) {
        return d.find("X-Deskgate") != std::string::npos;
    }));
}

TEST_CASE("a message without Message-ID gets a deterministic one and is stored once") {
    Harness h;
    auto p1 = h.deliver("no-message-id.eml");
    auto p2 = h.deliver("no-message-id.eml");
    CHECK(only(p1).verdict == Verdict::NewTicket);
    CHECK(p1.message.message_id_synthesized);
    CHECK(p1.message.message_id == p2.message.message_id);
    CHECK(only(p2).verdict == Verdict::Duplicate);
}

TEST_CASE("broken MIME is stored raw with its defects listed") {
    Harness h;
    const auto p = h.deliver("broken-mime.eml");
    CHECK(only(p).verdict == Verdict::NewTicket);
    CHECK_FALSE(p.message.defects.empty());
    const auto e = h.entries(*only(p).ticket);
    REQUIRE(e.size() == 1);
    CHECK_FALSE(e[0].defects.empty());
    CHECK(e[0].text_body.find("See attached.") != std::string::npos);
    std::optional<std::string> raw;
    REQUIRE_FALSE(h.store.read([&](const ReadTxn& txn) { raw = txn.raw(e[0].raw_id); }));
    CHECK(raw == read_file(data_dir() / "engine" / "broken-mime.eml"));
}

TEST_CASE("subjects in legacy charsets are stored decoded") {
    Harness h;
    const auto dir = data_dir() / "charsets";
    REQUIRE(std::filesystem::is_directory(dir));
    std::size_t n = 0;
    for (const auto& f : std::filesystem::directory_iterator(dir)) {
        if (f.path().extension() != ".eml") continue;
        const std::string raw = read_file(f.path());
        const auto p = h.deliver_raw(raw, {"support@helpdesk.example.com"}, "alice@acme.example");
        INFO(f.path().filename().string());
        REQUIRE(p.recipients.size() == 1);
        CHECK(p.recipients[0].reply.code == 250);
        if (!p.recipients[0].ticket) continue;
        const Ticket t = h.ticket(*p.recipients[0].ticket);
        CHECK(t.subject.find("=?") == std::string::npos);
        CHECK(t.subject == p.message.subject);
        ++n;
    }
    CHECK(n >= 5);
}

TEST_CASE("a store failure is a temporary 452 4.3.1 for every recipient") {
    Harness h;
    // A store that cannot be written: created, closed, reopened read-only.
    TempDir other;
    {
        auto rw = Store::open(Store::Options{other.path() / "store", 1ull << 20, false});
        REQUIRE(std::holds_alternative<Store>(rw));
    }
    auto ro = Store::open(Store::Options{other.path() / "store", 1ull << 20, true});
    REQUIRE(std::holds_alternative<Store>(ro));
    Envelope env{"alice@acme.example", {"support@helpdesk.example.com", "billing@helpdesk.example.com"}, ""};
    const auto p = h.engine.deliver(std::get<Store>(ro), env,
                                    read_file(data_dir() / "engine" / "new-acme.eml"), kNow);
    REQUIRE(p.recipients.size() == 2);
    for (const auto& d : p.recipients) {
        CHECK(d.reply.code == 452);
        CHECK(d.reply.status == EnhancedStatus{4, 3, 1});
    }
    CHECK(h.all_tickets().empty());
}

TEST_CASE("a customer requiring authentication: without our signed mark no ticket rights (fail closed)") {
    Harness h(NotEnabledPolicy::Redirect);
    // an X-Deskgate-Auth header without our signature is stripped: nothing proves the sender
    const std::string forged = "From: eve@lenient.example\nSubject: hi\nMessage-ID: <e2@lenient.example>\n"
                               "X-Deskgate-Auth: pass; from=<eve@lenient.example>; msgid=<e2@lenient.example>\n\nbody\n";
    auto p = h.deliver_raw(forged, {"support@helpdesk.example.com"}, "eve@lenient.example");
    CHECK(only(p).verdict == Verdict::Redirected);
    CHECK(h.all_tickets().empty());
    // our signed mark for this sender and this mail: a ticket
    ParsedMessage mark;
    mark.headers = {{"X-Deskgate-Auth", "pass; from=<eve@lenient.example>; msgid=<e1@lenient.example>"}};
    const std::string sig = sign_control_headers(h.config.global.secret, canonical_control_headers(mark));
    const std::string raw = "From: eve@lenient.example\nSubject: hi\nMessage-ID: <e1@lenient.example>\n"
                            "X-Deskgate-Auth: pass; from=<eve@lenient.example>; msgid=<e1@lenient.example>\n"
                            "X-Deskgate-Signature: " + sig + "\n\nbody\n";
    p = h.deliver_raw(raw, {"support@helpdesk.example.com"}, "eve@lenient.example");
    CHECK(only(p).verdict == Verdict::NewTicket);
}

TEST_CASE("fetched mail is never refused: what would be 5xx is held for staff (the provider accepted it already)") {
    Harness h;
    // Refused at the door or by LMTP from Postfix; fetched, the same mail is held with a 250.
    auto p = h.deliver_fetched("globex.eml");
    CHECK(only(p).verdict == Verdict::Held);
    CHECK(only(p).reply.code == 250);
    CHECK(only(p).explanation.find("customer not enabled for e-mail tickets") != std::string::npos);
    CHECK(only(p).explanation.find("fetched from a provider's mailbox") != std::string::npos);
    p = h.deliver_fetched("lottery.eml");  // a rule's refuse
    CHECK(only(p).verdict == Verdict::Held);
    p = h.deliver_fetched("loop.eml");
    CHECK(only(p).verdict == Verdict::Held);
    p = h.deliver_fetched("new-acme.eml", {"nobody@helpdesk.example.com"});  // a fetcher config gone stale
    CHECK(only(p).verdict == Verdict::Held);
    CHECK(h.all_tickets().empty());
    // Nothing is lost: each copy goes to the staff's redirect mailbox as held mail.
    const auto out = h.outbox();
    REQUIRE(out.size() == 4);
    for (const OutboxItem& item : out) {
        CHECK(item.kind == "held");
        CHECK(item.recipients == std::vector<std::string>{"triage@example.com"});
    }

    // Temporary answers stay temporary, so the fetcher keeps the mail for its next poll.
    p = h.deliver_fetched("new-acme.eml", {"archive@helpdesk.example.com"});
    CHECK(only(p).verdict == Verdict::QueueInactive);
    CHECK(only(p).reply.code == 451);
    // And good mail makes its ticket as from Postfix; fetched again it is a duplicate.
    CHECK(only(h.deliver_fetched("new-acme.eml")).verdict == Verdict::NewTicket);
    CHECK(only(h.deliver_fetched("new-acme.eml")).verdict == Verdict::Duplicate);
    CHECK(h.all_tickets().size() == 1);
}

TEST_CASE("fetched mail keeps its reply token: the plus-address is read from the provider's headers") {
    Harness h;
    REQUIRE(only(h.deliver("new-acme.eml")).ticket == key(10, 1));
    const std::string token = make_reply_token(h.config.global.secret, key(10, 1));
    const std::string token_address = "support+" + token + "@helpdesk.example.com";
    // The fetcher delivers to the queue's address; Delivered-To (Gmail) or To (Microsoft 365)
    // still name the token address the customer wrote to.
    const std::string gmail = "Delivered-To: " + token_address + "\nFrom: bob@acme.example\nTo: x@y.example\n"
                              "Subject: another thing\nMessage-ID: <fetched-1@acme.example>\n\nbody\n";
    auto p = h.deliver_raw(gmail, {"support@helpdesk.example.com"}, "bob@acme.example", kNow, true);
    CHECK(only(p).verdict == Verdict::Appended);
    CHECK(only(p).ticket == key(10, 1));
    CHECK(only(p).recipient == "support@helpdesk.example.com");  // answered for the envelope's recipient
    const std::string m365 = "From: bob@acme.example\nTo: \"Support\" <" + token_address + ">\n"
                             "Subject: a third thing\nMessage-ID: <fetched-2@acme.example>\n\nbody\n";
    p = h.deliver_raw(m365, {"support@helpdesk.example.com"}, "bob@acme.example", kNow, true);
    CHECK(only(p).ticket == key(10, 1));
    // Not fetched (from Postfix), the envelope alone counts: a To header proves nothing.
    const std::string direct = "From: bob@acme.example\nTo: <" + token_address + ">\n"
                               "Subject: a fourth thing\nMessage-ID: <direct-1@acme.example>\n\nbody\n";
    p = h.deliver_raw(direct, {"support@helpdesk.example.com"}, "bob@acme.example");
    CHECK(only(p).verdict == Verdict::NewTicket);
}
