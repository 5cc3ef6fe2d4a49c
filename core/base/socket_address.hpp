// socket_address.hpp - the two socket spellings of deskgate's config and command lines, parsed
// once: deskgate-lmtpd's "unix:/path" | "inet:[HOST:]PORT" (global.lmtp_listen, --listen) and
// libmilter's "unix:/path" | "local:/path" | "inet:PORT@HOST" | "inet6:PORT@HOST"
// (global.milter_socket, --socket). The config validates with them, deskgate-lmtpd binds what
// they return, `deskgate postfix-config` / `sendmail-config` respell them for the MTA.
#pragma once

#include <string>
#include <string_view>
#include <variant>

namespace deskgate {

struct SocketAddress {
    enum class Kind { Unix, Inet } kind = Kind::Unix;
    std::string path;              // Unix: absolute
    std::string host;              // Inet: without brackets ("::1")
    unsigned short port = 0;       // Inet
    bool ipv6 = false;             // Inet: an IPv6 host (or libmilter's inet6:)
};

// A parsed address, or the problem in words (quoting the text).
using ParsedSocketAddress = std::variant<SocketAddress, std::string>;

// "unix:/path" or "inet:[HOST:]PORT"; HOST defaults to 127.0.0.1, an IPv6 HOST may be in [].
ParsedSocketAddress parse_lmtp_address(std::string_view text);
// "unix:/path", "local:/path", "inet:PORT@HOST", "inet6:PORT@HOST" (libmilter's syntax).
ParsedSocketAddress parse_milter_address(std::string_view text);

}  // namespace deskgate
