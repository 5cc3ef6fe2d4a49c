// return_path.cpp - see return_path.hpp.
#include "core/policy/return_path.hpp"

#include "core/base/address.hpp"
#include "core/model/token.hpp"

namespace deskgate {

std::string verp_address(const Config& config, std::string_view base, std::uint64_t outbox_id) {
    if (base.empty() || base.find('@') == std::string_view::npos || config.global.secret.empty()) return {};
    return plus_address(base, make_bounce_token(config.global.secret, outbox_id));
}

std::string return_path(const Config& config, const Queue& queue, std::uint64_t outbox_id) {
    const bool verp = !config.global.bounce_address.empty();
    const std::string& base = queue.outgoing ? queue.sender_address : config.global.bounce_address;
    if (!verp) return queue.sender_address;
    const std::string address = verp_address(config, base, outbox_id);
    return address.empty() ? queue.sender_address : address;
}

const Queue* outgoing_queue_of_sender(const Config& config, std::string_view envelope_sender) {
    const auto plus = split_plus_address(envelope_sender);
    const std::string_view base = plus ? std::string_view(plus->base) : envelope_sender;
    for (const Queue& q : config.queues)
        if (q.outgoing && (q.sender_address == envelope_sender || q.sender_address == base)) return &q;
    return nullptr;
}

}  // namespace deskgate
