// header_start.hpp - where a message's header block starts. Mail forwarded by hand or saved by
// some clients opens with a line that is no header field ("---- Original email message ----");
// GMime then reads no headers at all, and From, Subject and Message-ID are lost. Such a first
// line is skipped (parse_message() reports it as a defect) when the line after it is a header
// field. Only the parser's view moves: the stored raw message and its body digest stay as they
// are. Internal to core/mail; pure.
#pragma once

#include <cstddef>
#include <string_view>

namespace deskgate {

// Whether `line` (without its line end) starts a header field: "name:" with a name of
// printable ASCII other than ':' (blanks before the colon allowed, RFC 5322's obsolete syntax).
bool is_header_field_line(std::string_view line);

// The length (line end included) of a first line to skip; 0 when the first line is a header
// field, is empty, is an mbox "From " line (GMime skips those), or is not followed by a header
// field.
std::size_t leading_non_header_line(std::string_view raw);

}  // namespace deskgate
