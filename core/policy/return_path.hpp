// return_path.hpp - the envelope sender (return path) of the mail deskgate sends for a queue,
// and the way back to the queue from one. Postfix picks a queue's own outgoing server
// ([queues.outgoing]: sender_dependent_relayhost_maps and its friends) by this address, and
// that server lets the queue's login send only as its own addresses, so:
//   - a queue without [queues.outgoing]: the VERP address on the global bounce_address
//     (bounces+b<id>-<sig>@...), or the queue's sender_address when bounce_address is unset;
//   - a queue with [queues.outgoing]: always based on the queue's sender_address - with the
//     VERP token as its +detail when bounce_address is set (support+b<id>-<sig>@...; Postfix
//     finds the queue's entry under support@... when recipient_delimiter holds '+'), else the
//     plain sender_address. A shared bounce_address could not tell queues apart.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/model/config.hpp"

namespace deskgate {

// `base`+b<id>-<sig> (make_bounce_token), or "" when there is no base or no secret.
std::string verp_address(const Config& config, std::string_view base, std::uint64_t outbox_id);

// The envelope sender of outbox item `outbox_id`, generated for `queue` (see the top of this file).
std::string return_path(const Config& config, const Queue& queue, std::uint64_t outbox_id);

// The first queue with [queues.outgoing] whose sender_address `envelope_sender` is, with or
// without a +detail (normalised address); nullptr when none is.
const Queue* outgoing_queue_of_sender(const Config& config, std::string_view envelope_sender);

}  // namespace deskgate
