// config_fixture.hpp - loading config text in a temporary directory (with a secret file) and
// reading back its errors as "line:column: message", for the config-level unit tests.
#pragma once

#include <algorithm>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "config/load.hpp"
#include "test_support.hpp"

namespace deskgate::test {

// config/examples/deskgate.toml, loaded once per test program (it must load without errors).
inline const Config& example_config() {
    static const Config c = [] {
        LoadResult r = load_config(source_dir() / "config/examples/deskgate.toml");
        if (!r.config) throw std::runtime_error("config/examples/deskgate.toml does not load");
        return std::move(*r.config);
    }();
    return c;
}

struct ConfigFixture {
    ConfigFixture() { write_file(dir.path() / "secret", "0123456789abcdef0123456789abcdef\n"); }
    LoadResult load(std::string_view text) { return load_config_text(text, "t.toml", dir.path()); }
    // "line:column: message" of every error
    std::vector<std::string> errors(std::string_view text) {
        std::vector<std::string> out;
        for (const ConfigError& e : load(text).errors)
            out.push_back(std::to_string(e.where.line) + ":" + std::to_string(e.where.column) + ": " + e.message);
        return out;
    }
    TempDir dir;
};

// Some error contains `needle`.
inline bool has(const std::vector<std::string>& errors, std::string_view needle) {
    return std::any_of(errors.begin(), errors.end(),
                       [&](const std::string& e) { return e.find(needle) != std::string::npos; });
}

}  // namespace deskgate::test
