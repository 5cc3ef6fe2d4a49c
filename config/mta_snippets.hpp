// mta_snippets.hpp - the MTA settings that hook deskgate into Postfix or sendmail, computed
// from a loaded Config (and, for Postfix, what the running Postfix config already holds, so
// existing transport tables and milters are kept and a second run changes nothing). Pure:
// the caller reads Postfix's settings (postconf) and prints the result.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/model/config.hpp"

namespace deskgate::config {

// What the Postfix in question already has. Empty strings: not set (or postconf unavailable).
struct PostfixFacts {
    std::string config_dir;                    // postconf -c DIR ("" = Postfix's default)
    bool postconf_available = true;            // false: values below are Postfix's defaults guessed
    std::map<std::string, std::string> main;   // current main.cf values (unexpanded, postconf -h)
    // master.cf chroot flag per "service/type" ("y", "n", "-"); absent: no such service.
    std::map<std::string, std::string> chroot;
    std::string submission_service = "submission";  // the staff submission service (inet)
};

// The domains Postfix must hand to deskgate-lmtpd: those of every queue's system and comment
// address and of the journal and bounce addresses (forwarding addresses live elsewhere).
std::vector<std::string> helpdesk_domains(const Config& config);

// Postfix's spelling of the LMTP next hop for the first lmtp_listen socket
// ("lmtp:unix:/run/deskgate/lmtp.sock", "lmtp:inet:127.0.0.1:24").
std::string postfix_lmtp_nexthop(const Config& config);
// Postfix's spelling of the milter socket ("unix:/run/deskgate/milter.sock", "inet:127.0.0.1:8899").
std::string postfix_milter_endpoint(const Config& config);

// A shell script of comments and `postconf` commands (-e for main.cf, -M/-P/-F for master.cf).
std::string postfix_config_script(const Config& config, const std::string& config_file, const PostfixFacts& facts);

// The lines for sendmail.mc (milter and LMTP delivery) and the mailertable entries.
std::string sendmail_config_lines(const Config& config, const std::string& config_file);

// Splits a Postfix list value ("a, b c", with inline:{ ... } tables kept whole) into its elements.
std::vector<std::string> split_postfix_list(const std::string& value);

}  // namespace deskgate::config
