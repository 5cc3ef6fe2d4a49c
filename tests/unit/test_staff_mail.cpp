// test_staff_mail.cpp - the staff's side by mail on a real LMDB store through Engine::deliver:
// notifications (who is told of what, what they look like), a staff member's answer to the
// token address (quote stripped, the reply as the customer gets it, life cycle), commands,
// out-of-office, permissions and forged tokens, redelivery.
#include <doctest/doctest.h>

#include <algorithm>

#include "config/load.hpp"
#include "core/compose/notification.hpp"
#include "core/decision/engine.hpp"
#include "core/decision/staff_commands.hpp"
#include "core/decision/tick.hpp"
#include "core/mail/reply_text.hpp"
#include "core/model/token.hpp"
#include "test_support.hpp"

using namespace deskgate;
using deskgate::test::TempDir;
using deskgate::test::write_file;

namespace {

constexpr std::int64_t kNow = 1795507200;  // 2026-11-24T00:00:00Z

constexpr std::string_view kConfig = R"([global]
hostname = "helpdesk.example.com"
store = "/nonexistent/overridden-by-tests"
staff_sender = "staff@example.com"
secret_file = "secret"
bounce_address = "bounces@helpdesk.example.com"

[[staff]]
alias = "jana"
name = "Jana Nováková"
address = "jana@helpdesk.example.com"
queues = [10, 20]

[[staff]]
alias = "petr"
name = "Petr Svoboda"
address = "petr@helpdesk.example.com"
queues = [10, 20]
categories = ["general"]

[[customers]]
id = "acme"
name = "Acme Corp"
domains = ["acme.example"]
email_tickets = true

[[queues]]
number = 10
name = "Support"
address = "support@helpdesk.example.com"
display_name = "{{user.alias}} - {{queue.title}}"
signature = "Your Support team"
default_category = "general"
close_summary = true
subject_tag = "[Support#{{ticket.number}}]"

[[queues]]
number = 20
name = "Billing"
address = "billing@helpdesk.example.com"
default_category = "billing"
subject_tag = "[Billing#{{ticket.number}}]"
)";

struct Harness {
    Harness() : config(load()), engine(config), store(open()) {}

    Config load() {
        write_file(dir.path() / "secret", "0123456789abcdef0123456789abcdef\n");
        LoadResult r = load_config_text(kConfig, "t.toml", dir.path());
        for (const auto& e : r.errors) MESSAGE(to_string(e));
        REQUIRE(r.config);
        return std::move(*r.config);
    }
    Store open() {
        auto s = Store::open(Store::Options{dir.path() / "store", 1ull << 20, false});
        REQUIRE(std::holds_alternative<Store>(s));
        return std::move(std::get<Store>(s));
    }
    RecipientDecision deliver(const std::string& raw, const std::string& from, const std::string& to,
                              std::int64_t now = kNow) {
        Envelope env;
        env.sender = from;
        env.recipients = {to};
        const DeliveryPlan p = engine.deliver(store, env, raw, now);
        REQUIRE(p.recipients.size() == 1);
        return p.recipients.front();
    }
    // Outbox items of `kind` created after item `after`, with their raw bytes.
    std::vector<std::pair<OutboxItem, std::string>> outbox(std::string_view kind, std::uint64_t after = 0) {
        std::vector<std::pair<OutboxItem, std::string>> out;
        REQUIRE_FALSE(store.read([&](const ReadTxn& txn) {
            for (const OutboxItem& item : txn.outbox())
                if (item.kind == kind && item.id > after) out.emplace_back(item, txn.raw(item.raw_id).value_or(""));
        }));
        return out;
    }
    std::uint64_t last_outbox_id() {
        std::uint64_t id = 0;
        REQUIRE_FALSE(store.read([&](const ReadTxn& txn) {
            for (const OutboxItem& item : txn.outbox()) id = std::max(id, item.id);
        }));
        return id;
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
    std::string token_address(TicketKey key, std::string_view alias, std::string_view queue = "support") {
        return std::string(queue) + "+" + make_staff_token(config.global.secret, key, alias) + "@helpdesk.example.com";
    }
    // A ticket opened by alice in `queue`.
    TicketKey open_ticket(const std::string& id, const std::string& queue = "support") {
        const std::string raw = "From: Alice Example <alice@acme.example>\nTo: " + queue +
                                "@helpdesk.example.com\nSubject: Printer on fire\nMessage-ID: <" + id +
                                ">\n\nThe printer is on fire.\n";
        const auto d = deliver(raw, "alice@acme.example", queue + "@helpdesk.example.com");
        REQUIRE(d.verdict == Verdict::NewTicket);
        return *d.ticket;
    }
    // jana's (or `from`'s) answer from her mail client, quoting the notification.
    RecipientDecision answer(TicketKey key, const std::string& text, const std::string& id,
                             const std::string& from = "jana@helpdesk.example.com", const std::string& alias = "jana",
                             const std::string& extra_headers = "") {
        const std::string raw = "From: " + from + "\nTo: " + token_address(key, alias) + "\nSubject: Re: [Support#" +
                                to_string(key) + "] Printer on fire\nMessage-ID: <" + id + ">\n" + extra_headers +
                                "\n" + text + "\n\nOn Tue, 24 Nov 2026 at 00:00, Alice Example via Support "
                                "<support@helpdesk.example.com> wrote:\n> " + std::string(kReplyMarker) +
                                "\n>\n> New ticket " + to_string(key) + " from Alice\n> The printer is on fire.\n";
        return deliver(raw, from, token_address(key, alias), kNow + 600);
    }

    TempDir dir;
    Config config;
    Engine engine;
    Store store;
};

bool contains(std::string_view hay, std::string_view needle) { return hay.find(needle) != std::string_view::npos; }

}  // namespace

