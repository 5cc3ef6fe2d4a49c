// token.hpp - HMAC-SHA256 signatures (GLib GHmac) with the site secret: reply tokens in
// recipient addresses ("support+t10-42-<sig>@...") and signed X-Deskgate-* control headers.
// A token is unguessable without the secret; verification is constant time.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/model/ticket.hpp"

namespace deskgate {

// Lower-case hex HMAC-SHA256 of `data` with `secret`.
std::string hmac_sha256_hex(std::string_view secret, std::string_view data);

// Constant-time comparison of equal-length strings.
bool constant_time_equal(std::string_view a, std::string_view b);

// The +detail of a reply address for `ticket`: "t10-42-<16 hex>".
std::string make_reply_token(std::string_view secret, TicketKey ticket);

// The ticket a +detail names if its signature is valid; nullopt otherwise.
std::optional<TicketKey> verify_reply_token(std::string_view secret, std::string_view detail);

// The +detail of the address a staff member answers a notification to: bound to the ticket
// and to that staff member's alias (lower case): "s10-42-jana-<16 hex>".
std::string make_staff_token(std::string_view secret, TicketKey ticket, std::string_view alias);
struct StaffToken {
    TicketKey ticket;
    std::string alias;
};
std::optional<StaffToken> verify_staff_token(std::string_view secret, std::string_view detail);

// The +detail of the journal address for one staff reply: binds the ticket to the reply's
// Message-ID, so headers copied out of a customer's copy cannot be replayed into a ticket.
std::string make_journal_token(std::string_view secret, TicketKey ticket, std::string_view message_id);
bool verify_journal_token(std::string_view secret, TicketKey ticket, std::string_view message_id,
                          std::string_view detail);

// The +details of the addresses an approver answers to (BRIEF rule 8): "a10-42-<16 hex>"
// approves the request in ticket 10-42, "d10-42-<16 hex>" declines it, and "r10-42-<16 hex>"
// (the approval request's Reply-To) lets the answer's first word decide
// (core/policy/approval_answer.hpp).
enum class DecisionKind { Approve, Decline, Answer };
std::string make_decision_token(std::string_view secret, TicketKey ticket, DecisionKind kind);
struct Decision {
    TicketKey ticket;
    DecisionKind kind = DecisionKind::Answer;
};
std::optional<Decision> verify_decision_token(std::string_view secret, std::string_view detail);

// The +detail of the VERP return path of outbox item `id`: "b<id>-<16 hex>".
std::string make_bounce_token(std::string_view secret, std::uint64_t outbox_id);
std::optional<std::uint64_t> verify_bounce_token(std::string_view secret, std::string_view detail);

// Signature over the X-Deskgate-* control header values (names lower-cased, in order).
std::string sign_control_headers(std::string_view secret, std::string_view canonical);

}  // namespace deskgate
