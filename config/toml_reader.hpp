// toml_reader.hpp - typed, position-aware access to toml++ tables for the loader. Every
// problem (unknown key, wrong type, missing key, bad value) is recorded with file:line:column
// and reading goes on, so one run reports every mistake. Only config/ sees toml++.
#pragma once

#include <toml++/toml.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/load.hpp"

namespace deskgate::config {

SourcePos position(const toml::source_region& region);

// Position of byte `offset` of the decoded string `text` held by `node`: exact for strings on one
// line without escapes ("..." or '...', also """...""" and '''...''' on one line) and, in
// multi-line strings, the right line (column counted in the decoded text). Otherwise the
// value's start: a position never points somewhere else than the value.
SourcePos position_in_string(const toml::node& node, std::string_view text, std::size_t offset);

class Diagnostics {
public:
    void error(const SourcePos& where, std::string message);
    void error(const toml::source_region& where, std::string message) {
        error(position(where), std::move(message));
    }
    std::vector<ConfigError> take() { return std::move(errors_); }
    bool empty() const { return errors_.empty(); }

private:
    std::vector<ConfigError> errors_;
};

// "did you mean 'x'?" for a misspelt key, or "" when nothing is close.
std::string suggestion(std::string_view wrong, const std::vector<std::string_view>& known);

class TableReader {
public:
    // Reports keys of `table` not in `known` right away.
    TableReader(Diagnostics& diag, const toml::table& table, std::string section,
                std::vector<std::string_view> known);

    const toml::node* node(std::string_view key) const { return table_.get(key); }
    SourcePos where() const { return position(table_.source()); }
    SourcePos where(std::string_view key) const;  // the value's position (the table's if absent)

    std::optional<std::string> string(std::string_view key, bool required = false);
    std::optional<bool> boolean(std::string_view key);
    std::optional<std::int64_t> integer(std::string_view key, std::int64_t min, std::int64_t max,
                                        bool required = false);
    // Integer bytes, or a string with a K/M/G suffix ("50M").
    std::optional<std::uint64_t> size(std::string_view key);
    // Seconds, or a string with a unit: "90m", "4h", "3d", "2w" (also "30s").
    std::optional<std::int64_t> duration(std::string_view key);
    std::optional<std::vector<std::string>> strings(std::string_view key);
    // The same with each element's own position, so a bad element is pointed at exactly.
    struct Item {
        std::string value;
        SourcePos where;
    };
    std::optional<std::vector<Item>> strings_at(std::string_view key);
    // One of `choices`.
    std::optional<std::string> choice(std::string_view key, const std::vector<std::string_view>& choices);

    Diagnostics& diag() { return diag_; }
    const std::string& section() const { return section_; }

private:
    void missing(std::string_view key);
    void wrong_type(std::string_view key, const toml::node& n, std::string_view expected);

    Diagnostics& diag_;
    const toml::table& table_;
    std::string section_;
};

std::string_view type_name(const toml::node& n);

}  // namespace deskgate::config
