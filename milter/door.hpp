// door.hpp - the inbound milter's decisions for one SMTP transaction, as plain code (no
// libmilter), so they are tested without an MTA. Recipients that are not helpdesk addresses
// pass untouched; helpdesk recipients get the core's admission checks: at RCPT what the
// address and the envelope sender tell (unknown 5.1.1, inactive 4.2.1, customer not enabled
// 5.7.1), at end of message what the headers tell (From of a customer not enabled, loops,
// size). The sender's own server then tells the sender: no backscatter from us.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/policy/admission.hpp"
#include "core/model/config.hpp"
#include "core/base/rate_limit.hpp"

namespace deskgate::milter {

struct DoorReply {
    Reply reply;
    std::string explanation;
};

class InboundDoor {
public:
    // `limiter` (may be null: no limit) is shared by all connections of the process.
    InboundDoor(std::shared_ptr<const Config> config, SenderRateLimiter* limiter = nullptr);

    // `smtp_auth`: the client logged in with SMTP AUTH ({auth_authen}).
    void sender(std::string_view envelope_sender, bool smtp_auth = false);
    // nullopt: accept this recipient (or it is not ours); a reply: refuse it.
    // `now` (Unix seconds) feeds the per-sender rate limit.
    std::optional<DoorReply> recipient(std::string_view address, std::int64_t now = 0);
    void header(std::string_view name, std::string_view value);
    void body(std::size_t bytes) { size_ += bytes; }
    // The end of the message: a reply rejects the whole message. Only when every recipient
    // is a helpdesk recipient that would be refused; mixed mail is left to the LMTP agent.
    std::optional<DoorReply> end_of_message();
    // Forgets the transaction (RSET, new MAIL).
    void reset();

    std::size_t helpdesk_recipients() const { return helpdesk_.size(); }
    // After end_of_message(): the sender is a customer's, unauthenticated, and the customer
    // takes such mail without ticket rights - the milter marks the message (signed header).
    bool mark_unauthenticated() const { return unauthenticated_; }
    const std::vector<std::string>& log_lines() const { return log_; }  // one per decision
    void clear_log() { log_.clear(); }

private:
    bool is_helpdesk_domain(std::string_view address) const;

    std::shared_ptr<const Config> config_;
    SenderRateLimiter* limiter_ = nullptr;
    enum class Rate { Unchecked, Allowed, Refused } rate_ = Rate::Unchecked;  // once per transaction
    std::string envelope_sender_;
    bool smtp_auth_ = false;
    bool unauthenticated_ = false;
    std::vector<std::pair<std::string, QueueTarget>> helpdesk_;
    std::size_t other_recipients_ = 0;
    std::string headers_;  // the header block, rebuilt for parsing
    std::uint64_t size_ = 0;
    std::vector<std::string> log_;
};

}  // namespace deskgate::milter
