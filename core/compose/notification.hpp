// notification.hpp - the mail that tells a staff member of something in a ticket (a new
// ticket, a customer's reply, a colleague's note, an approval, a deadline close or missed):
// who gets one, and the mail itself. It is a mail to act on: From "Alice Example via Support"
// <queue address>, the ticket tag in the Subject, a marker line above which a reply is written,
// a short block (customer, status, priority, assignee, deadlines), the customer's text and
// attachments (listed instead above the queue's limit), and Reply-To a token address bound to
// this ticket and this staff member. Auto-Submitted: auto-generated.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/config.hpp"
#include "core/model/ticket.hpp"

namespace deskgate {

// Who the queue tells of `event` in `ticket`: the assignee if there is one, else the queue's
// staff (notify = "team"); the listed staff (notify = "staff"); nobody (notify = "nobody", or
// the event is not in notify_events). Never staff who may not see the ticket's category, nor
// `exclude_alias` (who caused the event).
std::vector<const Staff*> notification_recipients(const Config& config, const Queue& queue, const Ticket& ticket,
                                                  NotifyEvent event, std::string_view exclude_alias);

// The store state key (WriteTxn::put_state) that says when a notification to `address`
// last bounced: for a day after, the address is not notified.
inline std::string staff_bounced_key(std::string_view address) { return "staff-bounced:" + std::string(address); }

// The address a staff member answers a notification at: the queue's address with the staff
// token (core/model/token.hpp) as +detail.
std::string staff_reply_address(const Config& config, const Queue& queue, TicketKey ticket, const Staff& staff);

struct NotificationInput {
    const Config* config = nullptr;
    const Queue* queue = nullptr;
    const Ticket* ticket = nullptr;          // as it is after the event
    const Staff* staff = nullptr;            // the recipient
    NotifyEvent event = NotifyEvent::NewTicket;
    const TicketEntry* entry = nullptr;      // the message or note told of (nullptr for deadlines)
    // Decoded attachment contents in entry->attachments order; empty: only listed.
    const std::vector<std::string>* attachment_contents = nullptr;
    std::string headline;                    // e.g. "Reaction deadline in 60 minutes" ("" = by event)
    std::int64_t now = 0;
};

// The raw RFC 5322 message (CRLF). Its Message-ID is stable for (ticket, entry or event, staff),
// so a retried send is the same mail.
std::string build_notification(const NotificationInput& in);

// A short mail to one staff member about their own action by mail (commands refused, a
// welcome): From the queue, Reply-To their token address for `ticket` when there is one.
struct StaffNotice {
    const Config* config = nullptr;
    const Queue* queue = nullptr;
    const Staff* staff = nullptr;
    const Ticket* ticket = nullptr;   // may be null
    std::string subject;
    std::string text;
    std::string id_seed;              // makes the Message-ID stable for a retried send
    std::int64_t now = 0;
};
std::string build_staff_notice(const StaffNotice& n);

}  // namespace deskgate
