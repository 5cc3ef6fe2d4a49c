// config.cpp - the Config's lookup tables and the names of its enums.
#include "core/model/config.hpp"

#include <array>

#include "core/base/address.hpp"

namespace deskgate {

void Config::build_indexes() {
    queue_by_address.clear();
    queue_by_number.clear();
    customer_by_contact.clear();
    customer_by_domain.clear();
    customer_by_stable_id.clear();
    staff_by_address.clear();
    staff_by_alias.clear();
    calendar_by_name.clear();
    for (std::size_t i = 0; i < queues.size(); ++i) {
        const Queue& q = queues[i];
        queue_by_number.try_emplace(q.number, i);
        if (!q.system_address.empty())
            queue_by_address.try_emplace(q.system_address, QueueAddress{i, AddressRole::System});
        for (const std::string& a : q.forwarding_addresses)
            queue_by_address.try_emplace(a, QueueAddress{i, AddressRole::Forwarding});
        if (!q.comment_address.empty())
            queue_by_address.try_emplace(q.comment_address, QueueAddress{i, AddressRole::Comment});
    }
    if (!global.journal_address.empty() && !queues.empty())
        queue_by_address.try_emplace(global.journal_address, QueueAddress{0, AddressRole::Journal});
    if (!global.bounce_address.empty() && !queues.empty())
        queue_by_address.try_emplace(global.bounce_address, QueueAddress{0, AddressRole::Bounce});
    for (std::size_t i = 0; i < customers.size(); ++i) {
        customer_by_stable_id.try_emplace(customers[i].id, i);
        for (const std::string& a : customers[i].contacts) customer_by_contact.try_emplace(a, i);
        for (const std::string& d : customers[i].domains) customer_by_domain.try_emplace(d, i);
    }
    for (std::size_t i = 0; i < staff.size(); ++i) {
        staff_by_address.try_emplace(staff[i].address, i);
        staff_by_alias.try_emplace(staff[i].alias, i);
    }
    for (std::size_t i = 0; i < calendars.size(); ++i) calendar_by_name.try_emplace(calendars[i].name, i);
}

const Queue* Config::queue_by_num(std::uint32_t number) const {
    auto it = queue_by_number.find(number);
    return it == queue_by_number.end() ? nullptr : &queues[it->second];
}

const Customer* Config::customer_by_id(std::string_view id) const {
    auto it = customer_by_stable_id.find(std::string(id));
    return it == customer_by_stable_id.end() ? nullptr : &customers[it->second];
}

const Staff* Config::staff_by_addr(std::string_view normalized) const {
    auto it = staff_by_address.find(std::string(normalized));
    return it == staff_by_address.end() ? nullptr : &staff[it->second];
}

const Calendar* Config::calendar_named(std::string_view name) const {
    auto it = calendar_by_name.find(std::string(name));
    return it == calendar_by_name.end() ? nullptr : &calendars[it->second];
}

const View* Config::view_named(std::string_view name) const {
    for (const View& v : views)
        if (v.name == name) return &v;
    return nullptr;
}

const Staff* Config::staff_named(std::string_view alias_or_address) const {
    if (auto it = staff_by_alias.find(std::string(alias_or_address)); it != staff_by_alias.end())
        return &staff[it->second];
    return staff_by_addr(normalize_address(alias_or_address));
}

std::uint16_t effective_port(const FetchedMailbox& m) {
    if (m.port != 0) return m.port;
    const bool implicit = m.tls == FetchedMailbox::Tls::Implicit;
    if (m.protocol == FetchedMailbox::Protocol::Imap) return implicit ? 993 : 143;
    return implicit ? 995 : 110;
}

std::string_view to_string(TicketStatus s) {
    switch (s) {
    case TicketStatus::New: return "new";
    case TicketStatus::Open: return "open";
    case TicketStatus::Waiting: return "waiting";
    case TicketStatus::Closed: return "closed";
    case TicketStatus::AwaitingApproval: return "awaiting-approval";
    }
    return "new";
}

std::optional<TicketStatus> ticket_status_from(std::string_view s) {
    for (auto st : {TicketStatus::New, TicketStatus::Open, TicketStatus::Waiting, TicketStatus::Closed,
                    TicketStatus::AwaitingApproval})
        if (to_string(st) == s) return st;
    return std::nullopt;
}

std::string_view to_string(Authorization a) {
    switch (a) {
    case Authorization::Off: return "off";
    case Authorization::Optional: return "optional";
    case Authorization::Required: return "required";
    }
    return "off";
}

std::string_view to_string(ClosedReplyPolicy p) {
    switch (p) {
    case ClosedReplyPolicy::Reopen: return "reopen";
    case ClosedReplyPolicy::NewTicket: return "new_ticket";
    case ClosedReplyPolicy::Refuse: return "refuse";
    }
    return "reopen";
}

namespace {
constexpr std::array<std::pair<NotifyEvent, std::string_view>, 6> kNotifyEventNames{{
    {NotifyEvent::NewTicket, "new_ticket"},
    {NotifyEvent::CustomerReply, "customer_reply"},
    {NotifyEvent::StaffNote, "staff_note"},
    {NotifyEvent::ApprovalGranted, "approval_granted"},
    {NotifyEvent::DeadlineWarning, "deadline_warning"},
    {NotifyEvent::DeadlineMissed, "deadline_missed"},
}};
}  // namespace

std::string_view to_string(NotifyEvent e) {
    for (const auto& [event, name] : kNotifyEventNames)
        if (event == e) return name;
    return "new_ticket";
}

std::optional<NotifyEvent> notify_event_from(std::string_view name) {
    for (const auto& [event, n] : kNotifyEventNames)
        if (n == name) return event;
    return std::nullopt;
}

}  // namespace deskgate
