// config.hpp - the immutable, typed configuration the core decides with. config/ builds it from
// TOML (and validates it); the core only reads it, always as `const Config&`. Lookup tables are
// hash maps keyed by normalised address / lower-case domain, built once by build_indexes().
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace re2 {
class RE2;
}

namespace deskgate {

// Where a config item was written, for messages that point the admin to it.
struct SourcePos {
    std::string file;
    std::uint32_t line = 0;
    std::uint32_t column = 0;
};

enum class NotEnabledPolicy { Refuse, Redirect };
enum class UnknownSenderPolicy { Accept, Refuse };
enum class Authorization { Off, Optional, Required };
enum class ClosedReplyPolicy { Reopen, NewTicket, Refuse };
enum class TicketStatus : std::uint8_t { New, Open, Waiting, Closed, AwaitingApproval };
// Who a queue's notifications go to: the assignee if there is one, else the queue's staff
// (Team); the staff listed in notify_addresses; or nobody.
enum class NotifyWho { Team, Addresses, Nobody };
// What staff are told of; a queue's notify_events is a set of these (bit 1 << value).
enum class NotifyEvent : std::uint8_t {
    NewTicket, CustomerReply, StaffNote, ApprovalGranted, DeadlineWarning, DeadlineMissed
};
inline constexpr std::uint32_t kAllNotifyEvents = 0x3F;
inline constexpr std::uint32_t notify_bit(NotifyEvent e) { return 1u << static_cast<unsigned>(e); }

struct Global {
    std::string hostname;               // our own host name (Message-IDs, Received)
    std::string store_path;             // LMDB environment directory
    std::string staff_sender;           // sender for mail to customers not enabled (BRIEF rule 2)
    NotEnabledPolicy not_enabled_policy = NotEnabledPolicy::Refuse;
    std::string refuse_text;            // admin text in the 5.7.1 refusal
    std::string redirect_mailbox;       // staff mailbox for NotEnabledPolicy::Redirect
    std::string journal_address;        // signed copies of staff replies arrive here ("" = off)
    std::string bounce_address;         // VERP return path base, routed to deskgate ("" = queue sender)
    UnknownSenderPolicy unknown_senders = UnknownSenderPolicy::Accept;  // sender of no customer
    std::string unknown_sender_text;    // text when unknown senders are refused
    std::string secret_file;            // path of the HMAC secret (reply tokens, signed headers)
    std::string secret;                 // its contents, loaded by config/
    std::uint64_t max_message_size = 50ull * 1024 * 1024;  // bytes; larger mail gets 5.3.4
    std::uint32_t max_received_headers = 30;               // more than that: a loop (5.4.6)
    std::vector<std::string> trusted_authserv_ids;         // Authentication-Results we believe (lower case)
    std::vector<std::string> sendmail_command{"/usr/sbin/sendmail"};  // argv the outbox hands mail to
    std::uint32_t generated_mail_limit = 3;                // mails we generate per recipient and hour
    std::uint32_t notification_limit = 60;                 // notifications per staff address and hour (0 = off)
    bool welcome_staff = true;                             // one welcome mail to each staff member, once
    std::uint32_t sender_rate_limit = 60;                  // helpdesk messages per sender and window (0 = off)
    std::int64_t sender_rate_window = 3600;                // seconds
    std::vector<std::string> priorities{"low", "normal", "high", "urgent"};
    // Where the daemons listen when no --listen/--socket is given (the packaged units rely on it,
    // and `deskgate postfix-config` / `sendmail-config` print MTA settings pointing there).
    std::vector<std::string> lmtp_listen{"unix:/run/deskgate/lmtp.sock"};  // "unix:/path" or "inet:HOST:PORT"
    std::string milter_socket = "unix:/run/deskgate/milter.sock";         // libmilter syntax: unix:/path, inet:PORT@HOST
    // Mail fetched from mailboxes at a provider ([[queues.mailboxes]]) arrives here: deskgate-lmtpd
    // listens on it too and treats its sessions as fetched (a refusal is held, never answered 5xx,
    // because the provider already accepted the mail and the fetcher would retry it forever).
    std::string fetch_listen = "unix:/run/deskgate/fetch.sock";
    std::string fetch_dir = "/var/lib/deskgate/fetch";  // the fetcher's state (seen UIDs) and generated files
};

struct Staff {
    std::string alias;                  // short name, used as {{user.alias}}
    std::string name;
    std::string address;                // normalised
    std::vector<std::uint32_t> queues;  // queue numbers this person works in
    // Ticket categories this person may see in `deskgate tickets --as` (nullopt = every
    // category; uncategorised tickets only then).
    std::optional<std::vector<std::string>> categories;
    SourcePos where;
};

struct Customer {
    std::string id;                     // stable id; never key on the display name
    std::string name;
    std::vector<std::string> domains;   // lower case
    std::vector<std::string> contacts;  // normalised addresses
    bool email_tickets = false;         // BRIEF rule 1
    std::vector<std::string> approvers; // normalised addresses
    Authorization authorization = Authorization::Off;
    bool require_authentication = false;  // mail from its domains must be DMARC/DKIM/SPF/AUTH authenticated
    bool unauthenticated_refuse = true;   // else: refuse 5.7.1 (true) or accept without ticket rights
    SourcePos where;
};

// Minutes since local midnight, [start, end).
struct TimeRange {
    std::uint16_t start = 0;
    std::uint16_t end = 0;
};

struct Calendar {
    std::string name;
    std::string time_zone;                        // IANA name, e.g. Europe/Prague
    std::array<std::vector<TimeRange>, 7> weekly; // index 0 = Monday ... 6 = Sunday
    std::vector<std::string> holidays;            // YYYY-MM-DD, local dates
    SourcePos where;
};

// A mailbox at a provider that a fetcher (getmail6; fetchmail for STARTTLS) empties into a queue
// ([[queues.mailboxes]]).
struct FetchedMailbox {
    enum class Protocol : std::uint8_t { Imap, Pop3 } protocol = Protocol::Imap;
    enum class Tls : std::uint8_t { Implicit, Starttls } tls = Tls::Implicit;
    enum class Auth : std::uint8_t { Password, OAuth2 } auth = Auth::Password;
    std::string server;
    std::uint16_t port = 0;                 // 0 = the protocol's port for `tls` (993/143, 995/110)
    std::string user;
    std::string password_file;              // Auth::Password: the password, alone in a file only we read
    std::vector<std::string> token_command; // Auth::OAuth2: argv (no shell) printing a fresh access token
    bool verify_certificate = true;         // against the system's CAs and the server name
    bool keep = false;                      // leave fetched mail on the server (seen UIDs remembered)
    std::string folder = "INBOX";           // IMAP only
    SourcePos where;
};
std::uint16_t effective_port(const FetchedMailbox& m);

// The queue's own SMTP server at a provider; everything sent for the queue leaves through it, by
// Postfix ([queues.outgoing]).
struct Outgoing {
    enum class Tls : std::uint8_t { Starttls, Implicit } tls = Tls::Starttls;  // default: Implicit on port 465
    std::string server;
    std::uint16_t port = 587;
    std::string user;
    std::string password_file;
    bool verify_certificate = true;
    SourcePos where;
};

struct Queue {
    std::uint32_t number = 0;           // unique
    std::string name;                   // short title, {{queue.title}}
    std::string description;
    bool active = true;                 // inactive: 4.2.1, the MTA keeps the mail
    std::string system_address;         // normalised
    std::vector<std::string> forwarding_addresses;  // normalised public addresses
    std::string comment_address;        // staff mail to it becomes an internal note ("" = none)
    std::string sender_address;         // From of outbound mail (default: system address)
    std::string display_name_template;  // e.g. "{{user.alias}} - {{queue.title}}"
    std::string reply_to;               // default: system address
    std::string signature;
    std::string default_category;
    std::string default_priority = "normal";
    std::string calendar;               // name of a Calendar ("" = always in hours)
    std::string ack_in_hours;           // acknowledgement templates ("" = none)
    std::string ack_after_hours;
    bool close_summary = false;          // on close, mail the whole correspondence to the requester
    std::string nps_template;            // added to that summary (e.g. a Net Promoter Score question)
    std::uint32_t reaction_minutes = 0;   // business minutes to the first reaction (0 = no deadline)
    std::uint32_t resolution_minutes = 0; // business minutes to the resolution
    std::vector<std::string> autoreply_exceptions;  // patterns: *, ?, bare domain
    std::vector<std::string> never_cc;  // normalised addresses never copied into CC
    bool create_unknown_contacts = false;
    TicketStatus status_on_customer_reply = TicketStatus::Open;
    ClosedReplyPolicy on_closed_reply = ClosedReplyPolicy::Reopen;
    std::uint32_t reopen_days = 30;     // Reopen only within this many days of closing
    std::string subject_tag = "[{{queue.title}}#{{ticket.number}}]";
    // The staff's side (issue 14): who is told of what, and how a staff reply by mail goes out.
    NotifyWho notify = NotifyWho::Team;
    std::vector<std::string> notify_staff;   // NotifyWho::Addresses: staff aliases
    std::uint32_t notify_events = kAllNotifyEvents;  // notify_bit() set
    std::uint32_t deadline_lead_minutes = 60;         // warn this long before a deadline
    std::uint64_t notify_attachment_limit = 10ull * 1024 * 1024;  // larger: attachments listed, not attached
    std::string reply_template;              // body of a staff reply to the customer ("" = kDefaultReplyTemplate)
    bool reply_quote = true;                 // quote the customer's last message under the reply
    bool assign_on_reply = true;             // an unassigned ticket goes to whoever answers first
    std::uint32_t close_waiting_days = 0;    // close tickets left waiting this long (0 = never)
    // Mailboxes at a provider (issue 15): fetched into this queue, and its own outgoing server.
    std::vector<FetchedMailbox> mailboxes;
    std::optional<Outgoing> outgoing;
    SourcePos where;
};

// The body of a staff reply when the queue sets no reply_template: the staff's text, their
// name, then (reply_quote) the customer's last message quoted.
inline constexpr std::string_view kDefaultReplyTemplate =
    "{{reply.text}}\n\n{{user.name}}\n{{#message.quote}}\n{{message.attribution}}\n{{message.quote}}{{/message.quote}}";

enum class RuleField { From, To, Cc, Subject, Body, Header };
enum class MatchKind { Equals, Contains, Wildcard, Regex };

struct RuleCondition {
    RuleField field = RuleField::Subject;
    std::string header;                 // for RuleField::Header: the header name
    MatchKind kind = MatchKind::Contains;
    std::string pattern;                // lower-cased for Equals/Contains/Wildcard
    std::shared_ptr<const re2::RE2> regex;  // compiled for MatchKind::Regex
    bool negate = false;
};

struct RuleActions {
    std::optional<std::string> category;
    std::optional<std::string> priority;
    std::optional<std::uint32_t> queue;  // queue number
    std::vector<std::string> tags;
    std::optional<std::string> assignee; // staff alias
    std::optional<std::string> refuse;   // refuse with this text (5.7.1)
    bool discard = false;                // accept, log, store nothing
};

struct Rule {
    std::string name;
    bool match_all = true;              // all conditions (true) or any (false)
    std::vector<RuleCondition> conditions;
    RuleActions actions;
    bool stop = false;                  // no later rule runs after this one matched
    SourcePos where;
};

// A saved ticket filter ([[views]]): every criterion that is set must hold; an empty list or 0
// means "any". Idle time is the time since the ticket's last activity (Ticket::updated).
struct View {
    std::string name;                   // unique
    std::string description;
    std::vector<std::uint32_t> queues;  // current queue of the ticket
    std::vector<std::string> categories;
    std::vector<TicketStatus> statuses;
    std::vector<std::string> priorities;
    std::int64_t min_idle = 0;          // seconds without activity, at least (0 = any)
    std::int64_t max_idle = 0;          // at most (0 = any)
    SourcePos where;
};

// Journal: the global journal address, where the outbound milter sends signed copies of staff
// replies so they land in their tickets.
// Bounce: the VERP return path of everything deskgate sends (bounces+<token>@...).
enum class AddressRole { System, Forwarding, Comment, Journal, Bounce };

struct QueueAddress {
    std::size_t queue = 0;              // index into Config::queues
    AddressRole role = AddressRole::System;
};

struct Config {
    Global global;
    std::vector<Calendar> calendars;
    std::vector<Staff> staff;
    std::vector<Customer> customers;
    std::vector<Queue> queues;          // config order matters (first queue wins)
    std::vector<Rule> rules;            // evaluated in order
    std::vector<View> views;            // saved ticket filters for `deskgate tickets --view`
    std::vector<std::string> files;     // every file the config was read from

