// outbox_worker.hpp - drains the outbox: every item that is due is claimed, handed to
// sendmail(1) and its state written back (sent / retried with backoff / failed). Items are
// committed with the ticket that caused them, so a crash before sending leaves them pending:
// they go out after the restart, once. A crash between sendmail(1) taking an item and "sent"
// being recorded sends it twice (the claim expires, core/store/outbox_policy.hpp). Runs in its
// own thread until stop(); wake() (deskgate-lmtpd's committer, after a commit that queued mail)
// starts a pass at once, else one runs every `interval`.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "core/model/config.hpp"
#include "core/store/store.hpp"

namespace deskgate {

class OutboxWorker {
public:
    using ConfigSource = std::function<std::shared_ptr<const Config>()>;
    // `time_offset` shifts the worker's clock like the daemon's (a testing aid; normally 0).
    OutboxWorker(Store& store, ConfigSource config, std::int64_t time_offset = 0,
                 std::chrono::milliseconds interval = std::chrono::seconds(2));
    ~OutboxWorker();
    OutboxWorker(const OutboxWorker&) = delete;
    OutboxWorker& operator=(const OutboxWorker&) = delete;

    void wake();  // something new may be due
    void stop();  // finishes the item being sent, then returns

    using Clock = std::function<std::int64_t()>;  // Unix seconds
    // One pass over the due items (also used by `deskgate outbox --send`): each is claimed in
    // its own write transaction before it is handed to sendmail(1), so that two drains of one
    // store never both send it (core/store/outbox_policy.hpp); returns how many this drain
    // attempted. `clock` is read at each claim and outcome.
    static std::size_t drain(Store& store, const Config& config, const Clock& clock);
    static std::int64_t system_clock_seconds();

private:
    void run();

    Store& store_;
    ConfigSource config_;
    std::int64_t time_offset_;
    std::chrono::milliseconds interval_;
    std::mutex mutex_;
    std::condition_variable cv_;
    bool stopping_ = false;
    bool woken_ = false;
    std::thread thread_;
};

}  // namespace deskgate
