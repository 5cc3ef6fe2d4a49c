// sender_identity.cpp - see sender_identity.hpp.
#include "core/policy/sender_identity.hpp"

#include <algorithm>

#include "core/base/address.hpp"

namespace deskgate {

bool SenderIdentity::approver() const {
    return customer && std::find(customer->approvers.begin(), customer->approvers.end(), address) !=
                           customer->approvers.end();
}

std::string_view to_string(IdentifiedBy by) {
    switch (by) {
    case IdentifiedBy::Contact: return "contact";
    case IdentifiedBy::StoredContact: return "stored contact";
    case IdentifiedBy::Domain: return "domain";
    case IdentifiedBy::None: return "unknown";
    }
    return "unknown";
}

SenderIdentity identify_sender(const Config& config, std::string_view address,
                               const std::optional<Contact>& stored) {
    SenderIdentity id;
    id.address = std::string(address);
    if (address.empty()) return id;
    id.staff = config.staff_by_addr(address);
    if (auto it = config.customer_by_contact.find(id.address); it != config.customer_by_contact.end()) {
        id.customer = &config.customers[it->second];
        id.by = IdentifiedBy::Contact;
        return id;
    }
    if (stored) {
        if (const Customer* c = config.customer_by_id(stored->customer_id)) {
            id.customer = c;
            id.by = IdentifiedBy::StoredContact;
            return id;
        }
    }
    std::string_view domain = address_domain(address);
    while (!domain.empty()) {
        if (auto it = config.customer_by_domain.find(std::string(domain));
            it != config.customer_by_domain.end()) {
            id.customer = &config.customers[it->second];
            id.by = IdentifiedBy::Domain;
            return id;
        }
        auto dot = domain.find('.');
        if (dot == std::string_view::npos) break;
        domain.remove_prefix(dot + 1);
        if (domain.find('.') == std::string_view::npos) break;  // never match a bare TLD
    }
    return id;
}

}  // namespace deskgate