TEST_CASE("a new ticket tells the queue's staff who may see it, each with a token of their own") {
    Harness h;
    const TicketKey key = h.open_ticket("n1@acme.example");
    const auto notes = h.outbox("notify");
    REQUIRE(notes.size() == 2);
    for (const auto& [item, raw] : notes) {
        const std::string alias = item.recipients.front() == "jana@helpdesk.example.com" ? "jana" : "petr";
        CHECK(contains(raw, "From: \"Alice Example via Support\" <support@helpdesk.example.com>"));
        CHECK(contains(raw, "Reply-To: <" + h.token_address(key, alias) + ">"));
        CHECK(contains(raw, "Subject: [Support#" + to_string(key) + "] Printer on fire"));
        CHECK(contains(raw, "Auto-Submitted: auto-generated"));
        CHECK(contains(raw, std::string(kReplyMarker)));
        CHECK(contains(raw, "The printer is on fire."));
        CHECK(contains(raw, "Customer:   Acme Corp (acme)"));
    }
    // A billing ticket: petr may not see the category, so only jana is told.
    const std::uint64_t before = h.last_outbox_id();
    h.open_ticket("n2@acme.example", "billing");
    const auto billing = h.outbox("notify", before);
    REQUIRE(billing.size() == 1);
    CHECK(billing.front().first.recipients.front() == "jana@helpdesk.example.com");
}

