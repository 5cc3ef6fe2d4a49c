// args.hpp - command-line parsing for the `deskgate` tool: positional arguments, options with
// a value (`--to ADDR`, also `--to=ADDR`, repeatable), flags (`--json`) and the few one-letter
// spellings a command declares (`-o FILE`).
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace deskgate::cli {

struct Args {
    std::vector<std::string> positional;
    std::map<std::string, std::vector<std::string>, std::less<>> options;
    std::set<std::string, std::less<>> flags;

    bool flag(std::string_view name) const { return flags.contains(name); }
    std::optional<std::string> option(std::string_view name) const;  // last value given
    std::vector<std::string> all(std::string_view name) const;
};

struct ArgSpec {
    std::set<std::string, std::less<>> with_value;  // option names without "--"
    std::set<std::string, std::less<>> flags;
    std::map<char, std::string> short_names;         // "-o FILE" as "--output FILE": {'o', "output"}
};

// Parses argv[first..]; on an unknown option or a missing value returns the error text.
std::optional<std::string> parse_args(int argc, char** argv, int first, const ArgSpec& spec,
                                      Args& out);

}  // namespace deskgate::cli
