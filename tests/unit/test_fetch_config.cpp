// test_fetch_config.cpp - the fetchers' files for [[queues.mailboxes]] (`deskgate fetch-config`,
// `deskgate fetch`): getmail6 rc lines per protocol, authentication and certificate setting,
// the fetchmailrc of a STARTTLS mailbox with and without its password, quoting, file names and
// command lines; and reading the fetchers' output (counts, the line that says why a run failed).
#include <doctest/doctest.h>

#include "config/fetch_config.hpp"
#include "config/fetch_report.hpp"

using namespace deskgate;
using namespace deskgate::config;

namespace {

bool has_line(const std::string& text, std::string_view line) {
    return text.find("\n" + std::string(line) + "\n") != std::string::npos;
}

FetchedMailbox imap_password() {
    FetchedMailbox m;
    m.protocol = FetchedMailbox::Protocol::Imap;
    m.server = "imap.example.net";
    m.user = "help@example.net";
    m.password_file = "/etc/deskgate/help.pass";
    m.where = {"/etc/deskgate/deskgate.toml", 40, 1};
    return m;
}

Config config_with(std::vector<FetchedMailbox> mailboxes) {
    Config c;
    c.global.max_message_size = 10 * 1024 * 1024;
    Queue q;
    q.number = 10;
    q.name = "Support";
    q.system_address = "support@helpdesk.example.com";
    q.mailboxes = std::move(mailboxes);
    c.queues.push_back(std::move(q));
    Queue other;
    other.number = 20;
    other.system_address = "billing@helpdesk.example.com";
    c.queues.push_back(std::move(other));
    c.build_indexes();
    return c;
}

}  // namespace

TEST_CASE("getmail rc: IMAP over implicit TLS with a password file, verified, mail deleted") {
    const Config c = config_with({imap_password()});
    const std::vector<FetchJob> jobs = fetch_jobs(c);
    REQUIRE(jobs.size() == 1);
    const FetchJob& j = jobs[0];
    CHECK(j.fetcher == Fetcher::Getmail);
    CHECK(j.stem == "q10-1");
    CHECK(j.rc_file == "/var/lib/deskgate/fetch/q10-1.getmailrc");
    CHECK(j.argv == std::vector<std::string>{"getmail", "--getmaildir", "/var/lib/deskgate/fetch", "--rcfile",
                                             "/var/lib/deskgate/fetch/q10-1.getmailrc"});
    const std::string rc = fetch_rc_text(c, j);
    MESSAGE(rc);
    CHECK(rc.starts_with("# q10-1.getmailrc - written by `deskgate fetch` from [[queues.mailboxes]] #1 of queue 10 "
                         "(/etc/deskgate/deskgate.toml:40);\n"));
    CHECK(has_line(rc, "# imaps://imap.example.net:993/INBOX user=help@example.net -> LMTP unix:/run/deskgate/fetch.sock as "
                       "support@helpdesk.example.com"));
    CHECK(has_line(rc, "[retriever]"));
    CHECK(has_line(rc, "type = SimpleIMAPSSLRetriever"));
    CHECK(has_line(rc, "server = imap.example.net"));
    CHECK(has_line(rc, "port = 993"));
    CHECK(has_line(rc, "username = help@example.net"));
    CHECK(has_line(rc, "password_command = (\"/bin/cat\", \"/etc/deskgate/help.pass\")"));
    CHECK(has_line(rc, "mailboxes = (\"INBOX\",)"));
    CHECK(has_line(rc, "ca_certs = /etc/ssl/certs/ca-certificates.crt"));
    CHECK(rc.find("use_xoauth2") == std::string::npos);
    CHECK(has_line(rc, "[destination]"));
    CHECK(has_line(rc, "type = MDA_lmtp"));
    CHECK(has_line(rc, "host = /run/deskgate/fetch.sock"));
    CHECK(rc.find("\nport = 24") == std::string::npos);
    CHECK(has_line(rc, "override = support@helpdesk.example.com"));
    CHECK(has_line(rc, "[options]"));
    CHECK(has_line(rc, "read_all = false"));
    CHECK(has_line(rc, "delete = true"));
    CHECK(has_line(rc, "max_message_size = 10485760"));
    CHECK(has_line(rc, "verbose = 2"));
    CHECK(has_line(rc, "message_log_syslog = true"));
}

