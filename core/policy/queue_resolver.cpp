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

// A VERP bounce to the return path of a queue with [queues.outgoing] (core/policy/
// return_path.hpp): its sender_address with a valid bounce token as the +detail. The token is
// checked here, so a forged one stays ordinary mail to whatever the address is.
std::optional<QueueTarget> outgoing_bounce(const Config& config, const PlusAddress& plus) {
    if (!verify_bounce_token(config.global.secret, plus.detail)) return std::nullopt;
    for (std::size_t i = 0; i < config.queues.size(); ++i)
        if (config.queues[i].outgoing && config.queues[i].sender_address == plus.base)
            return QueueTarget{i, AddressRole::Bounce, std::nullopt, false, "the queue's return path with bounce token",
                               plus.detail};
    return std::nullopt;
}

}  // namespace

std::optional<QueueTarget> resolve_queue(const Config& config, std::string_view recipient) {
    if (auto it = config.queue_by_address.find(std::string(recipient));
        it != config.queue_by_address.end())
        return QueueTarget{it->second.queue, it->second.role, std::nullopt, false,
                           std::string(role_name(it->second.role)), {}};
    auto plus = split_plus_address(recipient);
    if (!plus) return std::nullopt;
    if (auto bounce = outgoing_bounce(config, *plus)) return bounce;
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
