// sections_mailboxes.cpp - reading a queue's mailboxes at a provider ([[queues.mailboxes]],
// fetched by getmail6 or, for STARTTLS, fetchmail into deskgate-lmtpd) and its own outgoing server ([queues.outgoing], used
// by Postfix). Passwords are never inline: a file only its owner (and group) may read.
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <system_error>

#include <fmt/format.h>

#include "config/loader.hpp"
#include "core/base/text.hpp"

namespace deskgate::config {
namespace {

// A host name or address literal for a server key: no spaces, no scheme, no port.
bool plausible_host(std::string_view h) {
    if (h.empty() || h.size() > 253) return false;
    for (char c : h)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_' || c == ':' ||
              c == '[' || c == ']'))
            return false;
    return true;
}

// A control character (a line break, say) would end the line of the fetcher's config file.
bool has_control(std::string_view s) {
    return std::any_of(s.begin(), s.end(), [](char c) { return std::iscntrl(static_cast<unsigned char>(c)); });
}

}  // namespace

// `key`'s file, made absolute against the config's directory; it must exist and must not be
// readable by others (check-config refuses a password the whole machine can read).
std::string Loader::secret_path(TableReader& r, std::string_view key, bool required) {
    auto v = r.string(key, required);
    if (!v) return {};
    std::filesystem::path p = *v;
    if (p.is_relative()) p = base_dir_ / p;
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0) {
        diag_.error(r.where(key), fmt::format("'{}': cannot use {}: {}", key, p.string(),
                                              std::generic_category().message(errno)));
    } else if (!S_ISREG(st.st_mode)) {
        diag_.error(r.where(key), fmt::format("'{}': {} is not a regular file", key, p.string()));
    } else if (st.st_mode & S_IROTH) {
        diag_.error(r.where(key), fmt::format("'{}': {} is readable by others (mode {:04o}); a password file "
                                              "must be readable by its owner and group only: chmod o-rwx {}",
                                              key, p.string(), st.st_mode & 07777, p.string()));
    }
    return p.string();
}

std::string Loader::server_at(TableReader& r) {
    auto v = r.string("server", true);
    if (!v) return {};
    if (!plausible_host(*v))
        diag_.error(r.where("server"), fmt::format("'server': \"{}\" is not a host name (no scheme, no port: "
                                                   "use 'port')", *v));
    return lower(*v);
}

// [[queues.mailboxes]]: several per queue.
void Loader::read_queue_mailboxes(const toml::table& t, Queue& q) {
    const toml::node* n = t.get("mailboxes");
    if (!n) return;
    const auto* array = n->as_array();
    if (!array) {
        diag_.error(n->source(), fmt::format("'mailboxes' of queue {}: expected [[queues.mailboxes]] tables, got {}",
                                             q.number, type_name(*n)));
        return;
    }
    for (const toml::node& el : *array) {
        const auto* mt = el.as_table();
        if (!mt) {
            diag_.error(el.source(), fmt::format("'mailboxes' of queue {}: expected tables, got {}", q.number,
                                                 type_name(el)));
            continue;
        }
        TableReader r(diag_, *mt, "[[queues.mailboxes]]",
                      {"protocol", "server", "port", "user", "password_file", "tls", "verify_certificate", "keep",
                       "folder", "auth", "token_command"});
        FetchedMailbox m;
        m.where = r.where();
        if (auto v = r.choice("protocol", {"imap", "pop3"})) m.protocol = *v == "imap" ? FetchedMailbox::Protocol::Imap : FetchedMailbox::Protocol::Pop3;
        else if (!r.node("protocol")) diag_.error(m.where, "[[queues.mailboxes]]: missing 'protocol' (\"imap\" or \"pop3\")");
        m.server = server_at(r);
        if (auto v = r.integer("port", 1, 65535)) m.port = static_cast<std::uint16_t>(*v);
        m.user = r.string("user", true).value_or("");
        if (has_control(m.user)) diag_.error(r.where("user"), "'user' must not contain control characters");
        if (auto v = r.choice("tls", {"implicit", "starttls"}))
            m.tls = *v == "implicit" ? FetchedMailbox::Tls::Implicit : FetchedMailbox::Tls::Starttls;
        if (auto v = r.boolean("verify_certificate")) m.verify_certificate = *v;
        if (auto v = r.boolean("keep")) m.keep = *v;
        if (auto v = r.string("folder")) {
            if (m.protocol == FetchedMailbox::Protocol::Pop3)
                diag_.error(r.where("folder"), "'folder' is for IMAP; a POP3 mailbox has only its inbox");
            else if (v->empty() || has_control(*v))
                diag_.error(r.where("folder"), "'folder' must not be empty or contain control characters");
            else m.folder = *v;
        }
        if (auto v = r.choice("auth", {"password", "oauth2"}))
            m.auth = *v == "password" ? FetchedMailbox::Auth::Password : FetchedMailbox::Auth::OAuth2;
        read_mailbox_credentials(r, m);
        if (m.tls == FetchedMailbox::Tls::Starttls && m.auth == FetchedMailbox::Auth::OAuth2)
            diag_.error(r.where("tls"), "auth = \"oauth2\" needs tls = \"implicit\" (IMAP on port 993, as Microsoft "
                                        "365 and Gmail offer it)");
        q.mailboxes.push_back(std::move(m));
    }
}

