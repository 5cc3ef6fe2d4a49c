// test_close_summary.cpp - the close summary as the requester gets it: the queue's signature
// rendered like every template (never "{{queue.title}}"), a Reply-To with the ticket's reply
// token (an answer joins the ticket), and a Message-ID of its own for every close of a ticket.
#include <doctest/doctest.h>

#include "config/load.hpp"
#include "core/compose/close_summary.hpp"
#include "core/decision/engine.hpp"
#include "config_fixture.hpp"
#include "test_support.hpp"

using namespace deskgate;
using deskgate::test::source_dir;
using deskgate::test::TempDir;

namespace {

const Config& example() { return deskgate::test::example_config(); }

constexpr std::int64_t kTue0900 = 1795507200;

}  // namespace

TEST_CASE("the close summary: rendered signature, reply token, a Message-ID per close") {
    TempDir dir;
    Store store = std::move(std::get<Store>(Store::open(Store::Options{dir.path() / "s", 1u << 20, false})));
    const Engine engine(example());
    engine.deliver(store, {"alice@acme.example", {"support@helpdesk.example.com"}, ""},
                   "From: Alice <alice@acme.example>\r\nSubject: Printer\r\nMessage-ID: <p1@acme.example>\r\n\r\nIt burns.\r\n",
                   kTue0900);
    auto close_and_read = [&](std::int64_t when) {
        REQUIRE_FALSE(store.write([&](WriteTxn& txn) { REQUIRE(engine.close(txn, {10, 1}, when)); }));
        std::string raw;
        REQUIRE_FALSE(store.read([&](const ReadTxn& txn) {
            for (const OutboxItem& i : txn.outbox())
                if (i.kind == "summary") raw = txn.raw(i.raw_id).value_or("");  // the latest
        }));
        return raw;
    };
    const std::string first = close_and_read(kTue0900 + 3600);
    const ParsedMessage m = parse_message(first);
    CHECK(m.text_body.find("Support team, Example Ltd.") != std::string::npos);
    CHECK(first.find("{{") == std::string::npos);
    REQUIRE(m.reply_to.size() == 1);
    CHECK(m.reply_to[0].address.starts_with("support+t10-1-"));
    CHECK(m.message_id == close_summary_message_id(example(), {10, 1}, kTue0900 + 3600));

    // The requester answers the summary: the answer joins ticket 10-1 by its token.
    const auto answer = engine.deliver(store, {"alice@acme.example", {m.reply_to[0].address}, ""},
                                       "From: Alice <alice@acme.example>\r\nSubject: Re: Closed\r\nMessage-ID: <a1@acme.example>\r\n"
                                       "\r\nIt burns again.\r\n",
                                       kTue0900 + 7200);
    CHECK(answer.recipients.at(0).ticket == TicketKey{10, 1});

    // Reopened (by that answer) and closed again: a second summary, not the first one's copy.
    std::optional<Ticket> t;
    REQUIRE_FALSE(store.read([&](const ReadTxn& txn) { t = txn.ticket({10, 1}); }));
    REQUIRE(t->status != TicketStatus::Closed);
    const ParsedMessage second = parse_message(close_and_read(kTue0900 + 10800));
    CHECK(second.message_id != m.message_id);
    CHECK(second.text_body.find("It burns again.") != std::string::npos);
}
