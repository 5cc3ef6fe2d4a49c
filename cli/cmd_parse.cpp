// cmd_parse.cpp - `deskgate parse FILE [--json]`: the decoded message, as the engine sees it.
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/render.hpp"

namespace deskgate::cli {

int cmd_parse(const Args& args) {
    if (args.positional.size() != 1) {
        fmt::print(stderr, "usage: deskgate parse FILE|- [--json]\n");
        return kExitUsage;
    }
    std::string raw;
    if (args.positional[0] == "-") {
        std::ostringstream s;
        s << std::cin.rdbuf();
        raw = s.str();
    } else {
        std::ifstream in(args.positional[0], std::ios::binary);
        if (!in) {
            fmt::print(stderr, "deskgate: cannot read {}\n", args.positional[0]);
            return kExitFailure;
        }
        raw.assign(std::istreambuf_iterator<char>(in), {});
    }
    const ParsedMessage message = parse_message(raw);
    if (args.flag("json")) {
        JsonWriter w;
        write_json(w, message);
        fmt::print("{}", w.str());
    } else {
        fmt::print("{}", text_message(message));
    }
    return kExitOk;
}

}  // namespace deskgate::cli
