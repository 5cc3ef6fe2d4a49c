// verdict.cpp - the single mapping from a verdict to its SMTP reply (RFC 3463 codes), and the
// names verdicts are counted and logged under.
#include "core/base/verdict.hpp"
#include "core/base/verdict_counter.hpp"

#include <fmt/format.h>

namespace deskgate {

std::string_view to_string(Verdict v) {
    switch (v) {
    case Verdict::NewTicket: return "new-ticket";
    case Verdict::Appended: return "appended";
    case Verdict::Note: return "note";
    case Verdict::Referral: return "referral";
    case Verdict::Duplicate: return "duplicate";
    case Verdict::Redirected: return "redirected";
    case Verdict::Held: return "held";
    case Verdict::Bounce: return "bounce";
    case Verdict::Discarded: return "discarded";
    case Verdict::Refused: return "refused";
    case Verdict::UnknownRecipient: return "unknown-recipient";
    case Verdict::TooBig: return "too-big";
    case Verdict::Loop: return "loop";
    case Verdict::RateLimited: return "rate-limited";
    case Verdict::QueueInactive: return "queue-inactive";
    case Verdict::StoreUnavailable: return "store-unavailable";
    case Verdict::SpoolFailed: return "spool-failed";
    case Verdict::InternalError: return "internal-error";
    }
    return "internal-error";
}

Reply reply_for(Verdict v, std::string_view text) {
    auto make = [&](int code, std::uint8_t k, std::uint16_t s, std::uint16_t d) {
        return Reply{code, EnhancedStatus{k, s, d}, std::string(text)};
    };
    switch (v) {
    case Verdict::NewTicket:
    case Verdict::Appended:
    case Verdict::Note:
    case Verdict::Referral:
    case Verdict::Duplicate:
    case Verdict::Redirected:
    case Verdict::Held:
    case Verdict::Bounce:
    case Verdict::Discarded: return make(250, 2, 0, 0);
    case Verdict::Refused: return make(550, 5, 7, 1);
    case Verdict::UnknownRecipient: return make(550, 5, 1, 1);
    case Verdict::TooBig: return make(552, 5, 3, 4);
    case Verdict::Loop: return make(554, 5, 4, 6);
    case Verdict::RateLimited: return make(451, 4, 7, 1);
    case Verdict::QueueInactive: return make(451, 4, 2, 1);
    case Verdict::StoreUnavailable: return make(452, 4, 3, 1);
    case Verdict::SpoolFailed:
    case Verdict::InternalError: return make(451, 4, 3, 0);
    }
    return make(451, 4, 3, 0);
}

std::string format_counts(const std::vector<std::pair<Verdict, std::uint64_t>>& counts) {
    std::string out;
    for (const auto& [v, n] : counts) out += fmt::format("{}{}={}", out.empty() ? "" : " ", to_string(v), n);
    return out;
}

}  // namespace deskgate
