// staff_reply.cpp - a staff member's answer to a notification, sent to the token address its
// Reply-To named (queue+s10-42-jana-<sig>@...). Only the staff member the token was issued to
// may use it: the token must verify, From must be that staff member's address, the mail must
// carry our milter's authentication mark where the site has verifiers (trusted_authserv_ids),
// and the staff member must be allowed to see the ticket. Anything else does nothing: the mail
// is held for staff, never bounced and never sent on. The text above the marker (quote and
// signature removed) becomes the reply to the customer, unless it is a #note or an automated
// mail (an out-of-office is at most an internal note); commands on the first lines are checked
// here, all before anything is done, and carried out by apply().
#include <algorithm>

#include <fmt/format.h>

#include "core/compose/staff_reply.hpp"
#include "core/decision/deciders.hpp"
#include "core/decision/staff_commands.hpp"
#include "core/mail/reply_text.hpp"
#include "core/model/token.hpp"
#include "core/policy/threading.hpp"
#include "core/store/view.hpp"

namespace deskgate {
namespace {

// A +detail shaped like a staff token ("s" + ticket + alias + signature), valid or not.
bool staff_token_shaped(std::string_view detail) {
    return detail.size() > 1 && detail.front() == 's' && detail.find('-') != std::string_view::npos &&
           detail[1] >= '0' && detail[1] <= '9';
}

Outcome held(std::string why, std::optional<TicketKey> ticket = std::nullopt) {
    Outcome o;
    o.verdict = Verdict::Held;
    o.ticket = ticket;
    o.why = std::move(why);
    o.plain = true;
    return o;
}

// The commands checked one after the other on a copy of the ticket (a later one sees what an
// earlier one changed); errors name the line.
void check_commands(const Context& ctx, const Ticket& ticket, const Staff& staff, StaffCommands& commands) {
    Ticket after = ticket;
    const Actor actor = staff_actor(staff);
    for (const TicketOp& op : commands.ops) {
        if (auto refusal = check_ticket_op(ctx.config, after, op, actor)) {
            commands.errors.push_back(fmt::format("#{} {}: {}", to_string(op.kind), op.value, *refusal));
            continue;
        }
        apply_ticket_op(ctx.config, after, op, ctx.facts.now);
    }
    if (commands.close)
        if (auto refusal = check_close(after, actor)) commands.errors.push_back("#close: " + *refusal);
}

}  // namespace

std::optional<Outcome> decide_staff_reply(const Context& ctx) {
    const auto it = std::find_if(ctx.accepted.begin(), ctx.accepted.end(),
                                 [](const Accepted& a) { return staff_token_shaped(a.target.detail); });
    if (it == ctx.accepted.end()) return std::nullopt;
    const auto token = verify_staff_token(ctx.config.global.secret, it->target.detail);
    if (!token) return held(fmt::format("staff reply address with a forged or damaged token ({}); held, nothing done",
                                        it->target.detail));
    const Staff* staff = ctx.config.staff_named(token->alias);
    const std::string& from = ctx.facts.sender;
    if (!staff || staff->address != from)
        return held(fmt::format("token of staff {} used by {}; held, nothing done", token->alias, from), token->ticket);
    if (!ctx.config.global.trusted_authserv_ids.empty() && !ctx.facts.authenticated)
        return held(fmt::format("staff reply from {} without authentication where verifiers vouch for senders; held, "
                                "nothing done", from), token->ticket);
    auto ticket = follow_merged(ctx.txn, token->ticket);
    if (!ticket) return held(fmt::format("staff reply of {} names ticket {} that is gone; held", staff->alias,
                                         to_string(token->ticket)));
    Outcome o;
    o.ticket = ticket->key;
    o.plain = true;
    std::vector<MessageRef> seen = ctx.txn.find_message_id(ctx.message().message_id);
    for (MessageRef& ref : ctx.txn.find_message_id(staff_reply_message_id(ctx.config, ticket->key, ctx.message().message_id)))
        seen.push_back(std::move(ref));
    for (const MessageRef& ref : seen)
        if (ref.ticket == ticket->key && ref.body_digest == ctx.message().body_digest) {
            o.verdict = Verdict::Duplicate;  // delivered again: carried out once already
            o.why = fmt::format("answer of staff {} already in ticket {}", staff->alias, to_string(ticket->key));
            return o;
        }
    if (!staff_may_see(*staff, *ticket)) {
        o.verdict = Verdict::Refused;
        o.why = fmt::format("staff {} may not see ticket {} (category {}); refused", staff->alias,
                            to_string(ticket->key), ticket->category.empty() ? "none" : ticket->category);
        o.text = fmt::format("you may not act on ticket {}", to_string(ticket->key));
        o.plain = true;
        return o;
    }
    const ReplyText reply = extract_reply_text(ctx.message().text_body);
    StaffCommands commands = parse_staff_commands(reply.text);
    StaffAction action;
    action.alias = staff->alias;
    action.cut = reply.cut;
    action.note = commands.note || !ctx.facts.automated.empty();
    if (ctx.facts.automated.empty()) check_commands(ctx, *ticket, *staff, commands);
    else {  // a robot commands nothing, and is never answered (no notice: that could loop)
        commands.ops.clear();
        commands.errors.clear();
        commands.close = false;
    }
    action.ops = std::move(commands.ops);
    action.close = commands.close;
    action.errors = std::move(commands.errors);
    action.text = std::move(commands.text);

    TicketPlan& tp = o.plan;
    tp.ticket = ticket->key;
    tp.queue = ctx.queue_index(*ticket);
    tp.customer_id = ticket->customer_id;
    tp.new_status = ticket->status;
    tp.author = from;
    // Kept as an internal entry: a note, refused commands, or commands without a text to send.
    const bool internal = action.note || !action.errors.empty() || action.text.empty();
    tp.kind = internal ? TicketPlan::Kind::Note : TicketPlan::Kind::Append;
    tp.direction = internal ? Direction::Internal : Direction::Outbound;
    if (action.note && action.errors.empty() && ctx.facts.automated.empty()) {
        tp.notify = NotifyEvent::StaffNote;
        tp.notify_exclude = staff->alias;
    }
    tp.explanation =
        !action.errors.empty()       ? fmt::format("answer of staff {} in ticket {}: {} refused, nothing done", staff->alias,
                                                   to_string(ticket->key), fmt::join(action.errors, "; "))
        : !ctx.facts.automated.empty() ? fmt::format("automated mail from staff {} ({}): internal note only, nothing sent",
                                                     staff->alias, ctx.facts.automated)
        : action.note                ? fmt::format("internal note by staff {} in ticket {}", staff->alias, to_string(ticket->key))
                                     : fmt::format("reply by staff {} in ticket {} (quote cut: {})", staff->alias,
                                                   to_string(ticket->key), action.cut);
    tp.staff = std::move(action);
    o.verdict = internal ? Verdict::Note : Verdict::Appended;
    o.why = tp.explanation;
    o.store = true;
    o.plain = true;
    return o;
}

}  // namespace deskgate
