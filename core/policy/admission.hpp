// admission.hpp - the checks that decide whether a helpdesk recipient may receive a message at
// all, before any ticket is looked at: unknown address (5.1.1), inactive queue (4.2.1), size
// (5.3.4), loop (5.4.6), comment address from non-staff, routing refuse/discard, customer not
// enabled (5.7.1 or redirect), unauthenticated senders of customers that require
// authentication (5.7.1 at the door, held at delivery, or redirect), unknown senders refused. The engine (LMTP) and the milter (SMTP
// door) both call these, so the policy exists once.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "core/model/config.hpp"
#include "core/base/verdict.hpp"
#include "core/policy/queue_resolver.hpp"
#include "core/policy/routing.hpp"
#include "core/policy/sender_identity.hpp"

namespace deskgate {

// A decision that ends a recipient's way before threading.
struct Admission {
    Verdict verdict = Verdict::Refused;
    Reply reply;
    std::string explanation;  // one line for logs
    std::string rule;         // routing rule that decided, if any
};

// "queue 10 Support", "customer acme (contact)", ...
std::string describe_queue(const Queue& queue);
std::string describe_sender(const SenderIdentity& who);

// The recipient address alone: its queue, or UnknownRecipient / QueueInactive.
std::variant<QueueTarget, Admission> admit_recipient(const Config& config, std::string_view recipient);

// What is known about the message when its recipients are checked.
struct MessageFacts {
    const SenderIdentity* sender = nullptr;  // required
    std::uint64_t size = 0;                  // 0 = not known yet (SMTP RCPT time)
    std::string_view loop;                   // loop_reason(), "" for none
    const RoutingResult* routing = nullptr;  // nullptr = rules not evaluated (no message yet)
    // Proof that the sender is who it claims (core/policy/authenticity.hpp); nullopt: not known
    // yet (SMTP RCPT time, no headers). Only customers with require_authentication ask for it.
    std::optional<bool> authenticated;
    // Where the decision is made: at the SMTP door a refusal reaches the real sender's server;
    // at delivery (LMTP) a refusal becomes a bounce, so refusing an unauthenticated sender
    // there would be backscatter - such mail is held instead. Fetched: delivery of mail a
    // fetcher took from a mailbox at a provider, which accepted it already; a refusal could
    // reach nobody (the fetcher would retry it on every poll), so every permanent refusal is
    // held for staff instead (hold_fetched_refusal).
    enum class Stage { Door, Delivery, Fetched } stage = Stage::Delivery;
};

// The message-level checks for one resolved recipient, in order; nullopt: admitted.
std::optional<Admission> admit_message(const Config& config, const QueueTarget& target, const MessageFacts& facts);

// Turns a permanent refusal (refused, loop, too big, unknown recipient) of fetched mail into
// Held, saying why; temporary answers (4xx) stay: the fetcher keeps the mail for its next poll.
void hold_fetched_refusal(Admission& admission);

}  // namespace deskgate
