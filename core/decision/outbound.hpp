// outbound.hpp - what the outbound milter does to mail staff send to customers (BRIEF rule 2):
// find the ticket (subject tag or an X-Deskgate-Ticket header from a helpdesk client) and the
// customer (by recipient); an enabled customer gets From "<display name>" <queue address> and a
// signed reply-token Reply-To, a customer not enabled gets the global staff sender address;
// the subject carries the ticket tag, the message a Message-ID, and a signed journal copy goes
// to the helpdesk so the reply lands in its ticket. Header values are sanitised: no CR/LF or
// control characters can be injected through a display name, subject or template.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/config.hpp"
#include "core/mail/header_encoding.hpp"
#include "core/mail/message.hpp"
#include "core/policy/threading.hpp"
#include "core/model/ticket.hpp"

namespace deskgate {

struct OutboundPlan {
    std::optional<TicketKey> ticket;
    std::string customer_id;
    bool customer_enabled = false;
    std::string from;                     // new From value ("" = leave)
    std::string reply_to;                 // new Reply-To value ("" = leave)
    std::string subject;                  // new Subject value ("" = leave)
    std::string message_id;               // Message-ID to add ("" = it has one)
    std::vector<HeaderField> control;     // X-Deskgate-* headers to add (existing ones are removed)
    std::string journal_recipient;        // extra recipient ("" = none)
    std::string explanation;
};

// `headers` is the parsed header block of the staff mail. nullopt: not helpdesk mail (no
// customer recipient and no ticket), left untouched.
// `by_reference`, when given, is the ticket the mail's In-Reply-To/References name in the
// store (looked up by the caller); it is used when neither the header nor the tag names one.
std::optional<OutboundPlan> plan_outbound(const Config& config, const SubjectTagMatcher& tags,
                                          const ParsedMessage& headers, std::string_view envelope_sender,
                                          const std::vector<std::string>& recipients,
                                          std::optional<TicketKey> by_reference = std::nullopt);

}  // namespace deskgate