TEST_CASE("getmail rc: POP3, OAuth2, keep, no verification, an inet fetch socket") {
    FetchedMailbox pop = imap_password();
    pop.protocol = FetchedMailbox::Protocol::Pop3;
    pop.verify_certificate = false;
    pop.keep = true;
    pop.port = 1995;
    FetchedMailbox oauth = imap_password();
    oauth.auth = FetchedMailbox::Auth::OAuth2;
    oauth.password_file.clear();
    oauth.token_command = {"/usr/local/bin/m365-token", "--user", "help \"desk\"\\x"};
    oauth.folder = "Support/Inbox";
    Config c = config_with({pop, oauth});
    c.global.fetch_listen = "inet:127.0.0.1:2425";
    c.global.fetch_dir = "/srv/fetch/";
    const std::vector<FetchJob> jobs = fetch_jobs(c);
    REQUIRE(jobs.size() == 2);

    SUBCASE("POP3 with keep and no certificate check") {
        const std::string rc = fetch_rc_text(c, jobs[0]);
        MESSAGE(rc);
        CHECK(jobs[0].rc_file == "/srv/fetch/q10-1.getmailrc");
        CHECK(has_line(rc, "type = SimplePOP3SSLRetriever"));
        CHECK(has_line(rc, "port = 1995"));
        CHECK(rc.find("mailboxes =") == std::string::npos);
        CHECK(rc.find("\nca_certs =") == std::string::npos);
        CHECK(has_line(rc, "# verify_certificate = false: the server's certificate is NOT verified (no ca_certs);"));
        CHECK(has_line(rc, "delete = false"));
        CHECK(has_line(rc, "host = 127.0.0.1"));
        CHECK(has_line(rc, "port = 2425"));
    }
    SUBCASE("OAuth2: the token command as a Python tuple, quoted") {
        const std::string rc = fetch_rc_text(c, jobs[1]);
        MESSAGE(rc);
        CHECK(jobs[1].stem == "q10-2");
        CHECK(has_line(rc, "use_xoauth2 = True"));
        CHECK(has_line(rc, R"(password_command = ("/usr/local/bin/m365-token", "--user", "help \"desk\"\\x"))"));
        CHECK(has_line(rc, "mailboxes = (\"Support/Inbox\",)"));
        CHECK(rc.find("/bin/cat") == std::string::npos);
    }
}

TEST_CASE("fetchmailrc: STARTTLS mailboxes, the password only when given") {
    FetchedMailbox imap = imap_password();
    imap.tls = FetchedMailbox::Tls::Starttls;
    FetchedMailbox pop = imap_password();
    pop.protocol = FetchedMailbox::Protocol::Pop3;
    pop.tls = FetchedMailbox::Tls::Starttls;
    pop.keep = true;
    pop.verify_certificate = false;
    Config c = config_with({imap, pop});
    const std::vector<FetchJob> jobs = fetch_jobs(c);
    REQUIRE(jobs.size() == 2);
    const FetchJob& j = jobs[0];
    CHECK(j.fetcher == Fetcher::Fetchmail);
    CHECK(j.rc_file == "/var/lib/deskgate/fetch/q10-1.fetchmailrc");
    CHECK(j.argv == std::vector<std::string>{"fetchmail", "--fetchmailrc", "/var/lib/deskgate/fetch/q10-1.fetchmailrc",
                                             "--idfile", "/var/lib/deskgate/fetch/q10-1.fetchids", "--pidfile",
                                             "/var/lib/deskgate/fetch/q10-1.pid", "--nodetach", "--nosyslog"});

    SUBCASE("printed: where the password comes from, never the password") {
        const std::string rc = fetch_rc_text(c, j);
        MESSAGE(rc);
        CHECK(rc.starts_with("# q10-1.fetchmailrc - written by `deskgate fetch`"));
        CHECK(has_line(rc, "set no bouncemail"));
        CHECK(has_line(rc, "set softbounce"));
        CHECK(has_line(rc, "poll \"imap.example.net\" proto IMAP port 143 timeout 60 auth password"));
        CHECK(has_line(rc, "  user \"help@example.net\""));
        CHECK(has_line(rc, "  # password: the contents of /etc/deskgate/help.pass (only in the copy `deskgate fetch` writes)"));
        CHECK(rc.find("  password ") == std::string::npos);
        CHECK(has_line(rc, "  sslproto \"TLS1.2+\""));
        CHECK(rc.find("\n  ssl\n") == std::string::npos);  // no implicit TLS: STARTTLS it is
        CHECK(has_line(rc, "  sslcertck"));
        CHECK(has_line(rc, "  sslcertpath \"/etc/ssl/certs\""));
        CHECK(has_line(rc, "  folder \"INBOX\""));
        CHECK(has_line(rc, "  nokeep"));
        CHECK(has_line(rc, "  fetchall"));
        CHECK(has_line(rc, "  no rewrite"));
        CHECK(has_line(rc, "  smtphost \"/run/deskgate/fetch.sock\""));
        CHECK(has_line(rc, "  lmtp"));
        CHECK(has_line(rc, "  smtpname \"support@helpdesk.example.com\""));
        CHECK(has_line(rc, "  limit 10485760"));
    }
    SUBCASE("written: the password, quoted for fetchmail's lexer (a quote as \\x22)") {
        const std::string rc = fetch_rc_text(c, j, std::string("p\"a\\ss"));
        CHECK(has_line(rc, R"(  password "p\x22a\\ss")"));
    }
    SUBCASE("POP3 with keep: uidl; no certificate check") {
        c.global.fetch_listen = "inet:[::1]:2425";
        const std::string rc = fetch_rc_text(c, jobs[1]);
        MESSAGE(rc);
        CHECK(has_line(rc, "poll \"imap.example.net\" proto POP3 port 110 timeout 60 auth password uidl"));
        CHECK(has_line(rc, "  no sslcertck"));
        CHECK(rc.find("sslcertpath") == std::string::npos);
        CHECK(rc.find("folder") == std::string::npos);
        CHECK(has_line(rc, "  keep"));
        CHECK(rc.find("fetchall") == std::string::npos);
        CHECK(has_line(rc, "  smtphost \"::1/2425\""));
    }
}