TEST_CASE("jana's answer goes to the customer as the queue, without the quoted notification") {
    Harness h;
    const TicketKey key = h.open_ticket("c1@acme.example");
    const auto d = h.answer(key, "Please unplug it.", "j1@helpdesk.example.com");
    CHECK(d.verdict == Verdict::Appended);
    const auto replies = h.outbox("reply");
    REQUIRE(replies.size() == 1);
    const std::string& raw = replies.front().second;
    CHECK(replies.front().first.recipients == std::vector<std::string>{"alice@acme.example"});
    CHECK(contains(raw, "From: \"jana - Support\" <support@helpdesk.example.com>"));
    CHECK(contains(raw, "Reply-To: <support+" + make_reply_token(h.config.global.secret, key)));
    CHECK(contains(raw, "Subject: Re: Printer on fire [Support#" + to_string(key) + "]"));
    CHECK(contains(raw, "In-Reply-To: <c1@acme.example>"));
    CHECK(contains(raw, "Please unplug it."));
    CHECK(contains(raw, "Jana Nov"));                   // her name under the text
    CHECK(contains(raw, "> The printer is on fire."));   // the customer's last message quoted
    CHECK(contains(raw, "Your Support team"));           // the signature
    CHECK_FALSE(contains(raw, std::string(kReplyMarker)));
    CHECK_FALSE(contains(raw, "Auto-Submitted"));
    const Ticket t = h.ticket(key);
    CHECK(t.status == TicketStatus::Waiting);
    CHECK(t.assignee == "jana");
    CHECK(t.first_reaction == kNow + 600);
    const auto e = h.entries(key);
    CHECK(e.back().direction == Direction::Outbound);
    CHECK(contains(e.back().text_body, "Please unplug it."));
    CHECK(std::any_of(e.begin(), e.end(), [](const TicketEntry& x) {
        return x.kind == EntryKind::Event && contains(x.text_body, "assigned to jana");
    }));

    SUBCASE("delivered twice, it is sent once") {
        CHECK(h.answer(key, "Please unplug it.", "j1@helpdesk.example.com").verdict == Verdict::Duplicate);
        CHECK(h.outbox("reply").size() == 1);
    }
    SUBCASE("the customer's answer tells only the assignee") {
        const std::uint64_t before = h.last_outbox_id();
        const std::string raw2 = "From: Alice Example <alice@acme.example>\nTo: support@helpdesk.example.com\n"
                                 "Subject: Re: Printer on fire [Support#" + to_string(key) +
                                 "]\nMessage-ID: <c2@acme.example>\n\nDone, thanks.\n";
        CHECK(h.deliver(raw2, "alice@acme.example", "support@helpdesk.example.com", kNow + 900).verdict == Verdict::Appended);
        const auto told = h.outbox("notify", before);
        REQUIRE(told.size() == 1);
        CHECK(told.front().first.recipients.front() == "jana@helpdesk.example.com");
        CHECK(contains(told.front().second, "Done, thanks."));
    }
    SUBCASE("#close closes and sends the summary") {
        CHECK(h.answer(key, "#close", "j2@helpdesk.example.com").verdict == Verdict::Note);  // kept as a note
        CHECK(h.ticket(key).status == TicketStatus::Closed);
        CHECK(h.outbox("summary").size() == 1);
        CHECK(h.outbox("reply").size() == 1);  // nothing more to the customer
    }
}

TEST_CASE("commands by mail") {
    Harness h;
    const TicketKey key = h.open_ticket("k1@acme.example");
    SUBCASE("several commands and a reply") {
        CHECK(h.answer(key, "#assign petr\n#priority high\n#tag vip\n\nWe are on it.", "k2@h").verdict == Verdict::Appended);
        const Ticket t = h.ticket(key);
        CHECK(t.assignee == "petr");
        CHECK(t.priority == "high");
        CHECK(std::find(t.tags.begin(), t.tags.end(), "vip") != t.tags.end());
        CHECK(t.status == TicketStatus::Waiting);
        REQUIRE(h.outbox("reply").size() == 1);
        CHECK_FALSE(contains(h.outbox("reply").front().second, "#assign"));
    }
    SUBCASE("#note is internal: nothing to the customer, the colleague is told") {
        const std::uint64_t before = h.last_outbox_id();
        CHECK(h.answer(key, "#note\nCalled them, waiting for the part.", "k3@h").verdict == Verdict::Note);
        CHECK(h.outbox("reply").empty());
        const auto told = h.outbox("notify", before);
        REQUIRE(told.size() == 1);
        CHECK(told.front().first.recipients.front() == "petr@helpdesk.example.com");
        CHECK(h.entries(key).back().kind == EntryKind::Note);
    }
    SUBCASE("an invalid command does nothing and tells the staff member why") {
        CHECK(h.answer(key, "#priority extreme\n#frobnicate\nHello", "k4@h").verdict == Verdict::Note);
        CHECK(h.outbox("reply").empty());
        const auto notice = h.outbox("staff-notice");
        REQUIRE(notice.size() == 1);
        CHECK(notice.front().first.recipients.front() == "jana@helpdesk.example.com");
        CHECK(contains(notice.front().second, "#frobnicate"));
        CHECK(contains(notice.front().second, "extreme"));
        CHECK(h.ticket(key).priority == "normal");
    }
}

