// bounce.cpp - a delivery failure report: mail to a bounce address (the VERP return path
// bounces+b<id>-<sig>@, or a queue's own return path support+b<id>-<sig>@), or a delivery status
// report (a message/delivery-status part) from the null sender to any queue address. Matched
// to our mail - by the VERP token, or by the Message-ID of one of our messages it returns - it
// joins that ticket and marks the recipient undeliverable there. A report that matches none of
// our mail (a forged or stale token, backscatter of a forged sender) goes into the store's
// bounce list (`deskgate bounces`, kept kBounceDays). Either way a bounce never opens a ticket
// and is never answered.
//
// Mail of a queue with [queues.outgoing] leaves through the queue's own server with its login;
// when that server refuses it (a login not allowed to send as the queue's sender_address: 550
// 5.7.60 SendAsDenied, 553 5.7.1 ... not owned by user), Postfix reports it to the queue's
// return path. Its explanation (the log line) then names the queue, the server and the login
// with the server's words, and the recipient is not marked undeliverable: the server refused
// the sender, not the address.
#include <algorithm>

#include <fmt/format.h>

#include "core/base/address.hpp"
#include "core/base/text.hpp"
#include "core/compose/acknowledgement.hpp"
#include "core/decision/deciders.hpp"
#include "core/mail/delivery_status.hpp"
#include "core/model/token.hpp"
#include "core/policy/return_path.hpp"

