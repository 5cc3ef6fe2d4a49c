// classify.hpp - what kind of mail this is, before any ticket decision: automated (RFC 3834
// and the usual vendor headers), a mail loop, and which X-Deskgate-* control headers can be
// trusted (only those carrying our valid signature; the rest are stripped).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/config.hpp"
#include "core/mail/message.hpp"

namespace deskgate {

// Our own loop-detection header, added to everything deskgate sends.
inline constexpr std::string_view kLoopHeader = "X-Deskgate-Loop";
inline constexpr std::string_view kSignatureHeader = "X-Deskgate-Signature";

// Automated mail (out-of-office, lists, bounces): never acknowledged, never changes status.
// `envelope_sender` is normalised ("" = null sender). Returns the reason, or "" for a
// human-written mail.
std::string automated_reason(const ParsedMessage& message, std::string_view envelope_sender);

// A loop: our loop header naming our host, or more Received: headers than allowed.
// Returns the reason, or "".
std::string loop_reason(const Config& config, const ParsedMessage& message);
// The message carries our own X-Deskgate-Loop header (our host name): mail deskgate generated.
bool is_our_own_mail(const Config& config, const ParsedMessage& message);

// The canonical text signed in X-Deskgate-Signature: "name:value\n" for each X-Deskgate-*
// header except the signature and the loop header, names lower case, in order.
std::string canonical_control_headers(const ParsedMessage& message);

// The signed control-header block: `fields` (X-Deskgate-* headers) followed by the
// X-Deskgate-Signature header that covers them, signed with `secret` - exactly what
// strip_untrusted_control_headers() accepts on the way in.
std::vector<HeaderField> signed_control_headers(std::string_view secret, std::vector<HeaderField> fields);

// Removes X-Deskgate-* headers (except the loop header) from message.headers unless a valid
// signature covers them. Returns how many were stripped.
std::size_t strip_untrusted_control_headers(const Config& config, ParsedMessage& message);

}  // namespace deskgate
