// queue_resolver.cpp - see queue_resolver.hpp.
#include "core/policy/queue_resolver.hpp"

#include "core/base/address.hpp"
#include "core/model/token.hpp"

namespace deskgate {
namespace {

std::string_view role_name(AddressRole role) {
    switch (role) {
    case AddressRole::System: return "system address";
    case AddressRole::Forwarding: return "forwarding address";
    case AddressRole::Comment: return "comment address";
    case AddressRole::Journal: return "journal address";
    case AddressRole::Bounce: return "bounce address";
    }
    return "address";
}

}  // namespace

std::optional<QueueTarget> resolve_queue(const Config& config, std::string_view recipient) {
    if (auto it = config.queue_by_address.find(std::string(recipient));
        it != config.queue_by_address.end())
        return QueueTarget{it->second.queue, it->second.role, std::nullopt, false,
                           std::string(role_name(it->second.role)), {}};
    auto plus = split_plus_address(recipient);
    if (!plus) return std::nullopt;
    auto it = config.queue_by_address.find(plus->base);
    if (it == config.queue_by_address.end()) return std::nullopt;
    QueueTarget target{it->second.queue, it->second.role, std::nullopt, false,
                       std::string(role_name(it->second.role)) + " with +detail", plus->detail};
    if (auto ticket = verify_reply_token(config.global.secret, plus->detail)) {
        target.token_ticket = ticket;
        target.how = std::string(role_name(it->second.role)) + " with reply token";
    } else if (plus->detail.size() > 1 && plus->detail.front() == 't' &&
               parse_ticket_key(plus->detail.substr(1, plus->detail.rfind('-') - 1))) {
        target.bad_token = true;
    }
    return target;
}

}  // namespace deskgate
