// message.hpp - a parsed mail as a plain value. parse_message() turns raw RFC 5322 bytes into it
// with GMime: every text field decoded to valid UTF-8, malformed input reported as defects and
// never as an exception. The raw bytes themselves are not kept here (the store keeps them).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace deskgate {

struct Mailbox {
    std::string name;      // display name, UTF-8 ("" if none)
    std::string address;   // normalised (normalize_address), "" if unparseable
};

struct Attachment {
    std::string filename;      // UTF-8 (RFC 2231 / RFC 2047 / raw 8-bit decoded), a file name: no
                               // directories, no control characters (safe_filename.hpp); "" if none
    std::string content_type;  // "type/subtype", lower case
    std::uint64_t size = 0;    // decoded size in bytes
    std::string sha256;        // lower-case hex of the decoded content
};

struct HeaderField {
    std::string name;   // as written
    std::string value;  // unfolded, decoded to UTF-8, trimmed
};

struct ParsedMessage {
    std::string message_id;            // without <>; synthesised when missing or empty
    bool message_id_synthesized = false;
    std::optional<Mailbox> from;       // first From mailbox
    std::vector<Mailbox> reply_to;
    std::vector<Mailbox> to;
    std::vector<Mailbox> cc;
    std::string subject;               // UTF-8
    std::optional<std::int64_t> date;  // Date: as Unix seconds, if it parsed
    std::vector<std::string> in_reply_to;  // message ids without <>
    std::vector<std::string> references;   // message ids without <>, in order
    std::string auto_submitted;        // lower case, "" if absent
    std::string precedence;            // lower case
    std::string list_id;
    std::string list_unsubscribe;
    std::string x_auto_response_suppress;
    std::vector<HeaderField> headers;  // every header field in order (decoded values)
    std::string text_body;             // best text: text/plain, else HTML rendered to text
    bool body_from_html = false;
    std::vector<Attachment> attachments;
    std::vector<std::string> embedded_message_ids;  // of returned messages (message/rfc822, text/rfc822-headers)
    std::string delivery_status;       // the first message/delivery-status part (RFC 3464), at most 64 KB
    std::vector<std::string> defects;  // human-readable, one per problem found
    std::string body_digest;           // hex SHA-256 of the raw bytes after the header block
    std::uint64_t raw_size = 0;

    // First header with this name (case-insensitive), decoded; nullopt if absent.
    std::optional<std::string_view> header(std::string_view name) const;
    // Number of header fields with this name.
    std::size_t header_count(std::string_view name) const;
};

// Parses raw message bytes (CRLF or LF line ends). Never throws; on hopeless input returns
// what could be read plus defects.
ParsedMessage parse_message(std::string_view raw);
// The same, also handing out the decoded content of every attachment, in the order of
// ParsedMessage::attachments (for mail that passes them on: notifications, staff replies,
// `deskgate attachment`).
ParsedMessage parse_message(std::string_view raw, std::vector<std::string>* attachment_contents);

// The decoded content (transfer encoding removed) of attachment `index` (0-based) of the raw
// message, in exactly the order parse_message() lists ParsedMessage::attachments (the same MIME
// walk); nullopt when the message has fewer attachments.
std::optional<std::string> attachment_content(std::string_view raw, std::size_t index);

// Lower-case hex SHA-256 of bytes (GLib GChecksum).
std::string sha256_hex(std::string_view bytes);

}  // namespace deskgate
