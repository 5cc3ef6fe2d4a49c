// load.cpp - load_config(): parse the main file, then every file its `include` globs name (in
// sorted order), then the whole-config checks. Parse errors and validation errors are all
// collected; a Config is returned only when there are none.
#include "config/load.hpp"

#include <glob.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <tuple>

#include <fmt/format.h>

#include "config/loader.hpp"

namespace deskgate {

std::string to_string(const ConfigError& e) {
    return fmt::format("{}:{}:{}: {}", e.where.file, e.where.line, e.where.column, e.message);
}

namespace {

// Parses one document; a syntax error is recorded and nullopt returned.
std::optional<toml::table> parse(std::string_view text, const std::string& name, config::Diagnostics& diag) {
    try {
        return toml::parse(text, name);
    } catch (const toml::parse_error& e) {
        SourcePos where = config::position(e.source());
        if (where.file.empty()) where.file = name;
        diag.error(where, fmt::format("TOML syntax error: {}", e.description()));
        return std::nullopt;
    }
}

std::optional<std::string> read_text(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

LoadResult load(std::string_view text, const std::string& name, const std::filesystem::path& base_dir) {
    config::Loader loader(base_dir);
    loader.config().files.push_back(name);
    if (auto doc = parse(text, name, loader.diag())) {
        loader.read_document(*doc, true);
        for (const std::string& pattern : loader.includes()) {
            const std::filesystem::path full = std::filesystem::path(pattern).is_relative()
                                                   ? base_dir / pattern
                                                   : std::filesystem::path(pattern);
            glob_t matches{};
            const int rc = ::glob(full.c_str(), GLOB_ERR, nullptr, &matches);
            std::vector<std::string> files;
            for (std::size_t i = 0; rc == 0 && i < matches.gl_pathc; ++i) files.emplace_back(matches.gl_pathv[i]);
            globfree(&matches);
            if (rc != 0 && rc != GLOB_NOMATCH) {
                loader.diag().error(loader.include_pos(), fmt::format("cannot read include '{}'", pattern));
                continue;
            }
            std::sort(files.begin(), files.end());
            for (const std::string& file : files) {
                auto body = read_text(file);
                if (!body) {
                    loader.diag().error(loader.include_pos(), fmt::format("cannot read included file {}", file));
                    continue;
                }
                loader.config().files.push_back(file);
                if (auto inc = parse(*body, file, loader.diag())) loader.read_document(*inc, false);
            }
        }
        loader.finish();
    }
    LoadResult result;
    result.errors = loader.diag().take();
    // In reading order: file by file, then by position.
    const auto& files = loader.config().files;
    auto rank = [&](const std::string& file) {
        return static_cast<std::size_t>(std::find(files.begin(), files.end(), file) - files.begin());
    };
    std::stable_sort(result.errors.begin(), result.errors.end(), [&](const ConfigError& a, const ConfigError& b) {
        return std::tuple(rank(a.where.file), a.where.line, a.where.column) <
               std::tuple(rank(b.where.file), b.where.line, b.where.column);
    });
    if (result.errors.empty()) result.config = std::move(loader.config());
    return result;
}

}  // namespace

LoadResult load_config(const std::filesystem::path& path) {
    auto text = read_text(path);
    if (!text) {
        LoadResult r;
        r.errors.push_back({SourcePos{path.string(), 0, 0},
                            fmt::format("cannot read config file: {}", std::generic_category().message(errno))});
        return r;
    }
    const auto base = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
    return load(*text, path.string(), base);
}

LoadResult load_config_text(std::string_view toml, std::string_view name, const std::filesystem::path& base_dir) {
    return load(toml, std::string(name), base_dir);
}

}  // namespace deskgate
