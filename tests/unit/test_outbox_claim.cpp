// test_outbox_claim.cpp - the outbox's claim step and the worker's wake-up: an item is claimed
// in its own write transaction before it is sent, so two drains of one store (deskgate-lmtpd's
// worker and `deskgate outbox --send`) never both send it; a claim left by a crashed sender
// expires and the item is sent then; and a commit that queued mail wakes the worker at once
// instead of leaving the mail to its next poll.
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "common/outbox_worker.hpp"
#include "config/load.hpp"
#include "core/store/outbox_policy.hpp"
#include "lmtp/committer.hpp"
#include "test_support.hpp"

using namespace deskgate;
using deskgate::test::read_file;
using deskgate::test::source_dir;
using deskgate::test::TempDir;

namespace {

constexpr std::int64_t kNow = 1'800'000'000;

Store open_store(const std::filesystem::path& path) {
    return std::move(std::get<Store>(Store::open(Store::Options{path, 1u << 20, false})));
}

// A sendmail(1) stand-in: every message it takes is one new file in `dir`, after `delay`.
std::vector<std::string> recording_sendmail(const std::filesystem::path& dir, std::string_view delay = "0") {
    return {"/bin/sh", "-c", fmt::format("sleep {}; cat > \"$(mktemp {}/sent.XXXXXX)\"", delay, dir.string()), "sh"};
}

std::vector<std::string> sent_messages(const std::filesystem::path& dir) {
    std::vector<std::string> out;
    for (const auto& f : std::filesystem::directory_iterator(dir))
        if (f.path().filename().string().starts_with("sent.")) out.push_back(read_file(f.path()));
    return out;
}

void add_items(Store& store, int n, std::int64_t next_attempt) {
    REQUIRE_FALSE(store.write([&](WriteTxn& txn) {
        for (int i = 1; i <= n; ++i) {
            OutboxItem item;
            item.kind = "ack";
            item.sender = "bounces@helpdesk.example.com";
            item.recipients = {"alice@acme.example"};
            item.raw_id = txn.put_raw(fmt::format("Subject: item {}\r\n\r\nbody\r\n", i));
            item.created = next_attempt;
            item.next_attempt = next_attempt;
            txn.add_outbox(item);
        }
    }));
}

std::vector<OutboxItem> outbox(const Store& store) {
    std::vector<OutboxItem> out;
    REQUIRE_FALSE(store.read([&](const ReadTxn& txn) { out = txn.outbox(); }));
    return out;
}

}  // namespace

TEST_CASE("a claimed item is not due until its claim expires; an attempt ends the claim") {
    OutboxItem item;
    item.next_attempt = kNow;
    REQUIRE(outbox_due(item, kNow));
    const OutboxItem claimed = claim_for_sending(item, kNow);
    CHECK(claimed.state == "sending");
    CHECK_FALSE(outbox_due(claimed, kNow));
    CHECK_FALSE(outbox_due(claimed, kNow + kClaimSeconds - 1));
    CHECK(outbox_due(claimed, kNow + kClaimSeconds));  // its sender died: due again
    CHECK(still_claimed(claimed, claimed));
    CHECK_FALSE(still_claimed(claim_for_sending(claimed, kNow + kClaimSeconds), claimed));  // another sender's claim
    CHECK(after_attempt(claimed, SendOutcome::Temporary, "exit 75", kNow + 5).state == "pending");
    CHECK(after_attempt(claimed, SendOutcome::Temporary, "exit 75", kNow + 5).next_attempt == kNow + 65);
    CHECK(after_attempt(claimed, SendOutcome::Sent, "", kNow + 5).state == "sent");
}

TEST_CASE("two drains of one store at once send every item exactly once") {
    TempDir dir;
    Store store = open_store(dir.path() / "s");
    add_items(store, 6, kNow);
    Config config;
    config.global.sendmail_command = recording_sendmail(dir.path(), "0.2");
    std::size_t first = 0, second = 0;
    std::thread a([&] { first = OutboxWorker::drain(store, config, [] { return kNow; }); });
    std::thread b([&] { second = OutboxWorker::drain(store, config, [] { return kNow; }); });
    a.join();
    b.join();
    const auto sent = sent_messages(dir.path());
    CHECK(sent.size() == 6);
    CHECK(std::set<std::string>(sent.begin(), sent.end()).size() == 6);
    CHECK(first + second == 6);
    for (const OutboxItem& i : outbox(store)) {
        CHECK(i.state == "sent");
        CHECK(i.attempts == 1);
    }
}

TEST_CASE("an item claimed by a sender that crashed is sent once its claim has expired") {
    TempDir dir;
    Store store = open_store(dir.path() / "s");
    add_items(store, 1, kNow);
    REQUIRE_FALSE(store.write([&](WriteTxn& txn) { txn.update_outbox(claim_for_sending(*txn.outbox_item(1), kNow)); }));
    Config config;
    config.global.sendmail_command = recording_sendmail(dir.path());
    CHECK(OutboxWorker::drain(store, config, [] { return kNow + 60; }) == 0);  // still claimed
    CHECK(sent_messages(dir.path()).empty());
    CHECK(outbox(store).at(0).state == "sending");
    CHECK(OutboxWorker::drain(store, config, [] { return kNow + kClaimSeconds; }) == 1);
    CHECK(sent_messages(dir.path()).size() == 1);
    CHECK(outbox(store).at(0).state == "sent");
}

TEST_CASE("a commit that queued mail wakes the outbox worker: the acknowledgement leaves before the next poll") {
    TempDir dir;
    LoadResult loaded = load_config(source_dir() / "config/examples/deskgate.toml");
    REQUIRE(loaded.config);
    loaded.config->global.sendmail_command = recording_sendmail(dir.path());
    const auto runtime = std::make_shared<const lmtp::Runtime>(std::move(*loaded.config));
    Store store = open_store(dir.path() / "s");
    constexpr std::int64_t kTue0900 = 1795507200;  // in the example queue's office hours
    const std::int64_t offset = kTue0900 - OutboxWorker::system_clock_seconds();
    lmtp::Committer committer(store);
    // Polls once an hour: only a wake-up sends anything within this test.
    OutboxWorker worker(store, [&] { return std::shared_ptr<const Config>(runtime, &runtime->config); }, offset,
                        std::chrono::hours(1));
    committer.on_mail_queued([&worker] { worker.wake(); });

    const std::string raw = "From: Alice <alice@acme.example>\r\nTo: support@helpdesk.example.com\r\nSubject: Printer\r\n"
                            "Message-ID: <wake1@acme.example>\r\n\r\nIt burns.\r\n";
    std::promise<DeliveryPlan> done;
    DeliveryInput in;
    in.envelope = {"alice@acme.example", {"support@helpdesk.example.com"}, ""};
    in.raw = raw;
    in.parsed = parse_message(raw);
    in.now = kTue0900;
    committer.submit({runtime, std::move(in), [&](DeliveryPlan p) { done.set_value(std::move(p)); }});
    const DeliveryPlan plan = done.get_future().get();
    REQUIRE(plan.recipients.at(0).verdict == Verdict::NewTicket);
    CHECK(plan.queued_mail);
    auto acknowledged = [&] {
        for (const std::string& m : sent_messages(dir.path()))
            if (m.find("Auto-Submitted: auto-replied") != std::string::npos) return true;
        return false;
    };
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!acknowledged() && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    CHECK(acknowledged());
    committer.stop();
    worker.stop();
}
