// config_reload.hpp - SIGHUP in both daemons: load the config file again; a bad one is logged
// error by error (file:line:column) and the previous config stays in force.
#pragma once

#include <optional>
#include <string>

#include "core/model/config.hpp"

namespace deskgate {

// The new config, or nullopt (every error already logged) to keep the old one. The caller
// logs "config reloaded from PATH" once the new config is in force.
std::optional<Config> reload_config(const std::string& path);

}  // namespace deskgate
