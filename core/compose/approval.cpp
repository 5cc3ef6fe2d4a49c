// approval.cpp - see approval.hpp.
#include "core/compose/approval.hpp"

#include <fmt/format.h>

#include "core/base/address.hpp"
#include "core/policy/classify.hpp"
#include "core/mail/header_encoding.hpp"
#include "core/policy/threading.hpp"
#include "core/model/token.hpp"

namespace deskgate {

std::string decision_address(const Config& config, const Queue& queue, TicketKey ticket, DecisionKind kind) {
    return plus_address(queue.system_address, make_decision_token(config.global.secret, ticket, kind));
}

namespace {

std::string message(const ApprovalMail& m, std::string_view kind, std::string_view subject, std::string_view reply_to,
                    std::string_view body) {
    const std::string_view text = body;
    std::string out;
    out += fmt::format("From: {}\r\n", format_mailbox(m.queue->name, m.queue->sender_address));
    if (!reply_to.empty()) out += fmt::format("Reply-To: {}\r\n", reply_to);
    out += fmt::format("To: <{}>\r\n", m.recipient);
    out += fmt::format("Subject: {}\r\n", encode_header_text(subject));
    out += fmt::format("Date: {}\r\n", rfc5322_date(m.now));
    out += fmt::format("Message-ID: <{}.{}.{}@{}>\r\n", kind, to_string(m.ticket->key),
                       hmac_sha256_hex(m.config->global.secret, fmt::format("{}:{}:{}", kind, to_string(m.ticket->key), m.recipient)).substr(0, 16),
                       m.config->global.hostname);
    out += "Auto-Submitted: auto-generated\r\n";
    out += fmt::format("{}: {}\r\n", kLoopHeader, m.config->global.hostname);
    out += "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n";
    return out + to_crlf(text);
}

}  // namespace

// How to answer, in the request and in the question.
std::string how_to_answer(const ApprovalMail& m) {
    return fmt::format(
        "Reply to this mail with one word on the first line:\n"
        "  approve   (or yes) to approve the request,\n"
        "  decline   (or no) to decline it.\n"
        "Or write to {} to approve it, to {} to decline it.\n",
        decision_address(*m.config, *m.queue, m.ticket->key, DecisionKind::Approve),
        decision_address(*m.config, *m.queue, m.ticket->key, DecisionKind::Decline));
}

std::string build_approval_request(const ApprovalMail& m) {
    const std::string tag = subject_tag(*m.queue, m.ticket->key);
    const std::string body = fmt::format("A request from {} for {} waits for your approval:\n\n  {}\n\n{}\n\n{}",
                                         m.ticket->opener, m.customer ? m.customer->name : "your organisation",
                                         m.ticket->subject, m.request_text, how_to_answer(m));
    return message(m, "approval", fmt::format("Approval needed: {} {}", m.ticket->subject, tag),
                   decision_address(*m.config, *m.queue, m.ticket->key, DecisionKind::Answer), body);
}

std::string build_approval_question(const ApprovalMail& m, std::string_view why) {
    const std::string tag = subject_tag(*m.queue, m.ticket->key);
    const std::string body = fmt::format(
        "Your answer about the request from {} ({}), \"{}\", did not say whether you approve it: {}.\n"
        "Nothing was decided; the request still waits for your approval.\n\n{}",
        m.ticket->opener, tag, m.ticket->subject, why, how_to_answer(m));
    // One question per answer it asks about (m.now): the Message-ID stays unique.
    return message(m, fmt::format("approval-question.{}", m.now),
                   fmt::format("Approve or decline? {} {}", m.ticket->subject, tag),
                   decision_address(*m.config, *m.queue, m.ticket->key, DecisionKind::Answer), body);
}

std::string build_approval_notice(const ApprovalMail& m) {
    const std::string tag = subject_tag(*m.queue, m.ticket->key);
    const std::string body = fmt::format("For your information: {} opened a request for {}:\n\n  {}\n\n{}\n",
                                         m.ticket->opener, m.customer ? m.customer->name : "your organisation",
                                         m.ticket->subject, m.request_text);
    return message(m, "approval-info", fmt::format("New request: {} {}", m.ticket->subject, tag), "", body);
}

std::string build_decline_notice(const ApprovalMail& m, std::string_view approver) {
    const std::string tag = subject_tag(*m.queue, m.ticket->key);
    const std::string body = fmt::format("Your request \"{}\" ({}) was declined by {}.\n", m.ticket->subject, tag, approver);
    return message(m, "declined", fmt::format("Declined: {} {}", m.ticket->subject, tag), m.queue->reply_to, body);
}

}  // namespace deskgate
