// authenticity.cpp - see authenticity.hpp.
#include "core/policy/authenticity.hpp"
#include "core/base/text.hpp"
#include "core/model/token.hpp"
#include "core/policy/classify.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

namespace deskgate {
namespace {


std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

// Removes RFC 5322 comments "( ... )".
std::string without_comments(std::string_view s) {
    std::string out;
    int depth = 0;
    for (char c : s) {
        if (c == '(') ++depth;
        else if (c == ')' && depth > 0) --depth;
        else if (depth == 0) out.push_back(c);
    }
    return out;
}

bool same_or_sub(std::string_view candidate, std::string_view domain) {
    if (candidate == domain) return true;
    return candidate.size() > domain.size() && candidate.ends_with(domain) &&
           candidate[candidate.size() - domain.size() - 1] == '.';
}

// The value of `key=` in a resinfo ("header.d=acme.example"), "" if absent.
std::string property(std::string_view resinfo, std::string_view key) {
    std::string text(resinfo);
    std::size_t pos = 0;
    while ((pos = text.find(key, pos)) != std::string::npos) {
        if ((pos == 0 || std::isspace(static_cast<unsigned char>(text[pos - 1]))) && pos + key.size() < text.size() &&
            text[pos + key.size()] == '=') {
            const std::size_t start = pos + key.size() + 1;
            std::size_t end = start;
            while (end < text.size() && !std::isspace(static_cast<unsigned char>(text[end]))) ++end;
            return text.substr(start, end - start);
        }
        pos += key.size();
    }
    return {};
}

}  // namespace

bool sender_authenticated(const Config& config, const ParsedMessage& message, std::string_view domain_raw,
                          bool smtp_auth) {
    if (smtp_auth) return true;
    const std::string domain = lower(domain_raw);
    if (domain.empty()) return false;
    const auto& trusted = config.global.trusted_authserv_ids;
    for (const HeaderField& h : message.headers) {
        if (lower(h.name) != "authentication-results") continue;
        const std::string value = lower(without_comments(h.value));
        std::vector<std::string_view> parts;
        std::string_view rest = value;
        while (!rest.empty()) {
            const auto semi = rest.find(';');
            parts.push_back(trim(rest.substr(0, semi)));
            rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
        }
        if (parts.empty()) continue;
        std::string_view authserv = parts[0];
        authserv = authserv.substr(0, authserv.find_first_of(" \t"));  // "mx.example.com 1" (version)
        if (std::find(trusted.begin(), trusted.end(), authserv) == trusted.end()) continue;
        for (std::size_t i = 1; i < parts.size(); ++i) {
            const std::string_view r = parts[i];
            if (r.starts_with("dmarc=pass")) {
                // DMARC vouches for the domain it names: only a header.from that is the From's domain.
                if (property(r, "header.from") == domain) return true;
            } else if (r.starts_with("dkim=pass")) {
                const std::string d = property(r, "header.d");
                if (!d.empty() && same_or_sub(domain, d)) return true;
            } else if (r.starts_with("spf=pass")) {
                std::string from = property(r, "smtp.mailfrom");
                if (const auto at = from.rfind('@'); at != std::string::npos) from = from.substr(at + 1);
                if (!from.empty() && from == domain) return true;
            }
        }
    }
    return false;
}

namespace {

std::string mark_value(std::string_view sender, std::string_view message_id) {
    return fmt::format("pass; from=<{}>; msgid=<{}>", lower(sender), message_id);
}

std::string_view own_message_id(const ParsedMessage& message) {
    return message.message_id_synthesized ? std::string_view() : std::string_view(message.message_id);
}

}  // namespace

std::vector<HeaderField> authentication_mark(const Config& config, std::string_view sender, const ParsedMessage& headers) {
    return signed_control_headers(config.global.secret, {{std::string(kAuthHeader), mark_value(sender, own_message_id(headers))}});
}

bool authentication_mark_proves(const ParsedMessage& message, std::string_view sender) {
    if (sender.empty()) return false;
    const auto mark = message.header(kAuthHeader);
    return mark && *mark == mark_value(sender, own_message_id(message));
}

}  // namespace deskgate
