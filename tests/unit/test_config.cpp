// test_config.cpp - the TOML loader: the shipped example, includes, and every kind of mistake
// reported with its exact file:line:column (all of them in one run). Templates: test_template.cpp.
#include <doctest/doctest.h>

#include <algorithm>

#include "config/load.hpp"
#include "config_fixture.hpp"
#include "test_support.hpp"

using namespace deskgate;
using deskgate::test::data_dir;
using deskgate::test::source_dir;
using deskgate::test::write_file;

namespace {

constexpr std::string_view kGlobal = R"([global]
hostname = "helpdesk.example.com"
store = "/tmp/x"
secret_file = "secret"
)";

constexpr std::string_view kQueue = R"(
[[queues]]
number = 10
name = "Support"
address = "support@helpdesk.example.com"
)";

using Fixture = deskgate::test::ConfigFixture;
using deskgate::test::has;

}  // namespace

TEST_CASE("the shipped example config loads, with its includes") {
    LoadResult r = load_config(source_dir() / "config/examples/deskgate.toml");
    for (const auto& e : r.errors) MESSAGE(to_string(e));
    REQUIRE(r.config);
    const Config& c = *r.config;
    CHECK(c.customers.size() == 3);
    CHECK(c.queues.size() == 3);
    CHECK(c.rules.size() == 3);
    CHECK(c.files.size() == 2);
    CHECK(c.global.max_message_size == 50ull * 1024 * 1024);
    CHECK(c.global.secret.size() == 64);
    CHECK(c.queue_by_address.at("help@example.com").queue == 0);
    CHECK(c.queue_by_address.at("help@example.com").role == AddressRole::Forwarding);
    CHECK(c.queue_by_address.at("support-comment@helpdesk.example.com").role == AddressRole::Comment);
    CHECK(c.customers[c.customer_by_domain.at("acme.example")].id == "acme");
    CHECK(c.customers[c.customer_by_contact.at("bob@acme.example")].id == "acme");
    CHECK(c.customer_by_id("initech")->authorization == Authorization::Required);
    CHECK_FALSE(c.customer_by_id("globex")->email_tickets);
    CHECK_FALSE(c.queue_by_num(30)->active);
    const Calendar* office = c.calendar_named("office");
    REQUIRE(office);
    CHECK(office->time_zone == "Europe/Prague");
    REQUIRE(office->weekly[4].size() == 2);
    CHECK(office->weekly[4][1].start == 13 * 60);
    CHECK(office->weekly[5].empty());
    CHECK(c.rules[1].conditions[0].regex);
    CHECK(c.staff_by_addr("jana@example.com")->queues == std::vector<std::uint32_t>{10, 20});
}

TEST_CASE("five mistakes are all reported with line:column") {
    LoadResult r = load_config(data_dir() / "config/five-mistakes.toml");
    CHECK_FALSE(r.config);
    REQUIRE(r.errors.size() == 5);
    std::vector<std::string> got;
    for (const ConfigError& e : r.errors) {
        CHECK(e.where.file.ends_with("five-mistakes.toml"));
        got.push_back(std::to_string(e.where.line) + ":" + std::to_string(e.where.column) + ": " + e.message);
    }
    CHECK(got[0] == "11:1: unknown key 'adress' in [[queues]] (did you mean 'address'?)");
    CHECK(got[1] == "13:10: 'active' in [[queues]]: expected a boolean (true or false), got a string");
    CHECK(got[2].starts_with("16:10: duplicate queue number 10 (first defined at "));
    CHECK(got[3] == "19:34: unknown placeholder {{queue.titel}} in 'display_name'");
    CHECK(got[4].starts_with("23:60: invalid regex in rule 'broken regex': missing )"));
}

