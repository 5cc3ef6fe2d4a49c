// duplicate.cpp - the same mail (Message-ID and body digest) stored already: a recipient whose
// queue holds it is a duplicate, any other recipient only adds a referral to that ticket.
#include <algorithm>

#include <fmt/format.h>

#include "core/decision/deciders.hpp"
#include "core/policy/admission.hpp"

namespace deskgate {

std::optional<Outcome> decide_duplicate(const Context& ctx) {
    const ParsedMessage& msg = ctx.message();
    std::optional<Ticket> stored;
    for (const MessageRef& ref : ctx.txn.find_message_id(msg.message_id)) {
        if (ref.body_digest != msg.body_digest) continue;  // a reused Message-ID: another mail
        if (auto t = ctx.txn.ticket(ref.ticket)) {
            stored = std::move(t);
            break;
        }
    }
    if (!stored) return std::nullopt;
    const Ticket& t = *stored;
    Outcome o;
    o.plain = true;
    o.ticket = t.key;
    o.verdict = Verdict::Duplicate;
    std::vector<std::uint32_t> to_refer;
    const auto has = [](const std::vector<std::uint32_t>& v, std::uint32_t n) {
        return std::find(v.begin(), v.end(), n) != v.end();
    };
    for (const Accepted& a : ctx.accepted) {
        const Queue& q = ctx.config.queues[a.target.queue];
        const bool held = q.number == t.key.queue || q.number == t.queue || has(t.referrals, q.number) ||
                          has(to_refer, q.number);
        if (held) {
            o.each.emplace_back(Verdict::Duplicate,
                                fmt::format("{}: Message-ID <{}> with the same body already in ticket {}, stored once",
                                            describe_queue(q), msg.message_id, to_string(t.key)));
        } else {
            to_refer.push_back(q.number);
            o.each.emplace_back(Verdict::Referral, fmt::format("{}: same mail already in ticket {}, referral recorded",
                                                               describe_queue(q), to_string(t.key)));
        }
    }
    if (!to_refer.empty()) {
        o.plan.kind = TicketPlan::Kind::Refer;
        o.plan.ticket = t.key;
        o.plan.referrals = std::move(to_refer);
        o.plan.explanation = fmt::format("referral of ticket {}", to_string(t.key));
        o.store = true;
    }
    return o;
}

}  // namespace deskgate
