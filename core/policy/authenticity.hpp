// authenticity.hpp - is mail that claims to come from a customer's domain really from there?
// Trusted evidence: an Authentication-Results header (RFC 8601) added by our own verifiers
// (OpenDKIM/OpenDMARC earlier in the milter chain, listed by authserv-id in the config) with
// dmarc=pass, dkim=pass for the domain, or spf=pass for it; or an SMTP AUTH login.
#pragma once

#include <string_view>
#include <vector>

#include "core/model/config.hpp"
#include "core/mail/message.hpp"

namespace deskgate {

// `domain`: the From address's domain; `smtp_auth`: the client authenticated with SMTP AUTH.
bool sender_authenticated(const Config& config, const ParsedMessage& message, std::string_view domain, bool smtp_auth);

// The proof the inbound milter hands to the LMTP agent: a signed control header
//   X-Deskgate-Auth: pass; from=<sender>; msgid=<Message-ID>
// added only when the milter saw trusted evidence for the From address. It names the address
// and the Message-ID it vouches for, so it cannot be moved to another sender or another mail.
// Fail closed: mail without a valid mark (it never passed the milter, the milter was skipped,
// `deskgate ingest`, a forged or replayed mark) counts as unauthenticated.
inline constexpr std::string_view kAuthHeader = "X-Deskgate-Auth";

// The signed header block (X-Deskgate-Auth and X-Deskgate-Signature) for `sender` and the
// Message-ID of `headers` (none when the mail has no Message-ID of its own).
std::vector<HeaderField> authentication_mark(const Config& config, std::string_view sender, const ParsedMessage& headers);

// Does `message` (after strip_untrusted_control_headers: only signed control headers are
// left) carry our mark for exactly this sender and this Message-ID?
bool authentication_mark_proves(const ParsedMessage& message, std::string_view sender);

}  // namespace deskgate
