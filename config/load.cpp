// load.cpp - placeholder until the loader lands.
#include "config/load.hpp"

namespace deskgate {
std::string to_string(const ConfigError& e) { return e.where.file + ": " + e.message; }
LoadResult load_config(const std::filesystem::path& path) {
    LoadResult r;
    r.errors.push_back({{path.string(), 0, 0}, "config loading not implemented yet"});
    return r;
}
LoadResult load_config_text(std::string_view, std::string_view name, const std::filesystem::path&) {
    LoadResult r;
    r.errors.push_back({{std::string(name), 0, 0}, "config loading not implemented yet"});
    return r;
}
}  // namespace deskgate
