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

std::string with_token(const Config& config, std::string_view address, TicketKey ticket) {
    const auto at = address.find('@');
    if (at == std::string_view::npos) return std::string(address);
    return fmt::format("{}+{}{}", address.substr(0, at), make_reply_token(config.global.secret, ticket),
                       address.substr(at));
}

}  // namespace

std::optional<OutboundPlan> plan_outbound(const Config& config, const SubjectTagMatcher& tags,
                                          const ParsedMessage& headers, std::string_view envelope_sender,
                                          const std::vector<std::string>& recipients,
                                          std::optional<TicketKey> by_reference) {
    // Mail deskgate generated itself (acknowledgements, approvals, summaries, leaving through
    // sendmail(1) past non_smtpd_milters) is already addressed right and must not be journaled.
    if (is_our_own_mail(config, headers)) return std::nullopt;
    OutboundPlan plan;
    // The ticket: a helpdesk client's header, else the subject tag, else what the mail replies to.
    if (auto h = headers.header("X-Deskgate-Ticket")) plan.ticket = parse_ticket_key(header_safe(*h));
    if (!plan.ticket) {
        const auto found = tags.find(headers.subject);
        if (!found.empty()) plan.ticket = found.front();
    }
    if (!plan.ticket) plan.ticket = by_reference;
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

    const std::string sender_address =
        headers.from && !headers.from->address.empty() ? headers.from->address : normalize_address(envelope_sender);
    const Staff* staff = config.staff_by_addr(sender_address);
    const Queue* queue = plan.ticket ? config.queue_by_num(plan.ticket->queue) : nullptr;
    if (!queue && staff && !staff->queues.empty()) queue = config.queue_by_num(staff->queues.front());
    plan.customer_id = customer ? customer->id : "";
    plan.customer_enabled = customer && customer->email_tickets;

    auto lookup = [&](std::string_view name) -> std::optional<std::string> {
        if (name == "user.alias") return staff ? staff->alias : std::string();
        if (name == "user.name") return staff ? staff->name : std::string();
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
            plan.from = format_mailbox(staff ? staff->name : std::string(), config.global.staff_sender);
            plan.reply_to = config.global.staff_sender;
        }
        plan.explanation = fmt::format("customer {} not enabled: From/Reply-To {}", customer->id,
                                       config.global.staff_sender);
    } else if (queue) {
        const std::string display = render_template(queue->display_name_template, lookup, TemplateContext::Header);
        plan.from = format_mailbox(display, queue->sender_address);
        plan.reply_to = plan.ticket ? with_token(config, queue->reply_to, *plan.ticket) : queue->reply_to;
        plan.explanation = fmt::format("{}{}: From {} via queue {}", customer ? "customer " + customer->id : "no customer",
                                       plan.ticket ? ", ticket " + to_string(*plan.ticket) : "", queue->sender_address,
                                       queue->number);
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
        plan.control.push_back({"X-Deskgate-Ticket", to_string(*plan.ticket)});
        plan.control.push_back({"X-Deskgate-Direction", "outbound"});
        ParsedMessage signed_part;
        signed_part.headers = plan.control;
        plan.control.push_back({std::string(kSignatureHeader),
                                sign_control_headers(config.global.secret, canonical_control_headers(signed_part))});
        std::string id = plan.message_id.empty() ? headers.message_id
                                                 : plan.message_id.substr(1, plan.message_id.size() - 2);
        const auto at = config.global.journal_address.find('@');
        plan.journal_recipient = config.global.journal_address.substr(0, at) + "+" +
                                 make_journal_token(config.global.secret, *plan.ticket, id) +
                                 config.global.journal_address.substr(at);
    }
    return plan;
}

}  // namespace deskgate