namespace deskgate {
namespace {

struct Match {
    std::optional<TicketKey> ticket;
    std::string unmatched;  // why the VERP token (if any) matched nothing, for the bounce list
    std::string failed;  // the address our mail bounced from, when the VERP token says
    std::string how;
    bool to_staff = false;  // a notification, notice or welcome to a staff member bounced
    const Queue* outgoing = nullptr;  // the failed mail left through this queue's [queues.outgoing]
};

Match by_verp(const Context& ctx) {
    Match m;
    for (const Accepted& a : ctx.accepted) {
        if (a.target.role != AddressRole::Bounce) continue;
        const auto id = verify_bounce_token(ctx.config.global.secret, a.target.detail);
        if (!id) {
            if (m.unmatched.empty())
                m.unmatched = a.target.detail.empty() ? "no VERP token" : "a VERP token with a bad signature";
            continue;
        }
        const auto item = ctx.txn.outbox_item(*id);
        if (!item) m.unmatched = fmt::format("the VERP token of outbox item {}, which the store does not have", *id);
        else if (!item->ticket) m.unmatched = fmt::format("the VERP token of outbox item {} ({}), of no ticket", *id, item->kind);
        if (item && item->ticket) {
            m.ticket = item->ticket;
            m.failed = item->recipients.empty() ? "" : item->recipients.front();
            m.to_staff = item->kind == "notify" || item->kind == "staff-notice" || item->kind == "welcome";
            m.how = fmt::format("VERP token of outbox item {}", *id);
            m.outgoing = outgoing_queue_of_sender(ctx.config, item->sender);
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

// The report's entry for the failed address (else its first failure, else its first entry).
std::optional<DeliveryStatus> failure_of(const ParsedMessage& report, const std::string& failed) {
    const std::vector<DeliveryStatus> all = parse_delivery_status(report.delivery_status);
    for (const DeliveryStatus& d : all)
        if (!failed.empty() && normalize_address(d.final_recipient) == failed) return d;
    for (const DeliveryStatus& d : all)
        if (d.action == "failed") return d;
    if (!all.empty()) return all.front();
    return std::nullopt;
}

// Whether the report names the queue's outgoing server as the one that refused.
bool refused_by(const Outgoing& out, const std::optional<DeliveryStatus>& d) {
    if (!d) return false;
    std::string mta = lower(d->remote_mta);
    if (mta.size() > 2 && mta.front() == '[' && mta.back() == ']') mta = mta.substr(1, mta.size() - 2);
    std::string server = out.server;
    if (server.size() > 2 && server.front() == '[' && server.back() == ']') server = server.substr(1, server.size() - 2);
    return mta == server;
}

// "; queue 10 sends through smtp.example.com:587 as login x@y: refused by smtp.example.com: 550 ..."
std::string outgoing_text(const Queue& q, const std::optional<DeliveryStatus>& d) {
    const Outgoing& out = *q.outgoing;
    std::string reason = "no delivery-status part in the report";
    if (d) reason = !d->diagnostic.empty() ? d->diagnostic : "status " + (d->status.empty() ? "unknown" : d->status);
    const std::string by = d && !d->remote_mta.empty() ? " by " + d->remote_mta : "";
    return fmt::format("; queue {} sends through {}:{} as login {}: {}{}: {}", q.number, out.server, out.port, out.user,
                       d && d->action != "failed" && !d->action.empty() ? d->action : "refused", by, reason);
}

// A report that matched none of our mail, for the bounce list: who reported what, and why
// nothing matched (apply() adds the envelope, the time and the raw bytes).
Outcome unmatched_bounce(const Context& ctx, const std::string& why_unmatched) {
    const ParsedMessage& msg = ctx.message();
    Bounce b;
    b.from = msg.from ? normalize_address(msg.from->address) : std::string();
    b.subject = msg.subject;
    b.message_id = msg.message_id;
    for (const DeliveryStatus& d : parse_delivery_status(msg.delivery_status)) {
        if (d.action != "failed") continue;
        if (b.diagnostic.empty()) b.diagnostic = !d.diagnostic.empty() ? d.diagnostic : d.status;
        if (!d.final_recipient.empty()) b.failed.push_back(normalize_address(d.final_recipient));
    }
    b.reason = why_unmatched;
    Outcome o;
    o.plain = true;
    o.verdict = Verdict::Bounce;
    o.store = true;
    o.text = "kept in the bounce list";
    o.why = fmt::format("delivery failure report from {} matching none of our mail ({}): kept in the bounce list, "
                        "no ticket", b.from.empty() ? "an unknown sender" : b.from, why_unmatched);
    o.plan.explanation = o.why;
    o.plan.bounce = std::move(b);
    return o;
}

}  // namespace

std::optional<Outcome> decide_bounce(const Context& ctx) {
    const bool to_bounce_address = std::any_of(ctx.accepted.begin(), ctx.accepted.end(),
                                               [](const Accepted& a) { return a.target.role == AddressRole::Bounce; });
    const bool report = ctx.facts.envelope_sender.empty() && !ctx.message().delivery_status.empty();
    if (!to_bounce_address && !report) return std::nullopt;
    Match m = by_verp(ctx);
    std::string unmatched_token = !to_bounce_address ? std::string("a report to a queue address")
                                  : !m.unmatched.empty() ? m.unmatched
                                  : m.ticket ? fmt::format("the ticket {} of its VERP token is gone", to_string(*m.ticket))
                                             : std::string("no VERP token");
    if (!m.ticket) m = by_returned_message_id(ctx);
    const auto ticket = m.ticket ? ctx.txn.ticket(*m.ticket) : std::nullopt;
    if (!ticket) return unmatched_bounce(ctx, unmatched_token + ", no returned Message-ID of ours");
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
    // Refused by the queue's own outgoing server: its login, not the address, is at fault.
    const auto status = m.outgoing ? failure_of(ctx.message(), m.failed) : std::nullopt;
    const bool sender_refused = m.outgoing && refused_by(*m.outgoing->outgoing, status);
    const std::string outgoing = m.outgoing ? outgoing_text(*m.outgoing, status) : "";
    if (m.to_staff) {
        // The staff address, not the ticket: the customer is still reachable.
        tp.kind = TicketPlan::Kind::Note;
        o.verdict = Verdict::Note;
        if (sender_refused) {
            tp.explanation = fmt::format("delivery failure report for a notification of ticket {} ({}): staff address {} "
                                         "not marked{}", to_string(ticket->key), m.how, m.failed, outgoing);
        } else {
            tp.mark_staff_undeliverable = m.failed;
            tp.explanation = fmt::format("delivery failure report for a notification of ticket {} ({}): staff address {} "
                                         "marked undeliverable for a day, the ticket is not{}", to_string(ticket->key),
                                         m.how, m.failed, outgoing);
        }
        o.why = tp.explanation;
        return o;
    }
    if (!sender_refused) tp.mark_undeliverable = m.failed;
    tp.explanation = fmt::format("delivery failure report for ticket {} ({}){}{}", to_string(ticket->key), m.how,
                                 m.failed.empty()  ? ""
                                 : sender_refused ? ", " + m.failed + " not marked undeliverable"
                                                  : ", " + m.failed + " marked undeliverable",
                                 outgoing);
    o.why = tp.explanation;
    return o;
}

}  // namespace deskgate
