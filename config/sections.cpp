// sections.cpp - reading each config section into the typed model (see loader.hpp), and the
// checks that need the whole config: duplicates, references, the secret file.
#include <glib.h>
#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "config/loader.hpp"
#include "core/base/text.hpp"
#include "core/base/address.hpp"
#include "core/base/socket_address.hpp"
#include "core/base/template.hpp"

namespace deskgate::config {
namespace {


std::string where_text(const SourcePos& p) { return fmt::format("{}:{}:{}", p.file, p.line, p.column); }

// "HH:MM" -> minutes since midnight (24:00 allowed as an end).
std::optional<std::uint16_t> parse_clock(std::string_view s) {
    if (s.size() != 5 || s[2] != ':') return std::nullopt;
    for (std::size_t i : {0u, 1u, 3u, 4u})
        if (!std::isdigit(static_cast<unsigned char>(s[i]))) return std::nullopt;
    const int h = (s[0] - '0') * 10 + (s[1] - '0');
    const int m = (s[3] - '0') * 10 + (s[4] - '0');
    if (m > 59 || h > 24 || (h == 24 && m != 0)) return std::nullopt;
    return static_cast<std::uint16_t>(h * 60 + m);
}

std::optional<TimeRange> parse_range(std::string_view s) {
    const auto dash = s.find('-');
    if (dash == std::string_view::npos) return std::nullopt;
    auto a = parse_clock(s.substr(0, dash));
    auto b = parse_clock(s.substr(dash + 1));
    if (!a || !b || *a >= *b) return std::nullopt;
    return TimeRange{*a, *b};
}

bool valid_date(std::string_view s) {
    if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
    for (std::size_t i : {0u, 1u, 2u, 3u, 5u, 6u, 8u, 9u})
        if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    const int y = std::stoi(std::string(s.substr(0, 4)));
    const int m = std::stoi(std::string(s.substr(5, 2)));
    const int d = std::stoi(std::string(s.substr(8, 2)));
    return g_date_valid_dmy(static_cast<GDateDay>(d), static_cast<GDateMonth>(m),
                            static_cast<GDateYear>(y));
}

bool valid_time_zone(const std::string& name) {
    GTimeZone* tz = g_time_zone_new_identifier(name.c_str());
    if (!tz) return false;
    g_time_zone_unref(tz);
    return true;
}

// Whether `text` uses `name` as a value placeholder ({{ name }} with any spacing), outside
// sections too: rendering asks for exactly the names it prints.
bool uses_placeholder(std::string_view text, std::string_view name) {
    bool found = false;
    (void)render_template(text, [&](std::string_view n) -> std::optional<std::string> {
        if (n == name) found = true;
        return std::string("x");
    });
    return found;
}

}  // namespace

template <typename F>
void Loader::each_table(const toml::table& doc, std::string_view key, F&& read) {
    const toml::node* n = doc.get(key);
    if (!n) return;
    const auto* array = n->as_array();
    if (!array) {
        diag_.error(n->source(), fmt::format("'{}': expected an array of tables ([[{}]]), got {}", key,
                                             key, type_name(*n)));
        return;
    }
    for (const toml::node& el : *array) {
        if (const auto* t = el.as_table()) read(*t);
        else diag_.error(el.source(), fmt::format("'{}': expected tables ([[{}]]), got {}", key, key,
                                                  type_name(el)));
    }
}

void Loader::read_document(const toml::table& doc, bool main) {
    static const std::vector<std::string_view> main_keys = {"global", "calendars", "staff",
                                                            "customers", "queues", "rules", "views"};
    static const std::vector<std::string_view> include_keys = {"calendars", "staff", "customers",
                                                               "queues", "rules", "views"};
    const auto& known = main ? main_keys : include_keys;
    for (auto&& [key, value] : doc) {
        (void)value;
        if (std::find(known.begin(), known.end(), key.str()) == known.end())
            diag_.error(key.source(),
                        fmt::format("unknown section '{}'{}{}", key.str(),
                                    !main && key.str() == "global" ? " ([global] belongs in the main file)" : "",
                                    suggestion(key.str(), known)));
    }
    if (main) {
        if (const toml::node* g = doc.get("global")) {
            if (const auto* t = g->as_table()) read_global(*t);
            else diag_.error(g->source(), fmt::format("'global': expected a table, got {}", type_name(*g)));
        } else {
            diag_.error(SourcePos{config_.files.empty() ? "" : config_.files.back(), 1, 1},
                        "missing [global] section");
        }
    }
    each_table(doc, "calendars", [&](const toml::table& t) { read_calendar(t); });
    each_table(doc, "staff", [&](const toml::table& t) { read_staff(t); });
    each_table(doc, "customers", [&](const toml::table& t) { read_customer(t); });
    each_table(doc, "queues", [&](const toml::table& t) { read_queue(t); });
    each_table(doc, "rules", [&](const toml::table& t) { read_rule(t); });
    each_table(doc, "views", [&](const toml::table& t) { read_view(t); });
}

void Loader::read_global(const toml::table& t) {
    have_global_ = true;
    TableReader r(diag_, t, "[global]",
                  {"hostname", "store", "staff_sender", "not_enabled_policy", "refuse_text",
                   "redirect_mailbox", "unknown_senders", "unknown_sender_text", "secret_file",
                   "max_message_size", "max_received_headers", "priorities", "include", "journal_address", "sender_rate_limit", "sender_rate_window",
                   "trusted_authserv_ids", "generated_mail_limit", "sendmail_command", "bounce_address",
                   "lmtp_listen", "milter_socket"});
    Global& g = config_.global;
    if (auto v = r.string("hostname", true)) g.hostname = lower(*v);
    if (auto v = r.string("store", true)) g.store_path = *v;
    if (auto v = r.string("staff_sender")) {
        g.staff_sender = normalize_address(*v);
        if (g.staff_sender.empty())
            diag_.error(r.where("staff_sender"), fmt::format("'staff_sender': \"{}\" is not an e-mail address", *v));
    }
    if (auto v = r.choice("not_enabled_policy", {"refuse", "redirect"}))
        g.not_enabled_policy = *v == "refuse" ? NotEnabledPolicy::Refuse : NotEnabledPolicy::Redirect;
    if (auto v = r.string("refuse_text")) g.refuse_text = *v;
    if (auto v = r.string("redirect_mailbox")) {
        g.redirect_mailbox = normalize_address(*v);
        if (g.redirect_mailbox.empty())
            diag_.error(r.where("redirect_mailbox"), fmt::format("'redirect_mailbox': \"{}\" is not an e-mail address", *v));
    }
    if (auto v = r.string("journal_address")) {
        g.journal_address = normalize_address(*v);
        if (g.journal_address.empty())
            diag_.error(r.where("journal_address"), fmt::format("'journal_address': \"{}\" is not an e-mail address", *v));
        else
            claim_address(g.journal_address, 0, r.where("journal_address"));
    }
    if (auto v = r.string("bounce_address")) {
        g.bounce_address = normalize_address(*v);
        if (g.bounce_address.empty())
            diag_.error(r.where("bounce_address"), fmt::format("'bounce_address': \"{}\" is not an e-mail address", *v));
        else
            claim_address(g.bounce_address, 0, r.where("bounce_address"));
    }
    if (g.not_enabled_policy == NotEnabledPolicy::Redirect && g.redirect_mailbox.empty() &&
        !r.node("redirect_mailbox"))
        diag_.error(r.where("not_enabled_policy"),
                    "not_enabled_policy = \"redirect\" needs 'redirect_mailbox' in [global]");
    if (auto v = r.choice("unknown_senders", {"accept", "refuse"}))
        g.unknown_senders = *v == "accept" ? UnknownSenderPolicy::Accept : UnknownSenderPolicy::Refuse;
    if (auto v = r.string("unknown_sender_text")) g.unknown_sender_text = *v;
    if (auto v = r.string("secret_file", true)) {
        g.secret_file = *v;
        secret_pos_ = r.where("secret_file");
    }
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
    if (auto v = r.integer("sender_rate_limit", 0, 1000000)) g.sender_rate_limit = static_cast<std::uint32_t>(*v);
    if (auto v = r.integer("sender_rate_window", 1, 30 * 86400)) g.sender_rate_window = *v;
    if (auto v = r.integer("max_received_headers", 1, 1000)) g.max_received_headers = static_cast<std::uint32_t>(*v);
    if (auto v = r.strings("priorities")) {
        if (v->empty()) diag_.error(r.where("priorities"), "'priorities' must name at least one priority");
        else g.priorities = *v;
    }
    if (auto v = r.strings_at("include")) includes_ = std::move(*v);
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
}

void Loader::read_calendar(const toml::table& t) {
    TableReader r(diag_, t, "[[calendars]]", {"name", "time_zone", "hours", "holidays"});
    Calendar c;
    c.where = r.where();
    if (auto v = r.string("name", true)) c.name = *v;
    if (auto v = r.string("time_zone", true)) {
        c.time_zone = *v;
        if (!valid_time_zone(*v))
            diag_.error(r.where("time_zone"), fmt::format("unknown time zone \"{}\" (expected an IANA name "
                                                          "like \"Europe/Prague\")", *v));
    }
    if (auto v = r.strings_at("holidays")) {
        for (const auto& [d, where] : *v) {
            if (valid_date(d)) c.holidays.push_back(d);
            else diag_.error(where, fmt::format("holiday \"{}\": expected a date YYYY-MM-DD", d));
        }
    }
    if (const toml::node* hours = r.node("hours")) {
        if (const auto* ht = hours->as_table()) {
            static const std::vector<std::string_view> days = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
            TableReader hr(diag_, *ht, fmt::format("[calendars.hours] of '{}'", c.name),
                           {days.begin(), days.end()});
            for (std::size_t d = 0; d < days.size(); ++d) {
                const toml::node* n = ht->get(days[d]);
                if (!n) continue;
                std::vector<TableReader::Item> ranges;
                if (const auto* s = n->as_string()) ranges.push_back({s->get(), position(n->source())});
                else if (auto list = hr.strings_at(days[d])) ranges = *list;
                else continue;
                for (const auto& [text, where] : ranges) {
                    if (auto range = parse_range(text)) c.weekly[d].push_back(*range);
                    else diag_.error(where, fmt::format("'{}' hours \"{}\": expected \"HH:MM-HH:MM\" "
                                                             "with the start before the end", days[d], text));
                }
            }
        } else {
            diag_.error(hours->source(), fmt::format("'hours': expected a table, got {}", type_name(*hours)));
        }
    }
    if (!c.name.empty()) {
        auto [it, fresh] = calendar_names_.try_emplace(c.name, r.where("name"));
        if (!fresh)
            diag_.error(r.where("name"), fmt::format("duplicate calendar '{}' (first defined at {})", c.name,
                                                     where_text(it->second)));
    }
    config_.calendars.push_back(std::move(c));
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

std::vector<std::uint32_t> Loader::queue_numbers(TableReader& r, std::string_view key, const std::string& context) {
    std::vector<std::uint32_t> numbers;
    const toml::node* q = r.node(key);
    if (!q) return numbers;
    if (const auto* a = q->as_array()) {
        for (const toml::node& el : *a) {
            if (const auto* i = el.as_integer(); i && i->get() > 0 && i->get() <= 0xFFFFFFFF) {
                numbers.push_back(static_cast<std::uint32_t>(i->get()));
                references_.push_back({Reference::Kind::Queue, std::to_string(i->get()), position(el.source()), context});
            } else {
                diag_.error(el.source(), fmt::format("'{}' of {}: expected queue numbers, got {}", key, context,
                                                     type_name(el)));
            }
        }
    } else {
        diag_.error(q->source(), fmt::format("'{}': expected an array of queue numbers, got {}", key, type_name(*q)));
    }
    return numbers;
}

void Loader::read_view(const toml::table& t) {
    TableReader r(diag_, t, "[[views]]", {"name", "description", "queues", "categories", "statuses",
                                          "priorities", "min_idle", "max_idle"});
    View v;
    v.where = r.where();
    if (auto name = r.string("name", true)) v.name = *name;
    const std::string context = fmt::format("view '{}'", v.name);
    if (auto d = r.string("description")) v.description = *d;
    v.queues = queue_numbers(r, "queues", context);
    if (auto list = r.strings_at("categories")) {
        for (const auto& [category, where] : *list) {
            v.categories.push_back(category);
            references_.push_back({Reference::Kind::Category, category, where, "categories of " + context});
        }
    }
    if (auto list = r.strings_at("statuses")) {
        for (const auto& [status, where] : *list) {
            if (auto st = ticket_status_from(status)) v.statuses.push_back(*st);
            else diag_.error(where, fmt::format("unknown status '{}' in {} (new, open, waiting, closed, "
                                                "awaiting-approval)", status, context));
        }
    }
    if (auto list = r.strings_at("priorities")) {
        for (const auto& [priority, where] : *list) {
            v.priorities.push_back(priority);
            references_.push_back({Reference::Kind::Priority, priority, where, "priorities of " + context});
        }
    }
    if (auto d = r.duration("min_idle")) v.min_idle = *d;
    if (auto d = r.duration("max_idle")) v.max_idle = *d;
    if (v.min_idle && v.max_idle && v.min_idle > v.max_idle)
        diag_.error(r.where("max_idle"), fmt::format("{}: max_idle is shorter than min_idle", context));
    if (!v.name.empty()) {
        auto [it, fresh] = view_names_.try_emplace(v.name, r.where("name"));
        if (!fresh)
            diag_.error(r.where("name"), fmt::format("duplicate view '{}' (first defined at {})", v.name,
                                                     where_text(it->second)));
    }
    config_.views.push_back(std::move(v));
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

void Loader::claim_address(const std::string& address, std::uint32_t queue, const SourcePos& where) {
    auto [it, fresh] = addresses_.try_emplace(address, queue, where);
    if (!fresh)
        diag_.error(where, it->second.first == queue
                               ? fmt::format("address {} appears twice in queue {}", address, queue)
                               : fmt::format("address {} claimed by queue {} and queue {} (first at {})",
                                             address, it->second.first, queue, where_text(it->second.second)));
}

void Loader::check_template_at(TableReader& r, std::string_view key, const std::string& text) {
    const toml::node* n = r.node(key);
    for (const TemplateError& e : check_template(text))
        diag_.error(n ? position_in_string(*n, text, e.offset) : r.where(key),
                    fmt::format("{} in '{}'", e.message, key));
}

void Loader::read_queue(const toml::table& t) {
    TableReader r(diag_, t, "[[queues]]",
                  {"number", "name", "description", "active", "address", "forwarding", "comment_address",
                   "sender_address", "display_name", "reply_to", "signature", "default_category",
                   "default_priority", "calendar", "ack_in_hours", "ack_after_hours",
                   "autoreply_exceptions", "never_cc", "create_unknown_contacts", "reaction_minutes", "resolution_minutes",
                   "close_summary", "nps_template",
                   "status_on_customer_reply", "on_closed_reply", "reopen_days", "subject_tag"});
    Queue q;
    q.where = r.where();
    if (auto v = r.integer("number", 1, 0xFFFFFFFF, true)) {
        q.number = static_cast<std::uint32_t>(*v);
        auto [it, fresh] = queue_numbers_.try_emplace(q.number, r.where("number"));
        if (!fresh)
            diag_.error(r.where("number"), fmt::format("duplicate queue number {} (first defined at {})", q.number,
                                                       where_text(it->second)));
    }
    q.name = r.string("name", true).value_or("");
    if (auto v = r.string("description")) q.description = *v;
    if (auto v = r.boolean("active")) q.active = *v;
    auto address = [&](std::string_view key, bool required) -> std::string {
        auto v = r.string(key, required);
        if (!v) return {};
        std::string n = normalize_address(*v);
        if (n.empty()) diag_.error(r.where(key), fmt::format("'{}': \"{}\" is not an e-mail address", key, *v));
        return n;
    };
    q.system_address = address("address", true);
    if (!q.system_address.empty()) claim_address(q.system_address, q.number, r.where("address"));
    if (auto v = r.strings_at("forwarding")) {
        for (const auto& [a, where] : *v) {
            std::string n = normalize_address(a);
            if (n.empty()) {
                diag_.error(where, fmt::format("'forwarding': \"{}\" is not an e-mail address", a));
                continue;
            }
            claim_address(n, q.number, where);
            q.forwarding_addresses.push_back(std::move(n));
        }
    }
    q.comment_address = address("comment_address", false);
    if (!q.comment_address.empty()) claim_address(q.comment_address, q.number, r.where("comment_address"));
    q.sender_address = address("sender_address", false);
    if (q.sender_address.empty()) q.sender_address = q.system_address;
    q.reply_to = address("reply_to", false);
    if (q.reply_to.empty()) q.reply_to = q.system_address;
    if (auto v = r.string("display_name")) {
        q.display_name_template = *v;
        check_template_at(r, "display_name", *v);
    } else {
        q.display_name_template = "{{queue.title}}";
    }
    if (auto v = r.string("signature")) {
        q.signature = *v;
        check_template_at(r, "signature", *v);
    }
    if (auto v = r.string("default_category")) q.default_category = *v;
    if (auto v = r.string("default_priority")) {
        q.default_priority = *v;
        references_.push_back({Reference::Kind::Priority, *v, r.where("default_priority"),
                               fmt::format("default_priority of queue {}", q.number)});
    }
    if (auto v = r.string("calendar")) {
        q.calendar = *v;
        references_.push_back({Reference::Kind::Calendar, *v, r.where("calendar"),
                               fmt::format("queue {}", q.number)});
    }
    if (auto v = r.string("ack_in_hours")) {
        q.ack_in_hours = *v;
        check_template_at(r, "ack_in_hours", *v);
    }
    if (auto v = r.string("ack_after_hours")) {
        q.ack_after_hours = *v;
        check_template_at(r, "ack_after_hours", *v);
    }
    if (auto v = r.strings_at("autoreply_exceptions")) {
        for (const auto& [p, where] : *v) {
            if (p.empty() || p.find_first_of(" \t") != std::string::npos)
                diag_.error(where,
                            fmt::format("autoreply exception \"{}\": expected an address pattern (*, ?) or a domain", p));
            else q.autoreply_exceptions.push_back(lower(p));
        }
    }
    if (auto v = r.strings_at("never_cc"))
        for (const auto& [a, where] : *v) {
            std::string n = normalize_address(a);
            if (n.empty()) diag_.error(where, fmt::format("'never_cc': \"{}\" is not an e-mail address", a));
            else q.never_cc.push_back(std::move(n));
        }
    if (auto v = r.boolean("create_unknown_contacts")) q.create_unknown_contacts = *v;
    if (auto v = r.boolean("close_summary")) q.close_summary = *v;
    if (auto v = r.string("nps_template")) {
        q.nps_template = *v;
        check_template_at(r, "nps_template", *v);
    }
    if (auto v = r.integer("reaction_minutes", 0, 10000000)) q.reaction_minutes = static_cast<std::uint32_t>(*v);
    if (auto v = r.integer("resolution_minutes", 0, 10000000)) q.resolution_minutes = static_cast<std::uint32_t>(*v);
    if (auto v = r.choice("status_on_customer_reply", {"new", "open", "waiting"}))
        q.status_on_customer_reply = *ticket_status_from(*v);
    if (auto v = r.choice("on_closed_reply", {"reopen", "new_ticket", "refuse"}))
        q.on_closed_reply = *v == "reopen" ? ClosedReplyPolicy::Reopen
                            : *v == "new_ticket" ? ClosedReplyPolicy::NewTicket : ClosedReplyPolicy::Refuse;
    if (auto v = r.integer("reopen_days", 0, 3650)) q.reopen_days = static_cast<std::uint32_t>(*v);
    if (auto v = r.string("subject_tag")) {
        q.subject_tag = *v;
        static const std::vector<std::string_view> tag_names = {"ticket.number", "queue.title",
                                                                "queue.name", "queue.number"};
        for (const TemplateError& e : check_template(*v, &tag_names))
            diag_.error(position_in_string(*r.node("subject_tag"), *v, e.offset),
                        fmt::format("{} in 'subject_tag' (allowed: ticket.number, queue.title, "
                                    "queue.name, queue.number)", e.message));
        if (!uses_placeholder(*v, "ticket.number"))
            diag_.error(r.where("subject_tag"), "'subject_tag' must contain {{ticket.number}}");
    }
    config_.queues.push_back(std::move(q));
}

void Loader::read_rule(const toml::table& t) {
    TableReader r(diag_, t, "[[rules]]",
                  {"name", "match", "stop", "conditions", "set_category", "set_priority", "set_queue",
                   "add_tags", "assign", "refuse", "discard"});
    Rule rule;
    rule.where = r.where();
    rule.name = r.string("name", true).value_or("");
    if (auto v = r.choice("match", {"all", "any"})) rule.match_all = *v == "all";
    if (auto v = r.boolean("stop")) rule.stop = *v;
    const std::string context = fmt::format("rule '{}'", rule.name);
    const toml::node* conditions = r.node("conditions");
    if (!conditions) {
        diag_.error(r.where(), fmt::format("{} has no 'conditions'", context));
    } else if (const auto* a = conditions->as_array()) {
        if (a->empty()) diag_.error(conditions->source(), fmt::format("{}: 'conditions' is empty", context));
        for (const toml::node& el : *a) {
            const auto* ct = el.as_table();
            if (!ct) {
                diag_.error(el.source(), fmt::format("{}: expected condition tables {{ field = ..., kind = ..., "
                                                     "value = ... }}, got {}", context, type_name(el)));
                continue;
            }
            TableReader cr(diag_, *ct, fmt::format("a condition of {}", context),
                           {"field", "header", "kind", "value", "negate"});
            RuleCondition c;
            if (auto f = cr.choice("field", {"from", "to", "cc", "subject", "body", "header"})) {
                c.field = *f == "from" ? RuleField::From : *f == "to" ? RuleField::To : *f == "cc" ? RuleField::Cc
                          : *f == "subject" ? RuleField::Subject : *f == "body" ? RuleField::Body : RuleField::Header;
            } else if (!cr.node("field")) {
                diag_.error(cr.where(), fmt::format("a condition of {} needs 'field'", context));
            }
            if (auto h = cr.string("header")) c.header = *h;
            if (c.field == RuleField::Header && c.header.empty())
                diag_.error(cr.where(), fmt::format("a condition of {} on field \"header\" needs 'header' "
                                                    "(the header name)", context));
            if (auto k = cr.choice("kind", {"equals", "contains", "wildcard", "regex"}))
                c.kind = *k == "equals" ? MatchKind::Equals : *k == "contains" ? MatchKind::Contains
                         : *k == "wildcard" ? MatchKind::Wildcard : MatchKind::Regex;
            if (auto n = cr.boolean("negate")) c.negate = *n;
            if (auto v = cr.string("value", true)) {
                if (c.kind == MatchKind::Regex) {
                    RE2::Options o;
                    o.set_case_sensitive(false);
                    o.set_log_errors(false);
                    auto re = std::make_shared<const RE2>(*v, o);
                    if (!re->ok())
                        diag_.error(cr.where("value"), fmt::format("invalid regex in {}: {}", context, re->error()));
                    else c.regex = std::move(re);
                    c.pattern = *v;
                } else {
                    c.pattern = lower(*v);
                }
            }
            rule.conditions.push_back(std::move(c));
        }
    } else {
        diag_.error(conditions->source(), fmt::format("{}: 'conditions' expected an array of tables, got {}",
                                                      context, type_name(*conditions)));
    }
    RuleActions& act = rule.actions;
    if (auto v = r.string("set_category")) act.category = *v;
    if (auto v = r.string("set_priority")) {
        act.priority = *v;
        references_.push_back({Reference::Kind::Priority, *v, r.where("set_priority"), "set_priority in " + context});
    }
    if (auto v = r.integer("set_queue", 1, 0xFFFFFFFF)) {
        act.queue = static_cast<std::uint32_t>(*v);
        references_.push_back({Reference::Kind::Queue, std::to_string(*v), r.where("set_queue"), "set_queue in " + context});
    }
    if (auto v = r.strings("add_tags")) act.tags = *v;
    if (auto v = r.string("assign")) {
        act.assignee = *v;
        references_.push_back({Reference::Kind::StaffAlias, *v, r.where("assign"), "assign in " + context});
    }
    if (auto v = r.string("refuse")) {
        if (v->empty() || v->find_first_of("\r\n") != std::string::npos)
            diag_.error(r.where("refuse"), fmt::format("'refuse' in {}: expected a one-line, non-empty text", context));
        else act.refuse = *v;
    }
    if (auto v = r.boolean("discard")) act.discard = *v;
    if (act.refuse && act.discard)
        diag_.error(r.where("discard"), fmt::format("{} cannot both refuse and discard", context));
    config_.rules.push_back(std::move(rule));
}

void Loader::finish() {
    for (const Reference& ref : references_) {
        switch (ref.kind) {
        case Reference::Kind::Queue:
            if (!queue_numbers_.contains(static_cast<std::uint32_t>(std::stoul(ref.name))))
                diag_.error(ref.where, fmt::format("unknown queue {} ({})", ref.name, ref.context));
            break;
        case Reference::Kind::Calendar:
            if (!calendar_names_.contains(ref.name)) {
                std::vector<std::string_view> names;
                for (const auto& [n, p] : calendar_names_) names.push_back(n);
                diag_.error(ref.where, fmt::format("unknown calendar '{}' ({}){}", ref.name, ref.context,
                                                   suggestion(ref.name, names)));
            }
            break;
        case Reference::Kind::StaffAlias:
            if (!staff_aliases_.contains(ref.name)) {
                std::vector<std::string_view> names;
                for (const auto& [n, p] : staff_aliases_) names.push_back(n);
                diag_.error(ref.where, fmt::format("unknown staff alias '{}' ({}){}", ref.name, ref.context,
                                                   suggestion(ref.name, names)));
            }
            break;
        case Reference::Kind::Category: {
            std::vector<std::string_view> known;
            for (const Queue& q : config_.queues)
                if (!q.default_category.empty()) known.push_back(q.default_category);
            for (const Rule& rule : config_.rules)
                if (rule.actions.category) known.push_back(*rule.actions.category);
            std::sort(known.begin(), known.end());
            known.erase(std::unique(known.begin(), known.end()), known.end());
            if (std::find(known.begin(), known.end(), ref.name) == known.end())
                diag_.error(ref.where, fmt::format("unknown category '{}' ({}): no queue's default_category or "
                                                   "rule's set_category names it{}", ref.name, ref.context,
                                                   suggestion(ref.name, known)));
            break;
        }
        case Reference::Kind::Priority: {
            const auto& p = config_.global.priorities;
            if (std::find(p.begin(), p.end(), ref.name) == p.end())
                diag_.error(ref.where, fmt::format("unknown priority '{}' ({}); [global] priorities are {}",
                                                   ref.name, ref.context, fmt::join(p, ", ")));
            break;
        }
        }
    }
    if (have_global_ && !config_.global.secret_file.empty()) {
        std::filesystem::path p = config_.global.secret_file;
        if (p.is_relative()) p = base_dir_ / p;
        std::ifstream in(p, std::ios::binary);
        if (!in) {
            diag_.error(secret_pos_, fmt::format("cannot read secret file {}: {}", p.string(),
                                                 std::generic_category().message(errno)));
        } else {
            std::ostringstream s;
            s << in.rdbuf();
            std::string secret = s.str();
            while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r' || secret.back() == ' '))
                secret.pop_back();
            if (secret.size() < 16)
                diag_.error(secret_pos_, fmt::format("secret file {} holds {} bytes; expected at least 16 "
                                                     "(e.g. `openssl rand -hex 32`)", p.string(), secret.size()));
            config_.global.secret = std::move(secret);
        }
    }
    if (config_.queues.empty() && have_global_)
        diag_.error(SourcePos{config_.files.empty() ? "" : config_.files.front(), 1, 1},
                    "no [[queues]] defined: deskgate needs at least one queue");
    config_.build_indexes();
}

}  // namespace deskgate::config
