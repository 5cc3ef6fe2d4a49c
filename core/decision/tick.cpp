// tick.cpp - see tick.hpp.
#include "core/decision/tick.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "core/compose/notification.hpp"
#include "core/mail/header_encoding.hpp"
#include "core/mail/reply_text.hpp"

namespace deskgate {
namespace {

const Actor kClock{"deskgate", nullptr};

struct Deadline {
    const char* name;
    std::int64_t due;
    bool met;
    std::uint8_t warned_bit;
    std::uint8_t missed_bit;
};

// Warnings and misses of one ticket's deadlines; true when the ticket changed.
bool watch_deadlines(const Engine& engine, WriteTxn& txn, Ticket& t, const Queue& q, std::int64_t now,
                     std::vector<std::string>& log) {
    const Deadline deadlines[] = {
        {"reaction", t.reaction_due, t.first_reaction != 0, kReactionWarned, kReactionMissed},
        {"resolution", t.resolution_due, t.status == TicketStatus::Closed, kResolutionWarned, kResolutionMissed},
    };
    bool changed = false;
    for (const Deadline& d : deadlines) {
        if (d.due == 0 || d.met || (t.deadline_notices & d.missed_bit)) continue;
        const bool missed = now >= d.due;
        const bool close = !missed && now >= d.due - std::int64_t{q.deadline_lead_minutes} * 60;
        if (!missed && (!close || (t.deadline_notices & d.warned_bit))) continue;
        t.deadline_notices |= missed ? (d.missed_bit | d.warned_bit) : d.warned_bit;
        const std::string headline =
            missed ? fmt::format("The {} deadline of ticket {} was missed ({})", d.name, to_string(t.key), rfc5322_date(d.due))
                   : fmt::format("The {} deadline of ticket {} is at {}", d.name, to_string(t.key), rfc5322_date(d.due));
        const auto told = engine.notify_staff(txn, t, missed ? NotifyEvent::DeadlineMissed : NotifyEvent::DeadlineWarning,
                                              nullptr, {}, {}, now, headline);
        record_event(txn, t, kClock, fmt::format("{} deadline {}", d.name, missed ? "missed" : "close"), now);
        log.push_back(fmt::format("ticket={} {} deadline {}; told: {}", to_string(t.key), d.name,
                                  missed ? "missed" : "close", told.empty() ? "nobody" : fmt::format("{}", fmt::join(told, ","))));
        changed = true;
    }
    return changed;
}

void close_waiting(const Engine& engine, WriteTxn& txn, const Ticket& t, const Queue& q, std::int64_t now,
                   std::vector<std::string>& log) {
    if (q.close_waiting_days == 0 || t.status != TicketStatus::Waiting) return;
    const std::int64_t since = t.status_since ? t.status_since : t.updated;
    if (now < since + std::int64_t{q.close_waiting_days} * 86400) return;
    if (auto why = engine.close(txn, t.key, now, kClock))
        log.push_back(fmt::format("ticket={} waiting {} days without an answer: {}", to_string(t.key), q.close_waiting_days, *why));
}

void welcome_staff(const Engine& engine, WriteTxn& txn, std::int64_t now, std::vector<std::string>& log) {
    const Config& config = engine.config();
    if (!config.global.welcome_staff) return;
    for (const Staff& s : config.staff) {
        const std::string key = "welcomed:" + s.address;
        const std::string done = txn.state(key).value_or("");
        std::vector<const Queue*> fresh;
        for (std::uint32_t number : s.queues) {
            const Queue* q = config.queue_by_num(number);
            if (q && (" " + done + " ").find(fmt::format(" {} ", number)) == std::string::npos) fresh.push_back(q);
        }
        if (fresh.empty()) continue;
        const StaffNotice notice{&config, fresh.front(), &s, nullptr, "Welcome to the helpdesk",
                                 welcome_text(config, s, fresh), fmt::format("welcome:{}:{}", s.address, done), now};
        // Over the staff member's notification_limit: welcomed at a later tick instead.
        if (!engine.queue_mail(txn, "welcome", *fresh.front(), nullptr, {s.address}, build_staff_notice(notice), now))
            continue;
        std::string all = done;
        for (const Queue* q : fresh) all += (all.empty() ? "" : " ") + std::to_string(q->number);
        txn.put_state(key, all);
        log.push_back(fmt::format("welcome mail to {} for queues {}", s.alias, all));
    }
}

}  // namespace

std::string welcome_text(const Config& config, const Staff& staff, const std::vector<const Queue*>& queues) {
    std::string text = fmt::format("Hello {},\n\nyou now answer the helpdesk's mail in these queues:\n\n",
                                   staff.name.empty() ? staff.alias : staff.name);
    for (const Queue* q : queues) text += fmt::format("  {} {} <{}>\n", q->number, q->name, q->system_address);
    text += fmt::format(
        "\nWhen something happens in a ticket you are told by mail: a new ticket, a customer's reply\n"
        "(to the assignee only, once a ticket is assigned), a colleague's internal note, an approval,\n"
        "a deadline close or missed. Such a mail comes from \"<customer> via <queue>\", carries the\n"
        "ticket's tag in its subject and starts with the line\n\n  {}\n\n"
        "Answer it from your own mail program: what you write above that line goes to the customer\n"
        "from the queue's address, signed with your name; your program's quote and signature are left\n"
        "out. The ticket becomes yours if nobody had it, and waits for the customer.\n\n"
        "Commands, each on its own line at the top of your answer:\n"
        "  #note            an internal note: nothing goes to the customer\n"
        "  #close           close the ticket (after sending your text, if any)\n"
        "  #assign ALIAS    give the ticket to a colleague (#unassign to nobody)\n"
        "  #status STATUS   new, open or waiting\n"
        "  #priority P      one of: {}\n"
        "  #queue NUMBER    move the ticket to another queue\n"
        "  #tag TAG         add a tag (#untag TAG removes it)\n\n"
        "Only you can use the reply address of your notifications; an automatic reply (out of office)\n"
        "never reaches a customer.\n",
        kReplyMarker, fmt::join(config.global.priorities, ", "));
    return text;
}

std::vector<std::string> run_tick(const Engine& engine, WriteTxn& txn, std::int64_t now) {
    std::vector<std::string> log;
    const Config& config = engine.config();
    for (Ticket t : txn.tickets(TicketFilter{})) {
        if (t.status == TicketStatus::Closed || t.merged_into) continue;
        const Queue* q = config.queue_by_num(t.queue);
        if (!q) continue;
        watch_deadlines(engine, txn, t, *q, now, log);
        close_waiting(engine, txn, t, *q, now, log);
    }
    welcome_staff(engine, txn, now, log);
    return log;
}

}  // namespace deskgate
