// approval.hpp - request authorization mail (BRIEF rule 8): the request to a customer's
// approvers with signed approve/decline reply addresses, the note to approvers when
// authorization is optional, and the requester's notice when a request is declined. Raw
// RFC 5322 messages (CRLF), marked as automatic and with our loop header.
#pragma once

#include <cstdint>
#include <string>

#include "core/model/config.hpp"
#include "core/model/ticket.hpp"

namespace deskgate {

struct ApprovalMail {
    const Config* config = nullptr;
    const Queue* queue = nullptr;
    const Ticket* ticket = nullptr;
    const Customer* customer = nullptr;
    std::string request_text;   // the requester's message body
    std::string recipient;      // an approver (or the requester, for a decline notice)
    std::int64_t now = 0;
};

// "queue+a10-42-<sig>@domain" / "queue+d10-42-<sig>@domain".
std::string decision_address(const Config& config, const Queue& queue, TicketKey ticket, bool approve);

std::string build_approval_request(const ApprovalMail& m);  // required: approve or decline
std::string build_approval_notice(const ApprovalMail& m);   // optional: for information
std::string build_decline_notice(const ApprovalMail& m, std::string_view approver);

}  // namespace deskgate
