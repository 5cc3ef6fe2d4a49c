// generated_limit.cpp - see generated_limit.hpp.
#include "core/policy/generated_limit.hpp"

#include <fmt/format.h>

namespace deskgate {

GeneratedLimit generated_limit(const Config& config, std::string_view kind, std::string_view recipient) {
    if (kind == "notify" || kind == "staff-notice" || kind == "welcome")
        return {fmt::format("notify:{}", recipient), config.global.notification_limit};
    if (kind == "reply") return {std::string(recipient), 0};  // a person's answer: counted, not capped
    return {std::string(recipient), config.global.generated_mail_limit};
}

std::string generated_limit_reached(const GeneratedLimit& limit, std::string_view recipient, std::size_t last_hour) {
    if (limit.limit == 0 || last_hour < limit.limit) return {};
    return fmt::format("{} mails generated to {} in the last hour (limit {})", last_hour, recipient, limit.limit);
}

std::string generated_cap(const Config& config, const ReadTxn& txn, std::string_view kind, std::string_view recipient,
                          std::int64_t now) {
    const GeneratedLimit limit = generated_limit(config, kind, recipient);
    if (limit.limit == 0) return {};
    return generated_limit_reached(limit, recipient, txn.generated_since(limit.key, now - kGeneratedWindow));
}

}  // namespace deskgate
