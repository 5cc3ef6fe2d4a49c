// protocol_reply.hpp - the LMTP server's own protocol answers (greeting, acknowledgements,
// syntax, sequence and limit errors): the one table of their RFC 5321 reply codes and RFC 3463
// enhanced status codes, beside reply_for's table for verdicts. The protocol layer picks a
// ProtocolReply and supplies the text; it never writes a code or a status itself.
#pragma once

#include <string_view>

#include "core/base/reply.hpp"

namespace deskgate {

enum class ProtocolReply {
    Greeting,               // 220, no enhanced status: "<host> LMTP deskgate ready"
    Capabilities,           // 250, no enhanced status: the LHLO answer, one line per extension
    Ok,                     // 250 2.0.0 NOOP, RSET
    SenderOk,               // 250 2.1.0 MAIL accepted
    RecipientOk,            // 250 2.1.5 RCPT accepted
    Bye,                    // 221 2.0.0 QUIT
    CannotVerify,           // 252 2.5.0 VRFY is not answered
    StartInput,             // 354, no enhanced status: DATA accepted, send the message
    ServiceClosing,         // 421 4.3.2 draining, timeout, too many errors or sessions; then close
    NoRecipientReply,       // 451 4.3.0 delivery gave no reply for this recipient
    TooManyRecipients,      // 452 4.5.3
    LineTooLong,            // 500 5.5.2 command line over the limit
    CommandUnrecognized,    // 500 5.5.2 unknown or empty command
    InvalidCommand,         // 500 5.5.1 HELO/EHLO: this is LMTP
    SyntaxError,            // 501 5.5.4 bad arguments or parameter values
    BadSenderSyntax,        // 501 5.1.7
    BadRecipientSyntax,     // 501 5.1.3
    BadSequence,            // 503 5.5.1 command out of order
    MessageTooBig,          // 552 5.3.4 MAIL SIZE= above the limit
    ParameterNotSupported,  // 555 5.5.4 unknown MAIL/RCPT parameter
};
std::string_view to_string(ProtocolReply);
// Every protocol reply, in declaration order (for tests). A new value goes here too.
inline constexpr ProtocolReply kAllProtocolReplies[] = {
    ProtocolReply::Greeting,         ProtocolReply::Capabilities,        ProtocolReply::Ok,
    ProtocolReply::SenderOk,         ProtocolReply::RecipientOk,         ProtocolReply::Bye,
    ProtocolReply::CannotVerify,     ProtocolReply::StartInput,          ProtocolReply::ServiceClosing,
    ProtocolReply::NoRecipientReply, ProtocolReply::TooManyRecipients,   ProtocolReply::LineTooLong,
    ProtocolReply::CommandUnrecognized, ProtocolReply::InvalidCommand,   ProtocolReply::SyntaxError,
    ProtocolReply::BadSenderSyntax,  ProtocolReply::BadRecipientSyntax,  ProtocolReply::BadSequence,
    ProtocolReply::MessageTooBig,    ProtocolReply::ParameterNotSupported,
};

// The one place where a protocol answer gets its code and enhanced status.
Reply protocol_reply(ProtocolReply, std::string_view text);
// False for the answers sent without an enhanced status (greeting, LHLO lines, 354); their
// Reply::status is 0.0.0 and must not be written.
bool sends_enhanced_status(ProtocolReply);

}  // namespace deskgate
