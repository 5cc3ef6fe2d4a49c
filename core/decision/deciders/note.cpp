// note.cpp - staff mail to a queue's comment address: an internal note on the ticket it names
// (subject tag, reply, token). A note that names no ticket of ours is held for staff, not
// bounced: whether it names one is only known after the store is read.
#include <fmt/format.h>

#include "core/decision/deciders.hpp"

namespace deskgate {

std::optional<Outcome> decide_note(const Context& ctx) {
    if (ctx.primary().target.role != AddressRole::Comment) return std::nullopt;
    const ThreadResult& thread = ctx.thread();
    Outcome o;
    if (!thread.ticket) {
        o.verdict = Verdict::Held;
        o.why = fmt::format("internal note names no ticket of ours{}; held for staff",
                            thread.explanation.empty() ? "" : " (" + thread.explanation + ")");
        o.text = "an internal note must name its ticket (subject tag or reply); held for the helpdesk staff";
        return o;
    }
    o.verdict = Verdict::Note;
    o.ticket = thread.ticket->key;
    o.store = true;
    TicketPlan& tp = o.plan;
    tp.kind = TicketPlan::Kind::Note;
    tp.ticket = thread.ticket->key;
    tp.customer_id = std::string(ctx.facts.who.customer_id());
    tp.queue = ctx.queue_index(*thread.ticket);
    tp.new_status = thread.ticket->status;
    tp.notify = NotifyEvent::StaffNote;
    if (ctx.facts.who.staff) tp.notify_exclude = ctx.facts.who.staff->alias;
    tp.explanation = fmt::format("internal note on ticket {} ({})", to_string(thread.ticket->key), thread.explanation);
    o.why = tp.explanation;
    return o;
}

}  // namespace deskgate
