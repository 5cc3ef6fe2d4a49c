// cmd_check_config.cpp - `deskgate check-config [PATH]`: every error with file:line:column,
// or a one-line summary.
#include <fmt/format.h>

#include "cli/commands.hpp"

namespace deskgate::cli {

int cmd_check_config(const Args& args) {
    if (args.positional.size() > 1) {
        fmt::print(stderr, "usage: deskgate check-config [PATH]\n");
        return kExitUsage;
    }
    const std::string path = args.positional.empty() ? config_path(args) : args.positional[0];
    LoadResult result = load_config(path);
    if (!result.config) {
        for (const ConfigError& e : result.errors) fmt::print("{}\n", to_string(e));
        fmt::print("{} error(s)\n", result.errors.size());
        return kExitFailure;
    }
    const Config& c = *result.config;
    fmt::print("OK: {} customers, {} queues, {} rules\n", c.customers.size(), c.queues.size(),
               c.rules.size());
    return kExitOk;
}

}  // namespace deskgate::cli
