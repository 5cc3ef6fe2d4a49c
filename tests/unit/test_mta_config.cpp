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
    CHECK(contains(s, "FEATURE(`mailertable')dnl\n"));
    CHECK(contains(s, "Mdeskgate, P=[IPC], F=lsmnqXz, "));
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
