// args.cpp - see args.hpp.
#include "cli/args.hpp"

namespace deskgate::cli {

std::optional<std::string> Args::option(std::string_view name) const {
    auto it = options.find(name);
    if (it == options.end() || it->second.empty()) return std::nullopt;
    return it->second.back();
}

std::vector<std::string> Args::all(std::string_view name) const {
    auto it = options.find(name);
    return it == options.end() ? std::vector<std::string>{} : it->second;
}

std::optional<std::string> parse_args(int argc, char** argv, int first, const ArgSpec& spec,
                                      Args& out) {
    bool only_positional = false;
    for (int i = first; i < argc; ++i) {
        std::string_view arg = argv[i];
        std::string long_form;
        if (!only_positional && arg.size() == 2 && arg[0] == '-' && arg[1] != '-') {
            if (auto it = spec.short_names.find(arg[1]); it != spec.short_names.end()) {
                long_form = "--" + it->second;
                arg = long_form;
            }
        }
        if (only_positional || arg == "-" || !arg.starts_with("--")) {
            out.positional.emplace_back(arg);
            continue;
        }
        if (arg == "--") {
            only_positional = true;
            continue;
        }
        std::string_view name = arg.substr(2);
        std::optional<std::string> value;
        if (auto eq = name.find('='); eq != std::string_view::npos) {
            value = std::string(name.substr(eq + 1));
            name = name.substr(0, eq);
        }
        if (spec.flags.contains(name)) {
            if (value) return "option --" + std::string(name) + " takes no value";
            out.flags.emplace(name);
        } else if (spec.with_value.contains(name)) {
            if (!value) {
                if (i + 1 >= argc) return "option --" + std::string(name) + " needs a value";
                value = argv[++i];
            }
            out.options[std::string(name)].push_back(*value);
        } else {
            return "unknown option --" + std::string(name);
        }
    }
    return std::nullopt;
}

}  // namespace deskgate::cli