TEST_CASE("each kind of mistake names what was expected") {
    Fixture f;
    const std::string base = std::string(kGlobal) + std::string(kQueue);

    auto e = f.errors(base + "\n[[queues]]\nnumber = 20\nname = \"B\"\naddress = \"SUPPORT@helpdesk.example.com\"\n");
    REQUIRE(e.size() == 1);
    CHECK(e[0] == "14:11: address support@helpdesk.example.com claimed by queue 10 and queue 20 (first at t.toml:9:11)");

    e = f.errors(base + "[[customers]]\nid = \"a\"\ndomains = [\"x.example\"]\n"
                        "[[customers]]\nid = \"b\"\ndomains = [\"X.example\"]\n");
    REQUIRE(e.size() == 1);
    CHECK(has(e, "domain x.example claimed by customers a and b"));

    e = f.errors(base + "[[customers]]\nid = \"a\"\n[[customers]]\nid = \"a\"\n");
    CHECK(has(e, "duplicate customer id 'a'"));

    e = f.errors(std::string(kGlobal) + R"(
[[queues]]
number = 10
name = "S"
address = "s@h.example"
calendar = "ofice"
default_priority = "extreme"
[[calendars]]
name = "office"
time_zone = "Mars/Olympus"
holidays = ["2026-02-30"]
[calendars.hours]
mon = "17:00-08:00"
[[staff]]
alias = "jana"
address = "jana@example.com"
queues = [99]
[[rules]]
name = "r"
conditions = [{ field = "subjet", kind = "contains", value = "x" }]
set_queue = 42
assign = "jna"
)");
    CHECK(has(e, "10:12: unknown calendar 'ofice' (queue 10) (did you mean 'office'?)"));
    CHECK(has(e, "11:20: unknown priority 'extreme'"));
    CHECK(has(e, "unknown time zone \"Mars/Olympus\""));
    CHECK(has(e, "holiday \"2026-02-30\": expected a date YYYY-MM-DD"));
    CHECK(has(e, "'mon' hours \"17:00-08:00\""));
    CHECK(has(e, "21:11: unknown queue 99 (staff 'jana')"));
    CHECK(has(e, "'field' in a condition of rule 'r': expected one of from, to, cc, subject, body, header, got \"subjet\" (did you mean 'subject'?)"));
    CHECK(has(e, "unknown queue 42 (set_queue in rule 'r')"));
    CHECK(has(e, "unknown staff alias 'jna' (assign in rule 'r') (did you mean 'jana'?)"));

    e = f.errors("[global]\nhostname = \"h\"\nstore = \"/x\"\nsecret_file = \"missing-secret\"\n" + std::string(kQueue));
    REQUIRE(e.size() == 1);
    CHECK(e[0].starts_with("4:15: cannot read secret file "));

    e = f.errors(base + "[[queues]]\nnumber = 11\nname = \"x\"\naddress = \"x@h.example\"\nsubject_tag = \"[X]\"\n");
    CHECK(has(e, "'subject_tag' must contain {{ticket.number}}"));

    e = f.errors("[global\nhostname = 1\n");
    REQUIRE(e.size() == 1);
    CHECK(e[0].starts_with("1:"));
    CHECK(has(e, "TOML syntax error"));

    e = f.errors(base + "[global2]\nx = 1\n");
    CHECK(has(e, "unknown section 'global2'"));

    e = f.errors(std::string(kGlobal) + "max_message_size = \"12Q\"\n" + std::string(kQueue));
    CHECK(has(e, "expected a positive size in bytes"));
}

TEST_CASE("include globs are read in sorted order; [global] is not allowed in an include") {
    Fixture f;
    std::filesystem::create_directory(f.dir.path() / "conf.d");
    write_file(f.dir.path() / "conf.d/20-b.toml", "[[customers]]\nid = \"b\"\ndomains = [\"b.example\"]\n");
    write_file(f.dir.path() / "conf.d/10-a.toml", "[[customers]]\nid = \"a\"\ndomains = [\"a.example\"]\n");
    write_file(f.dir.path() / "conf.d/ignored.txt", "not toml");
    std::string text = std::string(kGlobal) + "include = [\"conf.d/*.toml\"]\n" + std::string(kQueue);
    LoadResult r = f.load(text);
    REQUIRE(r.config);
    REQUIRE(r.config->customers.size() == 2);
    CHECK(r.config->customers[0].id == "a");
    CHECK(r.config->customers[1].id == "b");
    CHECK(r.config->files.size() == 3);

    write_file(f.dir.path() / "conf.d/30-c.toml", "[global]\nhostname = \"x\"\n");
    auto e = f.errors(text);
    REQUIRE(e.size() == 1);
    CHECK(has(e, "unknown section 'global' ([global] belongs in the main file)"));
}

