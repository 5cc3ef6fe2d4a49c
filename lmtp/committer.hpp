// committer.hpp - the single writer of the store. Sessions hand it parsed messages; it takes
// everything that is waiting, decides and writes it in one transaction (group commit: one
// fsync for the whole batch) and then calls each job's completion. While one batch commits,
// the next one gathers, so throughput is not capped by the disk's fsync rate.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "core/decision/engine.hpp"
#include "core/store/store.hpp"
#include "lmtp/runtime.hpp"

namespace deskgate::lmtp {

class Committer {
public:
    struct Job {
        std::shared_ptr<const Runtime> runtime;  // the config the message was received under
        DeliveryInput input;
        std::function<void(DeliveryPlan)> done;  // called on the committer thread
    };

    // A batch holds at most max_batch messages and (beyond its first message) max_batch_bytes
    // of raw mail: LMDB keeps a transaction's dirty pages in memory until the commit.
    explicit Committer(Store& store, std::size_t max_batch = 256, std::size_t max_batch_bytes = 32u << 20);
    ~Committer();
    Committer(const Committer&) = delete;
    Committer& operator=(const Committer&) = delete;

    void submit(Job job);
    // Called on the committer thread after a commit that put mail into the outbox (the outbox
    // worker's wake(), so generated mail leaves at once instead of at the worker's next poll).
    void on_mail_queued(std::function<void()> fn);
    // Finishes every job already submitted, then stops the thread.
    void stop();

    struct Stats {
        std::uint64_t batches = 0;
        std::uint64_t messages = 0;
    };
    Stats stats() const;

private:
    void run();

    Store& store_;
    std::size_t max_batch_;
    std::size_t max_batch_bytes_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<Job> jobs_;
    std::function<void()> on_mail_queued_;
    bool stopping_ = false;
    Stats stats_;
    std::thread thread_;
};

}  // namespace deskgate::lmtp