TEST_CASE("nothing reaches the customer from robots, strangers or staff without the right") {
    Harness h;
    const TicketKey key = h.open_ticket("r1@acme.example");
    SUBCASE("jana's out-of-office is at most an internal note") {
        CHECK(h.answer(key, "I am out of the office until Monday.", "ooo@h", "jana@helpdesk.example.com", "jana",
                       "Auto-Submitted: auto-replied\n").verdict == Verdict::Note);
        CHECK(h.outbox("reply").empty());
        // even one whose text looks like commands: nothing done, and no notice that could loop
        CHECK(h.answer(key, "#away until Monday\n#close", "ooo2@h", "jana@helpdesk.example.com", "jana",
                       "Auto-Submitted: auto-replied\n").verdict == Verdict::Note);
        CHECK(h.outbox("staff-notice").empty());
        CHECK(h.ticket(key).status == TicketStatus::New);
    }
    SUBCASE("a forged token is held, nothing done") {
        const std::string to = "support+s" + to_string(key) + "-jana-0123456789abcdef@helpdesk.example.com";
        const std::string raw = "From: jana@helpdesk.example.com\nTo: " + to + "\nSubject: x\nMessage-ID: <f1@h>\n\n#close\n";
        CHECK(h.deliver(raw, "jana@helpdesk.example.com", to).verdict == Verdict::Held);
        CHECK(h.ticket(key).status == TicketStatus::New);
    }
    SUBCASE("jana's token used by petr is held, nothing done") {
        CHECK(h.answer(key, "#close", "f2@h", "petr@helpdesk.example.com", "jana").verdict == Verdict::Held);
        CHECK(h.ticket(key).status == TicketStatus::New);
        CHECK(h.outbox("reply").empty());
    }
    SUBCASE("petr may not act on a billing ticket") {
        const TicketKey billing = h.open_ticket("r2@acme.example", "billing");
        const std::string to = "billing+" + make_staff_token(h.config.global.secret, billing, "petr") + "@helpdesk.example.com";
        const std::string raw = "From: petr@helpdesk.example.com\nTo: " + to + "\nSubject: x\nMessage-ID: <f3@h>\n\nPaid.\n";
        CHECK(h.deliver(raw, "petr@helpdesk.example.com", to).verdict == Verdict::Refused);
        CHECK(h.outbox("reply").empty());
    }
}

TEST_CASE("staff commands are read off the first lines only") {
    const StaffCommands c = parse_staff_commands("#assign petr\n\n#close\nHello #tag not-a-command\n#note later");
    REQUIRE(c.ops.size() == 1);
    CHECK(c.ops.front().kind == OpKind::Assign);
    CHECK(c.close);
    CHECK_FALSE(c.note);
    CHECK(c.errors.empty());
    CHECK(c.text == "Hello #tag not-a-command\n#note later");
    CHECK(parse_staff_commands("#42 is the number").text == "#42 is the number");
    CHECK(parse_staff_commands("#Note\nx").note);
    CHECK(parse_staff_commands("#bogus\nx").errors.size() == 1);
}

TEST_CASE("notification recipients follow the queue's notify setting") {
    Harness h;
    Ticket t;
    t.key = TicketKey{10, 1};
    t.queue = 10;
    t.category = "general";
    Queue q = h.config.queues.front();
    CHECK(notification_recipients(h.config, q, t, NotifyEvent::NewTicket, "").size() == 2);
    CHECK(notification_recipients(h.config, q, t, NotifyEvent::NewTicket, "jana").size() == 1);
    t.assignee = "petr";
    REQUIRE(notification_recipients(h.config, q, t, NotifyEvent::CustomerReply, "").size() == 1);
    CHECK(notification_recipients(h.config, q, t, NotifyEvent::CustomerReply, "")[0]->alias == "petr");
    q.notify_events = notify_bit(NotifyEvent::NewTicket);
    CHECK(notification_recipients(h.config, q, t, NotifyEvent::CustomerReply, "").empty());
    q.notify = NotifyWho::Nobody;
    CHECK(notification_recipients(h.config, q, t, NotifyEvent::NewTicket, "").empty());
}