    // Indexes (build_indexes()); values are indexes into the vectors above.
    std::unordered_map<std::string, QueueAddress> queue_by_address;
    std::unordered_map<std::uint32_t, std::size_t> queue_by_number;
    std::unordered_map<std::string, std::size_t> customer_by_contact;
    std::unordered_map<std::string, std::size_t> customer_by_domain;
    std::unordered_map<std::string, std::size_t> customer_by_stable_id;
    std::unordered_map<std::string, std::size_t> staff_by_address;
    std::unordered_map<std::string, std::size_t> staff_by_alias;
    std::unordered_map<std::string, std::size_t> calendar_by_name;

    // Fills the index maps from the vectors. Later duplicates do not replace earlier entries
    // (config/ reports them as errors before this runs).
    void build_indexes();

    const Queue* queue_by_num(std::uint32_t number) const;
    const Customer* customer_by_id(std::string_view id) const;
    const Staff* staff_by_addr(std::string_view normalized) const;
    const Calendar* calendar_named(std::string_view name) const;
    const View* view_named(std::string_view name) const;
    // A staff member by alias or (normalised) address.
    const Staff* staff_named(std::string_view alias_or_address) const;
};

std::string_view to_string(TicketStatus);
std::optional<TicketStatus> ticket_status_from(std::string_view);
std::string_view to_string(Authorization);
std::string_view to_string(ClosedReplyPolicy);
std::string_view to_string(NotifyEvent);
std::optional<NotifyEvent> notify_event_from(std::string_view);

}  // namespace deskgate
