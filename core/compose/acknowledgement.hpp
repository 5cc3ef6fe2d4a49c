// acknowledgement.hpp - the confirmation of a new ticket (BRIEF rule 6): whether one may go
// out at all (never to robots, lists, exception patterns, our own mail, or past the
// per-recipient limit), and the message itself: the queue's in-hours or after-hours template,
// its From/Reply-To/signature, Auto-Submitted: auto-replied, In-Reply-To/References of the mail
// it answers, our loop header and a stable Message-ID (a retried send is the same mail).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/model/config.hpp"
#include "core/mail/message.hpp"
#include "core/model/ticket.hpp"

namespace deskgate {

// Who gets the acknowledgement: Reply-To, else From, else the envelope sender (normalised).
std::string acknowledgement_recipient(const ParsedMessage& message, std::string_view envelope_sender);

// "" when an acknowledgement may go out, else the reason why not. `generated_last_hour`:
// mails deskgate generated to the recipient in the last hour.
std::string acknowledgement_suppressed(const Config& config, const Queue& queue, const ParsedMessage& message,
                                       std::string_view envelope_sender, std::size_t generated_last_hour);

struct AcknowledgementInput {
    const Config* config = nullptr;
    const Queue* queue = nullptr;
    const Ticket* ticket = nullptr;
    const Customer* customer = nullptr;      // may be null
    const ParsedMessage* original = nullptr; // the mail that opened the ticket
    std::string recipient;
    bool in_hours = true;
    std::int64_t now = 0;
};

// The template for the hour: in-hours or after-hours ("" = the queue sends none then).
const std::string& acknowledgement_template(const Queue& queue, bool in_hours);

// The raw RFC 5322 message (CRLF line ends).
std::string build_acknowledgement(const AcknowledgementInput& in);

// Its Message-ID (without <>), stable for a ticket.
std::string acknowledgement_message_id(const Config& config, TicketKey ticket);

}  // namespace deskgate
