// test_mta_config.cpp - `deskgate postfix-config` / `sendmail-config` output: the helpdesk
// domains, socket spellings, keeping an admin's existing tables and milters, running twice
// changes nothing, chrooted services, and the sendmail mailer and milter lines.
#include <doctest/doctest.h>

#include "config/load.hpp"
#include "config/mta_snippets.hpp"
#include "test_support.hpp"

using namespace deskgate;
using namespace deskgate::config;
using deskgate::test::source_dir;

namespace {

Config example() {
    LoadResult r = load_config(source_dir() / "config/examples/deskgate.toml");
    REQUIRE(r.config);
    return std::move(*r.config);
}

bool contains(const std::string& text, std::string_view needle) { return text.find(needle) != std::string::npos; }

// The value a `postconf -e 'name = value'` line of the script sets, or "" if none.
std::string set_value(const std::string& script, const std::string& name) {
    const std::string key = "-e '" + name + " = ";
    const auto at = script.find(key);
    if (at == std::string::npos) return "";
    const auto start = at + key.size();
    return script.substr(start, script.find("'\n", start) - start);
}

}  // namespace

TEST_CASE("helpdesk domains and socket spellings") {
    Config c = example();
    CHECK(helpdesk_domains(c) == std::vector<std::string>{"helpdesk.example.com"});
    CHECK(postfix_lmtp_nexthop(c) == "lmtp:unix:/run/deskgate/lmtp.sock");
    CHECK(postfix_milter_endpoint(c) == "unix:/run/deskgate/milter.sock");
    c.queues[1].system_address = "billing@billing.example.net";
    c.queues[1].comment_address = "notes@internal.example.org";
    CHECK(helpdesk_domains(c) == std::vector<std::string>{"billing.example.net", "helpdesk.example.com", "internal.example.org"});
    c.global.lmtp_listen = {"inet:127.0.0.1:2424", "unix:/srv/lmtp.sock"};  // unix preferred
    CHECK(postfix_lmtp_nexthop(c) == "lmtp:unix:/srv/lmtp.sock");
    c.global.lmtp_listen = {"inet:2424"};
    CHECK(postfix_lmtp_nexthop(c) == "lmtp:inet:127.0.0.1:2424");
    c.global.lmtp_listen = {"inet:[::1]:24"};
    CHECK(postfix_lmtp_nexthop(c) == "lmtp:inet:[::1]:24");
    c.global.milter_socket = "inet:8899@127.0.0.1";
    CHECK(postfix_milter_endpoint(c) == "inet:127.0.0.1:8899");
    c.global.milter_socket = "inet6:8899@::1";
    CHECK(postfix_milter_endpoint(c) == "inet6:[::1]:8899");
    c.global.milter_socket = "local:/var/run/m.sock";
    CHECK(postfix_milter_endpoint(c) == "unix:/var/run/m.sock");
}

TEST_CASE("Postfix lists split with inline tables kept whole") {
    CHECK(split_postfix_list("") == std::vector<std::string>{});
    CHECK(split_postfix_list("hash:/etc/postfix/transport,  texthash:/x\n  regexp:/y") ==
          std::vector<std::string>{"hash:/etc/postfix/transport", "texthash:/x", "regexp:/y"});
    CHECK(split_postfix_list("inline:{ a.example=lmtp:unix:/s, b=x }, hash:/t") ==
          std::vector<std::string>{"inline:{ a.example=lmtp:unix:/s, b=x }", "hash:/t"});
}