TEST_CASE("deskgate tick: deadlines told once, waiting tickets closed, staff welcomed once") {
    Harness h;
    h.config.queues[0].reaction_minutes = 120;  // around the clock: due two hours after opening
    h.config.queues[0].deadline_lead_minutes = 30;
    h.config.queues[0].close_waiting_days = 7;
    const Engine engine(h.config);
    Envelope env{"alice@acme.example", {"support@helpdesk.example.com"}, ""};
    const auto opened = engine.deliver(h.store, env, "From: alice@acme.example\nSubject: slow\nMessage-ID: <t1@a>\n\nx\n", kNow);
    const TicketKey key = *opened.recipients.front().ticket;
    auto tick = [&](std::int64_t now) {
        std::vector<std::string> log;
        REQUIRE_FALSE(h.store.write([&](WriteTxn& txn) { log = run_tick(engine, txn, now); }));
        return log;
    };
    CHECK(h.outbox("welcome").empty());
    auto log = tick(kNow + 60);
    CHECK(h.outbox("welcome").size() == 2);  // jana and petr, once
    CHECK(tick(kNow + 120).empty());
    CHECK(h.outbox("welcome").size() == 2);
    const std::uint64_t before = h.last_outbox_id();
    log = tick(kNow + 100 * 60);  // 20 minutes before the reaction deadline
    REQUIRE(log.size() == 1);
    CHECK(contains(log.front(), "reaction deadline close"));
    CHECK(h.outbox("notify", before).size() == 2);
    CHECK(tick(kNow + 101 * 60).empty());  // told once
    log = tick(kNow + 121 * 60);
    REQUIRE(log.size() == 1);
    CHECK(contains(log.front(), "reaction deadline missed"));
    CHECK(tick(kNow + 200 * 60).empty());
    CHECK(h.ticket(key).deadline_notices == (kReactionWarned | kReactionMissed));

    // jana answers: waiting; seven days later it closes by itself.
    REQUIRE(h.answer(key, "Fixed?", "t2@h").verdict == Verdict::Appended);
    REQUIRE(h.ticket(key).status == TicketStatus::Waiting);
    CHECK(tick(kNow + 6 * 86400).empty());
    log = tick(kNow + 600 + 7 * 86400);
    REQUIRE(log.size() == 1);
    CHECK(contains(log.front(), "waiting 7 days"));
    CHECK(h.ticket(key).status == TicketStatus::Closed);
}

TEST_CASE("a bounced notification marks the staff address for a day, not the ticket") {
    Harness h;
    const TicketKey key = h.open_ticket("b1@acme.example");
    const auto told = h.outbox("notify");
    const auto jana = std::find_if(told.begin(), told.end(), [](const auto& n) {
        return n.first.recipients.front() == "jana@helpdesk.example.com";
    });
    REQUIRE(jana != told.end());
    const std::string dsn = "From: MAILER-DAEMON@helpdesk.example.com\nTo: " + jana->first.sender +
                            "\nSubject: Undelivered Mail\nMessage-ID: <dsn1@mx>\nAuto-Submitted: auto-replied\n\nMailbox full\n";
    const auto d = h.deliver(dsn, "", jana->first.sender, kNow + 60);
    CHECK(d.verdict == Verdict::Note);
    CHECK(h.ticket(key).undeliverable.empty());
    const std::uint64_t before = h.last_outbox_id();
    const std::string reply = "From: Alice Example <alice@acme.example>\nSubject: Re: Printer on fire [Support#" + to_string(key) +
                              "]\nMessage-ID: <b2@acme.example>\n\nmore\n";
    h.deliver(reply, "alice@acme.example", "support@helpdesk.example.com", kNow + 120);
    const auto after = h.outbox("notify", before);
    REQUIRE(after.size() == 1);
    CHECK(after.front().first.recipients.front() == "petr@helpdesk.example.com");
}

