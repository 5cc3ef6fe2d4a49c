// queue_resolver.hpp - recipient address -> queue: system address, forwarding addresses,
// comment address, plus-addressing (queue+anything@), signed reply tokens (queue+t10-42-sig@),
// and bounce tokens on the return path of a queue with [queues.outgoing] (support+b7-sig@, role
// Bounce; core/policy/return_path.hpp).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "core/model/config.hpp"
#include "core/model/ticket.hpp"

namespace deskgate {

struct QueueTarget {
    std::size_t queue = 0;                 // index into Config::queues
    AddressRole role = AddressRole::System;
    std::optional<TicketKey> token_ticket; // a valid reply token named this ticket
    bool bad_token = false;                // looked like a token but the signature was wrong
    std::string how;                       // "system address", "forwarding address", ...
    std::string detail;                    // the +detail of the address, lower case ("" = none)
};

// `recipient` must be normalised. nullopt: no queue has this address.
std::optional<QueueTarget> resolve_queue(const Config& config, std::string_view recipient);

}  // namespace deskgate
