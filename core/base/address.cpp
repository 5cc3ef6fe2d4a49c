// address.cpp - canonical address form for every lookup table (see address.hpp).
#include "core/base/address.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace deskgate {
namespace {

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

bool blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

}  // namespace

std::string normalize_address(std::string_view raw) {
    // Blanks and control characters go first, so every check below sees what is returned: a
    // control character hiding a source route ("\x04@a:b@c") or an empty side ("a@\x01") made
    // the result change when normalised again (found by tests/fuzz/address.cpp).
    // Blanks inside a quoted local part ("a b"@x) are part of the address and stay - only in
    // a quoted string that closes before the last '@' (an unclosed quote keeps no blank: found
    // by tests/fuzz/address.cpp). Each quote is looked up once: linear in the input.
    std::string out;
    out.reserve(raw.size());
    const std::size_t last_at = raw.rfind('@');
    auto keep = [&](char c) {
        if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f) out.push_back(lower(c));
    };
    for (std::size_t i = 0; i < raw.size(); ++i) {
        const char c = raw[i];
        if (c == '"' && last_at != std::string_view::npos && i < last_at) {
            const std::size_t close = raw.find('"', i + 1);
            if (close != std::string_view::npos && close < last_at) {
                for (; i <= close; ++i) keep(raw[i]);  // blanks kept, controls still dropped
                --i;
                continue;
            }
        }
        if (!blank(c)) keep(c);
    }
    std::string_view a = out;
    if (!a.empty() && a.front() == '<') a.remove_prefix(1);
    if (!a.empty() && a.back() == '>') a.remove_suffix(1);
    // An RFC 5321 source route "@a,@b:user@host" keeps only the mailbox.
    if (!a.empty() && a.front() == '@') {
        auto colon = a.find(':');
        a = colon == std::string_view::npos ? std::string_view{} : a.substr(colon + 1);
    }
    while (!a.empty() && a.back() == '.') a.remove_suffix(1);  // "host." is "host"
    // What is left must be a fixed point: no second pair of brackets or source route.
    if (!a.empty() && (a.front() == '<' || a.front() == '@' || a.back() == '>')) return {};
    const auto at = a.rfind('@');
    if (at == std::string_view::npos || at == 0 || at + 1 == a.size()) return {};
    // Longer than RFC 5321 allows (path 256 with the brackets, local part 64, domain 255): not
    // an address any server delivers to, and never handed to policy.
    if (a.size() > kMaxAddressLength || at > kMaxLocalPartLength || a.size() - at - 1 > kMaxDomainLength)
        return {};
    return std::string(a);
}

std::string_view address_domain(std::string_view n) {
    auto at = n.rfind('@');
    return at == std::string_view::npos ? std::string_view{} : n.substr(at + 1);
}

std::string_view address_local(std::string_view n) {
    auto at = n.rfind('@');
    return at == std::string_view::npos ? n : n.substr(0, at);
}

std::optional<PlusAddress> split_plus_address(std::string_view n) {
    auto local = address_local(n);
    auto plus = local.find('+');
    if (plus == std::string_view::npos || plus == 0) return std::nullopt;
    PlusAddress p;
    p.base = std::string(local.substr(0, plus)) + "@" + std::string(address_domain(n));
    p.detail = std::string(local.substr(plus + 1));
    return p;
}

std::string plus_address(std::string_view address, std::string_view detail) {
    const auto at = address.rfind('@');
    if (at == std::string_view::npos || detail.empty()) return std::string(address);
    std::string out;
    out.reserve(address.size() + detail.size() + 1);
    out.append(address.substr(0, at)).append("+").append(detail).append(address.substr(at));
    return out;
}

bool is_automated_local_part(std::string_view n) {
    std::string local(address_local(n));
    static constexpr std::array<std::string_view, 8> exact{
        "mailer-daemon", "postmaster", "noreply", "no-reply", "do-not-reply",
        "donotreply", "listserv", "majordomo"};
    if (std::find(exact.begin(), exact.end(), local) != exact.end()) return true;
    auto ends_with = [&](std::string_view s) {
        return local.size() >= s.size() && local.compare(local.size() - s.size(), s.size(), s) == 0;
    };
    return ends_with("-request") || local.rfind("owner-", 0) == 0 || ends_with("-bounces") ||
           local.rfind("bounce", 0) == 0;
}

}  // namespace deskgate
