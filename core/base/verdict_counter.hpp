// verdict_counter.hpp - counts decisions by verdict in a process that has no store to count
// them in (the milter): thread-safe, lock-free; take() hands over the counts since the last
// take() for one log line, under the same names `deskgate stats` uses.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/base/verdict.hpp"

namespace deskgate {

class VerdictCounter {
public:
    void add(Verdict v, std::uint64_t n = 1) { counts_[static_cast<std::size_t>(v)].fetch_add(n, std::memory_order_relaxed); }

    // The non-zero counts since the last take(), in verdict order; resets them.
    std::vector<std::pair<Verdict, std::uint64_t>> take() {
        std::vector<std::pair<Verdict, std::uint64_t>> out;
        for (const Verdict v : kAllVerdicts)
            if (const auto n = counts_[static_cast<std::size_t>(v)].exchange(0, std::memory_order_relaxed))
                out.emplace_back(v, n);
        return out;
    }

private:
    std::array<std::atomic<std::uint64_t>, std::size(kAllVerdicts)> counts_{};
};

// "refused=3 unknown-recipient=1" ("" for none).
std::string format_counts(const std::vector<std::pair<Verdict, std::uint64_t>>& counts);

}  // namespace deskgate
