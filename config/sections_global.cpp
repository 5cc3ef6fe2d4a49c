// sections_global.cpp - reading [global], [[staff]] and [[customers]] (see loader.hpp).
#include <algorithm>
#include <variant>

#include <fmt/format.h>

#include "config/loader.hpp"
#include "core/base/text.hpp"
#include "core/base/address.hpp"
#include "core/base/socket_address.hpp"

namespace deskgate::config {
namespace {

// The normalized address under `key` if the key is there ("" and an error when it is not an
// address).
std::optional<std::string> global_address(TableReader& r, std::string_view key) {
    auto v = r.string(key);
    if (!v) return std::nullopt;
    std::string n = normalize_address(*v);
    if (n.empty())
        r.diag().error(r.where(key), fmt::format("'{}': \"{}\" is not an e-mail address", key, *v));
    return n;
}

}  // namespace

void Loader::read_global(const toml::table& t) {
    have_global_ = true;
    TableReader r(diag_, t, "[global]",
                  {"hostname", "store", "staff_sender", "not_enabled_policy", "refuse_text",
                   "redirect_mailbox", "unknown_senders", "unknown_sender_text", "secret_file",
                   "max_message_size", "max_received_headers", "priorities", "include", "journal_address", "sender_rate_limit", "sender_rate_window",
                   "trusted_authserv_ids", "generated_mail_limit", "sendmail_command", "bounce_address",
                   "notification_limit", "welcome_staff",
                   "lmtp_listen", "milter_socket", "fetch_listen", "fetch_dir"});
    Global& g = config_.global;
    if (auto v = r.string("hostname", true)) g.hostname = lower(*v);
    if (auto v = r.string("store", true)) g.store_path = *v;
    read_global_policies(r, g);
    if (auto v = r.string("secret_file", true)) {
        g.secret_file = *v;
        secret_pos_ = r.where("secret_file");
    }
    read_global_limits(r, g);
    if (auto v = r.strings_at("include")) includes_ = std::move(*v);
    read_global_sockets(r, g);
}

// The sender of our own mail, what happens to mail of customers not enabled and of unknown
// senders, and the addresses claimed for journal and bounces.
void Loader::read_global_policies(TableReader& r, Global& g) {
    if (auto a = global_address(r, "staff_sender")) g.staff_sender = *a;
    if (auto v = r.choice("not_enabled_policy", {"refuse", "redirect"}))
        g.not_enabled_policy = *v == "refuse" ? NotEnabledPolicy::Refuse : NotEnabledPolicy::Redirect;
    if (auto v = r.string("refuse_text")) g.refuse_text = *v;
    if (auto a = global_address(r, "redirect_mailbox")) g.redirect_mailbox = *a;
    if (auto a = global_address(r, "journal_address")) {
        g.journal_address = *a;
        if (!a->empty()) claim_address(g.journal_address, 0, r.where("journal_address"));
    }
    if (auto a = global_address(r, "bounce_address")) {
        g.bounce_address = *a;
        if (!a->empty()) claim_address(g.bounce_address, 0, r.where("bounce_address"));
    }
    if (g.not_enabled_policy == NotEnabledPolicy::Redirect && g.redirect_mailbox.empty() &&
        !r.node("redirect_mailbox"))
        diag_.error(r.where("not_enabled_policy"),
                    "not_enabled_policy = \"redirect\" needs 'redirect_mailbox' in [global]");
    if (auto v = r.choice("unknown_senders", {"accept", "refuse"}))
        g.unknown_senders = *v == "accept" ? UnknownSenderPolicy::Accept : UnknownSenderPolicy::Refuse;
    if (auto v = r.string("unknown_sender_text")) g.unknown_sender_text = *v;
}

// Message size, trusted authserv-ids, the sendmail command, generated-mail and sender rate
// limits, Received header count, the priorities.
void Loader::read_global_limits(TableReader& r, Global& g) {
    if (auto v = r.size("max_message_size")) g.max_message_size = *v;
    if (auto v = r.strings("trusted_authserv_ids"))
        for (const std::string& id : *v) g.trusted_authserv_ids.push_back(lower(id));
    if (auto v = r.strings("sendmail_command")) {
        if (v->empty() || v->front().empty() || v->front().front() != '/')
            diag_.error(r.where("sendmail_command"), "'sendmail_command': expected an array starting with an absolute path, e.g. [\"/usr/sbin/sendmail\"]");
        else
            g.sendmail_command = *v;
    }
    if (auto v = r.integer("generated_mail_limit", 0, 1000)) g.generated_mail_limit = static_cast<std::uint32_t>(*v);
    if (auto v = r.integer("notification_limit", 0, 100000)) g.notification_limit = static_cast<std::uint32_t>(*v);
    if (auto v = r.boolean("welcome_staff")) g.welcome_staff = *v;
    if (auto v = r.integer("sender_rate_limit", 0, 1000000)) g.sender_rate_limit = static_cast<std::uint32_t>(*v);
    if (auto v = r.integer("sender_rate_window", 1, 30 * 86400)) g.sender_rate_window = *v;
    if (auto v = r.integer("max_received_headers", 1, 1000)) g.max_received_headers = static_cast<std::uint32_t>(*v);
    if (auto v = r.strings("priorities")) {
        if (v->empty()) diag_.error(r.where("priorities"), "'priorities' must name at least one priority");
        else g.priorities = *v;
    }
}

// The daemons' sockets: lmtp_listen (one or more), milter_socket, and fetch_listen (where the
// fetcher of [[queues.mailboxes]] delivers) with the fetcher's state directory fetch_dir.
void Loader::read_global_sockets(TableReader& r, Global& g) {
    if (auto v = r.strings_at("lmtp_listen")) {
        g.lmtp_listen.clear();
        for (const auto& [spec, where] : *v) {
            const ParsedSocketAddress parsed = parse_lmtp_address(spec);
            if (const auto* problem = std::get_if<std::string>(&parsed))
                diag_.error(where, fmt::format("'lmtp_listen': {}", *problem));
            else
                g.lmtp_listen.push_back(spec);
        }
        if (v->empty()) diag_.error(r.where("lmtp_listen"), "'lmtp_listen' must name at least one socket");
    }
    if (auto v = r.string("milter_socket")) {
        const ParsedSocketAddress parsed = parse_milter_address(*v);
        if (const auto* problem = std::get_if<std::string>(&parsed))
            diag_.error(r.where("milter_socket"), fmt::format("'milter_socket': {}", *problem));
        else
            g.milter_socket = *v;
    }
    if (auto v = r.string("fetch_listen")) {
        const ParsedSocketAddress parsed = parse_lmtp_address(*v);
        if (const auto* problem = std::get_if<std::string>(&parsed))
            diag_.error(r.where("fetch_listen"), fmt::format("'fetch_listen': {}", *problem));
        else if (std::find(g.lmtp_listen.begin(), g.lmtp_listen.end(), *v) != g.lmtp_listen.end())
            diag_.error(r.where("fetch_listen"), "'fetch_listen' must differ from every 'lmtp_listen' socket "
                                                 "(fetched mail is told apart by the socket it arrives on)");
        else
            g.fetch_listen = *v;
    }
    if (auto v = r.string("fetch_dir")) {
        if (v->empty() || v->front() != '/') diag_.error(r.where("fetch_dir"), "'fetch_dir' must be an absolute path");
        else g.fetch_dir = *v;
    }
}

void Loader::read_staff(const toml::table& t) {
    TableReader r(diag_, t, "[[staff]]", {"alias", "name", "address", "queues", "categories"});
    Staff s;
    s.where = r.where();
    if (auto v = r.string("alias", true)) s.alias = *v;
    if (auto v = r.string("name")) s.name = *v;
    if (auto v = r.string("address", true)) {
        s.address = normalize_address(*v);
        if (s.address.empty()) {
            diag_.error(r.where("address"), fmt::format("'address': \"{}\" is not an e-mail address", *v));
        } else {
            auto [it, fresh] = staff_addresses_.try_emplace(s.address, s.alias, r.where("address"));
            if (!fresh)
                diag_.error(r.where("address"), fmt::format("address {} used by staff '{}' and '{}' (first at {})",
                                                            s.address, it->second.first, s.alias,
                                                            where_text(it->second.second)));
        }
    }
    s.queues = queue_numbers(r, "queues", fmt::format("staff '{}'", s.alias));
    if (auto v = r.strings_at("categories")) {
        s.categories.emplace();
        for (const auto& [category, where] : *v) {
            s.categories->push_back(category);
            references_.push_back({Reference::Kind::Category, category, where,
                                   fmt::format("categories of staff '{}'", s.alias)});
        }
    }
    if (!s.alias.empty()) {
        auto [it, fresh] = staff_aliases_.try_emplace(s.alias, r.where("alias"));
        if (!fresh)
            diag_.error(r.where("alias"), fmt::format("duplicate staff alias '{}' (first defined at {})", s.alias,
                                                      where_text(it->second)));
    }
    config_.staff.push_back(std::move(s));
}

void Loader::read_customer(const toml::table& t) {
    TableReader r(diag_, t, "[[customers]]",
                  {"id", "name", "domains", "contacts", "email_tickets", "approvers", "authorization",
                   "require_authentication", "unauthenticated"});
    Customer c;
    c.where = r.where();
    if (auto v = r.string("id", true)) {
        c.id = *v;
        if (c.id.empty()) diag_.error(r.where("id"), "customer 'id' must not be empty");
        auto [it, fresh] = customer_ids_.try_emplace(c.id, r.where("id"));
        if (!fresh)
            diag_.error(r.where("id"), fmt::format("duplicate customer id '{}' (first defined at {})", c.id,
                                                   where_text(it->second)));
    }
    c.name = r.string("name").value_or(c.id);
    if (auto v = r.strings_at("domains")) {
        for (const auto& [d, where] : *v) {
            std::string domain = lower(d);
            if (domain.empty() || domain.find('@') != std::string::npos || domain.find('.') == std::string::npos) {
                diag_.error(where, fmt::format("domain \"{}\" of customer '{}': expected a domain "
                                                            "name like \"example.com\"", d, c.id));
                continue;
            }
            auto [it, fresh] = domains_.try_emplace(domain, c.id, where);
            if (!fresh) {
                diag_.error(where, fmt::format("domain {} claimed by customers {} and {} (first at {})",
                                                            domain, it->second.first, c.id,
                                                            where_text(it->second.second)));
                continue;
            }
            c.domains.push_back(std::move(domain));
        }
    }
    auto addresses = [&](std::string_view key, std::vector<std::string>& out, bool unique) {
        if (auto v = r.strings_at(key)) {
            for (const auto& [a, where] : *v) {
                std::string n = normalize_address(a);
                if (n.empty()) {
                    diag_.error(where, fmt::format("'{}' of customer '{}': \"{}\" is not an e-mail address",
                                                          key, c.id, a));
                    continue;
                }
                if (unique) {
                    auto [it, fresh] = contacts_.try_emplace(n, c.id, where);
                    if (!fresh && it->second.first != c.id) {
                        diag_.error(where, fmt::format("contact {} claimed by customers {} and {} (first at {})",
                                                              n, it->second.first, c.id,
                                                              where_text(it->second.second)));
                        continue;
                    }
                }
                out.push_back(std::move(n));
            }
        }
    };
    addresses("contacts", c.contacts, true);
    addresses("approvers", c.approvers, false);
    if (auto v = r.boolean("email_tickets")) c.email_tickets = *v;
    if (auto v = r.choice("authorization", {"off", "optional", "required"}))
        c.authorization = *v == "off" ? Authorization::Off
                          : *v == "optional" ? Authorization::Optional : Authorization::Required;
    if (auto v = r.boolean("require_authentication")) c.require_authentication = *v;
    if (auto v = r.choice("unauthenticated", {"refuse", "no_tickets"})) c.unauthenticated_refuse = *v == "refuse";
    if (c.authorization == Authorization::Required && c.approvers.empty() && !r.node("approvers"))
        diag_.error(r.where("authorization"),
                    fmt::format("customer '{}' has authorization = \"required\" but no 'approvers'", c.id));
    config_.customers.push_back(std::move(c));
}

}  // namespace deskgate::config
