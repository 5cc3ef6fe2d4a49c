// test_approval_answer.cpp - an approver's answer decides by its word, not by hitting "reply":
// the approval request's Reply-To is a neutral answer address, where the first line's word says
// approve or decline and anything else asks the approver for an explicit answer (nothing
// decided); the explicit approve/decline addresses decide unless the answer says the opposite;
// automatic replies never decide and are never asked.
#include <doctest/doctest.h>

#include <fmt/format.h>

#include "config/load.hpp"
#include "core/compose/approval.hpp"
#include "core/decision/engine.hpp"
#include "core/policy/approval_answer.hpp"
#include "config_fixture.hpp"
#include "test_support.hpp"

using namespace deskgate;
using deskgate::test::source_dir;
using deskgate::test::TempDir;

namespace {

const Config& example() { return deskgate::test::example_config(); }
const Queue& support() { return *example().queue_by_num(10); }

constexpr std::int64_t kTue0900 = 1795507200;

struct Desk {
    TempDir dir;
    Store store = std::move(std::get<Store>(Store::open(Store::Options{dir.path() / "s", 1u << 20, false})));
    Engine engine{example()};
    int n = 0;

    DeliveryPlan mail(const std::string& from, const std::string& to, const std::string& body,
                      const std::string& extra_headers = "") {
        ++n;
        return engine.deliver(store, {from, {to}, ""},
                              fmt::format("From: {}\r\nSubject: Re: Approval needed\r\nMessage-ID: <m{}@x.example>\r\n{}\r\n{}\r\n",
                                          from, n, extra_headers, body),
                              kTue0900 + n);
    }
    TicketStatus status(TicketKey k) {
        std::optional<Ticket> t;
        REQUIRE_FALSE(store.read([&](const ReadTxn& txn) { t = txn.ticket(k); }));
        return t->status;
    }
    std::vector<std::pair<std::string, std::string>> outbox() {  // (kind, raw)
        std::vector<std::pair<std::string, std::string>> out;
        REQUIRE_FALSE(store.read([&](const ReadTxn& txn) {
            for (const OutboxItem& i : txn.outbox())
                if (i.kind != "notify") out.emplace_back(i.kind, txn.raw(i.raw_id).value_or(""));
        }));
        return out;
    }
    // peter's request, awaiting boss's approval; returns the request mail
    ParsedMessage request(TicketKey expected) {
        const auto p = mail("peter@initech.example", "support@helpdesk.example.com", "A red stapler, please.");
        REQUIRE(p.recipients.at(0).ticket == expected);
        REQUIRE(status(expected) == TicketStatus::AwaitingApproval);
        return parse_message(outbox().back().second);
    }
};

}  // namespace

TEST_CASE("the word on the first line of the answer") {
    struct Row {
        const char* body;
        ApprovalAnswer answer;
    };
    const Row rows[] = {
        {"approve", ApprovalAnswer::Approve},
        {"Yes.", ApprovalAnswer::Approve},
        {"\n\n  yes please\n", ApprovalAnswer::Approve},
        {"OK", ApprovalAnswer::Approve},
        {"Ano, schvaluji.", ApprovalAnswer::Approve},
        {"decline", ApprovalAnswer::Decline},
        {"No, not this one.", ApprovalAnswer::Decline},
        {"*NO*", ApprovalAnswer::Decline},
        {"No problem, approved!", ApprovalAnswer::Unclear},
        {"Yes, I mean no", ApprovalAnswer::Unclear},
        {"I approve", ApprovalAnswer::Unclear},
        {"Thanks, I will look at it tomorrow.", ApprovalAnswer::Unclear},
        {"", ApprovalAnswer::Unclear},
        {"Let me think.\n\nOn Tue, 24 Nov 2026 at 09:00, Support wrote:\n> approve\n", ApprovalAnswer::Unclear},
        {"no\n\nOn Tue, 24 Nov 2026 at 09:00, Support wrote:\n> yes\n", ApprovalAnswer::Decline},
    };
    for (const Row& r : rows) {
        CAPTURE(r.body);
        CHECK(read_approval_answer(r.body) == r.answer);
    }
}

TEST_CASE("replying \"no\" to the approval request declines it") {
    Desk d;
    const ParsedMessage req = d.request({10, 1});
    REQUIRE(req.reply_to.size() == 1);
    const std::string answer = req.reply_to[0].address;
    CHECK(answer == decision_address(example(), support(), {10, 1}, DecisionKind::Answer));
    CHECK(answer != decision_address(example(), support(), {10, 1}, DecisionKind::Approve));
    CHECK(req.text_body.find("approve") != std::string::npos);
    const auto p = d.mail("boss@initech.example", answer, "No, not this one.\n\n> A red stapler, please.");
    CHECK(p.recipients[0].verdict == Verdict::Appended);
    CHECK(p.recipients[0].explanation.find("declined") != std::string::npos);
    CHECK(d.status({10, 1}) == TicketStatus::Closed);
    CHECK(d.outbox().back().first == "declined");
}

TEST_CASE("an answer without an explicit word decides nothing and asks for one") {
    Desk d;
    const std::string answer = d.request({10, 1}).reply_to.at(0).address;
    auto p = d.mail("boss@initech.example", answer, "Thanks, I will look at it tomorrow.");
    CHECK(p.recipients[0].verdict == Verdict::Note);
    CHECK(p.recipients[0].explanation.find("neither approves nor declines") != std::string::npos);
    CHECK(d.status({10, 1}) == TicketStatus::AwaitingApproval);
    auto out = d.outbox();
    REQUIRE(out.back().first == "approval-question");
    const ParsedMessage q = parse_message(out.back().second);
    CHECK(q.to.at(0).address == "boss@initech.example");
    CHECK(q.reply_to.at(0).address == answer);
    CHECK(q.text_body.find("Nothing was decided") != std::string::npos);
    CHECK(q.auto_submitted == "auto-generated");

    // "no" to the approve address contradicts it: nothing decided either
    p = d.mail("boss@initech.example", decision_address(example(), support(), {10, 1}, DecisionKind::Approve), "no");
    CHECK(p.recipients[0].verdict == Verdict::Note);
    CHECK(d.status({10, 1}) == TicketStatus::AwaitingApproval);

    // an out-of-office reply decides nothing and is not asked (no mail loop with a robot)
    const std::size_t before = d.outbox().size();
    p = d.mail("boss@initech.example", answer, "Yes, I am out of office until Monday.", "Auto-Submitted: auto-replied\r\n");
    CHECK(p.recipients[0].verdict == Verdict::Note);
    CHECK(d.status({10, 1}) == TicketStatus::AwaitingApproval);
    CHECK(d.outbox().size() == before);

    // the explicit word decides at last
    p = d.mail("boss@initech.example", answer, "Approve.");
    CHECK(p.recipients[0].verdict == Verdict::Appended);
    CHECK(d.status({10, 1}) == TicketStatus::New);
    CHECK(d.outbox().back().first == "ack");
}

TEST_CASE("a mail to the explicit approve address decides without a word") {
    Desk d;
    d.request({10, 1});
    const auto p = d.mail("boss@initech.example", decision_address(example(), support(), {10, 1}, DecisionKind::Approve), "");
    CHECK(p.recipients[0].verdict == Verdict::Appended);
    CHECK(d.status({10, 1}) == TicketStatus::New);
}
