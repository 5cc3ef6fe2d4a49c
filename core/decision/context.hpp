// context.hpp - what every decider reads, and what it answers. A decider looks at the facts
// and the recipients that passed admission, and either decides the message (an Outcome) or
// passes (nullopt) to the next one in the list (deciders.hpp). It reads the store, never
// writes; apply() executes the outcome later.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/decision/facts.hpp"
#include "core/decision/plan.hpp"
#include "core/model/business_hours.hpp"
#include "core/policy/queue_resolver.hpp"
#include "core/policy/threading.hpp"

namespace deskgate {

// What the engine compiles from one Config: tag patterns and business calendars.
class Compiled {
public:
    explicit Compiled(const Config& config);
    const SubjectTagMatcher& tags() const { return tags_; }
    const BusinessCalendar* calendar(const Queue& queue) const;  // nullptr: around the clock

private:
    SubjectTagMatcher tags_;
    std::unordered_map<std::string, std::unique_ptr<const BusinessCalendar>> calendars_;
};

// A recipient that passed admission and takes part in the ticket decision.
struct Accepted {
    std::size_t decision = 0;  // index into DeliveryPlan::recipients
    QueueTarget target;
};

struct Context {
    Context(const Config& c, const Compiled& comp, const ReadTxn& t, const Facts& f, const std::vector<Accepted>& a)
        : config(c), compiled(comp), txn(t), facts(f), accepted(a) {}

    const Config& config;
    const Compiled& compiled;
    const ReadTxn& txn;
    const Facts& facts;
    const std::vector<Accepted>& accepted;  // never empty when a decider runs

    const ParsedMessage& message() const { return *facts.message; }
    // The queue that owns a new ticket: the first accepted queue in config order.
    const Accepted& primary() const;
    // The index of that queue after a routing rule's set_queue.
    std::size_t ticket_queue() const;
    // The index of the queue a stored ticket is in (the primary queue if it is gone).
    std::size_t queue_index(const Ticket& ticket) const;
    // The existing ticket this mail belongs to (computed once, on first use).
    const ThreadResult& thread() const;

private:
    mutable std::optional<ThreadResult> thread_;
};

// What a decider decided for every accepted recipient.
struct Outcome {
    Verdict verdict = Verdict::InternalError;
    std::string why;                  // the explanation (one line)
    std::string text;                 // reply text where the verdict has no standard one
    std::optional<TicketKey> ticket;  // the ticket concerned, when there is one already
    TicketPlan plan;                  // what apply() writes (Kind::None: no ticket change)
    bool store = false;               // keep the raw message
    bool plain = false;               // `why` as is, without queue, sender and rules in front
    // Per accepted recipient (same order), when they differ: verdict and explanation.
    std::vector<std::pair<Verdict, std::string>> each;
};

using Decider = std::optional<Outcome> (*)(const Context&);

// Helpers the deciders share.
bool is_own_address(const Config& config, const std::string& address);  // any queue address, +detail too
// Participants: To/Cc except our own addresses, never-CC aliases and the sender; the sender
// too when it joins an existing ticket.
std::vector<std::string> participants_for(const Context& ctx, const Queue& queue, const Ticket* existing);
// A new ticket (also the linked one after a closed ticket), with acknowledgement and approvals.
Outcome create_ticket(const Context& ctx, std::optional<TicketKey> linked_from, const std::string& why);

}  // namespace deskgate
