// sender_identity.hpp - sender address -> contact -> customer (exact address first, then the
// automatically created contacts in the store, then the domain and its parent domains), and
// whether the sender is staff.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/model/config.hpp"
#include "core/model/ticket.hpp"

namespace deskgate {

enum class IdentifiedBy { Contact, StoredContact, Domain, None };

struct SenderIdentity {
    std::string address;                 // normalised ("" for the null sender)
    const Customer* customer = nullptr;
    const Staff* staff = nullptr;
    IdentifiedBy by = IdentifiedBy::None;

    std::string_view customer_id() const { return customer ? std::string_view(customer->id) : ""; }
    bool enabled() const { return customer && customer->email_tickets; }
    bool approver() const;               // listed among its customer's approvers
};

std::string_view to_string(IdentifiedBy);

// `stored` is the store's automatically created contact for `address`, if any.
SenderIdentity identify_sender(const Config& config, std::string_view address,
                               const std::optional<Contact>& stored);

}  // namespace deskgate
