// engine.hpp - the decision for one delivered message: for every envelope recipient, what
// happens (new ticket, append, note, referral, refuse, redirect, discard, defer, unknown) and
// why. plan() only reads the store; apply() writes the plan in the caller's write transaction.
// deliver() does both in one durable transaction. Time always comes in; nothing reads a clock.
#pragma once

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/config.hpp"
#include "core/mail/message.hpp"
#include "core/base/verdict.hpp"
#include "core/store/store.hpp"
#include "core/policy/threading.hpp"
#include "core/model/ticket.hpp"

namespace deskgate {

class BusinessCalendar;

struct Envelope {
    std::string sender;                   // MAIL FROM (raw, "" for the null sender)
    std::vector<std::string> recipients;  // RCPT TO, in order
    std::string queue_id;                 // MTA queue id, for logs ("" if unknown)
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
    // Create: the acknowledgement (BRIEF rule 6), decided in plan(), written by apply().
    bool acknowledge = false;
    bool ack_in_hours = true;
    std::string ack_recipient;
    std::string ack_note;                // why none goes out, or "in hours" / "after hours"
    std::string mark_undeliverable;      // Append of a bounce: the address our mail bounced from
    // Request authorization (BRIEF rule 8)
    std::vector<std::string> ask_approvers;     // Create: approval requests to send
    std::vector<std::string> inform_approvers;  // Create (optional authorization): notices
    enum class Decision { None, Approve, Decline } decision = Decision::None;  // Append by an approver
    std::optional<Contact> new_contact;
    std::string explanation;
};

struct DeliveryPlan {
    ParsedMessage message;
    std::string sender;                  // normalised sender used for identification
    std::string customer_id;             // "" when none
    std::vector<RecipientDecision> recipients;
    TicketPlan ticket;
    std::optional<OutboxItem> redirect;  // Redirected: forward to the staff mailbox
    bool store_raw = false;              // anything to write at all
};

// One message for deliver_batch(): parsed beforehand (parse_message), so parsing can run on
// the session threads while the single writer only decides and stores.
struct DeliveryInput {
    Envelope envelope;
    std::string_view raw;
    ParsedMessage parsed;
    std::int64_t now = 0;
};

class Engine {
public:
    explicit Engine(const Config& config);
    ~Engine();
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    // Decides everything for one parsed message; reads the store only. raw_size is the size
    // of the raw bytes as received.
    DeliveryPlan plan(const ReadTxn& txn, const Envelope& envelope, ParsedMessage message,
                      std::uint64_t raw_size, std::int64_t now) const;

    // Writes the plan (ticket, entry, raw bytes, indexes, outbox), counts every recipient's
    // verdict in the store's `stats` (also when nothing else is written) and fills in ticket
    // numbers and final replies. Must run in the same transaction as plan() for exactness.
    void apply(WriteTxn& txn, DeliveryPlan& plan, const Envelope& envelope, std::string_view raw,
               std::int64_t now) const;

    // plan + apply in one durable write transaction; a store failure becomes 452 4.3.1 and any
    // other failure 451 4.3.0 for every recipient. Never throws.
    DeliveryPlan deliver(Store& store, const Envelope& envelope, std::string_view raw,
                         std::int64_t now) const;

    // Group commit: every message decided and written in its own nested transaction, all
    // committed with one fsync; results in input order. Same failure mapping as deliver().
    std::vector<DeliveryPlan> deliver_batch(Store& store, const std::vector<DeliveryInput>& inputs) const;

    // plan() in a read transaction; nothing is written.
    DeliveryPlan dry_run(const Store& store, const Envelope& envelope, std::string_view raw,
                         std::int64_t now) const;

    const Config& config() const { return config_; }

    // Closes a ticket (BRIEF rule 7) in the caller's write transaction; with the queue's
    // close_summary, the requester gets the correspondence (and the NPS text) through the
    // outbox. Returns the explanation, or nullopt when the ticket is missing or closed already.
    std::optional<std::string> close(WriteTxn& txn, TicketKey ticket, std::int64_t now) const;

    // The VERP return path for outbox item `id` ("" when no bounce_address is configured).
    std::string verp_sender(std::uint64_t id) const;

private:
    // Puts a generated mail into the outbox (VERP sender when configured).
    void queue_mail(WriteTxn& txn, std::string_view kind, const Queue& queue, const Ticket& ticket,
                    const std::string& recipient, const std::string& raw, std::int64_t now) const;
    struct ApprovalMail approval_mail(const Queue& queue, const Ticket& ticket, const std::string& text,
                                      const std::string& recipient, std::int64_t now) const;

    const BusinessCalendar* business_calendar(const Queue& queue) const;  // nullptr: around the clock

    const Config& config_;
    SubjectTagMatcher tags_;
    std::unordered_map<std::string, std::unique_ptr<const BusinessCalendar>> calendars_;
};

}  // namespace deskgate
