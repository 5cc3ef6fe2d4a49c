// postfix_outgoing.cpp - section 5 of `deskgate postfix-config`: every queue with its own
// outgoing server ([queues.outgoing]) sends through that server with its login, by Postfix's
// sender-dependent tables, keyed by the queue's sender_address - the envelope sender of all its
// mail (core/policy/return_path.hpp; with bounce_address set a +b<id>-<sig> extension, which
// Postfix strips for these lookups when recipient_delimiter holds '+'):
//   sender_dependent_relayhost_maps          sender -> [server]:port
//   sender_dependent_default_transport_maps  sender -> deskgate-smtps (implicit TLS, port 465)
//   smtp_sasl_password_maps                  sender -> login:password (smtp_sender_dependent_authentication)
//   smtp_tls_policy_maps                     [server]:port -> secure (verify_certificate) | encrypt
// The maps are files in Postfix's config directory, rewritten whole on every run and postmapped;
// the password map is root's alone, its passwords read from each queue's password_file when
// the script runs, never printed. Our map comes first in each parameter; the admin's stay.
#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "config/postfix_script.hpp"
#include "core/base/address.hpp"

namespace deskgate::config {
namespace {

constexpr std::string_view kRelayMap = "deskgate_sender_relay";
constexpr std::string_view kTransportMap = "deskgate_sender_transport";
constexpr std::string_view kPasswordMap = "deskgate_sasl_passwd";
constexpr std::string_view kTlsPolicyMap = "deskgate_tls_policy";
constexpr std::string_view kSmtpsTransport = "deskgate-smtps";
constexpr std::string_view kCaFile = "/etc/ssl/certs/ca-certificates.crt";  // Debian's ca-certificates

// One sender key: the first queue that sends as it (queues sharing a sender_address share
// [queues.outgoing]: the config loader checks it) and every queue number that does.
struct Route {
    const Queue* queue = nullptr;
    std::vector<std::uint32_t> numbers;
};

std::vector<Route> routes_of(const Config& config) {
    std::vector<Route> routes;
    for (const Queue& q : config.queues) {
        if (!q.outgoing) continue;
        auto it = std::find_if(routes.begin(), routes.end(),
                               [&](const Route& r) { return r.queue->sender_address == q.sender_address; });
        if (it == routes.end()) routes.push_back(Route{&q, {q.number}});
        else it->numbers.push_back(q.number);
    }
    return routes;
}

// Postfix's next hop for the server: "[smtp.example.com]:587" (brackets: no MX lookup),
// "[ipv6:2001:db8::1]:587" for an IPv6 literal.
std::string nexthop(const Outgoing& o) {
    std::string host = o.server;
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    if (host.find(':') != std::string::npos && !host.starts_with("ipv6:")) host = "ipv6:" + host;
    return fmt::format("[{}]:{}", host, o.port);
}

std::string map_dir(const PostfixScript& s) {
    if (std::string d = s.current("config_directory"); !d.empty()) return d;
    return s.facts.config_dir.empty() ? "/etc/postfix" : s.facts.config_dir;
}

// "hash:/etc/postfix/deskgate_sender_relay" (Postfix's default_database_type).
std::string map_ref(const PostfixScript& s, std::string_view name) {
    const std::string type = s.current("default_database_type");
    return fmt::format("{}:{}/{}", type.empty() ? "hash" : type, map_dir(s), name);
}

// Whether an element of a map list is one of ours (also of another type or directory).
bool is_ours(const std::string& element, std::string_view name) {
    return element.ends_with(fmt::format("/{}", name));
}

bool uses_our_maps(const PostfixScript& s) {
    for (const auto& [param, name] : {std::pair{"sender_dependent_relayhost_maps", kRelayMap},
                                      std::pair{"sender_dependent_default_transport_maps", kTransportMap},
                                      std::pair{"smtp_sasl_password_maps", kPasswordMap},
                                      std::pair{"smtp_tls_policy_maps", kTlsPolicyMap}})
        for (const std::string& e : split_postfix_list(s.current(param)))
            if (is_ours(e, name)) return true;
    return false;
}

// Our map first, then the admin's maps (an earlier run's reference to ours dropped).
void set_map_list(PostfixScript& s, const std::string& param, std::string_view name) {
    std::vector<std::string> maps{map_ref(s, name)};
    for (const std::string& e : split_postfix_list(s.current(param)))
        if (!is_ours(e, name) && std::find(maps.begin(), maps.end(), e) == maps.end()) maps.push_back(e);
    s.set_main(param, fmt::format("{}", fmt::join(maps, ", ")));
}

std::string postmap(const PostfixScript& s) {
    return s.facts.config_dir.empty() ? "postmap" : "postmap -c " + shell_quoted(s.facts.config_dir);
}

// A map file of public lines, rewritten whole, then postmapped.
void write_map(PostfixScript& s, std::string_view name, const std::vector<std::string>& lines) {
    const std::string file = shell_quoted(fmt::format("{}/{}", map_dir(s), name));
    if (lines.empty()) {
        s.line(fmt::format(": > {}", file));
    } else {
        s.line(fmt::format("cat > {} <<'DESKGATE_MAP'", file));
        for (const std::string& l : lines) s.line(l);
        s.line("DESKGATE_MAP");
    }
    s.line(fmt::format("{} {}", postmap(s), shell_quoted(map_ref(s, name))));
}

// The password map: created empty and root's alone before a password goes in, each password
// the first line of its queue's password_file (the script stops if one is missing or empty).
void write_password_map(PostfixScript& s, const std::vector<Route>& routes) {
    const std::string file = fmt::format("{}/{}", map_dir(s), kPasswordMap);
    s.line("(");
    s.line("  set -e; umask 077");
    s.line(fmt::format("  f={}; : > \"$f\"; chown root:root \"$f\"; chmod 600 \"$f\"", shell_quoted(file)));
    for (const Route& r : routes) {
        const Outgoing& o = *r.queue->outgoing;
        const std::string from = shell_quoted(o.password_file);
        s.line(fmt::format("  pw=$(head -n 1 {}) && test -n \"$pw\" || "
                           "{{ echo \"deskgate: no password in \"{} >&2; exit 1; }}", from, from));
        s.line(fmt::format("  printf '%s %s:%s\\n' {} {} \"$pw\" >> \"$f\"", shell_quoted(r.queue->sender_address),
                           shell_quoted(o.user)));
    }
    s.line(fmt::format("  {} {}", postmap(s), shell_quoted(map_ref(s, kPasswordMap))));
    s.line("  for db in \"$f\".*; do chown root:root \"$db\"; chmod 600 \"$db\"; done");
    s.line(")");
}

void describe(PostfixScript& s, const Route& r) {
    const Outgoing& o = *r.queue->outgoing;
    s.line(fmt::format("#    queue{} {}: {} -> {} ({}, certificate {}), login {}", r.numbers.size() == 1 ? "" : "s",
                       fmt::join(r.numbers, ", "), r.queue->sender_address, nexthop(o),
                       o.tls == Outgoing::Tls::Implicit ? "TLS wrapper mode" : "STARTTLS",
                       o.verify_certificate ? "verified" : "NOT verified", o.user));
}

// What the envelope sender is and what the server must allow (it cannot be checked from here).
void explain_senders(PostfixScript& s, const Config& config) {
    s.line("#    The server must let each login send as its queue's sender_address (check-config cannot know);");
    s.line("#    a refusal bounces to the queue, and deskgate-lmtpd logs it with the queue, server and login.");
    if (config.global.bounce_address.empty()) return;
    s.line("#    With bounce_address set, the envelope sender is sender_address+b<id>-<sig> (so that bounces");
    s.line("#    come back into their ticket): the server must accept that +extension of the login's address,");
    s.line("#    and Postfix finds the entries under sender_address when recipient_delimiter holds '+'.");
}

// recipient_delimiter must hold '+' for the VERP senders to find their entries.
void write_delimiter(PostfixScript& s, const Config& config) {
    if (config.global.bounce_address.empty()) return;
    const std::string d = s.current("recipient_delimiter");
    if (d.find('+') != std::string::npos) s.line(fmt::format("#    recipient_delimiter already holds '+' ({})", d));
    else s.set_main("recipient_delimiter", d + "+");
}

// Port 465: an smtp transport of its own in TLS wrapper mode (chosen per sender by
// sender_dependent_default_transport_maps; the next hop still comes from the relay map).
void write_smtps_transport(PostfixScript& s) {
    s.line("#    Port 465: TLS from the first byte (wrapper mode), through a transport of its own.");
    const std::string service = fmt::format("{}/unix", kSmtpsTransport);
    auto master = [&](const std::string& option, const std::string& entry) {
        s.line(fmt::format("{} {} {}", s.postconf, option, shell_quoted(entry)));
    };
    master("-M", fmt::format("{}={} unix - - n - - smtp", service, kSmtpsTransport));
    master("-P", service + "/smtp_tls_wrappermode=yes");
    master("-P", service + "/smtp_tls_security_level=encrypt");
    master("-P", fmt::format("{}/syslog_name=postfix/{}", service, kSmtpsTransport));
}

}  // namespace

void write_outgoing_relays(PostfixScript& s, const Config& config) {
    const std::vector<Route> routes = routes_of(config);
    if (routes.empty() && !uses_our_maps(s)) return;
    s.line("");
    s.line("# 5. Queues with their own outgoing server ([queues.outgoing]): everything sent for them leaves");
    s.line("#    through that server with the queue's login, chosen by the envelope sender.");
    if (routes.empty()) s.line("#    No queue has one any more: the maps are emptied.");
    for (const Route& r : routes) describe(s, r);
    if (!routes.empty()) explain_senders(s, config);

    std::vector<std::string> relay, transport, policy;
    bool implicit = false, verify = false;
    for (const Route& r : routes) {
        const Outgoing& o = *r.queue->outgoing;
        relay.push_back(fmt::format("{} {}", r.queue->sender_address, nexthop(o)));
        if (o.tls == Outgoing::Tls::Implicit)
            transport.push_back(fmt::format("{} {}", r.queue->sender_address, kSmtpsTransport));
        const std::string rule = fmt::format("{} {}", nexthop(o), o.verify_certificate ? "secure" : "encrypt");
        if (std::find(policy.begin(), policy.end(), rule) == policy.end()) policy.push_back(rule);
        implicit = implicit || o.tls == Outgoing::Tls::Implicit;
        verify = verify || o.verify_certificate;
    }
    write_map(s, kRelayMap, relay);
    write_map(s, kTransportMap, transport);
    write_map(s, kTlsPolicyMap, policy);
    s.line("#    The logins' passwords: a map only root may read.");
    write_password_map(s, routes);

    set_map_list(s, "sender_dependent_relayhost_maps", kRelayMap);
    set_map_list(s, "sender_dependent_default_transport_maps", kTransportMap);
    set_map_list(s, "smtp_sasl_password_maps", kPasswordMap);
    set_map_list(s, "smtp_tls_policy_maps", kTlsPolicyMap);
    s.set_main("smtp_sasl_auth_enable", "yes");
    s.set_main("smtp_sender_dependent_authentication", "yes");
    s.line("#    Passwords only over TLS (the policy map above requires it for every such server): plain");
    s.line("#    mechanisms allowed there, anonymous ones never.");
    s.set_main("smtp_sasl_tls_security_options", "noanonymous");
    if (verify && s.current("smtp_tls_CAfile").empty() && s.current("smtp_tls_CApath").empty())
        s.set_main("smtp_tls_CAfile", std::string(kCaFile));
    write_delimiter(s, config);
    if (implicit) write_smtps_transport(s);
}

}  // namespace deskgate::config
