// test_decision.cpp - the decision pipeline's defects that each failed before it was rebuilt:
// authentication fails closed (no signed mark of our milter, no ticket rights, also for mixed
// recipients), refusals that are known only after the store was read are held, not bounced,
// the SMTP door refuses what routing rules refuse, the acknowledgement after an approval
// follows the acknowledgement rules, DMARC vouches only for the domain it names, and the LMTP
// session's own failures are answered and counted by the engine.
#include <doctest/doctest.h>

#include <algorithm>

#include "config/load.hpp"
#include "core/compose/approval.hpp"
#include "core/decision/door.hpp"
#include "core/decision/engine.hpp"
#include "core/policy/authenticity.hpp"
#include "test_support.hpp"

using namespace deskgate;
using deskgate::test::data_dir;
using deskgate::test::source_dir;
using deskgate::test::TempDir;

namespace {

constexpr std::int64_t kNow = 1795507200;  // 2026-11-24 09:00 Prague: in hours

Config load(const std::filesystem::path& path, NotEnabledPolicy policy) {
    LoadResult r = load_config(path);
    for (const auto& e : r.errors) MESSAGE(to_string(e));
    REQUIRE(r.config);
    Config c = std::move(*r.config);
    c.global.not_enabled_policy = policy;
    return c;
}

struct Desk {
    explicit Desk(NotEnabledPolicy policy = NotEnabledPolicy::Refuse,
                  std::filesystem::path config_path = data_dir() / "engine" / "deskgate.toml")
        : config(load(config_path, policy)), engine(config),
          store(std::move(std::get<Store>(Store::open(Store::Options{dir.path() / "store", 1ull << 20, false})))) {}

    DeliveryPlan deliver(const std::string& raw, std::vector<std::string> to, std::string from,
                         std::int64_t now = kNow) {
        return engine.deliver(store, Envelope{std::move(from), std::move(to), ""}, raw, now);
    }
    std::vector<Ticket> tickets() {
        std::vector<Ticket> t;
        REQUIRE_FALSE(store.read([&](const ReadTxn& txn) { t = txn.tickets({}); }));
        return t;
    }
    std::vector<OutboxItem> outbox() {
        std::vector<OutboxItem> out;
        REQUIRE_FALSE(store.read([&](const ReadTxn& txn) { out = txn.outbox(); }));
        return out;
    }
    std::optional<Contact> contact(const std::string& a) {
        std::optional<Contact> c;
        REQUIRE_FALSE(store.read([&](const ReadTxn& txn) { c = txn.contact(a); }));
        return c;
    }
    std::uint64_t counted(Verdict v) {
        std::uint64_t n = 0;
        REQUIRE_FALSE(store.read([&](const ReadTxn& txn) {
            for (const auto& [name, count] : txn.verdict_counts())
                if (name == to_string(v)) n = count;
        }));
        return n;
    }

    TempDir dir;
    Config config;
    Engine engine;
    Store store;
};

std::string mail(const std::string& from, const std::string& mid, const std::string& extra = "",
                 const std::string& subject = "hi") {
    return "From: " + from + "\r\nTo: support@helpdesk.example.com\r\nSubject: " + subject + "\r\nMessage-ID: <" + mid +
           ">\r\n" + extra + "\r\nbody\r\n";
}

std::string header_lines(const std::vector<HeaderField>& fields) {
    std::string out;
    for (const HeaderField& h : fields) out += h.name + ": " + h.value + "\r\n";
    return out;
}

// The mark the door would add for `sender` on a mail with Message-ID `mid`.
std::string mark(const Config& c, const std::string& sender, const std::string& mid) {
    return header_lines(authentication_mark(c, sender, parse_message("Message-ID: <" + mid + ">\r\n\r\n")));
}

}  // namespace

