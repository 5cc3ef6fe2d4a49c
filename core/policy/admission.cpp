// admission.cpp - see admission.hpp.
#include "core/policy/admission.hpp"

#include <fmt/format.h>

#include "core/base/address.hpp"

namespace deskgate {

std::string describe_queue(const Queue& q) { return fmt::format("queue {} {}", q.number, q.name); }

std::string describe_sender(const SenderIdentity& who) {
    if (who.staff) return fmt::format("staff {}", who.staff->alias);
    if (!who.customer) return "no customer";
    return fmt::format("customer {} ({}{})", who.customer->id, to_string(who.by),
                       who.customer->email_tickets ? "" : ", not enabled");
}

namespace {

Admission make(Verdict v, std::string explanation, std::string text, std::string rule = {}) {
    Admission a;
    a.verdict = v;
    a.reply = reply_for(v, text.empty() ? explanation : text);
    a.explanation = std::move(explanation);
    a.rule = std::move(rule);
    return a;
}

}  // namespace

std::variant<QueueTarget, Admission> admit_recipient(const Config& config, std::string_view recipient) {
    const std::string address = normalize_address(recipient);
    const auto target = address.empty() ? std::nullopt : resolve_queue(config, address);
    if (!target)
        return make(Verdict::UnknownRecipient, fmt::format("no helpdesk queue has the address {}", recipient),
                    fmt::format("<{}>: no such helpdesk address", recipient));
    const Queue& q = config.queues[target->queue];
    if (!q.active)
        return make(Verdict::QueueInactive, fmt::format("{} ({}): queue is not active", describe_queue(q), target->how),
                    fmt::format("{} is not accepting mail at the moment, try again later", q.name));
    return *target;
}

namespace {

std::optional<Admission> admit_message_at(const Config& config, const QueueTarget& target, const MessageFacts& facts) {
    const Queue& q = config.queues[target.queue];
    const SenderIdentity& who = *facts.sender;
    const std::string where = fmt::format("{} ({})", describe_queue(q), target.how);
    const std::string who_text = describe_sender(who);
    const std::string sender_text = who.address.empty() ? std::string("sender <>") : "sender " + who.address;
    const Global& g = config.global;

    if (facts.size > g.max_message_size)
        return make(Verdict::TooBig,
                    fmt::format("{}: message of {} bytes exceeds the limit of {} bytes", where, facts.size,
                                g.max_message_size),
                    fmt::format("message too big for {} (limit {} bytes)", q.name, g.max_message_size));
    if (!facts.loop.empty())
        return make(Verdict::Loop, fmt::format("{}: mail loop: {}", where, facts.loop),
                    fmt::format("mail loop detected: {}", facts.loop));
    if (target.role == AddressRole::Journal) return std::nullopt;  // the engine checks its signature
    if (target.role == AddressRole::Bounce) return std::nullopt;  // bounces come from robots: no customer checks
    if (target.role == AddressRole::Comment && !who.staff)
        return make(Verdict::Refused,
                    fmt::format("{}: {} is not staff; only staff may write internal notes", where, sender_text),
                    "only helpdesk staff may write to this address");
    if (facts.routing && facts.routing->actions.refuse)
        return make(Verdict::Refused,
                    fmt::format("{}, {}: refused by rule '{}'", where, who_text, facts.routing->deciding_rule),
                    *facts.routing->actions.refuse, facts.routing->deciding_rule);
    if (facts.routing && facts.routing->actions.discard)
        return make(Verdict::Discarded,
                    fmt::format("{}, {}: discarded by rule '{}'", where, who_text, facts.routing->deciding_rule),
                    "accepted and discarded by helpdesk policy", facts.routing->deciding_rule);
    if (!who.staff && who.customer && who.customer->require_authentication && facts.authenticated &&
        !*facts.authenticated) {
        // Fail closed: without proof the sender gets no ticket rights. Refused where the
        // sender's own server hears of it, held (never bounced) where it would be backscatter.
        const bool refuse = who.customer->unauthenticated_refuse || g.not_enabled_policy == NotEnabledPolicy::Refuse;
        const std::string reason =
            fmt::format("customer {} requires authenticated senders; no trusted DMARC/DKIM/SPF pass, no SMTP AUTH{}",
                        who.customer->id, facts.stage != MessageFacts::Stage::Door ? ", no signed mark of our milter" : "");
        if (refuse && facts.stage == MessageFacts::Stage::Door)
            return make(Verdict::Refused, fmt::format("{}, {} {}: {}, refused", where, who_text, sender_text, reason),
                        fmt::format("sender address <{}> could not be authenticated", who.address));
        if (refuse)
            return make(Verdict::Held, fmt::format("{}, {} {}: {}: held for staff, not bounced", where, who_text,
                                                   sender_text, reason),
                        "accepted for manual handling");
        return make(Verdict::Redirected,
                    fmt::format("{}, {} {}: {}, no ticket rights, redirected to {}", where, who_text, sender_text,
                                reason, g.redirect_mailbox),
                    "accepted for manual handling");
    }
    if (!who.staff && who.customer && !who.customer->email_tickets) {
        if (g.not_enabled_policy == NotEnabledPolicy::Refuse)
            return make(Verdict::Refused,
                        fmt::format("{}, {} {}: customer not enabled for e-mail tickets, refused", where, who_text,
                                    sender_text),
                        g.refuse_text.empty() ? std::string("your organisation is not enabled for e-mail tickets")
                                              : g.refuse_text);
        return make(Verdict::Redirected,
                    fmt::format("{}, {} {}: customer not enabled for e-mail tickets, redirected to {}", where,
                                who_text, sender_text, g.redirect_mailbox),
                    "accepted for manual handling");
    }
    if (!who.staff && !who.customer && g.unknown_senders == UnknownSenderPolicy::Refuse)
        return make(Verdict::Refused,
                    fmt::format("{}: {} belongs to no customer, unknown senders are refused", where, sender_text),
                    g.unknown_sender_text.empty() ? std::string("sender is not a known helpdesk customer")
                                                  : g.unknown_sender_text);
    return std::nullopt;
}

}  // namespace

std::optional<Admission> admit_message(const Config& config, const QueueTarget& target, const MessageFacts& facts) {
    std::optional<Admission> a = admit_message_at(config, target, facts);
    if (a && facts.stage == MessageFacts::Stage::Fetched) hold_fetched_refusal(*a);
    return a;
}

void hold_fetched_refusal(Admission& a) {
    if (a.verdict != Verdict::Refused && a.verdict != Verdict::Loop && a.verdict != Verdict::TooBig &&
        a.verdict != Verdict::UnknownRecipient)
        return;
    a.explanation += fmt::format(" - fetched from a provider's mailbox, which accepted it already: held for staff "
                                 "instead of {}", to_string(a.verdict));
    a.verdict = Verdict::Held;
    a.reply = reply_for(Verdict::Held, "accepted for manual handling");
}

}  // namespace deskgate
