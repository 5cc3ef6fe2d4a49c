// door.hpp - the SMTP door: the inbound milter's decision for one SMTP transaction, over the
// facts the milter has at RCPT and at end of message (libmilter-free, so it is tested without
// an MTA; the milter only moves bytes in and applies the result). Recipients that are not
// helpdesk addresses pass untouched; helpdesk recipients get core's admission checks
// (core/policy/admission, the same ones the LMTP agent runs): at RCPT what the address and
// the envelope sender tell (unknown 5.1.1, inactive 4.2.1, customer not enabled 5.7.1, the
// per-sender rate limit 4.7.1 - see rate_bucket in door.cpp for whose count a message is), at
// end of message what the message tells (From of a customer
// not enabled, routing rules' refuse, unauthenticated senders of customers that require
// authentication, loops, size). The sender's own server then tells the sender: no backscatter.
// What the door proves it hands on: a signed authentication mark (authenticity.hpp) for a
// sender it saw trusted evidence for; without it the LMTP agent gives no ticket rights.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/rate_limit.hpp"
#include "core/base/verdict.hpp"
#include "core/base/verdict_counter.hpp"
#include "core/mail/message.hpp"
#include "core/model/config.hpp"
#include "core/policy/queue_resolver.hpp"

namespace deskgate {

struct DoorReply {
    Verdict verdict = Verdict::Refused;
    Reply reply;
    std::string explanation;
};

class InboundDoor {
public:
    // `limiter` (may be null: no limit) and `counter` (may be null) are shared by all
    // connections of the process.
    InboundDoor(std::shared_ptr<const Config> config, SenderRateLimiter* limiter = nullptr,
                VerdictCounter* counter = nullptr);

    // The connecting client's address (the milter's connect callback; "" = unknown). It stays
    // for the connection's transactions: the rate-limit bucket of its null-sender mail.
    void client(std::string_view address) { client_ = std::string(address); }
    // `smtp_auth`: the client logged in with SMTP AUTH ({auth_authen}).
    void sender(std::string_view envelope_sender, bool smtp_auth = false);
    // nullopt: accept this recipient (or it is not ours); a reply: refuse it.
    // `now` (Unix seconds) feeds the per-sender rate limit.
    std::optional<DoorReply> recipient(std::string_view address, std::int64_t now = 0);
    void header(std::string_view name, std::string_view value);
    void body(std::size_t bytes) { size_ += bytes; }
    // A body chunk: counted, and kept (up to the size limit) when a routing rule reads bodies.
    void body_chunk(std::string_view chunk);
    // The end of the message: a reply rejects the whole message. Only when every recipient
    // is a helpdesk recipient that would be refused; mixed mail is left to the LMTP agent,
    // which holds (never bounces) what it may not take from an unproven sender.
    std::optional<DoorReply> end_of_message();
    // Forgets the transaction (RSET, new MAIL).
    void reset();

    std::size_t helpdesk_recipients() const { return helpdesk_.size(); }
    // After end_of_message(): the sender is a customer's that requires authentication, it is
    // unauthenticated, and the message goes on without ticket rights.
    bool mark_unauthenticated() const { return unauthenticated_; }
    // After end_of_message(): the signed headers to add (the authentication mark), after the
    // client's own X-Deskgate-* headers were removed (strip_control_headers()).
    const std::vector<HeaderField>& headers_to_add() const { return add_; }
    // Helpdesk mail: the client's X-Deskgate-* headers (except our loop header) must go.
    bool strip_control_headers() const { return !helpdesk_.empty(); }
    const std::vector<std::string>& log_lines() const { return log_; }  // one per decision
    void clear_log() { log_.clear(); }

private:
    bool is_helpdesk_domain(std::string_view address) const;
    std::optional<DoorReply> refuse(std::string_view stage, std::string_view address, Verdict verdict, Reply reply,
                                    std::string explanation);

    std::shared_ptr<const Config> config_;
    SenderRateLimiter* limiter_ = nullptr;
    VerdictCounter* counter_ = nullptr;
    bool keep_body_ = false;  // a routing rule reads the body
    // The per-sender rate limit, counted once per transaction and bucket (rate_bucket()).
    std::vector<std::pair<std::string, bool>> rate_;
    std::string client_;
    std::string envelope_sender_;
    bool smtp_auth_ = false;
    bool unauthenticated_ = false;
    std::vector<std::pair<std::string, QueueTarget>> helpdesk_;
    std::size_t other_recipients_ = 0;
    std::string message_;  // the header block, rebuilt for parsing (and the body when kept)
    bool in_body_ = false;
    std::uint64_t size_ = 0;
    std::vector<HeaderField> add_;
    std::vector<std::string> log_;
};

}  // namespace deskgate
