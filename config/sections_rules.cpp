// sections_rules.cpp - reading [[rules]], [[calendars]] and [[views]] (see loader.hpp).
#include <glib.h>
#include <re2/re2.h>

#include <cctype>

#include <fmt/format.h>

#include "config/loader.hpp"
#include "core/base/text.hpp"

namespace deskgate::config {
namespace {

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

// A condition's 'value': a case-insensitive RE2 for kind "regex" (an error if it does not
// compile), else the lower-cased text.
void read_condition_value(TableReader& cr, RuleCondition& c, const std::string& context) {
    if (auto v = cr.string("value", true)) {
        if (c.kind == MatchKind::Regex) {
            RE2::Options o;
            o.set_case_sensitive(false);
            o.set_log_errors(false);
            auto re = std::make_shared<const RE2>(*v, o);
            if (!re->ok())
                cr.diag().error(cr.where("value"), fmt::format("invalid regex in {}: {}", context, re->error()));
            else c.regex = std::move(re);
            c.pattern = *v;
        } else {
            c.pattern = lower(*v);
        }
    }
}

// One element of 'conditions': a table { field, header, kind, value, negate }.
void read_condition(Diagnostics& diag, const toml::node& el, const std::string& context,
                    std::vector<RuleCondition>& out) {
    const auto* ct = el.as_table();
    if (!ct) {
        diag.error(el.source(), fmt::format("{}: expected condition tables {{ field = ..., kind = ..., "
                                            "value = ... }}, got {}", context, type_name(el)));
        return;
    }
    TableReader cr(diag, *ct, fmt::format("a condition of {}", context),
                   {"field", "header", "kind", "value", "negate"});
    RuleCondition c;
    if (auto f = cr.choice("field", {"from", "to", "cc", "subject", "body", "header"})) {
        c.field = *f == "from" ? RuleField::From : *f == "to" ? RuleField::To : *f == "cc" ? RuleField::Cc
                  : *f == "subject" ? RuleField::Subject : *f == "body" ? RuleField::Body : RuleField::Header;
    } else if (!cr.node("field")) {
        diag.error(cr.where(), fmt::format("a condition of {} needs 'field'", context));
    }
    if (auto h = cr.string("header")) c.header = *h;
    if (c.field == RuleField::Header && c.header.empty())
        diag.error(cr.where(), fmt::format("a condition of {} on field \"header\" needs 'header' "
                                           "(the header name)", context));
    if (auto k = cr.choice("kind", {"equals", "contains", "wildcard", "regex"}))
        c.kind = *k == "equals" ? MatchKind::Equals : *k == "contains" ? MatchKind::Contains
                 : *k == "wildcard" ? MatchKind::Wildcard : MatchKind::Regex;
    if (auto n = cr.boolean("negate")) c.negate = *n;
    read_condition_value(cr, c, context);
    out.push_back(std::move(c));
}

// 'conditions': a non-empty array of condition tables.
void read_conditions(TableReader& r, const toml::node* conditions, const std::string& context,
                     std::vector<RuleCondition>& out) {
    Diagnostics& diag = r.diag();
    if (!conditions) {
        diag.error(r.where(), fmt::format("{} has no 'conditions'", context));
    } else if (const auto* a = conditions->as_array()) {
        if (a->empty()) diag.error(conditions->source(), fmt::format("{}: 'conditions' is empty", context));
        for (const toml::node& el : *a) read_condition(diag, el, context, out);
    } else {
        diag.error(conditions->source(), fmt::format("{}: 'conditions' expected an array of tables, got {}",
                                                     context, type_name(*conditions)));
    }
}

}  // namespace

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
    read_conditions(r, conditions, context, rule.conditions);
    read_rule_actions(r, context, rule.actions);
    config_.rules.push_back(std::move(rule));
}

// The actions; priority, queue and assignee are checked in finish().
void Loader::read_rule_actions(TableReader& r, const std::string& context, RuleActions& act) {
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

}  // namespace deskgate::config
