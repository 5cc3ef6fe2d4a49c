// outbound.cpp - see outbound.hpp.
#include "core/decision/outbound.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "core/base/address.hpp"
#include "core/policy/classify.hpp"
#include "core/mail/header_encoding.hpp"
#include "core/policy/sender_identity.hpp"
#include "core/base/template.hpp"
#include "core/model/token.hpp"

namespace deskgate {

namespace {

bool iequal(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
               return std::tolower(x) == std::tolower(y);
           });
}

// The staff member this mail may be sent as, or why there is none.
struct Sender {
    const Staff* staff = nullptr;
    std::string refusal;  // why not ("" when staff is set)
};

Sender outbound_sender(const Config& config, const ParsedMessage& headers, std::string_view envelope_sender,
                       std::string_view sasl_login) {
    Sender out;
    // A From header decides even when it does not parse (fail closed); the envelope sender
    // speaks only for mail without one.
    const bool has_from = headers.header("From").has_value();
    const std::string address =
        has_from ? (headers.from ? headers.from->address : std::string()) : normalize_address(envelope_sender);
    const Staff* staff = address.empty() ? nullptr : config.staff_by_addr(address);
    if (!staff) {
        out.refusal = fmt::format("{} <{}> is not staff", has_from ? "From" : "sender", address);
        return out;
    }
    if (!sasl_login.empty() && !staff_login_matches(*staff, sasl_login)) {
        out.refusal = fmt::format("SASL login {} is not staff {} <{}>", header_safe(sasl_login), staff->alias,
                                  staff->address);
        return out;
    }
    out.staff = staff;
    return out;
}

}  // namespace

bool staff_login_matches(const Staff& staff, std::string_view login) {
    return !login.empty() && (iequal(login, staff.address) || iequal(login, address_local(staff.address)));
}

std::optional<TicketKey> outbound_ticket(const SubjectTagMatcher& tags, const ParsedMessage& headers,
                                         const ReadTicketStore& read_store) {
    if (auto h = headers.header("X-Deskgate-Ticket"))
        if (auto key = parse_ticket_key(header_safe(*h))) return key;
    if (const auto found = tags.find(headers.subject); !found.empty()) return found.front();
    if (!read_store || (headers.in_reply_to.empty() && headers.references.empty())) return std::nullopt;
    std::optional<TicketKey> by_reference;
    read_store([&](const ReadTxn& txn) {
        const auto found = reference_candidates(txn, headers);
        if (!found.empty()) by_reference = found.front().ticket;
    });
    return by_reference;
}