TEST_CASE("array elements and template placeholders are pointed at exactly") {
    Fixture f;
    const std::string base = std::string(kGlobal) + std::string(kQueue);
    // Line numbers below count from the first line of `base` (9 lines).

    auto e = f.errors(base + "[[customers]]\nid = \"a\"\ndomains = [\"x.example\", \"y.example\"]\n"
                             "[[customers]]\nid = \"b\"\ndomains = [\"z.example\", \"Y.EXAMPLE\"]\n");
    REQUIRE(e.size() == 1);
    CHECK(e[0] == "15:25: domain y.example claimed by customers a and b (first at t.toml:12:25)");

    e = f.errors(base + "[[customers]]\nid = \"a\"\ncontacts = [\"ok@a.example\", \"not an address\"]\n");
    REQUIRE(e.size() == 1);
    CHECK(e[0] == "12:29: 'contacts' of customer 'a': \"not an address\" is not an e-mail address");

    e = f.errors(base + "[[queues]]\nnumber = 20\nname = \"B\"\naddress = \"b@h.example\"\n"
                        "forwarding = [\"f@h.example\", \"support@helpdesk.example.com\"]\n");
    REQUIRE(e.size() == 1);
    CHECK(e[0].starts_with("14:30: address support@helpdesk.example.com claimed by queue 10 and queue 20"));

    e = f.errors(base + "[[calendars]]\nname = \"c\"\ntime_zone = \"UTC\"\nholidays = [\"2026-12-24\", \"2026-13-01\"]\n"
                        "[calendars.hours]\nmon = [\"08:00-12:00\", \"13:00-12:00\"]\n");
    REQUIRE(e.size() == 2);
    CHECK(e[0] == "13:27: holiday \"2026-13-01\": expected a date YYYY-MM-DD");
    CHECK(e[1].starts_with("15:23: 'mon' hours \"13:00-12:00\""));

    // Placeholders: single-line basic and literal strings, one-line and multi-line """ strings.
    e = f.errors(std::string(kGlobal) + "[[queues]]\nnumber = 10\nname = \"S\"\naddress = \"s@h.example\"\n"
                 "display_name = '{{user.alias}} {{queue.titel}}'\n"
                 "signature = \"\"\"-- {{queue.nmae}}\"\"\"\n"
                 "ack_in_hours = \"\"\"\nHello {{customer.name}},\n  we got {{ticket.subjet}}.\n\"\"\"\n"
                 "ack_after_hours = \"\"\"Hi {{customer.nam}}\nbye {{user.nam}}\"\"\"\n");
    REQUIRE(e.size() == 5);
    CHECK(e[0] == "9:32: unknown placeholder {{queue.titel}} in 'display_name'");
    CHECK(e[1] == "10:19: unknown placeholder {{queue.nmae}} in 'signature'");
    CHECK(e[2] == "13:10: unknown placeholder {{ticket.subjet}} in 'ack_in_hours'");
    CHECK(e[3] == "15:25: unknown placeholder {{customer.nam}} in 'ack_after_hours'");
    CHECK(e[4] == "16:5: unknown placeholder {{user.nam}} in 'ack_after_hours'");

    // With an escape before it the decoded offset no longer maps to a column: the value's start.
    e = f.errors(std::string(kGlobal) + "[[queues]]\nnumber = 10\nname = \"S\"\naddress = \"s@h.example\"\n"
                 "display_name = \"\\\"{{queue.titel}}\\\"\"\n");
    REQUIRE(e.size() == 1);
    CHECK(e[0] == "9:16: unknown placeholder {{queue.titel}} in 'display_name'");
}

TEST_CASE("secret file: missing, empty and too short are errors at secret_file") {
    Fixture f;
    write_file(f.dir.path() / "empty-secret", "\n");
    write_file(f.dir.path() / "short-secret", "abc\n");
    auto text = [](std::string_view file) {
        return "[global]\nhostname = \"h\"\nstore = \"/x\"\nsecret_file = \"" + std::string(file) + "\"\n" +
               std::string(kQueue);
    };
    auto e = f.errors(text("missing-secret"));
    REQUIRE(e.size() == 1);
    CHECK(e[0] == "4:15: cannot read secret file " + (f.dir.path() / "missing-secret").string() +
                      ": No such file or directory");
    e = f.errors(text("empty-secret"));
    REQUIRE(e.size() == 1);
    CHECK(e[0].starts_with("4:15: secret file " + (f.dir.path() / "empty-secret").string() + " holds 0 bytes"));
    e = f.errors(text("short-secret"));
    REQUIRE(e.size() == 1);
    CHECK(has(e, "holds 3 bytes; expected at least 16"));

    LoadResult r = f.load(text("secret"));
    REQUIRE(r.config);
    CHECK(r.config->global.secret == "0123456789abcdef0123456789abcdef");  // trailing newline trimmed
}