TEST_CASE("a fresh Postfix: every setting, master.cf entries, no chroot changes") {
    const Config c = example();
    PostfixFacts facts;
    facts.chroot = {{"lmtp/unix", "n"}, {"smtp/inet", "n"}, {"pickup/unix", "n"}};
    const std::string s = postfix_config_script(c, "/etc/deskgate/deskgate.toml", facts);
    MESSAGE(s);
    CHECK(set_value(s, "transport_maps") == "inline:{ helpdesk.example.com=lmtp:unix:/run/deskgate/lmtp.sock }");
    CHECK(set_value(s, "relay_domains") == "helpdesk.example.com");
    CHECK(set_value(s, "smtpd_milters") == "unix:/run/deskgate/milter.sock");
    CHECK(set_value(s, "non_smtpd_milters") == "unix:/run/deskgate/milter.sock");
    CHECK(set_value(s, "milter_default_action") == "tempfail");
    // a new submission service runs unchrooted: it must reach the unix milter socket
    CHECK(contains(s, "postconf -M 'submission/inet=submission inet n - n - - smtpd'\n"));
    CHECK(contains(s, "postconf -P 'submission/inet/milter_macro_daemon_name=OUTBOUND'\n"));
    CHECK(contains(s, "postconf -P 'submission/inet/smtpd_sasl_auth_enable=yes'\n"));
    CHECK(contains(s, "postconf -M 'deskgate-cleanup/unix=deskgate-cleanup unix n - n - 0 cleanup'\n"));
    CHECK(contains(s, "postconf -P 'deskgate-cleanup/unix/milter_macro_daemon_name=OUTBOUND'\n"));
    CHECK(contains(s, "postconf -P 'pickup/unix/cleanup_service_name=deskgate-cleanup'\n"));
    CHECK_FALSE(contains(s, "/chroot=n"));
    CHECK(contains(s, "\npostfix reload\n"));
}

TEST_CASE("an admin's tables and milters are kept, and a second run changes nothing") {
    const Config c = example();
    PostfixFacts facts;
    facts.config_dir = "/tmp/pf dir/etc";
    facts.main = {{"transport_maps", "hash:/etc/postfix/transport"},
                  {"relay_domains", "$mydestination, other.example"},
                  {"smtpd_milters", "inet:127.0.0.1:8891"},
                  {"non_smtpd_milters", "$smtpd_milters"}};
    facts.chroot = {{"lmtp/unix", "n"}, {"smtp/inet", "n"}, {"submission/inet", "n"}};
    const std::string s = postfix_config_script(c, "t.toml", facts);
    CHECK(contains(s, "postconf -c '/tmp/pf dir/etc' -e "));
    CHECK(set_value(s, "transport_maps") ==
          "inline:{ helpdesk.example.com=lmtp:unix:/run/deskgate/lmtp.sock }, hash:/etc/postfix/transport");
    CHECK(set_value(s, "relay_domains") == "$mydestination, other.example, helpdesk.example.com");
    CHECK(set_value(s, "smtpd_milters") == "inet:127.0.0.1:8891, unix:/run/deskgate/milter.sock");
    CHECK(set_value(s, "non_smtpd_milters") == "$smtpd_milters, unix:/run/deskgate/milter.sock");
    // the submission service exists: only our setting is added to it
    CHECK_FALSE(contains(s, "-M 'submission/inet="));
    CHECK(contains(s, "-P 'submission/inet/milter_macro_daemon_name=OUTBOUND'\n"));

    // after running it: the same tables again, nothing stacked
    PostfixFacts after = facts;
    after.main["transport_maps"] = set_value(s, "transport_maps");
    after.main["relay_domains"] = set_value(s, "relay_domains");
    after.main["smtpd_milters"] = set_value(s, "smtpd_milters");
    after.main["non_smtpd_milters"] = set_value(s, "non_smtpd_milters");
    const std::string again = postfix_config_script(c, "t.toml", after);
    CHECK(set_value(again, "transport_maps") == after.main["transport_maps"]);
    CHECK(set_value(again, "relay_domains") == "");
    CHECK(contains(again, "relay_domains already lists helpdesk.example.com"));
    CHECK(set_value(again, "smtpd_milters") == "");
    CHECK(contains(again, "smtpd_milters already has unix:/run/deskgate/milter.sock"));

    // a changed socket path replaces the earlier table instead of adding a second one
    Config moved = c;
    moved.global.lmtp_listen = {"unix:/srv/deskgate/lmtp.sock"};
    CHECK(set_value(postfix_config_script(moved, "t.toml", after), "transport_maps") ==
          "inline:{ helpdesk.example.com=lmtp:unix:/srv/deskgate/lmtp.sock }, hash:/etc/postfix/transport");
}

