// committer.cpp - see committer.hpp.
#include "lmtp/committer.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "common/log.hpp"

namespace deskgate::lmtp {

using namespace deskgate::log;

Committer::Committer(Store& store, std::size_t max_batch, std::size_t max_batch_bytes)
    : store_(store), max_batch_(max_batch), max_batch_bytes_(max_batch_bytes), thread_([this] { run(); }) {
    // Store::open migrated an older store: the store's single writer says so once.
    if (const auto& m = store_.migration())
        log_info("store {} migrated from schema {} to {} ({}word index built: {} (word, ticket) pairs)",
                 store_.path().string(), m->from, m->to,
                 m->from < 2 ? fmt::format("{} ticket(s) re-encoded, verdict counters seeded from the stored data, ",
                                           m->tickets_reencoded)
                             : std::string(),
                 m->words_indexed);
}

Committer::~Committer() { stop(); }

void Committer::submit(Job job) {
    {
        std::lock_guard lock(mutex_);
        jobs_.push_back(std::move(job));
    }
    wake_.notify_one();
}

void Committer::on_mail_queued(std::function<void()> fn) {
    std::lock_guard lock(mutex_);
    on_mail_queued_ = std::move(fn);
}

void Committer::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    if (thread_.joinable()) thread_.join();
}

Committer::Stats Committer::stats() const {
    std::lock_guard lock(mutex_);
    return stats_;
}

void Committer::run() {
    for (;;) {
        std::vector<Job> batch;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
            if (jobs_.empty()) return;  // stopping, nothing left
            // One batch per configuration: jobs received under an older config go first.
            const auto runtime = jobs_.front().runtime;
            std::size_t bytes = 0;
            while (!jobs_.empty() && batch.size() < max_batch_ && jobs_.front().runtime == runtime &&
                   (batch.empty() || bytes + jobs_.front().input.raw.size() <= max_batch_bytes_)) {
                bytes += jobs_.front().input.raw.size();
                batch.push_back(std::move(jobs_.front()));
                jobs_.pop_front();
            }
        }
        std::vector<DeliveryInput> inputs;
        inputs.reserve(batch.size());
        for (Job& j : batch) inputs.push_back(std::move(j.input));
        std::vector<DeliveryPlan> plans;
        try {
            plans = batch.front().runtime->engine.deliver_batch(store_, inputs);
        } catch (const std::exception& e) {  // deliver_batch does not throw; belt and braces
            log_error("delivery batch failed: {}", e.what());
            plans.clear();
        }
        if (plans.size() != batch.size()) {
            plans.clear();
            for (const DeliveryInput& in : inputs) {
                DeliveryPlan p;
                for (const std::string& r : in.envelope.recipients)
                    p.recipients.push_back({r, Verdict::InternalError, reply_for(Verdict::InternalError,
                                                                                 "internal error, try again later"),
                                            std::nullopt, std::nullopt, "", "internal error in the committer"});
                plans.push_back(std::move(p));
            }
        }
        const bool queued_mail = std::any_of(plans.begin(), plans.end(), [](const DeliveryPlan& p) { return p.queued_mail; });
        std::function<void()> wake;
        {
            std::lock_guard lock(mutex_);
            stats_.batches += 1;
            stats_.messages += batch.size();
            if (queued_mail) wake = on_mail_queued_;
        }
        for (std::size_t i = 0; i < batch.size(); ++i) batch[i].done(std::move(plans[i]));
        if (wake) wake();
    }
}

}  // namespace deskgate::lmtp
