// cmd_reply.cpp - `deskgate reply TICKET --as STAFF [FILE|-] [--now UNIX] [--json]`: a staff
// member's answer to the customer, the text from FILE or standard input, with the commands of a
// reply by mail on its first lines (#close, #assign ...). It takes exactly the path of an answer
// to a notification: the text becomes a mail from the staff member to their token address,
// vouched for by our signed authentication mark (the admin holds the secret), delivered through
// the engine; the outbox sends the reply.
#include <fmt/format.h>

#include <random>

#include "cli/commands.hpp"
#include "cli/json_writer.hpp"
#include "core/base/address.hpp"
#include "core/compose/notification.hpp"
#include "core/decision/engine.hpp"
#include "core/mail/header_encoding.hpp"
#include "core/mail/text_decode.hpp"
#include "core/policy/authenticity.hpp"
#include "core/policy/threading.hpp"

namespace deskgate::cli {
namespace {

// The staff member's mail as their client would send it, with our authentication mark.
std::string staff_mail(const Config& config, const Queue& queue, const Ticket& ticket, const Staff& staff,
                       const std::string& to, std::string_view text, std::int64_t now) {
    std::random_device random;
    const std::string message_id = fmt::format("cli.{}.{:08x}{:08x}@{}", now, random(), random(), config.global.hostname);
    std::string headers;
    headers += fmt::format("From: {}\r\n", format_mailbox(staff.name, staff.address));
    headers += fmt::format("To: <{}>\r\n", to);
    headers += fmt::format("Subject: {}\r\n",
                           encode_header_text(fmt::format("Re: {} {}", subject_tag(queue, ticket.key), ticket.subject)));
    headers += fmt::format("Date: {}\r\n", rfc5322_date(now));
    headers += fmt::format("Message-ID: <{}>\r\n", message_id);
    const ParsedMessage parsed = parse_message(headers + "\r\n");
    for (const HeaderField& h : authentication_mark(config, staff.address, parsed))
        headers += fmt::format("{}: {}\r\n", h.name, h.value);
    return headers + "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
                     "Content-Transfer-Encoding: 8bit\r\n\r\n" + to_crlf(normalize_newlines(valid_utf8(text)));
}

}  // namespace

int cmd_reply(const Args& args) {
    if (args.positional.empty() || args.positional.size() > 2 || !args.option("as")) {
        fmt::print(stderr, "usage: deskgate reply TICKET --as STAFF [FILE|-] [--now UNIX] [--json]\n");
        return kExitUsage;
    }
    const auto key = ticket_key_or_report(args.positional[0]);
    if (!key) return kExitUsage;
    const std::string source = args.positional.size() == 2 ? args.positional[1] : "-";
    const auto text = read_input(source);
    if (!text || text->find_first_not_of(" \t\r\n") == std::string::npos) {
        fmt::print(stderr, "deskgate: {} is empty or unreadable\n", source);
        return kExitUsage;
    }
    auto opened = open_write_session(args);
    if (auto* code = std::get_if<int>(&opened)) return *code;
    WriteSession& s = std::get<WriteSession>(opened);
    const Staff* staff = s.actor.staff;
    std::optional<Ticket> ticket;
    if (auto err = s.store->read([&](const ReadTxn& txn) { ticket = follow_merged(txn, *key); }))
        return report_store_error(*err);
    const Queue* queue = ticket ? s.config.queue_by_num(ticket->queue) : nullptr;
    if (!ticket || !queue || !staff) {
        fmt::print(stderr, "deskgate: no ticket {}\n", to_string(*key));
        return kExitFailure;
    }
    const std::string to = staff_reply_address(s.config, *queue, ticket->key, *staff);
    const std::string raw = staff_mail(s.config, *queue, *ticket, *staff, to, *text, s.now);
    Envelope env;
    env.sender = staff->address;
    env.recipients = {to};
    const Engine engine(s.config);
    const DeliveryPlan plan = engine.deliver(*s.store, env, raw, s.now);
    const RecipientDecision& d = plan.recipients.front();
    const bool done = d.verdict == Verdict::Appended || d.verdict == Verdict::Note;
    if (args.flag("json")) {
        JsonWriter w;
        w.begin_object()
            .field("ticket", to_string(ticket->key))
            .field("verdict", std::string(to_string(d.verdict)))
            .field("explanation", d.explanation)
            .end_object();
        fmt::print("{}\n", w.str());
    } else {
        fmt::print(done ? stdout : stderr, "{}ticket {}: {}\n", done ? "" : "deskgate: ", to_string(ticket->key),
                   d.explanation);
    }
    return done ? kExitOk : kExitFailure;
}

}  // namespace deskgate::cli