TEST_CASE("chrooted services that must reach unix sockets are named; warnings for mydestination") {
    Config c = example();
    PostfixFacts facts;
    facts.main = {{"mydestination", "$myhostname, helpdesk.example.com, localhost"}};
    facts.chroot = {{"lmtp/unix", "y"}, {"smtp/inet", "y"}, {"submission/inet", "y"}, {"pickup/unix", "y"}};
    std::string s = postfix_config_script(c, "t.toml", facts);
    CHECK(contains(s, "postconf -F 'lmtp/unix/chroot=n'\n"));
    CHECK(contains(s, "postconf -F 'smtp/inet/chroot=n'\n"));
    CHECK(contains(s, "postconf -F 'submission/inet/chroot=n'\n"));
    CHECK_FALSE(contains(s, "pickup/unix/chroot"));  // pickup hands mail to our own unchrooted cleanup
    CHECK(contains(s, "WARNING: helpdesk.example.com is in mydestination"));
    // inet sockets are reachable from a chroot: nothing to change
    c.global.lmtp_listen = {"inet:127.0.0.1:2424"};
    c.global.milter_socket = "inet:8899@127.0.0.1";
    s = postfix_config_script(c, "t.toml", facts);
    CHECK_FALSE(contains(s, "/chroot=n"));
    CHECK(set_value(s, "transport_maps") == "inline:{ helpdesk.example.com=lmtp:inet:127.0.0.1:2424 }");
    CHECK(set_value(s, "smtpd_milters") == "inet:127.0.0.1:8899");
    facts.chroot.erase("submission/inet");
    CHECK(contains(postfix_config_script(c, "t.toml", facts), "-M 'submission/inet=submission inet n - y - - smtpd'\n"));
}

TEST_CASE("sendmail .mc lines") {
    Config c = example();
    std::string s = sendmail_config_lines(c, "/etc/deskgate/deskgate.toml");
    MESSAGE(s);
    CHECK(contains(s, "INPUT_MAIL_FILTER(`deskgate', `S=local:/run/deskgate/milter.sock, F=T, T=C:10s;S:30s;R:30s;E:5m')dnl\n"));
    CHECK(contains(s, "RELAY_DOMAIN(`helpdesk.example.com')dnl\nFEATURE(`mailertable')dnl\n"));
    CHECK(contains(s, "Mdeskgate, P=[IPC], F=lsmnqXz, S=EnvFromSMTP/HdrFromSMTP, R=EnvToSMTP, "));
    CHECK(contains(s, "A=FILE /run/deskgate/lmtp.sock\n"));
    CHECK(contains(s, "dnl   helpdesk.example.com\tdeskgate:localhost\n"));
    CHECK(contains(s, "FEATURE(`no_default_msa')dnl\nDAEMON_OPTIONS(`Port=smtp, Name=MTA')dnl\n"
                      "DAEMON_OPTIONS(`Port=submission, Name=OUTBOUND-MSA, M=Ea')dnl\n"));
    c.global.lmtp_listen = {"inet:127.0.0.1:2424"};
    c.global.milter_socket = "inet:8899@127.0.0.1";
    s = sendmail_config_lines(c, "t.toml");
    CHECK(contains(s, "S=inet:8899@127.0.0.1, F=T"));
    CHECK(contains(s, "A=TCP $h 2424\n"));
    CHECK(contains(s, "helpdesk.example.com\tdeskgate:[127.0.0.1]\n"));
}

namespace {

// The example with queue 10 sending through a STARTTLS server (certificate verified) and queue
// 20 through an implicit-TLS one (not verified); queue 30 goes the ordinary way.
Config with_outgoing() {
    Config c = example();
    Outgoing a;
    a.server = "smtp.provider.example";
    a.user = "login10@provider.example";
    a.password_file = "/etc/deskgate/q10 pass";
    c.queues[0].outgoing = a;
    Outgoing b;
    b.server = "mail.other.example";
    b.port = 465;
    b.tls = Outgoing::Tls::Implicit;
    b.user = "login20";
    b.password_file = "/etc/deskgate/q20.pass";
    b.verify_certificate = false;
    c.queues[1].outgoing = b;
    return c;
}

// The lines of the map file the script writes with a heredoc into `path`.
std::string map_lines(const std::string& script, const std::string& path) {
    const std::string start = "cat > '" + path + "' <<'DESKGATE_MAP'\n";
    const auto at = script.find(start);
    if (at == std::string::npos) return "";
    const auto from = at + start.size();
    return script.substr(from, script.find("DESKGATE_MAP\n", from) - from);
}

}  // namespace