TEST_CASE("attachments: passed on to staff in the notification and to the customer with the answer") {
    Harness h;
    const std::string raw = "From: Alice Example <alice@acme.example>\nTo: support@helpdesk.example.com\n"
                            "Subject: Log attached\nMessage-ID: <a1@acme.example>\nMIME-Version: 1.0\n"
                            "Content-Type: multipart/mixed; boundary=\"b\"\n\n--b\nContent-Type: text/plain\n\nSee the log.\n"
                            "--b\nContent-Type: text/plain; name=\"error.log\"\nContent-Disposition: attachment; filename=\"error.log\"\n"
                            "Content-Transfer-Encoding: base64\n\nRVJST1IgNDI=\n--b--\n";
    const auto d = h.deliver(raw, "alice@acme.example", "support@helpdesk.example.com");
    REQUIRE(d.verdict == Verdict::NewTicket);
    const auto told = h.outbox("notify");
    REQUIRE_FALSE(told.empty());
    CHECK(contains(told.front().second, "multipart/mixed"));
    CHECK(contains(told.front().second, "filename=\"error.log\""));
    CHECK(contains(told.front().second, "RVJST1IgNDI="));  // "ERROR 42", base64 again

    // Above the queue's limit the attachment is only listed.
    h.config.queues[0].notify_attachment_limit = 4;
    const std::uint64_t before = h.last_outbox_id();
    const std::string again = std::string(raw).replace(raw.find("<a1@"), 5, "<a2@");
    REQUIRE(h.deliver(again, "alice@acme.example", "support@helpdesk.example.com").verdict == Verdict::NewTicket);
    const auto listed = h.outbox("notify", before);
    REQUIRE_FALSE(listed.empty());
    CHECK_FALSE(contains(listed.front().second, "multipart/mixed"));
    CHECK(contains(listed.front().second, "1. error.log (text/plain, 8 bytes)"));

    // jana's answer with an attachment of her own: the customer gets it.
    const std::string to = h.token_address(*d.ticket, "jana");
    const std::string answer = "From: jana@helpdesk.example.com\nTo: " + to + "\nSubject: Re: x\nMessage-ID: <ja1@h>\n"
                               "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"c\"\n\n--c\nContent-Type: text/plain\n\n"
                               "Here is the fix.\n--c\nContent-Type: application/octet-stream\nContent-Disposition: attachment; "
                               "filename=\"fix.sh\"\nContent-Transfer-Encoding: base64\n\nZWNobyBvaw==\n--c--\n";
    REQUIRE(h.deliver(answer, "jana@helpdesk.example.com", to, kNow + 60).verdict == Verdict::Appended);
    const auto replies = h.outbox("reply");
    REQUIRE(replies.size() == 1);
    CHECK(contains(replies.front().second, "Here is the fix."));
    CHECK(contains(replies.front().second, "filename=\"fix.sh\""));
    CHECK(contains(replies.front().second, "ZWNobyBvaw=="));
}

TEST_CASE("every command by mail, and its refusals") {
    Harness h;
    const TicketKey key = h.open_ticket("e1@acme.example");
    int n = 0;
    auto command = [&](const std::string& text) {
        return h.answer(key, text, "e" + std::to_string(++n) + "@h").verdict;
    };
    CHECK(command("#status open") == Verdict::Note);  // commands only, no text: nothing sent
    CHECK(h.ticket(key).status == TicketStatus::Open);
    CHECK(command("#tag vip\n#tag printer") == Verdict::Note);
    CHECK(command("#untag printer") == Verdict::Note);
    CHECK(h.ticket(key).tags == std::vector<std::string>{"vip"});
    CHECK(command("#assign petr") == Verdict::Note);
    CHECK(h.ticket(key).assignee == "petr");
    CHECK(command("#unassign") == Verdict::Note);
    CHECK(h.ticket(key).assignee.empty());
    CHECK(command("#priority urgent") == Verdict::Note);
    CHECK(h.ticket(key).priority == "urgent");
    CHECK(command("#queue 20") == Verdict::Note);
    CHECK(h.ticket(key).queue == 20);
    CHECK(command("#close") == Verdict::Note);
    CHECK(h.ticket(key).status == TicketStatus::Closed);
    CHECK(command("#reopen") == Verdict::Note);
    CHECK(h.ticket(key).status == TicketStatus::Open);
    CHECK(h.outbox("reply").empty());
    CHECK(h.outbox("staff-notice").empty());
    // refusals: an unknown alias, a queue that does not exist, a status that is no status
    for (const std::string bad : {"#assign nobody", "#queue 99", "#status sleeping", "#priority", "#tag"}) {
        CHECK(command(bad + "\nHello") == Verdict::Note);
        CHECK(h.outbox("reply").empty());
    }
    CHECK(h.outbox("staff-notice").size() == 5);
    const Ticket t = h.ticket(key);
    CHECK(t.queue == 20);
    CHECK(t.status == TicketStatus::Open);
}
