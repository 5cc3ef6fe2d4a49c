// journal.cpp - a journal copy of a staff reply (added by the outbound milter, signed): it goes
// into the ticket its control headers name, as an outbound message. Unsigned ones lost their
// control headers in gather_facts() and are refused here: nobody outside can forge staff replies.
// The author is the envelope sender, or the staff member a signed X-Deskgate-Staff names.
#include <algorithm>

#include <fmt/format.h>

#include "core/decision/deciders.hpp"
#include "core/model/token.hpp"
#include "core/policy/lifecycle.hpp"

namespace deskgate {

std::optional<Outcome> decide_journal(const Context& ctx) {
    const auto is_journal = [](const Accepted& a) { return a.target.role == AddressRole::Journal; };
    if (std::none_of(ctx.accepted.begin(), ctx.accepted.end(), is_journal)) return std::nullopt;
    const ParsedMessage& msg = ctx.message();
    const auto direction = msg.header("X-Deskgate-Direction");
    const auto number = msg.header("X-Deskgate-Ticket");
    const auto key = number ? parse_ticket_key(*number) : std::nullopt;
    const auto ticket = key ? ctx.txn.ticket(*key) : std::nullopt;
    Outcome o;
    o.plain = true;
    const bool token_ok = ticket && std::any_of(ctx.accepted.begin(), ctx.accepted.end(), [&](const Accepted& a) {
        return is_journal(a) && verify_journal_token(ctx.config.global.secret, ticket->key, msg.message_id, a.target.detail);
    });
    if (!direction || *direction != "outbound" || !ticket || !token_ok) {
        o.verdict = Verdict::Refused;
        o.why = fmt::format("journal copy without a valid deskgate signature or ticket ({})",
                            number ? std::string(*number) : std::string("no ticket header"));
        o.text = "journal copies must carry deskgate's signature";
        if (ticket) o.ticket = ticket->key;
        return o;
    }
    o.ticket = ticket->key;
    for (const MessageRef& ref : ctx.txn.find_message_id(msg.message_id)) {
        if (ref.ticket == ticket->key && ref.body_digest == msg.body_digest) {
            o.verdict = Verdict::Duplicate;
            o.why = fmt::format("staff reply already journaled in ticket {}", to_string(ticket->key));
            return o;
        }
    }
    const Queue* q = ctx.config.queue_by_num(ticket->queue);
    TicketPlan& tp = o.plan;
    tp.kind = TicketPlan::Kind::Append;
    tp.ticket = ticket->key;
    tp.customer_id = std::string(ctx.facts.who.customer_id());
    tp.queue = ctx.queue_index(*ticket);
    tp.direction = Direction::Outbound;
    tp.new_status = q ? next_status(ticket->status, TicketEvent::OperatorReplied, *q).value_or(ticket->status)
                      : ticket->status;
    // The milter rewrote From to the queue's address; the staff member is the envelope sender,
    // or, when the reply left with the queue's own envelope sender ([queues.outgoing]), the
    // signed X-Deskgate-Staff header names them.
    std::string staff = ctx.facts.envelope_sender.empty() ? ctx.facts.sender : ctx.facts.envelope_sender;
    if (const auto alias = msg.header("X-Deskgate-Staff"))
        if (const Staff* s = ctx.config.staff_named(*alias)) staff = s->address;
    tp.author = staff;
    tp.explanation = fmt::format("staff reply by {} journaled into ticket {}, status {}", staff,
                                 to_string(ticket->key), to_string(tp.new_status));
    o.verdict = Verdict::Appended;
    o.why = tp.explanation;
    o.store = true;
    return o;
}

}  // namespace deskgate
