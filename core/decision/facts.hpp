// facts.hpp - everything the decision knows about one delivered message before it decides:
// the message (untrusted control headers already stripped), the envelope, who sent it and
// with what proof, what kind of mail it is, what the routing rules say, and the time. Read
// once, in this order, by gather_facts(); the deciders only read them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/decision/plan.hpp"
#include "core/model/config.hpp"
#include "core/policy/routing.hpp"
#include "core/policy/sender_identity.hpp"
#include "core/store/store.hpp"

namespace deskgate {

struct Facts {
    const Envelope* envelope = nullptr;
    ParsedMessage* message = nullptr;
    std::uint64_t raw_size = 0;
    std::int64_t now = 0;
    std::string envelope_sender;         // normalised MAIL FROM ("" = null sender)
    std::string sender;                  // From, else the envelope sender: who is identified
    SenderIdentity who;
    bool authenticated = false;          // a valid signed mark of our milter vouches for `sender`
    std::string automated;               // automated_reason(), "" for mail a person wrote
    std::string loop;                    // loop_reason(), "" for none
    RoutingResult routing;
};

// Strips untrusted control headers from `message` (noting it as a defect), then reads the
// contact store and evaluates identity, authentication, classification and routing.
Facts gather_facts(const Config& config, const ReadTxn& txn, const Envelope& envelope, ParsedMessage& message,
                   std::uint64_t raw_size, std::int64_t now);

}  // namespace deskgate
