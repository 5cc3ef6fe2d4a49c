// socket_address.cpp - parsing the LMTP and milter socket spellings.
#include "core/base/socket_address.hpp"

#include <charconv>

#include <fmt/format.h>

namespace deskgate {
namespace {

bool parse_port(std::string_view text, unsigned short& port) {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value > 65535) return false;
    port = static_cast<unsigned short>(value);
    return true;
}

std::string unbracketed(std::string_view host) {
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    return std::string(host);
}

// "unix:/path" (prefix already matched): the path must be absolute.
ParsedSocketAddress unix_address(std::string_view text, std::size_t prefix) {
    if (text.size() <= prefix || text[prefix] != '/')
        return fmt::format("\"{}\": the unix socket path must be absolute", text);
    SocketAddress a;
    a.path = std::string(text.substr(prefix));
    return a;
}

}  // namespace

ParsedSocketAddress parse_lmtp_address(std::string_view text) {
    if (text.starts_with("unix:")) return unix_address(text, 5);
    if (text.starts_with("inet:")) {
        const std::string_view rest = text.substr(5);
        SocketAddress a;
        a.kind = SocketAddress::Kind::Inet;
        a.host = "127.0.0.1";
        std::string_view port = rest;
        if (const auto colon = rest.rfind(':'); colon != std::string_view::npos) {
            if (colon == 0) return fmt::format("\"{}\": expected inet:HOST:PORT or inet:PORT", text);
            a.host = unbracketed(rest.substr(0, colon));
            port = rest.substr(colon + 1);
        }
        a.ipv6 = a.host.find(':') != std::string::npos;
        if (!parse_port(port, a.port)) return fmt::format("\"{}\": expected inet:HOST:PORT or inet:PORT", text);
        return a;
    }
    return fmt::format("\"{}\": expected \"unix:/path\" or \"inet:HOST:PORT\"", text);
}

ParsedSocketAddress parse_milter_address(std::string_view text) {
    for (std::string_view prefix : {"unix:", "local:"})
        if (text.starts_with(prefix)) return unix_address(text, prefix.size());
    for (std::string_view prefix : {"inet:", "inet6:"})
        if (text.starts_with(prefix)) {
            const std::string_view rest = text.substr(prefix.size());
            const auto at = rest.find('@');
            SocketAddress a;
            a.kind = SocketAddress::Kind::Inet;
            if (at == std::string_view::npos || at + 1 >= rest.size() || !parse_port(rest.substr(0, at), a.port))
                return fmt::format("\"{}\": expected {}PORT@HOST", text, prefix);
            a.host = unbracketed(rest.substr(at + 1));
            a.ipv6 = prefix == "inet6:" || a.host.find(':') != std::string::npos;
            return a;
        }
    return fmt::format("\"{}\": expected \"unix:/path\" or \"inet:PORT@HOST\"", text);
}

}  // namespace deskgate
