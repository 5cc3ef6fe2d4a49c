// settle.cpp - see settle.hpp.
#include "core/decision/settle.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "core/policy/admission.hpp"

namespace deskgate {
namespace {

bool names_ticket(Verdict v) {
    return v == Verdict::NewTicket || v == Verdict::Appended || v == Verdict::Note || v == Verdict::Referral ||
           v == Verdict::Duplicate;
}

}  // namespace

void settle(const Context& ctx, Outcome outcome, DeliveryPlan& plan) {
    const Facts& f = ctx.facts;
    const std::string who_text = describe_sender(f.who);
    const std::string rule_text =
        f.routing.matched.empty() ? std::string() : fmt::format(", rules '{}'", fmt::join(f.routing.matched, "', '"));
    const std::size_t own = outcome.plan.kind == TicketPlan::Kind::Create ? outcome.plan.queue : ctx.primary().target.queue;
    const Queue& tq = ctx.config.queues[own];
    TicketPlan& tp = outcome.plan;
    for (std::size_t i = 0; i < ctx.accepted.size(); ++i) {
        const Accepted& a = ctx.accepted[i];
        RecipientDecision& d = plan.recipients[a.decision];
        const Queue& q = ctx.config.queues[a.target.queue];
        d.ticket = outcome.ticket;
        if (!outcome.each.empty()) {
            d.verdict = outcome.each[i].first;
            d.explanation = outcome.each[i].second;
        } else if (outcome.plain) {
            d.verdict = outcome.verdict;
            d.explanation = outcome.why;
        } else {
            if (!f.routing.matched.empty()) d.rule = f.routing.matched.back();
            const std::string where = fmt::format("{} ({})", describe_queue(q), a.target.how);
            const bool referral = outcome.verdict == Verdict::NewTicket && a.target.queue != ctx.primary().target.queue &&
                                  q.number != tq.number;
            if (referral) {
                d.verdict = Verdict::Referral;
                d.explanation = fmt::format("{}, {}: the mail opened a ticket in {}, referral recorded", where, who_text,
                                            describe_queue(tq));
                if (std::find(tp.referrals.begin(), tp.referrals.end(), q.number) == tp.referrals.end())
                    tp.referrals.push_back(q.number);
            } else {
                d.verdict = outcome.verdict;
                d.explanation = fmt::format("{}, {}{}: {}", where, who_text, rule_text, outcome.why);
            }
        }
        if (!names_ticket(d.verdict)) d.reply = reply_for(d.verdict, outcome.text);
    }
    plan.ticket = std::move(tp);
    if (!plan.ticket.author.empty()) plan.sender = plan.ticket.author;
    plan.store_raw = plan.store_raw || outcome.store;
}

void plan_forward(const Config& config, DeliveryPlan& plan, std::int64_t now) {
    const auto any = [&](Verdict v) {
        return std::any_of(plan.recipients.begin(), plan.recipients.end(),
                           [&](const RecipientDecision& d) { return d.verdict == v; });
    };
    const bool redirect = any(Verdict::Redirected);
    if (!redirect && !any(Verdict::Held)) return;
    OutboxItem item;
    item.kind = redirect ? "redirect" : "held";
    item.sender = config.global.staff_sender;
    if (!config.global.redirect_mailbox.empty()) item.recipients = {config.global.redirect_mailbox};
    else item.state = "held";  // nobody to forward it to: kept for `deskgate outbox --state held`
    item.created = now;
    item.next_attempt = now;
    plan.forward = std::move(item);
    plan.store_raw = true;
}

void render_replies(DeliveryPlan& plan) {
    for (RecipientDecision& d : plan.recipients) {
        if (!names_ticket(d.verdict)) continue;
        if (!d.ticket && plan.ticket.ticket) d.ticket = plan.ticket.ticket;
        const std::string number = d.ticket ? to_string(*d.ticket) : std::string("?");
        switch (d.verdict) {
        case Verdict::NewTicket: d.reply = reply_for(d.verdict, fmt::format("ticket {} created", number)); break;
        case Verdict::Appended: d.reply = reply_for(d.verdict, fmt::format("added to ticket {}", number)); break;
        case Verdict::Note: d.reply = reply_for(d.verdict, fmt::format("note added to ticket {}", number)); break;
        case Verdict::Referral: d.reply = reply_for(d.verdict, fmt::format("referral recorded in ticket {}", number)); break;
        default: d.reply = reply_for(d.verdict, fmt::format("already delivered to ticket {}", number)); break;
        }
        if (d.explanation.find(number) == std::string::npos)
            d.explanation = fmt::format("ticket {}: {}", number, d.explanation);
    }
}

}  // namespace deskgate
