// generated_limit.hpp - the one cap on mail deskgate writes by itself to one address, so that
// an auto-responder answering us (or two helpdesks answering each other) stops. Every kind of
// generated mail to a customer's side - acknowledgements, approval requests and notices, the
// question to an approver whose answer said neither yes nor no, decline notices, close
// summaries - counts against and is capped by `generated_mail_limit` per address and hour.
// What staff get (notifications, notices about their commands, welcome mails) counts apart,
// against `notification_limit` per staff address, so that a busy day never silences a
// customer's acknowledgement. A staff member's answer to a customer is written by a person: it
// counts against the customer's limit (it is mail they got from us) but is never held back.
// The engine checks the cap where every generated mail is queued (Engine::queue_mail), in the
// transaction that counts it; deciders check it too, to say why a mail was not sent.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/model/config.hpp"
#include "core/store/store.hpp"

namespace deskgate {

inline constexpr std::int64_t kGeneratedWindow = 3600;  // the limits are per hour

struct GeneratedLimit {
    std::string key;          // what the store counts under (WriteTxn::note_generated)
    std::uint32_t limit = 0;  // mails per kGeneratedWindow; 0 = not capped
};

// The counter and limit for one mail of `kind` (an outbox kind: "ack", "summary", "notify",
// "reply", ...) to `recipient` (normalised).
GeneratedLimit generated_limit(const Config& config, std::string_view kind, std::string_view recipient);

// "" when one more may go out after `last_hour` mails counted under the limit's key, else why
// not: "3 mails generated to alice@acme.example in the last hour (limit 3)".
std::string generated_limit_reached(const GeneratedLimit& limit, std::string_view recipient, std::size_t last_hour);

// The same over the store's count at `now` (the last kGeneratedWindow seconds).
std::string generated_cap(const Config& config, const ReadTxn& txn, std::string_view kind, std::string_view recipient,
                          std::int64_t now);

}  // namespace deskgate
