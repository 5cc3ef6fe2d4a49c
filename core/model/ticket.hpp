// ticket.hpp - what the store keeps: tickets, their entries (messages, notes, referrals),
// automatically created contacts, unmatched bounces and outbox items. Plain values; encoded in store/record_codec.cpp.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/base/ticket_key.hpp"
#include "core/model/config.hpp"
#include "core/mail/message.hpp"

namespace deskgate {

struct Ticket {
    TicketKey key;
    std::uint32_t queue = 0;                // current queue number
    std::string subject;
    TicketStatus status = TicketStatus::New;
    std::string customer_id;                // "" when the sender belongs to no customer
    std::string opener;                     // normalised address of who opened it
    std::vector<std::string> participants;  // normalised addresses (CC, later senders)
    std::string category;
    std::string priority;
    std::vector<std::string> tags;
    std::string assignee;                   // staff alias
    std::int64_t created = 0;               // Unix seconds
    std::int64_t updated = 0;
    std::int64_t closed_at = 0;             // 0 unless closed
    std::optional<TicketKey> linked_from;   // opened as the follow-up of a closed ticket
    std::vector<std::uint32_t> referrals;   // other queues the opening mail was addressed to
    std::uint32_t entry_count = 0;
    std::int64_t reaction_due = 0;          // business-hours deadlines set at creation (0 = none)
    std::int64_t resolution_due = 0;
    std::vector<std::string> undeliverable; // addresses our mail for this ticket bounced from
    // Record format 4 (issue 14): the staff's side of the ticket.
    std::int64_t first_reaction = 0;        // first staff reply or assignment (0 = none yet)
    std::int64_t status_since = 0;          // when the status last changed (0 = created)
    std::uint8_t deadline_notices = 0;      // DeadlineNotice bits already told to staff
    std::optional<TicketKey> merged_into;   // merged: its mail threads into that ticket
};

// Bits of Ticket::deadline_notices: each deadline event is told once.
enum DeadlineNotice : std::uint8_t {
    kReactionWarned = 1,
    kReactionMissed = 2,
    kResolutionWarned = 4,
    kResolutionMissed = 8,
};

enum class Direction : std::uint8_t { Inbound, Outbound, Internal };
// Event: a change to the ticket (assigned, status, priority, moved, merged, ...); from_address
// names who did it, text_body says what.
enum class EntryKind : std::uint8_t { Message, Note, Referral, Event };

struct TicketEntry {
    TicketKey ticket;
    std::uint32_t index = 0;                // 0-based position in the ticket
    Direction direction = Direction::Inbound;
    EntryKind kind = EntryKind::Message;
    std::string message_id;
    std::string from_address;
    std::string from_name;
    std::string subject;
    std::string text_body;
    std::vector<Attachment> attachments;
    std::vector<std::string> defects;
    std::string body_digest;
    std::string envelope_sender;
    std::vector<std::string> envelope_recipients;
    std::string explanation;                // why the engine put it here
    std::int64_t received = 0;              // Unix seconds
    std::uint64_t raw_id = 0;               // key of the raw bytes (0 = none)
    std::uint64_t raw_size = 0;
};

// Where a Message-ID was seen.
struct MessageRef {
    TicketKey ticket;
    std::uint32_t index = 0;
    std::string body_digest;
};

struct Contact {
    std::string address;                    // normalised
    std::string name;
    std::string customer_id;
    std::uint32_t queue = 0;                // queue whose mail created it
    std::int64_t created = 0;
};

// A delivery failure report that matched none of our mail: kept in the store's bounce list
// (`deskgate bounces`) for kBounceDays with its raw bytes - never a ticket, never answered.
struct Bounce {
    std::uint64_t id = 0;
    std::int64_t received = 0;              // Unix seconds
    std::string envelope_sender;            // normalised ("" = the null sender)
    std::vector<std::string> recipients;    // envelope recipients, as given
    std::string from;                       // From address, normalised
    std::string subject;
    std::string message_id;
    std::vector<std::string> failed;        // Final-Recipient addresses the report gives up on
    std::string diagnostic;                 // the first failure's Diagnostic-Code (else its Status)
    std::string reason;                     // why it matched none of our mail
    std::uint64_t raw_id = 0;
    std::uint64_t raw_size = 0;
};

struct OutboxItem {
    std::uint64_t id = 0;
    std::string kind;                       // "redirect", "ack", ...
    std::string sender;                     // envelope sender
    std::vector<std::string> recipients;
    std::uint64_t raw_id = 0;               // message bytes to send
    std::optional<TicketKey> ticket;
    std::int64_t created = 0;
    std::int64_t next_attempt = 0;          // pending: when due; sending: when the claim expires
    std::uint32_t attempts = 0;
    std::string state = "pending";          // pending | sending (claimed, store/outbox_policy.hpp) | sent | failed
    std::string last_error;
};

}  // namespace deskgate
