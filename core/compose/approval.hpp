// approval.hpp - request authorization mail (BRIEF rule 8): the request to a customer's
// approvers, the note to approvers when authorization is optional, the question to an approver
// whose answer said neither yes nor no, and the requester's notice when a request is declined.
// Raw RFC 5322 messages (CRLF), marked as automatic and with our loop header.
//
// The request's Reply-To is a neutral signed answer address (support+r10-42-<sig>@): hitting
// "reply" decides nothing by itself - the answer's first word does (approve / decline,
// core/policy/approval_answer.hpp), and anything else brings the question. The body also names
// the signed approve and decline addresses, for an approver who would rather write to one.
#pragma once

#include <cstdint>
#include <string>

#include "core/model/config.hpp"
#include "core/model/ticket.hpp"
#include "core/model/token.hpp"

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

// "queue+a10-42-<sig>@domain" (approve), "queue+d10-42-<sig>@domain" (decline),
// "queue+r10-42-<sig>@domain" (the answer's word decides).
std::string decision_address(const Config& config, const Queue& queue, TicketKey ticket, DecisionKind kind);

std::string build_approval_request(const ApprovalMail& m);  // required: approve or decline
std::string build_approval_notice(const ApprovalMail& m);   // optional: for information
// To an approver (m.recipient) whose answer decided nothing: answer with the word. `why`: what
// was unclear ("the first line says neither approve nor decline").
std::string build_approval_question(const ApprovalMail& m, std::string_view why);
std::string build_decline_notice(const ApprovalMail& m, std::string_view approver);

}  // namespace deskgate
