// fetch_config.cpp - getmail6 rc files and fetchmailrc files for [[queues.mailboxes]].
//
// Both fetchers deliver over LMTP to global.fetch_listen with the queue's system address as the
// recipient, delete a message only after deskgate-lmtpd answered 250 (keep = false), leave mail
// larger than global.max_message_size on the server (logged each run, never looped), and never
// bounce: deskgate-lmtpd holds what it refuses from a fetcher and still answers 250.
#include "config/fetch_config.hpp"

#include <fmt/format.h>

#include "core/base/socket_address.hpp"

namespace deskgate::config {
namespace {

constexpr const char* kCaBundle = "/etc/ssl/certs/ca-certificates.crt";  // Debian's ca-certificates
constexpr const char* kCaDirectory = "/etc/ssl/certs";
constexpr int kServerTimeout = 60;  // seconds without an answer from the provider

bool is_imap(const FetchedMailbox& m) { return m.protocol == FetchedMailbox::Protocol::Imap; }

// A Python string literal: getmail evaluates tuple values (password_command, mailboxes) with
// eval(), so every character that could end the literal is escaped.
std::string py_string(std::string_view s) {
    std::string out = "\"";
    for (unsigned char c : s) {
        if (c == '\\' || c == '"') out += {'\\', static_cast<char>(c)};
        else if (c < 0x20 || c == 0x7f) out += fmt::format("\\x{:02x}", c);
        else out += static_cast<char>(c);
    }
    return out + "\"";
}

// A Python tuple of string literals: ("a", "b") or ("a",).
std::string py_tuple(const std::vector<std::string>& items) {
    std::string out = "(";
    for (std::size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + py_string(items[i]);
    return out + (items.size() == 1 ? ",)" : ")");
}

// A fetchmailrc string in double quotes. fetchmail's lexer ends a string at any '"', even after a
// backslash, but decodes \\ and \xNN inside it: a quote is written \x22.
std::string fm_string(std::string_view s) {
    std::string out = "\"";
    for (unsigned char c : s) {
        if (c == '\\') out += "\\\\";
        else if (c == '"' || c < 0x20 || c == 0x7f) out += fmt::format("\\x{:02x}", c);
        else out += static_cast<char>(c);
    }
    return out + "\"";
}

// Where the fetchers deliver: global.fetch_listen (validated by the loader; the default stands
// in should it ever not be).
SocketAddress fetch_endpoint(const Config& config) {
    const ParsedSocketAddress parsed = parse_lmtp_address(config.global.fetch_listen);
    if (const auto* a = std::get_if<SocketAddress>(&parsed)) return *a;
    return SocketAddress{SocketAddress::Kind::Unix, "/run/deskgate/fetch.sock", "", 0, false};
}

std::string file_in(const Config& config, const std::string& name) {
    std::string dir = config.global.fetch_dir;
    while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
    return dir + "/" + name;
}

// The comment block every generated file starts with.
std::string header(const Config& config, const FetchJob& job, std::string_view file_name) {
    const FetchedMailbox& m = *job.mailbox;
    std::string out = fmt::format("# {} - written by `deskgate fetch` from [[queues.mailboxes]] #{} of queue {}", file_name,
                                  job.index, job.queue->number);
    if (!m.where.file.empty()) out += fmt::format(" ({}:{})", m.where.file, m.where.line);
    out += ";\n# edit deskgate.toml instead: every run rewrites this file.\n";
    out += fmt::format("# {} -> LMTP {} as {}\n", mailbox_label(m), config.global.fetch_listen, job.queue->system_address);
    return out;
}

std::string getmail_retriever(const FetchedMailbox& m) {
    std::string out = "[retriever]\n";
    out += fmt::format("type = {}\n", is_imap(m) ? "SimpleIMAPSSLRetriever" : "SimplePOP3SSLRetriever");
    out += fmt::format("server = {}\nport = {}\nusername = {}\n", m.server, effective_port(m), m.user);
    if (m.auth == FetchedMailbox::Auth::OAuth2) {
        out += "# OAuth2: the token command's output (trimmed) is the bearer token of AUTHENTICATE XOAUTH2\n";
        out += fmt::format("use_xoauth2 = True\npassword_command = {}\n", py_tuple(m.token_command));
    } else {
        out += "# the password is read from its file at each run; it is never written here\n";
        out += fmt::format("password_command = {}\n", py_tuple({"/bin/cat", m.password_file}));
    }
    if (is_imap(m)) out += fmt::format("mailboxes = {}\n", py_tuple({m.folder}));
    if (m.verify_certificate) {
        out += fmt::format("ca_certs = {}\n", kCaBundle);
    } else {
        out += "# verify_certificate = false: the server's certificate is NOT verified (no ca_certs);\n";
        out += "# anyone on the path could read the password and the mail.\n";
    }
    out += fmt::format("timeout = {}\n", kServerTimeout);
    return out;
}

std::string getmail_destination(const Config& config, const Queue& q) {
    const SocketAddress to = fetch_endpoint(config);
    std::string out = "[destination]\ntype = MDA_lmtp\n";
    if (to.kind == SocketAddress::Kind::Unix) out += fmt::format("host = {}\n", to.path);
    else out += fmt::format("host = {}\nport = {}\n", to.host, to.port);
    out += fmt::format("override = {}\n", q.system_address);
    return out;
}

std::string getmail_options(const Config& config, const FetchedMailbox& m) {
    std::string out = "[options]\n";
    out += "read_all = false\n";
    out += fmt::format("delete = {}\n", m.keep ? "false" : "true");
    if (m.keep) out += "# keep = true: fetched messages stay; getmail remembers their UIDs (oldmail-* files)\n";
    out += "# larger mail stays on the server, logged as \"not retrieved (oversized)\" at each run\n";
    out += fmt::format("max_message_size = {}\n", config.global.max_message_size);
    out += "delivered_to = false\n";
    out += "received = true\n";
    out += "# one line per message on standard output, read by `deskgate fetch`, and in the mail log\n";
    out += "verbose = 2\n";
    out += "message_log_syslog = true\n";
    return out;
}

std::string getmail_rc(const Config& config, const FetchJob& job) {
    return header(config, job, job.stem + ".getmailrc") + "\n" + getmail_retriever(*job.mailbox) + "\n" +
           getmail_destination(config, *job.queue) + "\n" + getmail_options(config, *job.mailbox);
}

std::string fetchmail_delivery(const Config& config, const Queue& q) {
    const SocketAddress to = fetch_endpoint(config);
    const std::string host = to.kind == SocketAddress::Kind::Unix ? to.path : fmt::format("{}/{}", to.host, to.port);
    return fmt::format("  smtphost {}\n  lmtp\n  smtpname {}\n", fm_string(host), fm_string(q.system_address));
}

std::string fetchmail_rc(const Config& config, const FetchJob& job, const std::optional<std::string>& password) {
    const FetchedMailbox& m = *job.mailbox;
    std::string out = header(config, job, job.stem + ".fetchmailrc") + "\n";
    out += "# never bounce to the sender; softbounce leaves a message refused at MAIL or RCPT on the server\n";
    out += "# (a 5xx after DATA deletes it: deskgate-lmtpd answers 250 on fetch_listen, holding what it refuses)\n";
    out += "set no bouncemail\nset softbounce\n\n";
    out += fmt::format("poll {} proto {} port {} timeout {} auth password{}\n", fm_string(m.server),
                       is_imap(m) ? "IMAP" : "POP3", effective_port(m), kServerTimeout,
                       !is_imap(m) && m.keep ? " uidl" : "");
    out += fmt::format("  user {}\n", fm_string(m.user));
    if (password) out += fmt::format("  password {}\n", fm_string(*password));
    else out += fmt::format("  # password: the contents of {} (only in the copy `deskgate fetch` writes)\n", m.password_file);
    out += "  # STARTTLS is required (sslproto without ssl), TLS 1.2 or newer\n";
    out += "  sslproto \"TLS1.2+\"\n";
    if (m.verify_certificate) {
        out += fmt::format("  sslcertck\n  sslcertpath {}\n", fm_string(kCaDirectory));
    } else {
        out += "  # verify_certificate = false: the server's certificate is NOT verified;\n";
        out += "  # anyone on the path could read the password and the mail.\n";
        out += "  no sslcertck\n";
    }
    if (is_imap(m)) out += fmt::format("  folder {}\n", fm_string(m.folder));
    if (m.keep) {
        out += "  # keep = true: fetched messages stay; POP3 remembers their UIDs in the idfile, IMAP by the\n";
        out += "  # \\Seen flag (a message someone marked read before the fetch is not fetched)\n";
        out += "  keep\n";
    } else {
        out += "  # every message, read or not, is fetched and deleted once deskgate-lmtpd took it\n";
        out += "  nokeep\n  fetchall\n";
    }
    out += "  no rewrite\n";
    out += fetchmail_delivery(config, *job.queue);
    out += "  # larger mail stays on the server, logged as \"oversized\" at each run\n";
    out += fmt::format("  limit {}\n", config.global.max_message_size);
    return out;
}

FetchJob make_job(const Config& config, const Queue& q, const FetchedMailbox& m, std::size_t index) {
    FetchJob job;
    job.queue = &q;
    job.mailbox = &m;
    job.index = index;
    job.stem = fmt::format("q{}-{}", q.number, index);
    if (m.tls == FetchedMailbox::Tls::Implicit) {
        job.fetcher = Fetcher::Getmail;
        job.rc_file = file_in(config, job.stem + ".getmailrc");
        job.argv = {"getmail", "--getmaildir", config.global.fetch_dir, "--rcfile", job.rc_file};
    } else {
        job.fetcher = Fetcher::Fetchmail;
        job.rc_file = file_in(config, job.stem + ".fetchmailrc");
        job.id_file = file_in(config, job.stem + ".fetchids");
        job.pid_file = file_in(config, job.stem + ".pid");
        job.argv = {"fetchmail", "--fetchmailrc", job.rc_file, "--idfile", job.id_file, "--pidfile", job.pid_file,
                    "--nodetach", "--nosyslog"};
    }
    return job;
}

}  // namespace

std::vector<FetchJob> fetch_jobs(const Config& config) {
    std::vector<FetchJob> jobs;
    for (const Queue& q : config.queues)
        for (std::size_t i = 0; i < q.mailboxes.size(); ++i) jobs.push_back(make_job(config, q, q.mailboxes[i], i + 1));
    return jobs;
}

std::string fetch_rc_text(const Config& config, const FetchJob& job, const std::optional<std::string>& password) {
    return job.fetcher == Fetcher::Getmail ? getmail_rc(config, job) : fetchmail_rc(config, job, password);
}

std::string mailbox_label(const FetchedMailbox& m) {
    const bool implicit = m.tls == FetchedMailbox::Tls::Implicit;
    const std::string scheme = std::string(is_imap(m) ? "imap" : "pop3") + (implicit ? "s" : "+starttls");
    std::string out = fmt::format("{}://{}:{}", scheme, m.server, effective_port(m));
    if (is_imap(m)) out += "/" + m.folder;
    return out + fmt::format(" user={}", m.user);
}

}  // namespace deskgate::config
