// engine.hpp - the decision for one delivered message, and its execution: for every envelope recipient, what
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

#include "core/decision/context.hpp"
#include "core/decision/plan.hpp"
#include "core/decision/ticket_ops.hpp"
#include "core/model/config.hpp"
#include "core/store/store.hpp"

namespace deskgate {

class Engine {
public:
    explicit Engine(const Config& config);
    ~Engine();
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    // Decides everything for one parsed message; reads the store only. raw_size is the size
    // of the raw bytes as received. The pipeline: gather_facts -> admission of every recipient
    // -> the deciders of deciders.hpp in order -> settle (core/decision/README in core/README.md).
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
    // A plan's queued_mail says its message put mail into the outbox (committed).
    std::vector<DeliveryPlan> deliver_batch(Store& store, const std::vector<DeliveryInput>& inputs) const;

    // plan() in a read transaction; nothing is written.
    DeliveryPlan dry_run(const Store& store, const Envelope& envelope, std::string_view raw,
                         std::int64_t now) const;
    // dry_run() against an empty store, for when none exists yet (nothing is created).
    DeliveryPlan dry_run_without_store(const Envelope& envelope, std::string_view raw, std::int64_t now) const;

    const Config& config() const { return config_; }

    // Closes a ticket (BRIEF rule 7) in the caller's write transaction and records a "closed"
    // event by `by` (ticket_ops.hpp); with the queue's close_summary, the requester gets the
    // correspondence (and the NPS text) through the outbox. Returns the explanation, or nullopt
    // when the ticket is missing or closed already. Permissions are the caller's: check_close().
    std::optional<std::string> close(WriteTxn& txn, TicketKey ticket, std::int64_t now,
                                     const Actor& by = admin_actor()) const;

    // The VERP return path on the global bounce_address for outbox item `id` ("" when no
    // bounce_address is configured). Mail of a queue with [queues.outgoing] uses its own
    // sender_address instead (core/policy/return_path.hpp).
    std::string verp_sender(std::uint64_t id) const;

    // Tells the staff the queue names (notification_recipients) of `event` in `ticket`, each one
    // mail through the outbox in the caller's transaction (so told exactly once), within the
    // per-staff notification_limit. `entry`: the message or note told of (nullptr for
    // deadlines); `raw`: its raw bytes, for passing its attachments on ("" = list them).
    // Returns who was told.
    std::vector<std::string> notify_staff(WriteTxn& txn, const Ticket& ticket, NotifyEvent event,
                                          const TicketEntry* entry, std::string_view raw, std::string_view exclude,
                                          std::int64_t now, const std::string& headline = {}) const;

    // Puts a generated mail of `kind` into the outbox (its return path: core/policy/return_path.hpp)
    // and counts it for each recipient - where every generated mail passes, so the one cap of
    // core/policy/generated_limit.hpp holds here: a recipient at their limit is left out.
    // `ticket` may be null (a welcome mail). Returns whether anything was queued.
    bool queue_mail(WriteTxn& txn, std::string_view kind, const Queue& queue, const Ticket* ticket,
                    const std::vector<std::string>& recipients, const std::string& raw, std::int64_t now) const;

private:
    bool queue_mail(WriteTxn& txn, std::string_view kind, const Queue& queue, const Ticket& ticket,
                    const std::string& recipient, const std::string& raw, std::int64_t now) const {
        return queue_mail(txn, kind, queue, &ticket, std::vector<std::string>{recipient}, raw, now);
    }
    // A staff member's answer by mail (plan.ticket.staff), in apply_staff.cpp.
    void carry_out_staff_action(WriteTxn& txn, DeliveryPlan& plan, const TicketEntry& entry, std::int64_t now) const;
    void send_staff_reply(WriteTxn& txn, Ticket& ticket, const Queue& queue, const Staff& staff, const StaffAction& act,
                          const DeliveryPlan& plan, TicketEntry entry, std::int64_t now) const;
    struct ApprovalMail approval_mail(const Queue& queue, const Ticket& ticket, const std::string& text,
                                      const std::string& recipient, std::int64_t now) const;
    // apply() by plan kind
    std::optional<TicketKey> create_ticket(WriteTxn& txn, DeliveryPlan& plan, const TicketEntry& entry,
                                           std::string_view raw, std::int64_t now) const;
    void update_ticket(WriteTxn& txn, DeliveryPlan& plan, const TicketEntry& entry, std::string_view raw,
                       std::int64_t now) const;
    void send_acknowledgement(WriteTxn& txn, const Queue& queue, const Ticket& ticket, const AckPlan& ack,
                              const ParsedMessage& original, std::int64_t now) const;

    const Config& config_;
    Compiled compiled_;
};

}  // namespace deskgate
