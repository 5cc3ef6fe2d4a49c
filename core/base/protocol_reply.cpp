// protocol_reply.cpp - the single table of the LMTP server's protocol answers (RFC 5321 reply
// codes, RFC 3463 enhanced status codes) and their names.
#include "core/base/protocol_reply.hpp"

#include <string>

namespace deskgate {
namespace {

struct Entry {
    int code;
    EnhancedStatus status;  // 0.0.0: sent without an enhanced status
};

constexpr EnhancedStatus kNone{0, 0, 0};

constexpr Entry entry(ProtocolReply r) {
    switch (r) {
    case ProtocolReply::Greeting: return {220, kNone};
    case ProtocolReply::Capabilities: return {250, kNone};
    case ProtocolReply::Ok: return {250, {2, 0, 0}};
    case ProtocolReply::SenderOk: return {250, {2, 1, 0}};
    case ProtocolReply::RecipientOk: return {250, {2, 1, 5}};
    case ProtocolReply::Bye: return {221, {2, 0, 0}};
    case ProtocolReply::CannotVerify: return {252, {2, 5, 0}};
    case ProtocolReply::StartInput: return {354, kNone};
    case ProtocolReply::ServiceClosing: return {421, {4, 3, 2}};
    case ProtocolReply::NoRecipientReply: return {451, {4, 3, 0}};
    case ProtocolReply::TooManyRecipients: return {452, {4, 5, 3}};
    case ProtocolReply::LineTooLong: return {500, {5, 5, 2}};
    case ProtocolReply::CommandUnrecognized: return {500, {5, 5, 2}};
    case ProtocolReply::InvalidCommand: return {500, {5, 5, 1}};
    case ProtocolReply::SyntaxError: return {501, {5, 5, 4}};
    case ProtocolReply::BadSenderSyntax: return {501, {5, 1, 7}};
    case ProtocolReply::BadRecipientSyntax: return {501, {5, 1, 3}};
    case ProtocolReply::BadSequence: return {503, {5, 5, 1}};
    case ProtocolReply::MessageTooBig: return {552, {5, 3, 4}};
    case ProtocolReply::ParameterNotSupported: return {555, {5, 5, 4}};
    }
    return {451, {4, 3, 0}};
}

}  // namespace

std::string_view to_string(ProtocolReply r) {
    switch (r) {
    case ProtocolReply::Greeting: return "greeting";
    case ProtocolReply::Capabilities: return "capabilities";
    case ProtocolReply::Ok: return "ok";
    case ProtocolReply::SenderOk: return "sender-ok";
    case ProtocolReply::RecipientOk: return "recipient-ok";
    case ProtocolReply::Bye: return "bye";
    case ProtocolReply::CannotVerify: return "cannot-verify";
    case ProtocolReply::StartInput: return "start-input";
    case ProtocolReply::ServiceClosing: return "service-closing";
    case ProtocolReply::NoRecipientReply: return "no-recipient-reply";
    case ProtocolReply::TooManyRecipients: return "too-many-recipients";
    case ProtocolReply::LineTooLong: return "line-too-long";
    case ProtocolReply::CommandUnrecognized: return "command-unrecognized";
    case ProtocolReply::InvalidCommand: return "invalid-command";
    case ProtocolReply::SyntaxError: return "syntax-error";
    case ProtocolReply::BadSenderSyntax: return "bad-sender-syntax";
    case ProtocolReply::BadRecipientSyntax: return "bad-recipient-syntax";
    case ProtocolReply::BadSequence: return "bad-sequence";
    case ProtocolReply::MessageTooBig: return "message-too-big";
    case ProtocolReply::ParameterNotSupported: return "parameter-not-supported";
    }
    return "unknown";
}

Reply protocol_reply(ProtocolReply r, std::string_view text) {
    const Entry e = entry(r);
    return Reply{e.code, e.status, std::string(text)};
}

bool sends_enhanced_status(ProtocolReply r) { return entry(r).status != kNone; }

}  // namespace deskgate
