// staff_reply.hpp - a staff member's answer as the customer gets it: From the queue's address
// with the display-name template ("jana - Support"), Reply-To the customer's reply token, the
// subject tag, the body from the queue's reply template (the staff text, their name, the
// customer's last message quoted unless the queue leaves it out), the queue's signature,
// In-Reply-To/References of the customer's last message, the staff's attachments.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/model/config.hpp"
#include "core/model/ticket.hpp"

namespace deskgate {

// Who a reply in `ticket` goes to: the requester first, then the participants; never an
// address our mail bounced from, our own addresses or staff.
std::vector<std::string> staff_reply_recipients(const Config& config, const Ticket& ticket);

struct StaffReplyInput {
    const Config* config = nullptr;
    const Queue* queue = nullptr;
    const Ticket* ticket = nullptr;
    const Staff* staff = nullptr;
    std::string text;                              // the staff's new text
    const TicketEntry* last_customer = nullptr;    // the customer's last message (may be null)
    const std::vector<Attachment>* attachments = nullptr;        // the staff mail's attachments
    const std::vector<std::string>* attachment_contents = nullptr;  // decoded, same order
    std::vector<std::string> recipients;           // staff_reply_recipients()
    std::string message_id;                        // staff_reply_message_id()
    std::int64_t now = 0;
};

// Derived from the staff mail's own Message-ID: the same answer delivered twice is recognised
// (and a retried send is the same mail).
std::string staff_reply_message_id(const Config& config, TicketKey ticket, std::string_view staff_message_id);

// The body as the template renders it (stored in the ticket as the outbound message's text).
std::string staff_reply_body(const StaffReplyInput& in);

// The raw RFC 5322 message (CRLF).
std::string build_staff_reply(const StaffReplyInput& in);

}  // namespace deskgate
