// verdict.hpp - the vocabulary every decision is spoken in, at the bottom of core: what
// happened to one recipient (Verdict), the one table that turns a verdict into an SMTP reply
// (reply_for), and the per-recipient decision the daemons answer and log. Nothing here reaches
// up into the decision or the store; the LMTP agent, the milter and the CLI all use it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/base/reply.hpp"
#include "core/base/ticket_key.hpp"

namespace deskgate {

enum class Verdict {
    NewTicket,         // 250: opened a ticket
    Appended,          // 250: joined an existing ticket
    Note,              // 250: internal note from staff
    Referral,          // 250: recorded as a referral in the ticket another queue opened
    Duplicate,         // 250: already stored (same Message-ID, same body, same queue)
    Redirected,        // 250: handed to the staff mailbox (outbox)
    Held,              // 250: kept for staff, no ticket rights (a refusal we may not bounce)
    Bounce,            // 250: a delivery failure report matching none of our mail: the bounce list
    Discarded,         // 250: a routing rule discarded it (logged, not stored)
    Refused,           // 550 5.7.1 with the admin's text
    UnknownRecipient,  // 550 5.1.1
    TooBig,            // 552 5.3.4
    Loop,              // 554 5.4.6
    RateLimited,       // 451 4.7.1 the sender is over the per-sender rate limit
    QueueInactive,     // 451 4.2.1
    StoreUnavailable,  // 452 4.3.1
    SpoolFailed,       // 451 4.3.0 the message could not be spooled
    InternalError,     // 451 4.3.0
};
std::string_view to_string(Verdict);
// Every verdict, in declaration order (for stats and tests).
inline constexpr Verdict kAllVerdicts[] = {
    Verdict::NewTicket,     Verdict::Appended, Verdict::Note,        Verdict::Referral,
    Verdict::Duplicate,     Verdict::Redirected, Verdict::Held,      Verdict::Bounce,    Verdict::Discarded,
    Verdict::Refused,       Verdict::UnknownRecipient, Verdict::TooBig, Verdict::Loop,
    Verdict::RateLimited,   Verdict::QueueInactive, Verdict::StoreUnavailable, Verdict::SpoolFailed,
    Verdict::InternalError,
};

// The one place where a verdict becomes an SMTP reply (code and RFC 3463 status).
Reply reply_for(Verdict, std::string_view text);

// One recipient's fate, as the daemons answer and log it.
struct RecipientDecision {
    std::string recipient;               // as given in the envelope
    Verdict verdict = Verdict::InternalError;
    Reply reply;
    std::optional<std::size_t> queue;    // index into Config::queues
    std::optional<TicketKey> ticket;
    std::string rule;                    // routing rule that decided, if any
    std::string explanation;             // one line: queue, customer, rule, why
};

}  // namespace deskgate
