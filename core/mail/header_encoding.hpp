// header_encoding.hpp - UTF-8 text made into header values we write: RFC 2047 encoded words
// where the text is not plain ASCII, mailboxes with quoted or encoded display names, and the
// RFC 5322 date. Control characters never reach a header.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace deskgate {

// A header value made safe: CR, LF and other control characters become spaces, trimmed.
std::string header_safe(std::string_view value);

// `text` as it may stand in an unstructured header (Subject): as is when printable ASCII
// without "=?" (a reader never decodes text that merely looks like an encoded word), else
// RFC 2047 "=?UTF-8?Q?...?=" words of whole characters, at most 75 characters each, on folded
// lines.
std::string encode_header_text(std::string_view text);

// "Display Name" <address>, the name quoted, or encoded when not ASCII or holding "=?"; <address> alone
// when there is no name.
std::string format_mailbox(std::string_view name, std::string_view address);

// Text with every bare LF made CRLF, ending in CRLF (a message body as we write it).
std::string to_crlf(std::string_view text);

// RFC 5322 date-time in UTC: "Tue, 24 Nov 2026 08:00:00 +0000".
std::string rfc5322_date(std::int64_t unix_seconds);

}  // namespace deskgate
