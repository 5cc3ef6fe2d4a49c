// postfix_script.hpp - the shell script `deskgate postfix-config` prints, while it is written:
// comment lines, `postconf` commands, and what the Postfix in question holds now (PostfixFacts).
// Internal to config/: mta_snippets.cpp writes sections 1-4, postfix_outgoing.cpp section 5.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/mta_snippets.hpp"

namespace deskgate::config {

// One shell word in single quotes.
std::string shell_quoted(std::string_view s);

struct PostfixScript {
    const PostfixFacts& facts;
    std::string postconf;  // "postconf", or "postconf -c 'DIR'"
    std::string out;

    void line(const std::string& text) { out += text + "\n"; }
    void set_main(const std::string& name, const std::string& value) {
        line(postconf + " -e " + shell_quoted(name + " = " + value));
    }
    // The current main.cf value of `name` ("" when unset).
    std::string current(const std::string& name) const {
        auto it = facts.main.find(name);
        return it == facts.main.end() ? std::string() : it->second;
    }
};

// 5. Queues with their own outgoing server ([queues.outgoing]): sender-dependent relay hosts,
// SASL logins and TLS policy, maps written (password map root-only) and postmapped. Writes
// nothing when no queue has one and no earlier run left our maps in main.cf.
void write_outgoing_relays(PostfixScript& s, const Config& config);

}  // namespace deskgate::config
