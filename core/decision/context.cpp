// context.cpp - see context.hpp: the compiled config, the context's derived facts, and the
// helpers several deciders share (participants, opening a ticket).
#include "core/decision/context.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "core/base/address.hpp"
#include "core/compose/acknowledgement.hpp"
#include "core/policy/admission.hpp"
#include "core/policy/generated_limit.hpp"

namespace deskgate {
namespace {

bool contains(const std::vector<std::string>& v, std::string_view s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

Compiled::Compiled(const Config& config) : tags_(config) {
    // Loading a time zone costs ~0.1 ms; every calendar is loaded once per config.
    for (const Calendar& c : config.calendars) calendars_.emplace(c.name, std::make_unique<const BusinessCalendar>(c));
}

const BusinessCalendar* Compiled::calendar(const Queue& queue) const {
    if (queue.calendar.empty()) return nullptr;
    const auto it = calendars_.find(queue.calendar);
    return it == calendars_.end() ? nullptr : it->second.get();
}

const Accepted& Context::primary() const {
    const Accepted* p = &accepted.front();
    for (const Accepted& a : accepted)
        if (a.target.queue < p->target.queue) p = &a;
    return *p;
}

std::size_t Context::ticket_queue() const {
    if (facts.routing.actions.queue) {
        if (auto it = config.queue_by_number.find(*facts.routing.actions.queue); it != config.queue_by_number.end())
            return it->second;
    }
    return primary().target.queue;
}

std::size_t Context::queue_index(const Ticket& ticket) const {
    const auto it = config.queue_by_number.find(ticket.queue);
    return it != config.queue_by_number.end() ? it->second : primary().target.queue;
}

const ThreadResult& Context::thread() const {
    if (thread_) return *thread_;
    std::optional<TicketKey> token_ticket;
    bool bad_token = false;
    for (const Accepted& a : accepted) {
        if (a.target.token_ticket && !token_ticket) token_ticket = a.target.token_ticket;
        bad_token = bad_token || a.target.bad_token;
    }
    thread_ = find_thread(compiled.tags(), txn, message(), token_ticket, facts.who);
    if (bad_token)
        thread_->explanation = thread_->explanation.empty()
                                   ? std::string("reply token with a bad signature ignored")
                                   : thread_->explanation + "; reply token with a bad signature ignored";
    return *thread_;
}

bool is_own_address(const Config& config, const std::string& address) {
    if (config.queue_by_address.contains(address)) return true;
    if (auto plus = split_plus_address(address)) return config.queue_by_address.contains(plus->base);
    return false;
}

std::vector<std::string> participants_for(const Context& ctx, const Queue& q, const Ticket* existing) {
    const std::string& sender = ctx.facts.sender;
    std::vector<std::string> out;
    auto consider = [&](const std::string& a) {
        if (a.empty() || a == sender || is_own_address(ctx.config, a) || contains(q.never_cc, a) || contains(out, a))
            return;
        if (existing && (a == existing->opener || contains(existing->participants, a))) return;
        out.push_back(a);
    };
    for (const Mailbox& m : ctx.message().to) consider(m.address);
    for (const Mailbox& m : ctx.message().cc) consider(m.address);
    if (existing && !sender.empty() && !ctx.facts.who.staff && sender != existing->opener &&
        !contains(existing->participants, sender) && !is_own_address(ctx.config, sender))
        out.push_back(sender);
    return out;
}

namespace {

// The acknowledgement of a new ticket: the queue's in- or after-hours template, unless suppressed.
AckPlan plan_acknowledgement(const Context& ctx, const Queue& tq, bool needs_approval) {
    AckPlan ack;
    const BusinessCalendar* calendar = ctx.compiled.calendar(tq);
    ack.in_hours = calendar ? calendar->in_hours(ctx.facts.now) : true;
    ack.recipient = acknowledgement_recipient(ctx.message(), ctx.facts.envelope_sender);
    if (needs_approval) {
        ack.note = "acknowledgement after approval";
        return ack;
    }
    if (acknowledgement_template(tq, ack.in_hours).empty()) {
        ack.note = fmt::format("no {} acknowledgement template", ack.in_hours ? "in-hours" : "after-hours");
        return ack;
    }
    const std::size_t recent = ack.recipient.empty() ? 0 : ctx.txn.generated_since(ack.recipient, ctx.facts.now - 3600);
    const std::string suppressed =
        acknowledgement_suppressed(ctx.config, tq, ctx.message(), ctx.facts.envelope_sender, recent);
    ack.send = suppressed.empty();
    ack.note = ack.send ? fmt::format("acknowledged to {} ({})", ack.recipient, ack.in_hours ? "in hours" : "after hours")
                        : "no acknowledgement: " + suppressed;
    return ack;
}

}  // namespace

Outcome create_ticket(const Context& ctx, std::optional<TicketKey> linked_from, const std::string& why) {
    const SenderIdentity& who = ctx.facts.who;
    const RuleActions& actions = ctx.facts.routing.actions;
    const std::size_t ticket_queue = ctx.ticket_queue();
    const Queue& tq = ctx.config.queues[ticket_queue];
    Outcome o;
    o.verdict = Verdict::NewTicket;
    o.store = true;
    TicketPlan& tp = o.plan;
    tp.kind = TicketPlan::Kind::Create;
    tp.customer_id = std::string(who.customer_id());
    tp.automated = !ctx.facts.automated.empty();
    tp.queue = ticket_queue;
    tp.category = actions.category.value_or(tq.default_category);
    tp.priority = actions.priority.value_or(tq.default_priority);
    tp.tags = actions.tags;
    tp.assignee = actions.assignee.value_or("");
    tp.linked_from = linked_from;
    const bool customer_asks = !who.staff && who.customer && !who.approver();
    const bool needs_approval = customer_asks && who.customer->authorization == Authorization::Required;
    tp.new_status = needs_approval ? TicketStatus::AwaitingApproval : TicketStatus::New;
    if (needs_approval) tp.ask_approvers = who.customer->approvers;
    else tp.notify = NotifyEvent::NewTicket;  // awaiting approval: told when it is approved
    if (who.staff) tp.notify_exclude = who.staff->alias;
    else if (customer_asks && who.customer->authorization == Authorization::Optional)
        tp.inform_approvers = who.customer->approvers;
    tp.participants_to_add = participants_for(ctx, tq, nullptr);
    if (!who.staff && who.by == IdentifiedBy::Domain && tq.create_unknown_contacts && !ctx.facts.sender.empty()) {
        Contact c;
        c.address = ctx.facts.sender;
        c.name = ctx.message().from ? ctx.message().from->name : std::string();
        c.customer_id = tp.customer_id;
        c.queue = tq.number;
        c.created = ctx.facts.now;
        tp.new_contact = std::move(c);
    }
    tp.ack = plan_acknowledgement(ctx, tq, needs_approval);
    std::string text = why;
    if (needs_approval) text += ", awaiting approval by the customer's approvers";
    // The approvers' mail is generated mail: capped like any (core/policy/generated_limit.hpp).
    auto within_limit = [&](std::vector<std::string>& approvers, std::string_view kind, std::string_view what) {
        std::erase_if(approvers, [&](const std::string& a) {
            const std::string capped = generated_cap(ctx.config, ctx.txn, kind, a, ctx.facts.now);
            if (!capped.empty()) text += fmt::format(", no {} to {}: {}", what, a, capped);
            return !capped.empty();
        });
    };
    within_limit(tp.ask_approvers, "approval", "approval request");
    within_limit(tp.inform_approvers, "approval-info", "approval notice");
    if (tp.new_contact) text += ", new contact " + ctx.facts.sender;
    if (!tp.category.empty()) text += ", category " + tp.category;
    text += ", " + tp.ack.note;
    tp.explanation = text;
    o.why = text;
    return o;
}

}  // namespace deskgate
