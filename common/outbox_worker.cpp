// outbox_worker.cpp - see outbox_worker.hpp.
#include "common/outbox_worker.hpp"

#include <fmt/format.h>

#include "common/log.hpp"
#include "common/sendmail.hpp"
#include "core/store/outbox_policy.hpp"

namespace deskgate {

using namespace deskgate::log;

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

std::size_t OutboxWorker::drain(Store& store, const Config& config, std::int64_t now) {
    struct Due {
        OutboxItem item;
        std::string raw;
    };
    std::vector<Due> due;
    if (auto err = store.read([&](const ReadTxn& txn) {
            due.clear();
            for (const OutboxItem& item : txn.outbox()) {
                if (!outbox_due(item, now)) continue;
                due.push_back({item, txn.raw(item.raw_id).value_or("")});
            }
        })) {
        log_error("outbox: {}", err->message);
        return 0;
    }
    for (Due& d : due) {
        const SendResult r = d.raw.empty() ? SendResult{SendOutcome::Permanent, "message bytes missing"}
                                           : run_sendmail(config.global.sendmail_command, d.item.sender, d.item.recipients, d.raw,
                                                          std::chrono::seconds(120), fmt::format("deskgate-{}", d.item.id));
        const OutboxItem next = after_attempt(d.item, r.outcome, r.message, now);
        if (auto err = store.write([&](WriteTxn& txn) { txn.update_outbox(next); })) {
            log_error("outbox: id={} sent but not recorded: {}", next.id, err->message);
            continue;
        }
        log_info("outbox: id={}, kind={}, to=<{}>, ticket={}: {}{}", next.id, next.kind,
                 next.recipients.empty() ? "" : next.recipients.front(), next.ticket ? to_string(*next.ticket) : "-",
                 next.state == "pending" ? "deferred" : next.state, r.message.empty() ? "" : " (" + r.message + ")");
    }
    return due.size();
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
        const std::int64_t now =
            std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count() +
            time_offset_;
        drain(store_, *config, now);
    }
}

}  // namespace deskgate