TEST_CASE("queues with their own outgoing server: sender-dependent maps, logins, TLS policy, wrapper mode") {
    const Config c = with_outgoing();
    PostfixFacts facts;
    facts.main = {{"config_directory", "/etc/postfix"}, {"default_database_type", "hash"}};
    const std::string s = postfix_config_script(c, "t.toml", facts);
    MESSAGE(s);
    CHECK(map_lines(s, "/etc/postfix/deskgate_sender_relay") ==
          "support@helpdesk.example.com [smtp.provider.example]:587\n"
          "billing@helpdesk.example.com [mail.other.example]:465\n");
    CHECK(map_lines(s, "/etc/postfix/deskgate_sender_transport") == "billing@helpdesk.example.com deskgate-smtps\n");
    CHECK(map_lines(s, "/etc/postfix/deskgate_tls_policy") ==
          "[smtp.provider.example]:587 secure\n[mail.other.example]:465 encrypt\n");
    CHECK(contains(s, "postmap 'hash:/etc/postfix/deskgate_sender_relay'\n"));
    CHECK(contains(s, "postmap 'hash:/etc/postfix/deskgate_tls_policy'\n"));
    // the password map: emptied and root's alone before anything goes in, passwords read when it runs
    CHECK(contains(s, "  set -e; umask 077\n  f='/etc/postfix/deskgate_sasl_passwd'; : > \"$f\"; chown root:root \"$f\"; "
                      "chmod 600 \"$f\"\n"));
    CHECK(contains(s, "  pw=$(head -n 1 '/etc/deskgate/q10 pass') && test -n \"$pw\" || "));
    CHECK(contains(s, "  printf '%s %s:%s\\n' 'support@helpdesk.example.com' 'login10@provider.example' \"$pw\" >> \"$f\"\n"));
    CHECK(contains(s, "  printf '%s %s:%s\\n' 'billing@helpdesk.example.com' 'login20' \"$pw\" >> \"$f\"\n"));
    CHECK(contains(s, "  postmap 'hash:/etc/postfix/deskgate_sasl_passwd'\n"));
    CHECK(contains(s, "chmod 600 \"$db\""));
    CHECK(set_value(s, "sender_dependent_relayhost_maps") == "hash:/etc/postfix/deskgate_sender_relay");
    CHECK(set_value(s, "sender_dependent_default_transport_maps") == "hash:/etc/postfix/deskgate_sender_transport");
    CHECK(set_value(s, "smtp_sasl_password_maps") == "hash:/etc/postfix/deskgate_sasl_passwd");
    CHECK(set_value(s, "smtp_tls_policy_maps") == "hash:/etc/postfix/deskgate_tls_policy");
    CHECK(set_value(s, "smtp_sasl_auth_enable") == "yes");
    CHECK(set_value(s, "smtp_sender_dependent_authentication") == "yes");
    CHECK(set_value(s, "smtp_sasl_tls_security_options") == "noanonymous");
    CHECK(set_value(s, "smtp_tls_CAfile") == "/etc/ssl/certs/ca-certificates.crt");  // one queue verifies
    CHECK(set_value(s, "recipient_delimiter") == "+");  // bounce_address: VERP senders need it
    CHECK(contains(s, "postconf -M 'deskgate-smtps/unix=deskgate-smtps unix - - n - - smtp'\n"));
    CHECK(contains(s, "postconf -P 'deskgate-smtps/unix/smtp_tls_wrappermode=yes'\n"));
    CHECK(contains(s, "postconf -P 'deskgate-smtps/unix/smtp_tls_security_level=encrypt'\n"));
    CHECK(contains(s, "#    queue 10: support@helpdesk.example.com -> [smtp.provider.example]:587 (STARTTLS, "
                      "certificate verified), login login10@provider.example\n"));
    CHECK(contains(s, "#    queue 20: billing@helpdesk.example.com -> [mail.other.example]:465 (TLS wrapper mode, "
                      "certificate NOT verified), login login20\n"));
    CHECK(contains(s, "must let each login send as its queue's sender_address"));
    CHECK_FALSE(contains(s, "archive@helpdesk.example.com"));  // queue 30 goes the ordinary way
    // the maps are written before main.cf names them
    CHECK(s.find("DESKGATE_MAP") < s.find("sender_dependent_relayhost_maps = "));
}

