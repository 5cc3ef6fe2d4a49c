// config_reload.cpp - see config_reload.hpp.
#include "common/config_reload.hpp"

#include "common/log.hpp"
#include "config/load.hpp"

namespace deskgate {

std::optional<Config> reload_config(const std::string& path) {
    LoadResult next = load_config(path);
    if (!next.config) {
        for (const ConfigError& e : next.errors) log::log_error("config reload: {}", to_string(e));
        log::log_error("config reload failed ({} error(s)); the previous config stays in force", next.errors.size());
        return std::nullopt;
    }
    return std::move(*next.config);
}

}  // namespace deskgate
