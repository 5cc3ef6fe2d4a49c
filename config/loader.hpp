// loader.hpp - the state of one config load: the Config being built, every error so far, and
// what cross-references need checking once every file has been read (a queue may be defined in
// an include after the rule that names it).
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/toml_reader.hpp"
#include "core/model/config.hpp"

namespace deskgate::config {

struct Reference {
    enum class Kind { Queue, Calendar, StaffAlias, Priority, Category } kind = Kind::Queue;
    std::string name;        // queue number as text, calendar name, alias, priority, category
    SourcePos where;
    std::string context;     // e.g. "set_queue in rule 'x'"
};

// "file:line:column", for "first defined at ..." in duplicate errors.
std::string where_text(const SourcePos& p);

class Loader {
public:
    explicit Loader(std::filesystem::path base_dir) : base_dir_(std::move(base_dir)) {}

    // Reads one parsed file; `main` files may hold [global] and `include`.
    void read_document(const toml::table& doc, bool main);
    // Cross-references, duplicates, secret file; then the Config's indexes.
    void finish();

    Diagnostics& diag() { return diag_; }
    Config& config() { return config_; }
    // The `include` patterns of [global], each with its position.
    const std::vector<TableReader::Item>& includes() const { return includes_; }
    const std::filesystem::path& base_dir() const { return base_dir_; }

private:
    // One reader per section, in sections_global.cpp ([global], [[staff]], [[customers]]),
    // sections_queues.cpp ([[queues]]) and sections_rules.cpp ([[rules]], [[calendars]],
    // [[views]]). Each reads its keys in one fixed order, so errors come out in that order.
    void read_global(const toml::table& t);
    void read_calendar(const toml::table& t);
    void read_staff(const toml::table& t);
    void read_customer(const toml::table& t);
    void read_queue(const toml::table& t);
    void read_rule(const toml::table& t);
    void read_view(const toml::table& t);

    // Parts of read_global, in the order it calls them.
    void read_global_policies(TableReader& r, Global& g);
    void read_global_limits(TableReader& r, Global& g);
    void read_global_sockets(TableReader& r, Global& g);
    // Parts of read_queue, in the order it calls them.
    void read_queue_number(TableReader& r, Queue& q);
    void read_queue_addresses(TableReader& r, Queue& q);
    void read_queue_presentation(TableReader& r, Queue& q);
    void read_queue_defaults(TableReader& r, Queue& q);
    void read_queue_acknowledgement(TableReader& r, Queue& q);
    void read_queue_lifecycle(TableReader& r, Queue& q);
    void read_queue_subject_tag(TableReader& r, Queue& q);
    void read_queue_notifications(TableReader& r, Queue& q);
    void read_queue_staff_replies(TableReader& r, Queue& q);
    // sections_mailboxes.cpp: [[queues.mailboxes]] and [queues.outgoing] of one queue table.
    void read_queue_mailboxes(const toml::table& t, Queue& q);
    void read_mailbox_credentials(TableReader& r, FetchedMailbox& m);
    void read_queue_outgoing(const toml::table& t, Queue& q);
    // In finish(): queues sharing a sender_address share [queues.outgoing] (see there).
    void check_outgoing_senders();
    std::string secret_path(TableReader& r, std::string_view key, bool required);
    std::string server_at(TableReader& r);
    // The actions of a rule (set_*, add_tags, assign, refuse, discard).
    void read_rule_actions(TableReader& r, const std::string& context, RuleActions& act);
    // An array of queue numbers under `key`, each recorded as a reference to check in finish().
    std::vector<std::uint32_t> queue_numbers(TableReader& r, std::string_view key, const std::string& context);
    template <typename F>
    void each_table(const toml::table& doc, std::string_view key, F&& read);

    void claim_address(const std::string& address, std::uint32_t queue, const SourcePos& where);
    void check_template_at(TableReader& r, std::string_view key, const std::string& text);
    // The string under `key`, its template syntax checked (check_template_at), if present.
    std::optional<std::string> template_at(TableReader& r, std::string_view key);

    std::filesystem::path base_dir_;
    Diagnostics diag_;
    Config config_;
    std::vector<TableReader::Item> includes_;
    std::map<std::string, std::pair<std::string, SourcePos>> staff_addresses_;
    SourcePos secret_pos_;
    bool have_global_ = false;
    std::vector<Reference> references_;
    std::map<std::uint32_t, SourcePos> queue_numbers_;
    std::map<std::string, std::pair<std::uint32_t, SourcePos>> addresses_;
    std::map<std::string, std::pair<std::string, SourcePos>> domains_;
    std::map<std::string, std::pair<std::string, SourcePos>> contacts_;
    std::map<std::string, SourcePos> customer_ids_;
    std::map<std::string, SourcePos> staff_aliases_;
    std::map<std::string, SourcePos> calendar_names_;
    std::map<std::string, SourcePos> view_names_;
};

}  // namespace deskgate::config
