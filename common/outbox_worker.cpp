// outbox_worker.cpp - see outbox_worker.hpp.
#include "common/outbox_worker.hpp"

#include <fmt/format.h>

#include "common/log.hpp"
#include "common/sendmail.hpp"
#include "core/store/outbox_policy.hpp"

namespace deskgate {

using namespace deskgate::log;

std::int64_t OutboxWorker::system_clock_seconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

OutboxWorker::OutboxWorker(Store& store, ConfigSource config, std::int64_t time_offset, std::chrono::milliseconds interval)
    : store_(store), config_(std::move(config)), time_offset_(time_offset), interval_(interval), thread_([this] { run(); }) {}

OutboxWorker::~OutboxWorker() { stop(); }

void OutboxWorker::wake() {
    {
        std::lock_guard lock(mutex_);
        woken_ = true;
    }
    cv_.notify_one();
}

void OutboxWorker::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    cv_.notify_one();
    if (thread_.joinable()) thread_.join();
}

std::size_t OutboxWorker::drain(Store& store, const Config& config, const Clock& clock) {
    std::vector<std::uint64_t> due;
    if (auto err = store.read([&](const ReadTxn& txn) {
            due.clear();
            const std::int64_t now = clock();
            for (const OutboxItem& item : txn.outbox())
                if (outbox_due(item, now)) due.push_back(item.id);
        })) {
        log_error("outbox: {}", err->message);
        return 0;
    }
    std::size_t attempted = 0;
    for (const std::uint64_t id : due) {
        // 1. The claim, in its own transaction: another sender (the daemon's worker, `deskgate
        // outbox --send`) that comes second finds the item claimed and leaves it.
        std::optional<OutboxItem> claimed;
        std::string raw;
        if (auto err = store.write([&](WriteTxn& txn) {
                claimed.reset();
                raw.clear();
                const auto item = txn.outbox_item(id);
                const std::int64_t now = clock();
                if (!item || !outbox_due(*item, now)) return;  // sent, or claimed, meanwhile
                claimed = claim_for_sending(*item, now);
                txn.update_outbox(*claimed);
                raw = txn.raw(item->raw_id).value_or("");
            })) {
            log_error("outbox: id={} not claimed: {}", id, err->message);
            continue;
        }
        if (!claimed) continue;
        ++attempted;
        // 2. The send. A crash from here until 3. is committed leaves the claim to expire: the
        // item then goes out a second time (the one window left, core/store/outbox_policy.hpp).
        const SendResult r = raw.empty() ? SendResult{SendOutcome::Permanent, "message bytes missing"}
                                         : run_sendmail(config.global.sendmail_command, claimed->sender, claimed->recipients,
                                                        raw, std::chrono::seconds(120), fmt::format("deskgate-{}", id));
        // 3. The outcome, unless the claim expired meanwhile and another sender took the item.
        const OutboxItem next = after_attempt(*claimed, r.outcome, r.message, clock());
        bool taken_over = false;
        if (auto err = store.write([&](WriteTxn& txn) {
                const auto current = txn.outbox_item(id);
                taken_over = !current || !still_claimed(*current, *claimed);
                if (!taken_over) txn.update_outbox(next);
            })) {
            log_error("outbox: id={} {} but not recorded: {}", id, r.outcome == SendOutcome::Sent ? "sent" : "attempted",
                      err->message);
            continue;
        }
        if (taken_over) {
            log_warning("outbox: id={}: the claim expired while sending, another sender has the item", id);
            continue;
        }
        log_info("outbox: id={}, kind={}, to=<{}>, ticket={}: {}{}", next.id, next.kind,
                 next.recipients.empty() ? "" : next.recipients.front(), next.ticket ? to_string(*next.ticket) : "-",
                 next.state == "pending" ? "deferred" : next.state, r.message.empty() ? "" : " (" + r.message + ")");
    }
    return attempted;
}

void OutboxWorker::run() {
    for (;;) {
        {
            std::unique_lock lock(mutex_);
            cv_.wait_for(lock, interval_, [&] { return stopping_ || woken_; });
            if (stopping_) return;
            woken_ = false;
        }
        const auto config = config_();
        if (!config) continue;
        drain(store_, *config, [this] { return system_clock_seconds() + time_offset_; });
    }
}

}  // namespace deskgate
