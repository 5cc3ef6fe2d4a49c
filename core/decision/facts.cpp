// facts.cpp - see facts.hpp.
#include "core/decision/facts.hpp"

#include <fmt/format.h>

#include "core/base/address.hpp"
#include "core/policy/authenticity.hpp"
#include "core/policy/classify.hpp"

namespace deskgate {

Facts gather_facts(const Config& config, const ReadTxn& txn, const Envelope& envelope, ParsedMessage& message,
                   std::uint64_t raw_size, std::int64_t now) {
    Facts f;
    f.envelope = &envelope;
    f.message = &message;
    f.raw_size = raw_size;
    f.now = now;
    if (const std::size_t stripped = strip_untrusted_control_headers(config, message))
        message.defects.push_back(fmt::format("{} unsigned X-Deskgate-* header(s) stripped", stripped));
    f.envelope_sender = normalize_address(envelope.sender);
    const std::string from = message.from ? message.from->address : std::string();
    f.sender = !from.empty() ? from : f.envelope_sender;
    std::optional<Contact> stored;
    if (!f.sender.empty()) stored = txn.contact(f.sender);
    f.who = identify_sender(config, f.sender, stored);
    f.authenticated = authentication_mark_proves(message, f.sender);
    f.automated = automated_reason(message, f.envelope_sender);
    f.loop = loop_reason(config, message);
    f.routing = evaluate_rules(config.rules, message);
    return f;
}

}  // namespace deskgate