TEST_CASE("authentication fails closed: only our signed mark for this sender and this mail gives ticket rights") {
    Desk d(NotEnabledPolicy::Redirect);
    const std::string eve = "eve@lenient.example";
    SUBCASE("no mark at all (the milter was not in front): no ticket, redirected") {
        const auto p = d.deliver(mail(eve, "e1@lenient.example"), {"support@helpdesk.example.com"}, eve);
        CHECK(p.recipients[0].verdict == Verdict::Redirected);
        CHECK(d.tickets().empty());
    }
    SUBCASE("an unsigned mark is stripped: no ticket") {
        const auto p = d.deliver(mail(eve, "e2@lenient.example", "X-Deskgate-Auth: pass; from=<" + eve + ">; msgid=<e2@lenient.example>\r\n"),
                                 {"support@helpdesk.example.com"}, eve);
        CHECK(p.recipients[0].verdict == Verdict::Redirected);
        CHECK(d.tickets().empty());
    }
    SUBCASE("a signed mark for another sender or another mail proves nothing") {
        auto p = d.deliver(mail(eve, "e3@lenient.example", mark(d.config, "mallory@lenient.example", "e3@lenient.example")),
                           {"support@helpdesk.example.com"}, eve);
        CHECK(p.recipients[0].verdict == Verdict::Redirected);
        p = d.deliver(mail(eve, "e4@lenient.example", mark(d.config, eve, "other@lenient.example")),
                      {"support@helpdesk.example.com"}, eve);
        CHECK(p.recipients[0].verdict == Verdict::Redirected);
        CHECK(d.tickets().empty());
    }
    SUBCASE("the right mark: a ticket") {
        const auto p = d.deliver(mail(eve, "e5@lenient.example", mark(d.config, eve, "e5@lenient.example")),
                                 {"support@helpdesk.example.com"}, eve);
        CHECK(p.recipients[0].verdict == Verdict::NewTicket);
        CHECK(d.tickets().size() == 1);
    }
}

TEST_CASE("a forged sender of a customer that refuses unauthenticated mail, mixed with another recipient, gets no ticket rights") {
    Desk d;
    // What the milter does: other recipient in the mail, so it cannot reject; it adds no mark.
    InboundDoor door(std::make_shared<const Config>(d.config));
    door.sender("<bob@secure.example>");
    CHECK_FALSE(door.recipient("<support@helpdesk.example.com>"));
    CHECK_FALSE(door.recipient("<friend@elsewhere.example>"));
    door.header("From", "bob@secure.example");
    door.header("Message-ID", "<forged@secure.example>");
    CHECK_FALSE(door.end_of_message());
    CHECK(door.strip_control_headers());
    CHECK(door.headers_to_add().empty());  // no proof handed on
    // What the LMTP agent then does: held for staff, no ticket, no contact, no bounce.
    const auto p = d.deliver(mail("bob@secure.example", "forged@secure.example"), {"support@helpdesk.example.com"},
                             "bob@secure.example");
    CHECK(p.recipients[0].verdict == Verdict::Held);
    CHECK(p.recipients[0].reply.code == 250);
    CHECK(d.tickets().empty());
    CHECK_FALSE(d.contact("bob@secure.example"));
    const auto out = d.outbox();
    REQUIRE(out.size() == 1);
    CHECK(out[0].kind == "held");
    CHECK(out[0].recipients == std::vector<std::string>{"triage@example.com"});
    CHECK(d.counted(Verdict::Held) == 1);
}

TEST_CASE("the door's proof reaches the LMTP agent and opens the ticket") {
    Desk d;
    InboundDoor door(std::make_shared<const Config>(d.config));
    door.sender("<bob@secure.example>");
    CHECK_FALSE(door.recipient("<support@helpdesk.example.com>"));
    door.header("Authentication-Results", "mx.test.example; dmarc=pass header.from=secure.example");
    door.header("From", "Bob <bob@secure.example>");
    door.header("Message-ID", "<real@secure.example>");
    CHECK_FALSE(door.end_of_message());
    REQUIRE(door.headers_to_add().size() == 2);
    const auto p = d.deliver(mail("Bob <bob@secure.example>", "real@secure.example", header_lines(door.headers_to_add())),
                             {"support@helpdesk.example.com"}, "bob@secure.example");
    CHECK(p.recipients[0].verdict == Verdict::NewTicket);
}

TEST_CASE("DMARC pass vouches only for the domain its header.from names") {
    const Config c = load(data_dir() / "engine" / "deskgate.toml", NotEnabledPolicy::Refuse);
    auto ar = [](const std::string& v) {
        ParsedMessage m;
        m.headers = {{"Authentication-Results", v}};
        return m;
    };
    CHECK(sender_authenticated(c, ar("mx.test.example; dmarc=pass header.from=secure.example"), "secure.example", false));
    CHECK_FALSE(sender_authenticated(c, ar("mx.test.example; dmarc=pass"), "secure.example", false));
    CHECK_FALSE(sender_authenticated(c, ar("mx.test.example; dmarc=pass header.from=evil.example"), "secure.example", false));
    CHECK_FALSE(sender_authenticated(c, ar("mx.test.example; dmarc=pass header.from=example"), "secure.example", false));
    CHECK_FALSE(sender_authenticated(c, ar("mx.test.example; dmarc=pass header.from=mail.secure.example"), "secure.example", false));
}