TEST_CASE("subject tags: {{ticket.number}} with any spacing; only tag placeholders") {
    Fixture f;
    auto queue = [](std::string_view tag) {
        return std::string(kGlobal) + "[[queues]]\nnumber = 10\nname = \"S\"\naddress = \"s@h.example\"\n"
               "subject_tag = \"" + std::string(tag) + "\"\n";
    };
    CHECK(f.errors(queue("[S#{{ ticket.number }}]")).empty());
    CHECK(f.errors(queue("[{{queue.title}} {{queue.number}}#{{ticket.number}}]")).empty());
    auto e = f.errors(queue("[S#{{ticket.id}}]"));
    REQUIRE(e.size() == 2);
    CHECK(e[0] == "9:15: 'subject_tag' must contain {{ticket.number}}");
    CHECK(e[1] == "9:19: unknown placeholder {{ticket.id}} in 'subject_tag' (allowed: ticket.number, "
                  "queue.title, queue.name, queue.number)");
}

TEST_CASE("wrong types, enums and rule details") {
    Fixture f;
    const std::string base = std::string(kGlobal) + std::string(kQueue);
    auto e = f.errors(base + "[[customers]]\nid = \"a\"\nemail_tickets = \"yes\"\nauthorization = \"mandatory\"\n");
    REQUIRE(e.size() == 2);
    CHECK(e[0] == "12:17: 'email_tickets' in [[customers]]: expected a boolean (true or false), got a string");
    CHECK(e[1] == "13:17: 'authorization' in [[customers]]: expected one of off, optional, required, got \"mandatory\"");

    e = f.errors(base + "[[rules]]\nname = \"h\"\nconditions = [{ field = \"header\", kind = \"equals\", value = \"x\" }]\n"
                        "set_priority = \"hihg\"\n");
    REQUIRE(e.size() == 2);
    CHECK(e[0] == "12:15: a condition of rule 'h' on field \"header\" needs 'header' (the header name)");
    CHECK(e[1] == "13:16: unknown priority 'hihg' (set_priority in rule 'h'); [global] priorities are low, normal, high, urgent");

    e = f.errors(base + "[[rules]]\nname = \"r\"\nconditions = [{ field = \"subject\", kind = \"regex\", value = \"(a\" }]\n");
    REQUIRE(e.size() == 1);
    CHECK(e[0] == "12:60: invalid regex in rule 'r': missing ): (a");

    // Patterns: lower-cased except regexes, which are compiled case-insensitive.
    LoadResult r = f.load(base + "[[rules]]\nname = \"r\"\nmatch = \"any\"\nconditions = ["
                                 "{ field = \"from\", kind = \"wildcard\", value = \"*@ACME.example\" },"
                                 "{ field = \"subject\", kind = \"regex\", value = \"Invoice\" }]\n");
    REQUIRE(r.config);
    const Rule& rule = r.config->rules.at(0);
    CHECK_FALSE(rule.match_all);
    CHECK(rule.conditions[0].pattern == "*@acme.example");
    REQUIRE(rule.conditions[1].regex);
    CHECK(rule.conditions[1].pattern == "Invoice");
}

TEST_CASE("indexes: every address role, earlier entries win, enum names") {
    LoadResult r = load_config(source_dir() / "config/examples/deskgate.toml");
    REQUIRE(r.config);
    const Config& c = *r.config;
    CHECK(c.queue_by_address.at("support@helpdesk.example.com").role == AddressRole::System);
    CHECK(c.queue_by_address.at("billing@helpdesk.example.com").queue == 1);
    CHECK(c.queue_by_number.at(30) == 2);
    CHECK(c.staff_by_alias.at("petr") == 1);
    CHECK(c.queue_by_num(99) == nullptr);
    CHECK(c.customer_by_id("nobody") == nullptr);
    CHECK(c.staff_by_addr("nobody@example.com") == nullptr);
    CHECK(c.calendar_named("nope") == nullptr);
    CHECK(c.customer_by_contact.count("boss@initech.example") == 0);  // an approver is not a contact
    CHECK(c.customer_by_domain.at("initech.example") == 2);

    Config dup;
    for (const char* id : {"first", "second"}) {
        Customer cu;
        cu.id = id;
        cu.domains = {"d.example"};
        dup.customers.push_back(cu);
    }
    dup.build_indexes();
    CHECK(dup.customer_by_domain.at("d.example") == 0);

    for (auto s : {TicketStatus::New, TicketStatus::Open, TicketStatus::Waiting, TicketStatus::Closed,
                   TicketStatus::AwaitingApproval})
        CHECK(ticket_status_from(to_string(s)) == s);
    CHECK(to_string(TicketStatus::AwaitingApproval) == "awaiting-approval");
    CHECK_FALSE(ticket_status_from("Open"));
    CHECK(to_string(Authorization::Optional) == "optional");
    CHECK(to_string(ClosedReplyPolicy::NewTicket) == "new_ticket");
    CHECK(to_string(ConfigError{SourcePos{"a.toml", 3, 7}, "oops"}) == "a.toml:3:7: oops");
}

