// load.cpp - load_config(): parse the main file, then every file its `include` globs name (in
// sorted order), then the whole-config checks. Parse errors and validation errors are all
// collected; a Config is returned only when there are none.
#include "config/load.hpp"

#include <glob.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <set>
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

// glob(3) error callback: a directory that does not exist means no match; any other error
// (permissions, I/O) stops the glob and is reported.
thread_local int glob_errno = 0;
int glob_error(const char*, int error) {
    if (error == ENOENT || error == ENOTDIR) return 0;
    glob_errno = error;
    return 1;
}

// The same file however it is named (symlinks, "./", "a/../").
std::filesystem::path identity(const std::filesystem::path& p) {
    std::error_code ec;
    auto canonical = std::filesystem::weakly_canonical(p, ec);
    return ec ? p.lexically_normal() : canonical;
}

LoadResult load(std::string_view text, const std::string& name, const std::filesystem::path& base_dir,
                const std::filesystem::path& main_path) {
    config::Loader loader(base_dir);
    loader.config().files.push_back(name);
    if (auto doc = parse(text, name, loader.diag())) {
        loader.read_document(*doc, true);
        // Each file once: a glob that also matches the main file (or an earlier include) skips it.
        std::set<std::filesystem::path> seen;
        if (!main_path.empty()) seen.insert(identity(main_path));
        for (const auto& [pattern, where] : loader.includes()) {
            const std::filesystem::path full = std::filesystem::path(pattern).is_relative()
                                                   ? base_dir / pattern
                                                   : std::filesystem::path(pattern);
            glob_t matches{};
            glob_errno = 0;
            const int rc = ::glob(full.c_str(), 0, glob_error, &matches);
            std::vector<std::string> files;
            for (std::size_t i = 0; rc == 0 && i < matches.gl_pathc; ++i) files.emplace_back(matches.gl_pathv[i]);
            globfree(&matches);
            if (rc == GLOB_NOMATCH && pattern.find_first_of("*?[") == std::string::npos) {
                // A plain file name that is not there is a mistake; an empty glob is not.
                loader.diag().error(where, fmt::format("include '{}': no such file {}", pattern, full.string()));
                continue;
            }
            if (rc != 0 && rc != GLOB_NOMATCH) {
                loader.diag().error(where, fmt::format("cannot read include '{}': {}", pattern,
                                                       std::generic_category().message(glob_errno)));
                continue;
            }
            std::sort(files.begin(), files.end());
            for (const std::string& file : files) {
                if (!seen.insert(identity(file)).second) continue;
                auto body = read_text(file);
                if (!body) {
                    loader.diag().error(where, fmt::format("cannot read included file {}: {}", file,
                                                           std::generic_category().message(errno)));
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
    return load(*text, path.string(), base, path);
}

LoadResult load_config_text(std::string_view toml, std::string_view name, const std::filesystem::path& base_dir) {
    return load(toml, std::string(name), base_dir, {});
}

}  // namespace deskgate
