// outbound.hpp - what the outbound milter does to mail staff send to customers (BRIEF rule 2):
// find the ticket (subject tag or an X-Deskgate-Ticket header from a helpdesk client) and the
// customer (by recipient); an enabled customer gets From "<display name>" <queue address> and a
// signed reply-token Reply-To, a customer not enabled gets the global staff sender address;
// the subject carries the ticket tag, the message a Message-ID, and a signed journal copy goes
// to the helpdesk so the reply lands in its ticket. Header values are sanitised: no CR/LF or
// control characters can be injected through a display name, subject or template.
//
// Only staff are rewritten and journaled. The sender is the From address (or, only when the
// mail has no From header, the envelope sender); it must be a [[staff]] address. When the MTA
// passes a SASL login ({auth_authen}), that login must be the same staff member's: [[staff]] has
// no login key, so the login must equal, ignoring case, the staff member's address or its local
// part ("jana" or "jana@example.com" for jana@example.com). Mail without a login (sendmail(1),
// non_smtpd_milters, a submission port without SASL) is judged by its From alone. Anything else
// - an unknown or unparseable From, a login of somebody else - is left unchanged (fail closed).
//
// A reply sent as a queue with [queues.outgoing] also gets the queue's sender_address as its
// envelope sender (it keeps the staff member's otherwise): the queue's server lets only the
// queue's login send it, and Postfix chooses that server by the envelope sender.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/config.hpp"
#include "core/mail/header_encoding.hpp"
#include "core/mail/message.hpp"
#include "core/policy/threading.hpp"
#include "core/model/ticket.hpp"
#include "core/store/store.hpp"

namespace deskgate {

struct OutboundPlan {
    // true: the sender may not be rewritten (not staff, or a SASL login of someone else); the
    // mail passes as it is, nothing below is set except the explanation.
    bool unchanged = false;
    std::optional<TicketKey> ticket;
    std::string customer_id;
    bool customer_enabled = false;
    std::string from;                     // new From value ("" = leave)
    std::string reply_to;                 // new Reply-To value ("" = leave)
    std::string subject;                  // new Subject value ("" = leave)
    std::string message_id;               // Message-ID to add ("" = it has one)
    std::vector<HeaderField> control;     // X-Deskgate-* headers to add (existing ones are removed)
    std::string journal_recipient;        // extra recipient ("" = none)
    // New envelope sender ("" = leave): the queue's sender_address when the mail speaks for a
    // queue with [queues.outgoing], so that Postfix's sender-dependent tables send it through
    // the queue's own server with its login (`deskgate postfix-config`).
    std::string envelope_sender;
    std::string explanation;
};

// Runs `body` inside one read transaction of the ticket store, or not at all when there is no
// store (the milter runs without --store, or the store cannot be opened yet).
using ReadTicketStore = std::function<void(const std::function<void(const ReadTxn&)>& body)>;

// The ticket an outbound mail belongs to: the X-Deskgate-Ticket header of a helpdesk client,
// else the first ticket tag in the subject, else the first ticket its In-Reply-To, then
// References name in the store - through reference_candidates(), the lookup inbound threading
// uses, with the same skip of the mail's own Message-ID. `read_store` is called (once) only in
// that last case; an empty one means there is no store.
std::optional<TicketKey> outbound_ticket(const SubjectTagMatcher& tags, const ParsedMessage& headers,
                                         const ReadTicketStore& read_store);

// Whether a SASL login is this staff member's (see the rule at the top of this file).
bool staff_login_matches(const Staff& staff, std::string_view login);

// `headers` is the parsed header block of the mail. nullopt: not helpdesk mail (deskgate's
// own, or no customer recipient and no ticket), left untouched. A plan with `unchanged` set:
// the sender is not staff (or the SASL login is not theirs), left untouched.
// `sasl_login` is the MTA's {auth_authen} ("" = none). `read_store` is how the ticket store is
// read for In-Reply-To/References (see outbound_ticket); it is not called for non-staff mail.
std::optional<OutboundPlan> plan_outbound(const Config& config, const SubjectTagMatcher& tags,
                                          const ParsedMessage& headers, std::string_view envelope_sender,
                                          const std::vector<std::string>& recipients,
                                          std::string_view sasl_login = {}, const ReadTicketStore& read_store = {});

}  // namespace deskgate