// 'password_file' for auth = "password", 'token_command' for auth = "oauth2" (IMAP only).
void Loader::read_mailbox_credentials(TableReader& r, FetchedMailbox& m) {
    if (m.auth == FetchedMailbox::Auth::Password) {
        if (r.node("token_command"))
            diag_.error(r.where("token_command"), "'token_command' needs auth = \"oauth2\"");
        m.password_file = secret_path(r, "password_file", true);
        return;
    }
    if (r.node("password_file"))
        diag_.error(r.where("password_file"), "auth = \"oauth2\" takes 'token_command', not 'password_file'");
    if (m.protocol == FetchedMailbox::Protocol::Pop3)
        diag_.error(r.where("auth"), "auth = \"oauth2\" is for IMAP mailboxes (Microsoft 365 and Gmail offer "
                                     "OAuth2 over IMAP)");
    const toml::node* tc = r.node("token_command");
    if (!tc) {
        diag_.error(r.where(), "auth = \"oauth2\" needs 'token_command': a program that prints a fresh access token");
        return;
    }
    if (tc->is_string()) {
        m.token_command.push_back(tc->as_string()->get());
    } else if (auto items = r.strings_at("token_command")) {
        for (auto& it : *items) m.token_command.push_back(std::move(it.value));
    }
    if (m.token_command.empty() || m.token_command.front().empty())
        diag_.error(r.where("token_command"), "'token_command' must name a program");
    else if (m.token_command.front().front() != '/')
        diag_.error(r.where("token_command"), fmt::format("'token_command': \"{}\" must be an absolute path (the "
                                                          "fetcher runs it without a shell or PATH)",
                                                          m.token_command.front()));
}

// [queues.outgoing]: one per queue.
void Loader::read_queue_outgoing(const toml::table& t, Queue& q) {
    const toml::node* n = t.get("outgoing");
    if (!n) return;
    const auto* ot = n->as_table();
    if (!ot) {
        diag_.error(n->source(), fmt::format("'outgoing' of queue {}: expected a table ([queues.outgoing]), got {}",
                                             q.number, type_name(*n)));
        return;
    }
    TableReader r(diag_, *ot, "[queues.outgoing]",
                  {"server", "port", "tls", "user", "password_file", "verify_certificate"});
    Outgoing o;
    o.where = r.where();
    o.server = server_at(r);
    if (auto v = r.integer("port", 1, 65535)) o.port = static_cast<std::uint16_t>(*v);
    if (auto v = r.choice("tls", {"starttls", "implicit"}))
        o.tls = *v == "implicit" ? Outgoing::Tls::Implicit : Outgoing::Tls::Starttls;
    else o.tls = o.port == 465 ? Outgoing::Tls::Implicit : Outgoing::Tls::Starttls;
    o.user = r.string("user", true).value_or("");
    o.password_file = secret_path(r, "password_file", true);
    if (auto v = r.boolean("verify_certificate")) o.verify_certificate = *v;
    q.outgoing = std::move(o);
}

namespace {

bool same_outgoing(const Outgoing& a, const Outgoing& b) {
    return a.server == b.server && a.port == b.port && a.tls == b.tls && a.user == b.user &&
           a.password_file == b.password_file && a.verify_certificate == b.verify_certificate;
}

}  // namespace

// Postfix chooses a queue's outgoing server and login by the envelope sender, which is the
// queue's sender_address (core/policy/return_path.hpp), and its TLS policy by server and port:
// queues that share a sender_address must share [queues.outgoing] (or all have none), and one
// server and port is verified or not for every queue that uses it.
void Loader::check_outgoing_senders() {
    const std::vector<Queue>& queues = config_.queues;
    for (std::size_t i = 0; i < queues.size(); ++i) {
        for (std::size_t j = 0; j < i; ++j) {
            const Queue& a = queues[j];
            const Queue& b = queues[i];
            if (!a.outgoing && !b.outgoing) continue;
            const SourcePos& where = b.outgoing ? b.outgoing->where : b.where;
            if (a.sender_address == b.sender_address &&
                (!a.outgoing || !b.outgoing || !same_outgoing(*a.outgoing, *b.outgoing))) {
                diag_.error(where, fmt::format("queues {} and {} both send as {} but with different [queues.outgoing]: "
                                               "Postfix chooses the outgoing server and login by the sender address, "
                                               "so give them the same [queues.outgoing] (or none) or different "
                                               "sender_address", a.number, b.number, b.sender_address));
                continue;
            }
            if (a.outgoing && b.outgoing && a.outgoing->server == b.outgoing->server &&
                a.outgoing->port == b.outgoing->port &&
                a.outgoing->verify_certificate != b.outgoing->verify_certificate)
                diag_.error(where, fmt::format("queues {} and {} use {}:{} with different verify_certificate: Postfix "
                                               "has one TLS policy per server and port", a.number, b.number,
                                               b.outgoing->server, b.outgoing->port));
        }
    }
}

}  // namespace deskgate::config