std::optional<OutboundPlan> plan_outbound(const Config& config, const SubjectTagMatcher& tags,
                                          const ParsedMessage& headers, std::string_view envelope_sender,
                                          const std::vector<std::string>& recipients, std::string_view sasl_login,
                                          const ReadTicketStore& read_store) {
    // Mail deskgate generated itself (acknowledgements, approvals, summaries, leaving through
    // sendmail(1) past non_smtpd_milters) is already addressed right and must not be journaled.
    if (is_our_own_mail(config, headers)) return std::nullopt;
    OutboundPlan plan;
    // Only staff speak for a queue: anyone else's mail passes as written, ticket tag or not.
    const Sender sender = outbound_sender(config, headers, envelope_sender, sasl_login);
    if (!sender.staff) {
        plan.unchanged = true;
        plan.explanation = "left unchanged: " + sender.refusal;
        return plan;
    }
    const Staff* staff = sender.staff;
    // The ticket: a helpdesk client's header, else the subject tag, else what the mail replies to.
    plan.ticket = outbound_ticket(tags, headers, read_store);
    // The customer: the first recipient that belongs to one.
    const Customer* customer = nullptr;
    for (const std::string& r : recipients) {
        const SenderIdentity who = identify_sender(config, normalize_address(r), std::nullopt);
        if (who.customer && !who.staff) {
            customer = who.customer;
            break;
        }
    }
    if (!customer && !plan.ticket) return std::nullopt;

    const Queue* queue = plan.ticket ? config.queue_by_num(plan.ticket->queue) : nullptr;
    if (!queue && !staff->queues.empty()) queue = config.queue_by_num(staff->queues.front());
    plan.customer_id = customer ? customer->id : "";
    plan.customer_enabled = customer && customer->email_tickets;

    auto lookup = [&](std::string_view name) -> std::optional<std::string> {
        if (name == "user.alias") return staff->alias;
        if (name == "user.name") return staff->name;
        if (queue && (name == "queue.title" || name == "queue.name")) return queue->name;
        if (queue && name == "queue.number") return std::to_string(queue->number);
        if (queue && name == "queue.address") return queue->system_address;
        if (customer && name == "customer.name") return customer->name;
        if (customer && name == "customer.id") return customer->id;
        if (plan.ticket && name == "ticket.number") return to_string(*plan.ticket);
        return std::nullopt;
    };

    if (customer && !customer->email_tickets) {
        // BRIEF rule 2: a person reads the answer, it does not come back into the helpdesk.
        if (!config.global.staff_sender.empty()) {
            plan.from = format_mailbox(staff->name, config.global.staff_sender);
            plan.reply_to = config.global.staff_sender;
        }
        plan.explanation = fmt::format("customer {} not enabled: From/Reply-To {}", customer->id,
                                       config.global.staff_sender);
    } else if (queue) {
        const std::string display = render_template(queue->display_name_template, lookup, TemplateContext::Header);
        plan.from = format_mailbox(display, queue->sender_address);
        plan.reply_to = plan.ticket ? plus_address(queue->reply_to, make_reply_token(config.global.secret, *plan.ticket))
                                    : queue->reply_to;
        if (queue->outgoing && normalize_address(envelope_sender) != queue->sender_address)
            plan.envelope_sender = queue->sender_address;
        plan.explanation = fmt::format("{}{}: From {} via queue {}{}", customer ? "customer " + customer->id : "no customer",
                                       plan.ticket ? ", ticket " + to_string(*plan.ticket) : "", queue->sender_address,
                                       queue->number,
                                       queue->outgoing ? fmt::format(", envelope sender {} (through {}:{} as {})",
                                                                     queue->sender_address, queue->outgoing->server,
                                                                     queue->outgoing->port, queue->outgoing->user)
                                                       : "");
    } else {
        return std::nullopt;  // an enabled customer but no queue to speak for: leave it alone
    }

    if (plan.ticket && queue) {
        const auto present = tags.find(headers.subject);
        if (std::find(present.begin(), present.end(), *plan.ticket) == present.end()) {
            const std::string tag = subject_tag(*queue, *plan.ticket);
            plan.subject = header_safe(headers.subject.empty() ? tag : headers.subject + " " + tag);
        }
    }
    if (headers.message_id_synthesized) {
        plan.message_id = fmt::format("<deskgate.{}@{}>", headers.message_id.substr(0, 32), config.global.hostname);
    }
    if (plan.ticket && plan.customer_enabled && !config.global.journal_address.empty() && !config.global.secret.empty()) {
        std::vector<HeaderField> control{{"X-Deskgate-Ticket", to_string(*plan.ticket)},
                                         {"X-Deskgate-Direction", "outbound"}};
        // The journal copy shares the new envelope sender: it names the staff member instead
        // (by alias, so the customer's copy shows no staff address).
        if (!plan.envelope_sender.empty()) control.push_back({"X-Deskgate-Staff", staff->alias});
        plan.control = signed_control_headers(config.global.secret, std::move(control));
        std::string id = plan.message_id.empty() ? headers.message_id
                                                 : plan.message_id.substr(1, plan.message_id.size() - 2);
        plan.journal_recipient =
            plus_address(config.global.journal_address, make_journal_token(config.global.secret, *plan.ticket, id));
    }
    return plan;
}

}  // namespace deskgate