TEST_CASE("no mailboxes, no jobs; labels") {
    CHECK(fetch_jobs(config_with({})).empty());
    FetchedMailbox m = imap_password();
    CHECK(mailbox_label(m) == "imaps://imap.example.net:993/INBOX user=help@example.net");
    m.protocol = FetchedMailbox::Protocol::Pop3;
    m.tls = FetchedMailbox::Tls::Starttls;
    CHECK(mailbox_label(m) == "pop3+starttls://imap.example.net:110 user=help@example.net");
}

// Output as getmail 6.18 and fetchmail 6.4.37 print it (recorded against Dovecot 2.3).
TEST_CASE("reading getmail's output") {
    constexpr std::string_view kBanner = "getmail version 6.18.11\nCopyright (C) 1998-2023 Charles Cazabon and others.\n"
                                         "SimpleIMAPSSLRetriever:u@127.0.0.1:993:\n";
    SUBCASE("two delivered, one oversized") {
        const std::string out = std::string(kBanner) +
                                "  msg 1/3 (119 bytes) from <a@x.example> delivered to MDA_lmtp at /run/deskgate/fetch.sock, deleted\n"
                                "  msg 2/3 (99000 bytes) not retrieved (oversized)\n"
                                "  msg 3/3 (134 bytes) from <unknown> delivered to MDA_lmtp at /run/deskgate/fetch.sock, deleted\n"
                                "  2 messages (253 bytes) retrieved, 1 skipped\n";
        const FetchReport r = read_fetch_output(Fetcher::Getmail, 0, out, "");
        CHECK(r.ok);
        CHECK(r.fetched == 2);
        CHECK(r.oversized == 1);
        CHECK(r.error.empty());
    }
    SUBCASE("the certificate") {
        const FetchReport r = read_fetch_output(Fetcher::Getmail, 127, std::string(kBanner) + "  0 messages (0 bytes) retrieved, 0 skipped\n",
                                                "q10-1.getmailrc: operation error (SSLError during connect ([SSL: CERTIFICATE_VERIFY_FAILED] "
                                                "certificate verify failed: self-signed certificate (_ssl.c:992)))\n");
        CHECK_FALSE(r.ok);
        CHECK(r.error == "operation error (SSLError during connect ([SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: "
                         "self-signed certificate (_ssl.c:992)))");
    }
    SUBCASE("the login") {
        const FetchReport r = read_fetch_output(Fetcher::Getmail, 127, kBanner,
                                                "q10-1.getmailrc: credential/login error (b'[AUTHENTICATIONFAILED] Authentication failed.')\n");
        CHECK(r.error == "credential/login error (b'[AUTHENTICATIONFAILED] Authentication failed.')");
    }
    SUBCASE("a refused login getmail exits 0 after") {
        const FetchReport r = read_fetch_output(Fetcher::Getmail, 0, std::string(kBanner) + "  0 messages (0 bytes) retrieved, 0 skipped\n",
                                                "q10-3.getmailrc: login refused error (b'[UNAVAILABLE] Temporary authentication failure.')\n");
        CHECK_FALSE(r.ok);
        CHECK(r.error == "login refused error (b'[UNAVAILABLE] Temporary authentication failure.')");
    }
    SUBCASE("a delivery error: the message stays and the run failed") {
        const FetchReport r = read_fetch_output(
            Fetcher::Getmail, 127, std::string(kBanner) + "  msg 1/1 (119 bytes) from <a@x.example>, delivery error (x)\n",
            "Delivery error (Cannot deliver to intended target: 451 b'4.3.0 try later')\n");
        CHECK_FALSE(r.ok);
        CHECK(r.fetched == 0);
        CHECK(r.error == "Delivery error (Cannot deliver to intended target: 451 b'4.3.0 try later')");
    }
    SUBCASE("a traceback: its exception line") {
        const FetchReport r = read_fetch_output(Fetcher::Getmail, 4, "",
                                                "\nException: please read docs/BUGS and include the following information\n"
                                                "  getmail version 6.18.11\nUnhandled exception follows:\n"
                                                "    self.sock.connect(host)\n  FileNotFoundError: [Errno 2] No such file or directory\n"
                                                "Please also include configuration information from running getmail\n");
        CHECK(r.error == "FileNotFoundError: [Errno 2] No such file or directory");
    }
    SUBCASE("nothing said: the exit status") {
        CHECK(read_fetch_output(Fetcher::Getmail, 3, "", "").error == "exited with status 3");
    }
}