TEST_CASE("outgoing servers: the admin's maps kept, a second run changes nothing, the CA and delimiter left") {
    const Config c = with_outgoing();
    PostfixFacts facts;
    facts.config_dir = "/srv/pf/etc";
    facts.main = {{"config_directory", "/srv/pf/etc"},
                  {"default_database_type", "lmdb"},
                  {"smtp_sasl_password_maps", "hash:/etc/postfix/sasl_passwd"},
                  {"smtp_tls_policy_maps", "hash:/etc/postfix/tls_policy"},
                  {"smtp_tls_CApath", "/etc/ssl/certs"},
                  {"recipient_delimiter", "-"}};
    const std::string s = postfix_config_script(c, "t.toml", facts);
    CHECK(contains(s, "postmap -c '/srv/pf/etc' 'lmdb:/srv/pf/etc/deskgate_sender_relay'\n"));
    CHECK(set_value(s, "smtp_sasl_password_maps") == "lmdb:/srv/pf/etc/deskgate_sasl_passwd, hash:/etc/postfix/sasl_passwd");
    CHECK(set_value(s, "smtp_tls_policy_maps") == "lmdb:/srv/pf/etc/deskgate_tls_policy, hash:/etc/postfix/tls_policy");
    CHECK(set_value(s, "smtp_tls_CAfile") == "");  // the admin's CApath serves
    CHECK(set_value(s, "recipient_delimiter") == "-+");

    PostfixFacts after = facts;
    for (const char* p : {"sender_dependent_relayhost_maps", "sender_dependent_default_transport_maps",
                          "smtp_sasl_password_maps", "smtp_tls_policy_maps", "recipient_delimiter"})
        after.main[p] = set_value(s, p);
    const std::string again = postfix_config_script(c, "t.toml", after);
    for (const char* p : {"sender_dependent_relayhost_maps", "sender_dependent_default_transport_maps",
                          "smtp_sasl_password_maps", "smtp_tls_policy_maps"})
        CHECK(set_value(again, p) == after.main[p]);
    CHECK(set_value(again, "recipient_delimiter") == "");
    CHECK(contains(again, "recipient_delimiter already holds '+' (-+)"));

    // no queue has a server any more: our maps are emptied, the parameters keep naming them
    const std::string none = postfix_config_script(example(), "t.toml", after);
    CHECK(contains(none, "No queue has one any more"));
    CHECK(contains(none, ": > '/srv/pf/etc/deskgate_sender_relay'\n"));
    CHECK_FALSE(contains(none, "printf"));
    CHECK_FALSE(contains(none, "deskgate-smtps/unix="));
    // and a Postfix that never had them hears nothing of it
    CHECK_FALSE(contains(postfix_config_script(example(), "t.toml", facts), "# 5."));
}

TEST_CASE("outgoing servers without bounce_address: no delimiter needed; queues sharing a sender share a key") {
    Config c = with_outgoing();
    c.global.bounce_address.clear();
    c.queues[2].sender_address = "support@helpdesk.example.com";
    c.queues[2].outgoing = c.queues[0].outgoing;
    c.queues[0].outgoing->server = "[2001:db8::25]";
    c.queues[2].outgoing->server = "[2001:db8::25]";
    const std::string s = postfix_config_script(c, "t.toml", PostfixFacts{});
    CHECK(set_value(s, "recipient_delimiter") == "");
    CHECK_FALSE(contains(s, "+b<id>"));
    CHECK(map_lines(s, "/etc/postfix/deskgate_sender_relay") ==
          "support@helpdesk.example.com [ipv6:2001:db8::25]:587\n"
          "billing@helpdesk.example.com [mail.other.example]:465\n");
    CHECK(contains(s, "#    queues 10, 30: support@helpdesk.example.com -> "));
}
