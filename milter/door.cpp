// door.cpp - see door.hpp.
#include "milter/door.hpp"

#include <fmt/format.h>

#include "core/base/address.hpp"
#include "core/policy/authenticity.hpp"
#include "core/policy/classify.hpp"
#include "core/mail/message.hpp"
#include "core/policy/sender_identity.hpp"

namespace deskgate::milter {

InboundDoor::InboundDoor(std::shared_ptr<const Config> config, SenderRateLimiter* limiter)
    : config_(std::move(config)), limiter_(limiter) {}

void InboundDoor::reset() {
    envelope_sender_.clear();
    helpdesk_.clear();
    other_recipients_ = 0;
    headers_.clear();
    size_ = 0;
    rate_ = Rate::Unchecked;
    smtp_auth_ = false;
    unauthenticated_ = false;
}

void InboundDoor::sender(std::string_view envelope_sender, bool smtp_auth) {
    reset();
    envelope_sender_ = normalize_address(envelope_sender);
    smtp_auth_ = smtp_auth;
}

bool InboundDoor::is_helpdesk_domain(std::string_view address) const {
    const std::string_view domain = address_domain(address);
    for (const Queue& q : config_->queues)
        if (address_domain(q.system_address) == domain || (!q.comment_address.empty() && address_domain(q.comment_address) == domain))
            return true;
    return false;
}

std::optional<DoorReply> InboundDoor::recipient(std::string_view raw_address, std::int64_t now) {
    const std::string address = normalize_address(raw_address);
    if (address.empty() || (!resolve_queue(*config_, address) && !is_helpdesk_domain(address))) {
        ++other_recipients_;
        return std::nullopt;  // not ours: untouched
    }
    auto admitted = admit_recipient(*config_, address);
    if (auto* refusal = std::get_if<Admission>(&admitted)) {
        log_.push_back(fmt::format("reject: RCPT from=<{}> to=<{}>: {} {} {}; why={}", envelope_sender_, address,
                                   refusal->reply.code, refusal->reply.status, refusal->reply.text, refusal->explanation));
        return DoorReply{refusal->reply, refusal->explanation};
    }
    const QueueTarget& target = std::get<QueueTarget>(admitted);
    // The envelope sender alone can show a customer that is not enabled.
    const SenderIdentity who = identify_sender(*config_, envelope_sender_, std::nullopt);
    if (who.customer && !who.customer->email_tickets && !who.staff) {
        if (auto refusal = admit_message(*config_, target, MessageFacts{&who, 0, "", nullptr});
            refusal && !refusal->reply.success()) {
            log_.push_back(fmt::format("reject: RCPT from=<{}> to=<{}>: {} {} {}; why={}", envelope_sender_, address,
                                       refusal->reply.code, refusal->reply.status, refusal->reply.text,
                                       refusal->explanation));
            return DoorReply{refusal->reply, refusal->explanation};
        }
    }
    // Per-sender rate limit: one message counts once, however many helpdesk recipients it has.
    if (limiter_ && rate_ == Rate::Unchecked)
        rate_ = limiter_->allow(envelope_sender_.empty() ? "<>" : envelope_sender_, now) ? Rate::Allowed : Rate::Refused;
    if (rate_ == Rate::Refused) {
        const Reply r{451, {4, 7, 1}, fmt::format("too many messages from <{}>, try again later", envelope_sender_)};
        const std::string why = fmt::format("sender <{}> is over {} messages in {} seconds", envelope_sender_,
                                            config_->global.sender_rate_limit, config_->global.sender_rate_window);
        log_.push_back(fmt::format("defer: RCPT from=<{}> to=<{}>: 451 4.7.1; why={}", envelope_sender_, address, why));
        return DoorReply{r, why};
    }
    helpdesk_.emplace_back(address, target);
    return std::nullopt;
}

void InboundDoor::header(std::string_view name, std::string_view value) {
    size_ += name.size() + value.size() + 4;
    if (headers_.size() < (1u << 20)) {  // plenty for any real header block
        headers_.append(name);
        headers_ += ": ";
        headers_.append(value);
        headers_ += "\r\n";
    }
}

std::optional<DoorReply> InboundDoor::end_of_message() {
    if (helpdesk_.empty()) return std::nullopt;
    const ParsedMessage headers = parse_message(headers_ + "\r\n");
    const std::string from = headers.from ? headers.from->address : std::string();
    const SenderIdentity who = identify_sender(*config_, from.empty() ? envelope_sender_ : from, std::nullopt);
    const std::string loop = loop_reason(*config_, headers);
    // A customer that requires authenticated senders (DMARC/DKIM/SPF from a trusted verifier,
    // or SMTP AUTH): refuse, or mark the message so the LMTP agent gives it no ticket rights.
    bool unauthenticated = false;
    if (who.customer && !who.staff && who.customer->require_authentication &&
        !sender_authenticated(*config_, headers, address_domain(who.address), smtp_auth_)) {
        unauthenticated = true;
        unauthenticated_ = !who.customer->unauthenticated_refuse;
    }
    std::vector<std::pair<std::string, Admission>> refusals;
    for (const auto& [address, target] : helpdesk_) {
        if (unauthenticated && who.customer->unauthenticated_refuse) {
            Admission a;
            a.verdict = Verdict::Refused;
            a.reply = reply_for(Verdict::Refused, fmt::format("sender address <{}> could not be authenticated", who.address));
            a.explanation = fmt::format("customer {} requires authenticated senders; no trusted DMARC/DKIM/SPF pass "
                                        "and no SMTP AUTH for {}", who.customer->id, who.address);
            refusals.emplace_back(address, std::move(a));
            continue;
        }
        MessageFacts facts{&who, size_, loop, nullptr};
        facts.unauthenticated = unauthenticated_;
        auto refusal = admit_message(*config_, target, facts);
        if (refusal && !refusal->reply.success()) refusals.emplace_back(address, std::move(*refusal));
    }
    if (unauthenticated_)
        log_.push_back(fmt::format("mark: from=<{}>: customer {} requires authentication, not authenticated: "
                                   "no ticket rights", who.address, who.customer->id));
    // Reject only when nothing of the message is wanted; otherwise the LMTP agent refuses
    // just the recipients concerned (with the same text, in a DSN).
    const bool reject = !refusals.empty() && refusals.size() == helpdesk_.size() && other_recipients_ == 0;
    for (const auto& [address, r] : refusals)
        log_.push_back(fmt::format("{}: end of message from=<{}> to=<{}>: {} {} {}; why={}",
                                   reject ? "reject" : "left to LMTP", envelope_sender_, address, r.reply.code,
                                   r.reply.status, r.reply.text, r.explanation));
    if (!reject) return std::nullopt;
    return DoorReply{refusals.front().second.reply, refusals.front().second.explanation};
}

}  // namespace deskgate::milter
