// load.hpp - reads the main TOML file and its includes into a validated Config. Every problem
// is collected (not just the first), each with file:line:column and what was expected.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/config.hpp"

namespace deskgate {

struct ConfigError {
    SourcePos where;
    std::string message;
};
// "file:line:column: message"
std::string to_string(const ConfigError&);

struct LoadResult {
    std::optional<Config> config;     // set only when errors is empty
    std::vector<ConfigError> errors;
};

// Loads `path` and the files its `include` globs name (relative to its directory).
LoadResult load_config(const std::filesystem::path& path);

// The same from text (tests); `name` is used in positions, includes and the secret file are
// resolved against `base_dir`.
LoadResult load_config_text(std::string_view toml, std::string_view name,
                            const std::filesystem::path& base_dir);

}  // namespace deskgate
