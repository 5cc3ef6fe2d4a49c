// fetched_recipient.cpp - see fetched_recipient.hpp.
#include "core/policy/fetched_recipient.hpp"

#include "core/base/address.hpp"
#include "core/base/text.hpp"

namespace deskgate {

std::string fetched_recipient(const ParsedMessage& message, std::string_view queue_address) {
    const std::string base = normalize_address(queue_address);
    if (base.empty()) return std::string(queue_address);
    const auto same_mailbox = [&](const std::string& address) {
        const auto plus = split_plus_address(address);
        return plus && plus->base == base && !plus->detail.empty();
    };
    // The provider's trace headers first: they name the envelope recipient it delivered to.
    for (std::string_view name : {"Delivered-To", "X-Original-To"})
        for (const HeaderField& h : message.headers)
            if (iequals(h.name, name))
                if (std::string a = normalize_address(h.value); same_mailbox(a)) return a;
    for (const auto* list : {&message.to, &message.cc})
        for (const Mailbox& m : *list)
            if (same_mailbox(m.address)) return m.address;
    return std::string(queue_address);
}

}  // namespace deskgate
