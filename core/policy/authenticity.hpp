// authenticity.hpp - is mail that claims to come from a customer's domain really from there?
// Trusted evidence: an Authentication-Results header (RFC 8601) added by our own verifiers
// (OpenDKIM/OpenDMARC earlier in the milter chain, listed by authserv-id in the config) with
// dmarc=pass, dkim=pass for the domain, or spf=pass for it; or an SMTP AUTH login.
#pragma once

#include <string_view>

#include "core/model/config.hpp"
#include "core/mail/message.hpp"

namespace deskgate {

// `domain`: the From address's domain; `smtp_auth`: the client authenticated with SMTP AUTH.
bool sender_authenticated(const Config& config, const ParsedMessage& message, std::string_view domain, bool smtp_auth);

// The control header the inbound milter adds (signed) when a customer requires authentication,
// the mail is not authenticated and the customer's action is to accept it without ticket rights.
inline constexpr std::string_view kAuthHeader = "X-Deskgate-Auth";
inline constexpr std::string_view kUnauthenticated = "unauthenticated";

}  // namespace deskgate