TEST_CASE("includes: a missing plain file is an error at its element; each file is read once") {
    Fixture f;
    std::filesystem::create_directory(f.dir.path() / "conf.d");
    write_file(f.dir.path() / "conf.d/a.toml", "[[customers]]\nid = \"a\"\n");
    auto e = f.errors(std::string(kGlobal) + "include = [\"conf.d/*.toml\", \"conf.d/a.toml\", \"more.toml\", \"none/*.toml\"]\n" +
                      std::string(kQueue));
    REQUIRE(e.size() == 1);
    CHECK(e[0] == "5:46: include 'more.toml': no such file " + (f.dir.path() / "more.toml").string());

    // A glob that matches the main file itself does not read it a second time.
    write_file(f.dir.path() / "main.toml", std::string(kGlobal) + "include = [\"*.toml\", \"conf.d/*.toml\"]\n" +
                                               std::string(kQueue));
    LoadResult r = load_config(f.dir.path() / "main.toml");
    for (const auto& err : r.errors) MESSAGE(to_string(err));
    REQUIRE(r.config);
    CHECK(r.config->files.size() == 2);
    CHECK(r.config->customers.size() == 1);
}

TEST_CASE("two staff members cannot share an address") {
    Fixture f;
    auto e = f.errors(std::string(kGlobal) + std::string(kQueue) +
                      "[[staff]]\nalias = \"a\"\naddress = \"x@example.com\"\n"
                      "[[staff]]\nalias = \"b\"\naddress = \"X@Example.com\"\n");
    REQUIRE(e.size() == 1);
    CHECK(e[0] == "15:11: address x@example.com used by staff 'a' and 'b' (first at t.toml:12:11)");
}

TEST_CASE("mailboxes at a provider and the queue's outgoing server: read, defaulted and checked") {
    Fixture f;
    write_file(f.dir.path() / "imap.pass", "s3cret\n");
    std::filesystem::permissions(f.dir.path() / "imap.pass", std::filesystem::perms::owner_read |
                                                                std::filesystem::perms::owner_write |
                                                                std::filesystem::perms::group_read);
    write_file(f.dir.path() / "open.pass", "s3cret\n");
    std::filesystem::permissions(f.dir.path() / "open.pass", std::filesystem::perms::owner_read |
                                                                std::filesystem::perms::others_read);
    const std::string good = std::string(kGlobal) + std::string(kQueue) + R"(
[[queues.mailboxes]]
protocol = "imap"
server = "Outlook.Office365.com"
user = "support@example.com"
auth = "oauth2"
token_command = ["/usr/local/bin/m365-token", "support"]
folder = "Support/Inbox"
keep = true

[[queues.mailboxes]]
protocol = "pop3"
server = "pop.example.net"
user = "help"
password_file = "imap.pass"
verify_certificate = false

[[queues.mailboxes]]
protocol = "imap"
server = "mail.example.net"
tls = "starttls"
user = "help"
password_file = "imap.pass"

[queues.outgoing]
server = "smtp.example.net"
port = 465
user = "help@example.net"
password_file = "imap.pass"
)";
    LoadResult r = f.load(good);
    REQUIRE(r.config);
    const Queue& q = r.config->queues.at(0);
    REQUIRE(q.mailboxes.size() == 3);
    CHECK(q.mailboxes[0].server == "outlook.office365.com");
    CHECK(q.mailboxes[0].auth == FetchedMailbox::Auth::OAuth2);
    CHECK(q.mailboxes[0].token_command == std::vector<std::string>{"/usr/local/bin/m365-token", "support"});
    CHECK(q.mailboxes[0].keep);
    CHECK(q.mailboxes[0].folder == "Support/Inbox");
    CHECK(effective_port(q.mailboxes[0]) == 993);
    CHECK(q.mailboxes[1].protocol == FetchedMailbox::Protocol::Pop3);
    CHECK(effective_port(q.mailboxes[1]) == 995);
    CHECK_FALSE(q.mailboxes[1].verify_certificate);
    CHECK_FALSE(q.mailboxes[1].keep);
    CHECK(q.mailboxes[1].password_file == (f.dir.path() / "imap.pass").string());
    CHECK(effective_port(q.mailboxes[2]) == 143);
    REQUIRE(q.outgoing);
    CHECK(q.outgoing->tls == Outgoing::Tls::Implicit);  // port 465 means implicit TLS
    CHECK(q.outgoing->verify_certificate);
    CHECK(r.config->global.fetch_listen == "unix:/run/deskgate/fetch.sock");

    auto e = f.errors(std::string(kGlobal) + std::string(kQueue) + R"(
[[queues.mailboxes]]
protocol = "pop3"
server = "imaps://x.example"
user = "u"
password_file = "open.pass"
folder = "INBOX"

[[queues.mailboxes]]
protocol = "imap"
server = "x.example"
user = "u"
auth = "oauth2"
tls = "starttls"
token_command = "m365-token"

[queues.outgoing]
server = "smtp.example.net"
user = "u"
password_file = "missing.pass"
)");
    REQUIRE(e.size() == 6);
    CHECK(e[0].starts_with("13:10: 'server': \"imaps://x.example\" is not a host name"));
    CHECK(e[1].starts_with("15:17: 'password_file': " + (f.dir.path() / "open.pass").string() +
                           " is readable by others (mode 0404)"));
    CHECK(e[2] == "16:10: 'folder' is for IMAP; a POP3 mailbox has only its inbox");
    CHECK(e[3].starts_with("23:7: auth = \"oauth2\" needs tls = \"implicit\""));
    CHECK(e[4].starts_with("24:17: 'token_command': \"m365-token\" must be an absolute path"));
    CHECK(e[5].starts_with("29:17: 'password_file': cannot use " + (f.dir.path() / "missing.pass").string()));
}

