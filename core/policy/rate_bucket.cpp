// rate_bucket.cpp - see rate_bucket.hpp.
#include "core/policy/rate_bucket.hpp"

#include <fmt/format.h>

#include "core/model/token.hpp"

namespace deskgate {
namespace {

constexpr std::string_view kVerp = "<>verp:";
constexpr std::string_view kClient = "<>client:";

}  // namespace

std::string rate_bucket(const Config& config, std::string_view envelope_sender, const QueueTarget& target,
                        std::string_view client) {
    if (!envelope_sender.empty()) return std::string(envelope_sender);
    if (target.role == AddressRole::Bounce && verify_bounce_token(config.global.secret, target.detail))
        return fmt::format("{}{}", kVerp, target.detail);
    if (!client.empty()) return fmt::format("{}{}", kClient, client);
    return "<>";
}

std::string describe_bucket(std::string_view bucket) {
    if (bucket.starts_with(kVerp)) return fmt::format("bounces to VERP token {}", bucket.substr(kVerp.size()));
    if (bucket.starts_with(kClient)) return fmt::format("null-sender mail from {}", bucket.substr(kClient.size()));
    if (bucket == "<>") return "null-sender mail";
    return fmt::format("sender <{}>", bucket);
}

}  // namespace deskgate
