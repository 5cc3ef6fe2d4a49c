// bounce.cpp - a delivery failure report for mail we sent: to the VERP address
// (bounces+b<id>-<sig>@), or carrying the Message-ID of one of our messages. It joins that
// ticket, marks the recipient undeliverable there, and never opens a ticket or gets an answer.
// Reports we cannot match go on as ordinary (automated) mail: stored, listed, not acknowledged.
#include <algorithm>

#include <fmt/format.h>

#include "core/compose/acknowledgement.hpp"
#include "core/decision/deciders.hpp"
#include "core/model/token.hpp"

namespace deskgate {
namespace {

struct Match {
    std::optional<TicketKey> ticket;
    std::string failed;  // the address our mail bounced from, when the VERP token says
    std::string how;
    bool to_staff = false;  // a notification, notice or welcome to a staff member bounced
};

Match by_verp(const Context& ctx) {
    Match m;
    for (const Accepted& a : ctx.accepted) {
        if (a.target.role != AddressRole::Bounce) continue;
        const auto id = verify_bounce_token(ctx.config.global.secret, a.target.detail);
        if (!id) continue;
        if (auto item = ctx.txn.outbox_item(*id); item && item->ticket) {  // (a welcome has none: ordinary mail)
            m.ticket = item->ticket;
            m.failed = item->recipients.empty() ? "" : item->recipients.front();
            m.to_staff = item->kind == "notify" || item->kind == "staff-notice" || item->kind == "welcome";
            m.how = fmt::format("VERP token of outbox item {}", *id);
            break;
        }
    }
    return m;
}

Match by_returned_message_id(const Context& ctx) {
    Match m;
    for (const std::string& id : ctx.message().embedded_message_ids) {
        for (const MessageRef& ref : ctx.txn.find_message_id(id)) {
            m.ticket = ref.ticket;
            m.how = fmt::format("returned Message-ID <{}>", id);
            return m;
        }
        if (!id.starts_with("ack.")) continue;  // our acknowledgements: ack.<ticket>.<sig>@host
        const auto dot = id.find('.', 4);
        if (auto k = dot == std::string::npos ? std::nullopt : parse_ticket_key(id.substr(4, dot - 4));
            k && acknowledgement_message_id(ctx.config, *k) == id) {
            m.ticket = k;
            m.how = fmt::format("returned acknowledgement <{}>", id);
            return m;
        }
    }
    return m;
}

}  // namespace

std::optional<Outcome> decide_bounce(const Context& ctx) {
    if (std::none_of(ctx.accepted.begin(), ctx.accepted.end(),
                     [](const Accepted& a) { return a.target.role == AddressRole::Bounce; }))
        return std::nullopt;
    Match m = by_verp(ctx);
    if (!m.ticket) m = by_returned_message_id(ctx);
    const auto ticket = m.ticket ? ctx.txn.ticket(*m.ticket) : std::nullopt;
    if (!ticket) return std::nullopt;
    Outcome o;
    o.plain = true;
    o.ticket = ticket->key;
    o.verdict = Verdict::Appended;
    o.store = true;
    TicketPlan& tp = o.plan;
    tp.kind = TicketPlan::Kind::Append;
    tp.ticket = ticket->key;
    tp.customer_id = std::string(ctx.facts.who.customer_id());
    tp.queue = ctx.queue_index(*ticket);
    tp.new_status = ticket->status;
    tp.automated = true;
    if (m.to_staff) {
        // The staff address, not the ticket: the customer is still reachable.
        tp.kind = TicketPlan::Kind::Note;
        tp.mark_staff_undeliverable = m.failed;
        o.verdict = Verdict::Note;
        tp.explanation = fmt::format("delivery failure report for a notification of ticket {} ({}): staff address {} "
                                     "marked undeliverable for a day, the ticket is not", to_string(ticket->key), m.how, m.failed);
        o.why = tp.explanation;
        return o;
    }
    tp.mark_undeliverable = m.failed;
    tp.explanation = fmt::format("delivery failure report for ticket {} ({}){}", to_string(ticket->key), m.how,
                                 m.failed.empty() ? "" : ", " + m.failed + " marked undeliverable");
    o.why = tp.explanation;
    return o;
}

}  // namespace deskgate