TEST_CASE("reading fetchmail's output") {
    constexpr std::string_view kNoise = "fetchmail: WARNING: Running as root is discouraged.\n"
                                        "fetchmail: Server certificate verification error: self-signed certificate\n"
                                        "fetchmail: Missing trust anchor certificate: /CN=localhost\n"
                                        "fetchmail: Warning: the connection is insecure, continuing anyways. (Better use --sslcertck!)\n";
    SUBCASE("delivered and deleted, one oversized") {
        const FetchReport r = read_fetch_output(Fetcher::Fetchmail, 0,
                                                "2 messages for u at h (folder INBOX).\n"
                                                "reading message u@h:1 of 2 (147 header octets) (6 body octets) flushed\n"
                                                "skipping message u@h:2 (99136 octets) (oversized) not flushed\n",
                                                kNoise);
        CHECK(r.ok);
        CHECK(r.fetched == 1);
        CHECK(r.oversized == 1);
    }
    SUBCASE("no mail is no failure") {
        const FetchReport r = read_fetch_output(Fetcher::Fetchmail, 1, "", "fetchmail: No mail for u at h (folder INBOX)\n");
        CHECK(r.ok);
        CHECK(r.fetched == 0);
    }
    SUBCASE("the certificate, with fetchmail's reason") {
        const FetchReport r = read_fetch_output(Fetcher::Fetchmail, 2, "",
                                                "fetchmail: Server CommonName mismatch: localhost != 127.0.0.1\n"
                                                "fetchmail: Server certificate verification error: self-signed certificate\n"
                                                "fetchmail: OpenSSL reported: error:0A000086:SSL routines::certificate verify failed\n"
                                                "fetchmail: 127.0.0.1: upgrade to TLS failed.\n"
                                                "fetchmail: socket error while fetching from u@127.0.0.1\n"
                                                "fetchmail: Query status=2 (SOCKET)\n");
        CHECK_FALSE(r.ok);
        CHECK(r.error == "OpenSSL reported: error:0A000086:SSL routines::certificate verify failed (self-signed certificate)");
    }
    SUBCASE("an LMTP answer that is not 250: exit status 0 notwithstanding") {
        const FetchReport r = read_fetch_output(Fetcher::Fetchmail, 0,
                                                "1 message for u at h (folder INBOX).\n"
                                                "reading message u@h:1 of 1 (102 header octets) (6 body octets) not flushed\n",
                                                std::string(kNoise) + "fetchmail: LMTP error: 451 4.3.0 later\n");
        CHECK_FALSE(r.ok);
        CHECK(r.fetched == 0);
        CHECK(r.error == "LMTP error: 451 4.3.0 later");
    }
    SUBCASE("the login, past the noise") {
        const FetchReport r = read_fetch_output(Fetcher::Fetchmail, 3, "",
                                                std::string(kNoise) + "fetchmail: Authorization failure on u@127.0.0.1\n"
                                                                      "fetchmail: Query status=3 (AUTHFAIL)\n");
        CHECK(r.error == "Authorization failure on u@127.0.0.1");
    }
}
