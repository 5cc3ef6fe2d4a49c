// sections.cpp - section dispatch, checks the section readers share, whole-config checks (finish).
#include <algorithm>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "config/loader.hpp"
#include "core/base/template.hpp"

namespace deskgate::config {

std::string where_text(const SourcePos& p) { return fmt::format("{}:{}:{}", p.file, p.line, p.column); }

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

std::optional<std::string> Loader::template_at(TableReader& r, std::string_view key) {
    auto v = r.string(key);
    if (v) check_template_at(r, key, *v);
    return v;
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
    check_outgoing_senders();
    config_.build_indexes();
}

}  // namespace deskgate::config