TEST_CASE("the door refuses what a routing rule refuses, in the SMTP dialogue") {
    const auto c = std::make_shared<const Config>(load(data_dir() / "engine" / "deskgate.toml", NotEnabledPolicy::Refuse));
    VerdictCounter counter;
    InboundDoor door(c, nullptr, &counter);
    door.sender("<alice@acme.example>");
    CHECK_FALSE(door.recipient("<support@helpdesk.example.com>"));
    door.header("From", "alice@acme.example");
    door.header("Subject", "You are our lottery winner");
    const auto r = door.end_of_message();
    REQUIRE(r);
    CHECK(r->verdict == Verdict::Refused);
    CHECK(r->reply.code == 550);
    CHECK(r->reply.status == EnhancedStatus{5, 7, 1});
    CHECK(r->reply.text == "We do not accept this kind of mail.");
    // the rate limit's answer comes from the same table, and every refusal is counted
    SenderRateLimiter limiter(1, 3600);
    InboundDoor limited(c, &limiter, &counter);
    limited.sender("<robot@acme.example>");
    CHECK_FALSE(limited.recipient("<support@helpdesk.example.com>", 1));
    limited.sender("<robot@acme.example>");
    const auto rl = limited.recipient("<support@helpdesk.example.com>", 2);
    REQUIRE(rl);
    CHECK(rl->verdict == Verdict::RateLimited);
    CHECK(rl->reply == reply_for(Verdict::RateLimited, rl->reply.text));
    const auto counts = counter.take();
    CHECK(counts == std::vector<std::pair<Verdict, std::uint64_t>>{{Verdict::Refused, 1}, {Verdict::RateLimited, 1}});
    CHECK(format_counts(counts) == "refused=1 rate-limited=1");
    CHECK(counter.take().empty());
}

TEST_CASE("refusals known only after reading the store are held, not bounced") {
    Desk d;
    SUBCASE("a reply to a closed ticket of a queue that refuses them") {
        d.deliver(mail("alice@acme.example", "c1@acme.example"), {"sales@helpdesk.example.com"}, "alice@acme.example");
        REQUIRE(d.tickets().size() == 1);
        const TicketKey k = d.tickets()[0].key;
        REQUIRE_FALSE(d.store.write([&](WriteTxn& txn) {
            auto t = txn.ticket(k);
            t->status = TicketStatus::Closed;
            t->closed_at = kNow;
            txn.put_ticket(*t);
        }));
        const auto p = d.deliver(mail("alice@acme.example", "c2@acme.example", "In-Reply-To: <c1@acme.example>\r\n"),
                                 {"sales@helpdesk.example.com"}, "alice@acme.example", kNow + 60);
        CHECK(p.recipients[0].verdict == Verdict::Held);
        CHECK(p.recipients[0].reply.success());
        CHECK(p.recipients[0].ticket == k);
        CHECK(d.tickets().size() == 1);
        REQUIRE(d.outbox().size() == 1);
        CHECK(d.outbox()[0].kind == "held");
    }
    SUBCASE("a staff note that names no ticket") {
        const auto p = d.deliver(mail("Jana Novak <jana@example.com>", "n1@example.com"),
                                 {"support-comment@helpdesk.example.com"}, "jana@example.com");
        CHECK(p.recipients[0].verdict == Verdict::Held);
        CHECK(p.recipients[0].reply.code == 250);
        CHECK(d.tickets().empty());
        REQUIRE(d.outbox().size() == 1);
        CHECK(d.outbox()[0].kind == "held");
    }
    SUBCASE("without a mailbox to forward to, the held copy stays in the outbox") {
        d.config.global.redirect_mailbox.clear();
        const auto p = d.deliver(mail("Jana Novak <jana@example.com>", "n2@example.com"),
                                 {"support-comment@helpdesk.example.com"}, "jana@example.com");
        CHECK(p.recipients[0].verdict == Verdict::Held);
        REQUIRE(d.outbox().size() == 1);
        CHECK(d.outbox()[0].state == "held");
        CHECK(d.outbox()[0].recipients.empty());
    }
}

