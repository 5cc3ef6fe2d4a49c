// mail_parts.hpp - pieces every mail deskgate writes shares: the quoted form of a text, and
// the MIME body of a text with attachments (multipart/mixed, base64 parts) or without.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/mail/message.hpp"

namespace deskgate {

// "> " in front of every line (">" for an empty one), LF line ends.
std::string quote_text(std::string_view body);

// One attachment to pass on: its description and decoded bytes.
struct OutgoingAttachment {
    const Attachment* meta = nullptr;
    std::string_view content;
};

// The MIME headers (from "MIME-Version:" on, CRLF, ending with the blank line) and body of a
// UTF-8 text with these attachments: text/plain alone, or multipart/mixed with the attachments
// base64-encoded. `boundary_seed` makes the boundary stable for a retried send.
std::string mime_body(std::string_view text, const std::vector<OutgoingAttachment>& attachments,
                      std::string_view boundary_seed);

}  // namespace deskgate
