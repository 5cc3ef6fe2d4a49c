// token.cpp - HMAC reply tokens and control-header signatures (see token.hpp).
#include "core/model/token.hpp"

#include <charconv>

#include <glib.h>

#include <fmt/format.h>

namespace deskgate {
namespace {

constexpr std::size_t kTokenSigHex = 16;  // 64 bits of HMAC: unguessable by trial over SMTP

}  // namespace

std::string hmac_sha256_hex(std::string_view secret, std::string_view data) {
    GHmac* h = g_hmac_new(G_CHECKSUM_SHA256, reinterpret_cast<const guchar*>(secret.data()),
                          secret.size());
    g_hmac_update(h, reinterpret_cast<const guchar*>(data.data()), static_cast<gssize>(data.size()));
    std::string out(g_hmac_get_string(h));
    g_hmac_unref(h);
    return out;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    unsigned char diff = 0;
    for (std::size_t i = 0; i < a.size(); ++i)
        diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    return diff == 0;
}

std::string make_reply_token(std::string_view secret, TicketKey ticket) {
    auto id = to_string(ticket);
    auto sig = hmac_sha256_hex(secret, "reply-token:" + id).substr(0, kTokenSigHex);
    return fmt::format("t{}-{}", id, sig);
}

namespace {
std::string staff_token_signature(std::string_view secret, TicketKey ticket, std::string_view alias) {
    return hmac_sha256_hex(secret, fmt::format("staff-token:{}:{}", to_string(ticket), alias)).substr(0, kTokenSigHex);
}
std::string lower_ascii(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}
}  // namespace

std::string make_staff_token(std::string_view secret, TicketKey ticket, std::string_view alias) {
    const std::string a = lower_ascii(alias);
    return fmt::format("s{}-{}-{}", to_string(ticket), a, staff_token_signature(secret, ticket, a));
}

std::optional<StaffToken> verify_staff_token(std::string_view secret, std::string_view detail) {
    if (secret.empty() || detail.size() < 2 || detail.front() != 's') return std::nullopt;
    const std::string d = lower_ascii(detail.substr(1));
    const auto first = d.find('-');
    if (first == std::string::npos) return std::nullopt;
    const auto second = d.find('-', first + 1);
    const auto last = d.rfind('-');
    if (second == std::string::npos || last <= second + 1) return std::nullopt;
    auto key = parse_ticket_key(std::string_view(d).substr(0, second));
    if (!key) return std::nullopt;
    StaffToken token{*key, d.substr(second + 1, last - second - 1)};
    if (!constant_time_equal(std::string_view(d).substr(last + 1), staff_token_signature(secret, *key, token.alias)))
        return std::nullopt;
    return token;
}

std::optional<TicketKey> verify_reply_token(std::string_view secret, std::string_view detail) {
    if (secret.empty() || detail.size() < 2 || detail.front() != 't') return std::nullopt;
    auto last_dash = detail.rfind('-');
    if (last_dash == std::string_view::npos) return std::nullopt;
    auto key = parse_ticket_key(detail.substr(1, last_dash - 1));
    if (!key) return std::nullopt;
    auto sig = detail.substr(last_dash + 1);
    auto want = hmac_sha256_hex(secret, "reply-token:" + to_string(*key)).substr(0, kTokenSigHex);
    if (!constant_time_equal(sig, want)) return std::nullopt;
    return key;
}

std::string make_journal_token(std::string_view secret, TicketKey ticket, std::string_view message_id) {
    return "j" + hmac_sha256_hex(secret, fmt::format("journal:{}:{}", to_string(ticket), message_id)).substr(0, 32);
}

bool verify_journal_token(std::string_view secret, TicketKey ticket, std::string_view message_id,
                          std::string_view detail) {
    return !secret.empty() && constant_time_equal(detail, make_journal_token(secret, ticket, message_id));
}

namespace {

char decision_letter(DecisionKind kind) {
    switch (kind) {
    case DecisionKind::Approve: return 'a';
    case DecisionKind::Decline: return 'd';
    case DecisionKind::Answer: return 'r';
    }
    return 'r';
}

}  // namespace

std::string make_decision_token(std::string_view secret, TicketKey ticket, DecisionKind kind) {
    const std::string id = to_string(ticket);
    const char letter = decision_letter(kind);
    return fmt::format("{}{}-{}", letter, id, hmac_sha256_hex(secret, fmt::format("decision:{}:{}", letter, id)).substr(0, 16));
}

std::optional<Decision> verify_decision_token(std::string_view secret, std::string_view detail) {
    if (secret.empty() || detail.size() < 2) return std::nullopt;
    DecisionKind kind;
    switch (detail.front()) {
    case 'a': kind = DecisionKind::Approve; break;
    case 'd': kind = DecisionKind::Decline; break;
    case 'r': kind = DecisionKind::Answer; break;
    default: return std::nullopt;
    }
    const auto last_dash = detail.rfind('-');
    if (last_dash == std::string_view::npos) return std::nullopt;
    const auto key = parse_ticket_key(detail.substr(1, last_dash - 1));
    if (!key) return std::nullopt;
    if (!constant_time_equal(detail, make_decision_token(secret, *key, kind))) return std::nullopt;
    return Decision{*key, kind};
}

std::string make_bounce_token(std::string_view secret, std::uint64_t outbox_id) {
    return fmt::format("b{}-{}", outbox_id, hmac_sha256_hex(secret, fmt::format("bounce:{}", outbox_id)).substr(0, 16));
}

std::optional<std::uint64_t> verify_bounce_token(std::string_view secret, std::string_view detail) {
    if (secret.empty() || detail.size() < 3 || detail.front() != 'b') return std::nullopt;
    const auto dash = detail.find('-');
    if (dash == std::string_view::npos) return std::nullopt;
    std::uint64_t id = 0;
    const auto digits = detail.substr(1, dash - 1);
    const auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
    if (ec != std::errc() || p != digits.data() + digits.size() || id == 0) return std::nullopt;
    if (!constant_time_equal(detail, make_bounce_token(secret, id))) return std::nullopt;
    return id;
}

std::string sign_control_headers(std::string_view secret, std::string_view canonical) {
    return hmac_sha256_hex(secret, std::string("control-headers:").append(canonical));
}

}  // namespace deskgate