TEST_CASE("the acknowledgement after an approval follows the acknowledgement rules") {
    Desk d(NotEnabledPolicy::Refuse, source_dir() / "config/examples/deskgate.toml");
    const Queue& support = *d.config.queue_by_num(10);
    auto request = [&](const std::string& mid, const std::string& extra) {
        return d.deliver("From: Peter <peter@initech.example>\r\nSubject: Stapler\r\nMessage-ID: <" + mid + ">\r\n" +
                             extra + "\r\nA red one.\r\n",
                         {"support@helpdesk.example.com"}, "peter@initech.example");
    };
    auto approve = [&](TicketKey k, const std::string& mid) {
        return d.deliver("From: Boss <boss@initech.example>\r\nSubject: ok\r\nMessage-ID: <" + mid + ">\r\n\r\nyes\r\n",
                         {decision_address(d.config, support, k, DecisionKind::Approve)}, "boss@initech.example", kNow + 120);
    };
    auto acks = [&] {
        std::vector<OutboxItem> out;
        for (const OutboxItem& i : d.outbox())
            if (i.kind == "ack") out.push_back(i);
        return out;
    };
    SUBCASE("to the acknowledgement recipient (Reply-To), not the opener") {
        request("r1@initech.example", "Reply-To: Peter Home <peter.home@initech.example>\r\n");
        const auto p = approve(TicketKey{10, 1}, "ok1@initech.example");
        CHECK(p.recipients[0].verdict == Verdict::Appended);
        REQUIRE(acks().size() == 1);
        CHECK(acks()[0].recipients == std::vector<std::string>{"peter.home@initech.example"});
    }
    SUBCASE("never to automated mail") {
        request("r2@initech.example", "Auto-Submitted: auto-generated\r\n");
        const auto p = approve(TicketKey{10, 1}, "ok2@initech.example");
        CHECK(p.recipients[0].verdict == Verdict::Appended);
        CHECK(p.recipients[0].explanation.find("no acknowledgement") != std::string::npos);
        CHECK(acks().empty());
    }
    SUBCASE("never to an address known to be undeliverable") {
        request("r3@initech.example", "");
        REQUIRE_FALSE(d.store.write([&](WriteTxn& txn) {
            auto t = txn.ticket(TicketKey{10, 1});
            t->undeliverable.push_back("peter@initech.example");
            txn.put_ticket(*t);
        }));
        approve(TicketKey{10, 1}, "ok3@initech.example");
        CHECK(acks().empty());
    }
}

TEST_CASE("the LMTP session's own failures are answered from the table and counted") {
    Desk d;
    std::vector<DeliveryInput> in(2);
    in[0].envelope = Envelope{"a@acme.example", {"support@helpdesk.example.com", "billing@helpdesk.example.com"}, ""};
    in[0].failure = SessionFailure::TooBig;
    in[0].max_size = 1000;
    in[0].now = kNow;
    in[1].envelope = Envelope{"a@acme.example", {"support@helpdesk.example.com"}, ""};
    in[1].failure = SessionFailure::SpoolFailed;
    in[1].now = kNow;
    const auto plans = d.engine.deliver_batch(d.store, in);
    REQUIRE(plans.size() == 2);
    REQUIRE(plans[0].recipients.size() == 2);
    CHECK(plans[0].recipients[0].reply == reply_for(Verdict::TooBig, "message exceeds the size limit of 1000 bytes"));
    CHECK(plans[0].recipients[0].reply.code == 552);
    CHECK(plans[1].recipients[0].verdict == Verdict::SpoolFailed);
    CHECK(plans[1].recipients[0].reply.code == 451);
    CHECK(plans[1].recipients[0].reply.status == EnhancedStatus{4, 3, 0});
    CHECK(d.counted(Verdict::TooBig) == 2);
    CHECK(d.counted(Verdict::SpoolFailed) == 1);
    CHECK(d.tickets().empty());
}

TEST_CASE("every verdict has a reply whose class matches its code, and a unique name") {
    std::vector<std::string_view> names;
    for (const Verdict v : kAllVerdicts) {
        const Reply r = reply_for(v, "x");
        CHECK(r.code / 100 == r.status.klass);
        names.push_back(to_string(v));
    }
    std::sort(names.begin(), names.end());
    CHECK(std::adjacent_find(names.begin(), names.end()) == names.end());
}
