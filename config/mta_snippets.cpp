// mta_snippets.cpp - Postfix postconf commands and sendmail .mc lines for the current config
// (section 5 of the Postfix script, queues' own outgoing servers: postfix_outgoing.cpp).
#include "config/mta_snippets.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "config/postfix_script.hpp"
#include "core/base/address.hpp"
#include "core/base/socket_address.hpp"

namespace deskgate::config {
namespace {

std::string quoted(std::string_view s) { return shell_quoted(s); }

// The configured socket a Postfix or sendmail client should use. The config loader has
// validated both spellings; the defaults stand in should it ever not have.
SocketAddress lmtp_endpoint(const Config& config) {
    const std::vector<std::string>& specs = config.global.lmtp_listen;
    // Postfix reaches a unix socket fastest; take the first one, else the first inet one.
    auto it = std::find_if(specs.begin(), specs.end(), [](const std::string& s) { return s.starts_with("unix:"); });
    const std::string spec = it != specs.end() ? *it : specs.empty() ? "unix:/run/deskgate/lmtp.sock" : specs.front();
    const ParsedSocketAddress parsed = parse_lmtp_address(spec);
    if (const auto* a = std::get_if<SocketAddress>(&parsed)) return *a;
    return SocketAddress{SocketAddress::Kind::Unix, "/run/deskgate/lmtp.sock", "", 0, false};
}

SocketAddress milter_endpoint(const Config& config) {
    const ParsedSocketAddress parsed = parse_milter_address(config.global.milter_socket);
    if (const auto* a = std::get_if<SocketAddress>(&parsed)) return *a;
    return SocketAddress{SocketAddress::Kind::Unix, "/run/deskgate/milter.sock", "", 0, false};
}

bool is_unix(const SocketAddress& a) { return a.kind == SocketAddress::Kind::Unix; }

std::string postfix_host_port(const SocketAddress& a) {
    return a.ipv6 ? fmt::format("[{}]:{}", a.host, a.port) : fmt::format("{}:{}", a.host, a.port);
}

bool contains(const std::vector<std::string>& list, const std::string& value) {
    return std::find(list.begin(), list.end(), value) != list.end();
}

}  // namespace

std::string shell_quoted(std::string_view s) {
    std::string out = "'";
    for (char c : s) {
        if (c == '\'') out += "'\\''";
        else out += c;
    }
    return out + "'";
}

std::vector<std::string> split_postfix_list(const std::string& value) {
    std::vector<std::string> out;
    std::string current;
    int depth = 0;
    for (char c : value) {
        if (c == '{') ++depth;
        if (c == '}' && depth > 0) --depth;
        if (depth == 0 && (c == ',' || c == ' ' || c == '\t' || c == '\n')) {
            if (!current.empty()) out.push_back(current);
            current.clear();
            continue;
        }
        current += c;
    }
    if (!current.empty()) out.push_back(current);
    return out;
}

std::vector<std::string> helpdesk_domains(const Config& config) {
    std::vector<std::string> domains;
    auto add = [&](const std::string& address) {
        const std::string d(address_domain(address));  // addresses in Config are normalised
        if (!d.empty() && !contains(domains, d)) domains.push_back(d);
    };
    for (const Queue& q : config.queues) {
        add(q.system_address);
        if (!q.comment_address.empty()) add(q.comment_address);
    }
    if (!config.global.journal_address.empty()) add(config.global.journal_address);
    if (!config.global.bounce_address.empty()) add(config.global.bounce_address);
    std::sort(domains.begin(), domains.end());
    return domains;
}

std::string postfix_lmtp_nexthop(const Config& config) {
    const SocketAddress a = lmtp_endpoint(config);
    return is_unix(a) ? "lmtp:unix:" + a.path : "lmtp:inet:" + postfix_host_port(a);
}

std::string postfix_milter_endpoint(const Config& config) {
    const SocketAddress a = milter_endpoint(config);
    return is_unix(a) ? "unix:" + a.path : (a.ipv6 ? "inet6:" : "inet:") + postfix_host_port(a);
}

namespace {

void write_preamble(PostfixScript& s, const std::string& config_file, const std::vector<std::string>& domains) {
    s.line(fmt::format("# deskgate: Postfix settings for {} ({} helpdesk domain{}: {}).", config_file, domains.size(),
                       domains.size() == 1 ? "" : "s", fmt::join(domains, ", ")));
    s.line("# Run these lines as root (or paste them into a shell), then: postfix reload");
    s.line("# Running them again changes nothing: existing tables and milters are kept.");
    if (!s.facts.postconf_available)
        s.line("# NOTE: postconf was not found; current values are assumed to be Postfix's defaults (empty).");
    s.line("");
}

// transport_maps: our inline table first, then the current elements but an earlier run's table.
std::vector<std::string> transport_maps(const PostfixScript& s, const std::vector<std::string>& domains,
                                        const std::string& nexthop) {
    std::vector<std::string> transport;
    std::string table = "inline:{ ";
    for (std::size_t i = 0; i < domains.size(); ++i)
        table += fmt::format("{}{}={}", i ? ", " : "", domains[i], nexthop);
    table += " }";
    transport.push_back(table);
    for (const std::string& element : split_postfix_list(s.current("transport_maps"))) {
        // an earlier run's table (also one for another socket path) is replaced, not stacked
        const bool ours = element.starts_with("inline:{") && element.find("=lmtp:") != std::string::npos &&
                          std::any_of(domains.begin(), domains.end(), [&](const std::string& d) {
                              return element.find(d + "=lmtp:") != std::string::npos;
                          });
        if (!ours && !contains(transport, element)) transport.push_back(element);
    }
    return transport;
}

// 1. Delivery of the helpdesk domains over LMTP: transport_maps, relay_domains, and a warning
// for each domain mydestination claims.
void write_lmtp_delivery(PostfixScript& s, const std::vector<std::string>& domains, const std::string& nexthop) {
    s.line("# 1. Mail for the helpdesk domains is delivered to deskgate-lmtpd over LMTP.");
    s.set_main("transport_maps", fmt::format("{}", fmt::join(transport_maps(s, domains, nexthop), ", ")));
    std::vector<std::string> relay = split_postfix_list(s.current("relay_domains"));
    bool relay_changed = false;
    for (const std::string& d : domains)
        if (!contains(relay, d)) {
            relay.push_back(d);
            relay_changed = true;
        }
    if (relay_changed || relay.empty()) s.set_main("relay_domains", fmt::format("{}", fmt::join(relay, ", ")));
    else s.line(fmt::format("#    relay_domains already lists {}", fmt::join(domains, ", ")));
    const std::vector<std::string> mydestination = split_postfix_list(s.current("mydestination"));
    for (const std::string& d : domains)
        if (contains(mydestination, d))
            s.line(fmt::format("# WARNING: {} is in mydestination; remove it there, or Postfix treats it as a local "
                               "domain and refuses helpdesk addresses as unknown local users.", d));
    s.line("");
}

// 2. The milter on smtpd and non-smtpd mail (kept if already there), failing closed.
void write_milter(PostfixScript& s, const std::string& milter) {
    s.line("# 2. deskgate-milter: refusals during the SMTP dialogue (inbound) and From/Reply-To rewriting");
    s.line("#    of staff replies (outbound: the submission service and sendmail(1) below).");
    for (const char* name : {"smtpd_milters", "non_smtpd_milters"}) {
        std::vector<std::string> milters = split_postfix_list(s.current(name));
        if (contains(milters, milter)) {
            s.line(fmt::format("#    {} already has {}", name, milter));
            continue;
        }
        milters.push_back(milter);
        s.set_main(name, fmt::format("{}", fmt::join(milters, ", ")));
    }
    s.line("#    tempfail: while deskgate-milter is unreachable mail waits (451) instead of passing unchecked.");
    s.set_main("milter_default_action", "tempfail");
    s.set_main("milter_protocol", "6");
    s.set_main("milter_connect_timeout", "10s");
    s.set_main("milter_command_timeout", "30s");
    s.set_main("milter_content_timeout", "300s");
    s.line("");
}

// 3. master.cf: which mail counts as outbound (the submission service `sub`, and sendmail(1)
// through a cleanup of its own).
void write_outbound_services(PostfixScript& s, const std::string& sub, bool milter_unix) {
    const std::string& postconf = s.postconf;
    s.line("# 3. master.cf: mail from staff counts as outbound (deskgate-milter sees {daemon_name} = OUTBOUND):");
    s.line("#    the submission service, and mail submitted with sendmail(1) through a cleanup of its own.");
    if (s.facts.chroot.contains(sub)) {
        s.line(fmt::format("{} -P {}", postconf, quoted(sub + "/milter_macro_daemon_name=OUTBOUND")));
    } else {
        // chrooted, it could not reach a unix milter socket outside the queue directory
        s.line(fmt::format("{} -M {}", postconf, quoted(fmt::format("{}={} inet n - {} - - smtpd", sub, s.facts.submission_service,
                                                                    milter_unix ? "n" : "y"))));
        s.line(fmt::format("{} -P {}", postconf, quoted(sub + "/syslog_name=postfix/submission")));
        s.line(fmt::format("{} -P {}", postconf, quoted(sub + "/smtpd_tls_security_level=encrypt")));
        s.line(fmt::format("{} -P {}", postconf, quoted(sub + "/smtpd_sasl_auth_enable=yes")));
        s.line(fmt::format("{} -P {}", postconf, quoted(sub + "/smtpd_client_restrictions=permit_sasl_authenticated,reject")));
        s.line(fmt::format("{} -P {}", postconf, quoted(sub + "/milter_macro_daemon_name=OUTBOUND")));
    }
    s.line(fmt::format("{} -M {}", postconf, quoted("deskgate-cleanup/unix=deskgate-cleanup unix n - n - 0 cleanup")));
    s.line(fmt::format("{} -P {}", postconf, quoted("deskgate-cleanup/unix/milter_macro_daemon_name=OUTBOUND")));
    s.line(fmt::format("{} -P {}", postconf, quoted("pickup/unix/cleanup_service_name=deskgate-cleanup")));
}

// 4. chroot: a chrooted Postfix daemon cannot see /run/deskgate; only when a service needs it.
void write_unchroot(PostfixScript& s, const std::string& sub, bool lmtp_unix, bool milter_unix) {
    std::vector<std::string> unchroot;
    auto need = [&](const std::string& service, bool uses_unix_socket) {
        auto it = s.facts.chroot.find(service);
        if (uses_unix_socket && it != s.facts.chroot.end() && it->second == "y" && !contains(unchroot, service))
            unchroot.push_back(service);
    };
    need("lmtp/unix", lmtp_unix);
    need("smtp/inet", milter_unix);
    need(sub, milter_unix);
    if (unchroot.empty()) return;
    s.line("");
    s.line("# 4. These services run chrooted in the queue directory and could not reach the unix sockets");
    s.line("#    of deskgate (Debian's default). Run them unchrooted (Postfix's own default), or set");
    s.line("#    lmtp_listen / milter_socket in deskgate.toml to inet: sockets on 127.0.0.1 instead.");
    for (const std::string& service : unchroot) s.line(fmt::format("{} -F {}", s.postconf, quoted(service + "/chroot=n")));
}

}  // namespace

std::string postfix_config_script(const Config& config, const std::string& config_file, const PostfixFacts& facts) {
    PostfixScript s{facts, facts.config_dir.empty() ? "postconf" : "postconf -c " + quoted(facts.config_dir), {}};
    const std::vector<std::string> domains = helpdesk_domains(config);
    const bool lmtp_unix = is_unix(lmtp_endpoint(config));
    const bool milter_unix = is_unix(milter_endpoint(config));
    const std::string sub = facts.submission_service + "/inet";
    write_preamble(s, config_file, domains);
    write_lmtp_delivery(s, domains, postfix_lmtp_nexthop(config));
    write_milter(s, postfix_milter_endpoint(config));
    write_outbound_services(s, sub, milter_unix);
    write_unchroot(s, sub, lmtp_unix, milter_unix);
    write_outgoing_relays(s, config);
    s.line("");
    s.line(facts.config_dir.empty() ? "postfix reload" : "postfix -c " + quoted(facts.config_dir) + " reload");
    return s.out;
}

std::string sendmail_config_lines(const Config& config, const std::string& config_file) {
    const std::vector<std::string> domains = helpdesk_domains(config);
    const SocketAddress lmtp = lmtp_endpoint(config);
    const SocketAddress milter = milter_endpoint(config);
    std::string out;
    auto line = [&](const std::string& text) { out += text + "\n"; };
    line(fmt::format("dnl deskgate: sendmail settings for {}.", config_file));
    line("dnl Add these lines to sendmail.mc (before the MAILER lines), add the mailertable entries");
    line("dnl below to /etc/mail/mailertable, then rebuild: make -C /etc/mail (or sendmailconfig).");
    line("dnl");
    line("dnl 1. The milter. F=T: mail waits (temporary failure) while deskgate-milter is unreachable.");
    const std::string socket = is_unix(milter) ? "local:" + milter.path
                                                  : fmt::format("{}:{}@{}", milter.ipv6 ? "inet6" : "inet", milter.port, milter.host);
    line(fmt::format("INPUT_MAIL_FILTER(`deskgate', `S={}, F=T, T=C:10s;S:30s;R:30s;E:5m')dnl", socket));
    line("define(`confMILTER_MACROS_ENVFROM', confMILTER_MACROS_ENVFROM`, {auth_authen}')dnl");
    line("dnl    Staff submit on the MSA port; its name tells deskgate-milter the mail is outbound. These");
    line("dnl    replace sendmail's default daemons (and your DAEMON_OPTIONS for ports 25 and 587; keep");
    line("dnl    any Addr= you had there):");
    line("FEATURE(`no_default_msa')dnl");
    line("DAEMON_OPTIONS(`Port=smtp, Name=MTA')dnl");
    line("DAEMON_OPTIONS(`Port=submission, Name=OUTBOUND-MSA, M=Ea')dnl");
    line("dnl    M=a: that daemon takes mail only after SMTP AUTH (set it up as for your other users:");
    line("dnl    confAUTH_MECHANISMS, TRUST_AUTH_MECH, Cyrus SASL's Sendmail.conf); the login reaches");
    line("dnl    deskgate-milter as {auth_authen} and must be the staff member's.");
    line("dnl");
    line("dnl 2. Delivery of the helpdesk domains to deskgate-lmtpd over LMTP (mailer flag z). They are");
    line("dnl    relay domains (as Postfix's relay_domains): without that sendmail accepts their mail");
    line("dnl    from localhost only and refuses everyone else with \"Relaying denied\".");
    for (const std::string& d : domains) line(fmt::format("RELAY_DOMAIN(`{}')dnl", d));
    line("FEATURE(`mailertable')dnl");
    line("MAILER_DEFINITIONS");
    line("dnl    The mailer keeps whole addresses (the SMTP mailer's rulesets: EnvToL would hand");
    line("dnl    deskgate-lmtpd only the local part, which it refuses as no helpdesk address).");
    line(fmt::format("Mdeskgate, P=[IPC], F=lsmnqXz, S=EnvFromSMTP/HdrFromSMTP, R=EnvToSMTP, E=\\r\\n, "
                     "T=DNS/RFC822/SMTP, A={}",
                     is_unix(lmtp) ? "FILE " + lmtp.path : fmt::format("TCP $h {}", lmtp.port)));
    line("dnl");
    line("dnl /etc/mail/mailertable:");
    const std::string host = is_unix(lmtp) ? "localhost" : (lmtp.ipv6 ? "[IPv6:" + lmtp.host + "]" : "[" + lmtp.host + "]");
    for (const std::string& d : domains) line(fmt::format("dnl   {}\tdeskgate:{}", d, host));
    return out;
}

}  // namespace deskgate::config