TEST_CASE("queues sharing a sender_address share [queues.outgoing]; one TLS policy per server and port") {
    Fixture f;
    write_file(f.dir.path() / "a.pass", "s3cret\n");
    std::filesystem::permissions(f.dir.path() / "a.pass", std::filesystem::perms::owner_read |
                                                             std::filesystem::perms::owner_write);
    const std::string outgoing = "[queues.outgoing]\nserver = \"smtp.example.net\"\nuser = \"help\"\npassword_file = \"a.pass\"\n";
    const std::string second = "\n[[queues]]\nnumber = 20\nname = \"B\"\naddress = \"billing@helpdesk.example.com\"\n";
    // the same sender with the same server: fine
    const std::string shared = std::string(kGlobal) + std::string(kQueue) + outgoing + second +
                               "sender_address = \"support@helpdesk.example.com\"\n" + outgoing;
    CHECK(f.errors(shared).empty());
    // the same sender, only one of them with a server: refused
    auto e = f.errors(std::string(kGlobal) + std::string(kQueue) + outgoing + second +
                      "sender_address = \"support@helpdesk.example.com\"\n");
    REQUIRE(e.size() == 1);
    CHECK(e[0].find("queues 10 and 20 both send as support@helpdesk.example.com but with different "
                    "[queues.outgoing]") != std::string::npos);
    // the same sender, another login: refused
    std::string other = shared;
    other.replace(other.rfind("\"help\""), 6, "\"billing\"");
    e = f.errors(other);
    REQUIRE(e.size() == 1);
    CHECK(e[0].find("both send as support@helpdesk.example.com") != std::string::npos);
    // different senders through one server, verified for one queue and not for the other: refused
    e = f.errors(std::string(kGlobal) + std::string(kQueue) + outgoing + second + outgoing +
                 "verify_certificate = false\n");
    REQUIRE(e.size() == 1);
    CHECK(e[0].find("queues 10 and 20 use smtp.example.net:587 with different verify_certificate") != std::string::npos);
}

TEST_CASE("a mailbox's user and folder never hold a line break (they go into the fetchers' files)") {
    Fixture f;
    write_file(f.dir.path() / "imap.pass", "s3cret\n");
    std::filesystem::permissions(f.dir.path() / "imap.pass", std::filesystem::perms::owner_read);
    auto e = f.errors(std::string(kGlobal) + std::string(kQueue) + R"(
[[queues.mailboxes]]
protocol = "imap"
server = "x.example"
user = "u\nusername = other"
password_file = "imap.pass"
folder = "INBOX\r"
)");
    REQUIRE(e.size() == 2);
    CHECK(e[0] == "14:8: 'user' must not contain control characters");
    CHECK(e[1] == "16:10: 'folder' must not be empty or contain control characters");
}
