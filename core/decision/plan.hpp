// plan.hpp - what the decision produces for one delivered message and apply() executes: the
// per-recipient decisions (core/base/verdict.hpp), the one ticket action for the message as a
// whole (TicketPlan), and mail to hand on (a redirect or a held copy). Plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/verdict.hpp"
#include "core/decision/ticket_ops.hpp"
#include "core/mail/message.hpp"
#include "core/model/ticket.hpp"

namespace deskgate {

struct Envelope {
    std::string sender;                   // MAIL FROM (raw, "" for the null sender)
    std::vector<std::string> recipients;  // RCPT TO, in order
    std::string queue_id;                 // MTA queue id, for logs ("" if unknown)
    // Fetched from a mailbox at a provider (deskgate-lmtpd's fetch_listen socket): the provider
    // accepted it already, so nothing may be refused (it would be retried, or bounced, forever).
    bool fetched = false;
};

// What the LMTP session knows went wrong before any policy could look at the mail. NoData: no
// message at all (the transaction ended before DATA); only its RCPT refusals are counted.
enum class SessionFailure { None, TooBig, SpoolFailed, NoData };

// The acknowledgement a plan sends (BRIEF rule 6), decided in plan(), written by apply().
struct AckPlan {
    bool send = false;
    bool in_hours = true;
    std::string recipient;
    std::string note;                      // why none goes out, or "acknowledged to ... (in hours)"
    std::optional<ParsedMessage> original; // after an approval: the request being acknowledged
};

// A staff member's answer to a notification (decide_staff_reply), for apply() to carry out.
struct StaffAction {
    std::string alias;                 // who (the staff token's and the From's staff member)
    std::string text;                  // the new text: quote, signature and command lines removed
    std::string cut;                   // how the quote was found (for the log)
    std::vector<TicketOp> ops;         // checked commands, in order
    bool note = false;                 // internal only: #note, or an automated mail (out-of-office)
    bool close = false;                // #close after the reply
    std::vector<std::string> errors;   // refused commands: nothing is done, the staff member is told
};

// What apply() will write for the message as a whole.
struct TicketPlan {
    // Refer: the same mail is already stored in `ticket`; only record the referral.
    enum class Kind { None, Create, Append, Note, Refer } kind = Kind::None;
    std::optional<TicketKey> ticket;     // Append/Note: the ticket; Create: filled by apply()
    std::size_t queue = 0;               // index of the queue the ticket is opened in / is in
    std::string customer_id;
    std::string category;
    std::string priority;
    std::vector<std::string> tags;
    std::string assignee;
    TicketStatus new_status = TicketStatus::New;
    std::optional<TicketKey> linked_from;
    std::vector<std::uint32_t> referrals;  // queue numbers
    std::vector<std::string> participants_to_add;
    bool automated = false;              // auto-reply: joins, never changes status or owner
    Direction direction = Direction::Inbound;  // Outbound: a journaled staff reply
    AckPlan ack;
    std::string mark_undeliverable;      // Append of a bounce: the address our mail bounced from
    std::string mark_staff_undeliverable;  // a notification bounced: no notifications to it for a day
    // Request authorization (BRIEF rule 8)
    std::vector<std::string> ask_approvers;     // Create: approval requests to send
    std::vector<std::string> inform_approvers;  // Create (optional authorization): notices
    enum class Decision { None, Approve, Decline } decision = Decision::None;  // Append by an approver
    bool decline_notice = false;                // Decline: tell the requester (within the generated-mail limit)
    std::string approval_question;              // Note of an approver's unclear answer: ask them (why it was unclear)
    std::optional<Contact> new_contact;
    std::string author;                  // who wrote the entry, when not the identified sender
    std::string explanation;
    // Staff to tell (core/compose/notification), except who caused it.
    std::optional<NotifyEvent> notify;
    std::string notify_exclude;          // staff alias
    std::optional<StaffAction> staff;    // Kind::Append / Note of a staff answer by mail
    std::optional<Bounce> bounce;        // Kind::None: an unmatched bounce for the bounce list
};

struct DeliveryPlan {
    ParsedMessage message;
    std::string sender;                  // normalised sender used for identification
    std::string customer_id;             // "" when none
    std::vector<RecipientDecision> recipients;
    TicketPlan ticket;
    std::optional<OutboxItem> forward;   // Redirected / Held: a copy for a person (outbox)
    std::vector<Verdict> rcpt_refusals;  // answered by the session at RCPT time: counted with these
    bool store_raw = false;              // anything to write at all
    bool queued_mail = false;            // deliver_batch: committed with items for the outbox
};

// One message for deliver_batch(): parsed beforehand (parse_message), so parsing can run on
// the session threads while the single writer only decides and stores.
struct DeliveryInput {
    Envelope envelope;
    std::string_view raw;
    ParsedMessage parsed;
    std::int64_t now = 0;
    SessionFailure failure = SessionFailure::None;
    std::uint64_t max_size = 0;          // TooBig: the limit the session enforced
    // Recipients the session refused at RCPT (from admit_recipient, the same table): they never
    // reach the decision, but are counted in the same transaction as the message.
    std::vector<Verdict> rcpt_refusals;
};

}  // namespace deskgate
