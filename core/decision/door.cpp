// door.cpp - see door.hpp.
#include "core/decision/door.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "core/base/address.hpp"
#include "core/mail/header_block.hpp"
#include "core/policy/admission.hpp"
#include "core/policy/authenticity.hpp"
#include "core/policy/classify.hpp"
#include "core/policy/rate_bucket.hpp"
#include "core/policy/routing.hpp"
#include "core/policy/sender_identity.hpp"

namespace deskgate {
namespace {

bool rules_read_body(const Config& config) {
    return std::any_of(config.rules.begin(), config.rules.end(), [](const Rule& r) {
        return std::any_of(r.conditions.begin(), r.conditions.end(),
                           [](const RuleCondition& c) { return c.field == RuleField::Body; });
    });
}

}  // namespace

InboundDoor::InboundDoor(std::shared_ptr<const Config> config, SenderRateLimiter* limiter, VerdictCounter* counter)
    : config_(std::move(config)), limiter_(limiter), counter_(counter), keep_body_(rules_read_body(*config_)) {}

void InboundDoor::reset() {
    envelope_sender_.clear();
    helpdesk_.clear();
    other_recipients_ = 0;
    message_.clear();
    in_body_ = false;
    size_ = 0;
    rate_.clear();
    smtp_auth_ = false;
    unauthenticated_ = false;
    add_.clear();
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

std::optional<DoorReply> InboundDoor::refuse(std::string_view stage, std::string_view address, Verdict verdict,
                                             Reply reply, std::string explanation) {
    log_.push_back(fmt::format("{}: {} from=<{}> to=<{}>: {}; verdict={}; why={}",
                               reply.temporary() ? "defer" : "reject", stage, envelope_sender_, address, reply,
                               to_string(verdict), explanation));
    if (counter_) counter_->add(verdict);
    return DoorReply{verdict, std::move(reply), std::move(explanation)};
}

std::optional<DoorReply> InboundDoor::recipient(std::string_view raw_address, std::int64_t now) {
    const std::string address = normalize_address(raw_address);
    if (address.empty() || (!resolve_queue(*config_, address) && !is_helpdesk_domain(address))) {
        ++other_recipients_;
        return std::nullopt;  // not ours: untouched
    }
    auto admitted = admit_recipient(*config_, address);
    if (auto* r = std::get_if<Admission>(&admitted)) return refuse("RCPT", address, r->verdict, r->reply, r->explanation);
    const QueueTarget& target = std::get<QueueTarget>(admitted);
    // The envelope sender alone can show a customer that is not enabled.
    const SenderIdentity who = identify_sender(*config_, envelope_sender_, std::nullopt);
    if (who.customer && !who.customer->email_tickets && !who.staff) {
        const MessageFacts facts{&who, 0, "", nullptr, std::nullopt, MessageFacts::Stage::Door};
        if (auto r = admit_message(*config_, target, facts); r && !r->reply.success())
            return refuse("RCPT", address, r->verdict, r->reply, r->explanation);
    }
    // Per-sender rate limit: one message counts once per bucket, however many helpdesk
    // recipients it has.
    if (limiter_) {
        std::string bucket = rate_bucket(*config_, envelope_sender_, target, client_);
        auto it = std::find_if(rate_.begin(), rate_.end(), [&](const auto& r) { return r.first == bucket; });
        if (it == rate_.end()) it = rate_.insert(rate_.end(), {bucket, limiter_->allow(bucket, now)});
        if (!it->second)
            return refuse("RCPT", address, Verdict::RateLimited,
                          reply_for(Verdict::RateLimited,
                                    fmt::format("too many messages from <{}>, try again later", envelope_sender_)),
                          fmt::format("{} is over {} messages in {} seconds", describe_bucket(bucket),
                                      config_->global.sender_rate_limit, config_->global.sender_rate_window));
    }
    helpdesk_.emplace_back(address, target);
    return std::nullopt;
}

void InboundDoor::header(std::string_view name, std::string_view value) {
    size_ += name.size() + value.size() + 4;
    append_header(message_, name, value);
}

void InboundDoor::body_chunk(std::string_view chunk) {
    size_ += chunk.size();
    if (!keep_body_ || helpdesk_.empty() || size_ > config_->global.max_message_size) return;
    if (!in_body_) {
        message_ += "\r\n";
        in_body_ = true;
    }
    message_.append(chunk);
}

std::optional<DoorReply> InboundDoor::end_of_message() {
    if (helpdesk_.empty()) return std::nullopt;
    const ParsedMessage message = parse_message(in_body_ ? message_ : message_ + "\r\n");
    const std::string from = message.from ? message.from->address : std::string();
    const SenderIdentity who = identify_sender(*config_, from.empty() ? envelope_sender_ : from, std::nullopt);
    const std::string loop = loop_reason(*config_, message);
    const RoutingResult routing = evaluate_rules(config_->rules, message);
    // Authentication (DMARC/DKIM/SPF from a trusted verifier, or SMTP AUTH), decided here
    // where the evidence is; the LMTP agent only trusts the signed mark it gets from us.
    const bool authenticated = sender_authenticated(*config_, message, address_domain(who.address), smtp_auth_);
    if (authenticated && !who.address.empty()) add_ = authentication_mark(*config_, who.address, message);
    const bool requires_auth = who.customer && !who.staff && who.customer->require_authentication;
    unauthenticated_ = requires_auth && !authenticated;
    std::vector<std::pair<std::string, Admission>> refusals;
    for (const auto& [address, target] : helpdesk_) {
        const MessageFacts facts{&who, size_, loop, &routing, authenticated, MessageFacts::Stage::Door};
        auto refusal = admit_message(*config_, target, facts);
        if (refusal && !refusal->reply.success()) refusals.emplace_back(address, std::move(*refusal));
    }
    if (unauthenticated_)
        log_.push_back(fmt::format("no mark: from=<{}>: customer {} requires authentication, not authenticated: "
                                   "no ticket rights", who.address, who.customer->id));
    // Reject only when nothing of the message is wanted; otherwise the LMTP agent decides for
    // just the recipients concerned (and holds what it may not bounce).
    const bool reject = !refusals.empty() && refusals.size() == helpdesk_.size() && other_recipients_ == 0;
    if (!reject) {
        for (const auto& [address, r] : refusals)
            log_.push_back(fmt::format("left to LMTP: end of message from=<{}> to=<{}>: {}; why={}", envelope_sender_,
                                       address, r.reply, r.explanation));
        return std::nullopt;
    }
    for (std::size_t i = 1; i < refusals.size(); ++i)
        log_.push_back(fmt::format("reject: end of message from=<{}> to=<{}>: {}; why={}", envelope_sender_,
                                   refusals[i].first, refusals[i].second.reply, refusals[i].second.explanation));
    if (counter_ && refusals.size() > 1) counter_->add(refusals.front().second.verdict, refusals.size() - 1);
    const Admission& first = refusals.front().second;
    return refuse("end of message", refusals.front().first, first.verdict, first.reply, first.explanation);
}

}  // namespace deskgate
