// protocol.cpp - see protocol.hpp. Every reply code and RFC 3463 enhanced status comes from
// core: protocol_reply() for protocol answers, the recipient check and delivery for verdicts.
#include "lmtp/protocol.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <system_error>

#include <fmt/format.h>

namespace deskgate::lmtp {
namespace {

std::string upper(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

bool starts_with_ci(std::string_view s, std::string_view prefix) {
    return s.size() >= prefix.size() && upper(s.substr(0, prefix.size())) == prefix;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// Reply text is one line: control characters become spaces.
std::string one_line(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = ' ';
    return out;
}

std::string wire_line(const Reply& r, bool with_status) {
    if (!with_status) return fmt::format("{} {}\r\n", r.code, one_line(r.text));
    return fmt::format("{} {} {}\r\n", r.code, r.status, one_line(r.text));
}

}  // namespace

std::string reply_line(ProtocolReply kind, std::string_view text) {
    return wire_line(protocol_reply(kind, text), sends_enhanced_status(kind));
}

std::optional<PathArgument> parse_path(std::string_view text) {
    text = trim(text);
    PathArgument out;
    std::string_view rest;
    if (!text.empty() && text.front() == '<') {
        const auto close = text.find('>');
        if (close == std::string_view::npos) return std::nullopt;
        out.address = std::string(text.substr(1, close - 1));
        rest = text.substr(close + 1);
        // strip a source route "@a,@b:user@host"
        if (!out.address.empty() && out.address.front() == '@') {
            const auto colon = out.address.find(':');
            if (colon == std::string::npos) return std::nullopt;
            out.address.erase(0, colon + 1);
        }
    } else {
        const auto space = text.find(' ');
        out.address = std::string(text.substr(0, space));
        rest = space == std::string_view::npos ? std::string_view() : text.substr(space);
    }
    if (out.address.find_first_of(" \t<>") != std::string::npos) return std::nullopt;
    if (!rest.empty() && rest.front() != ' ') return std::nullopt;
    rest = trim(rest);
    while (!rest.empty()) {
        const auto space = rest.find(' ');
        std::string_view param = rest.substr(0, space);
        rest = space == std::string_view::npos ? std::string_view() : trim(rest.substr(space));
        const auto eq = param.find('=');
        out.params.emplace_back(upper(param.substr(0, eq)),
                                eq == std::string_view::npos ? std::string() : std::string(param.substr(eq + 1)));
    }
    return out;
}

Protocol::Protocol(std::string hostname, ProtocolLimits limits, SpoolOptions spool, RecipientCheck check)
    : hostname_(std::move(hostname)), limits_(limits), spool_options_(std::move(spool)), check_(std::move(check)) {}

std::string Protocol::greeting() const {
    return reply_line(ProtocolReply::Greeting, fmt::format("{} LMTP deskgate ready", hostname_));
}

std::string Protocol::take_output() {
    std::string out;
    out.swap(output_);
    return out;
}

void Protocol::reply(ProtocolReply kind, std::string_view text) { output_ += reply_line(kind, text); }

void Protocol::send(const Reply& r) { output_ += wire_line(r, true); }

void Protocol::reply_multi(ProtocolReply kind, const std::vector<std::string>& lines) {
    for (std::size_t i = 0; i < lines.size(); ++i) {
        std::string line = reply_line(kind, lines[i]);
        if (i + 1 < lines.size()) line[line.find(' ')] = '-';  // "250-...": more lines follow
        output_ += line;
    }
}

void Protocol::error(ProtocolReply kind, std::string_view text) {
    reply(kind, text);
    if (++errors_ >= limits_.max_errors) shutdown("Too many errors, closing connection");
}

void Protocol::shutdown(std::string_view text) {
    if (closed_) return;
    reply(ProtocolReply::ServiceClosing, fmt::format("{} {}", hostname_, text));
    closed_ = true;
    pending_.clear();
}

void Protocol::reset() {
    sender_.clear();
    recipients_.clear();
    data_.reset();
    data_size_ = 0;
    too_big_ = false;
    data_line_start_ = true;
    if (state_ != State::Start) state_ = State::Ready;
}

void Protocol::feed(std::string_view bytes) {
    if (closed_) return;
    pending_.append(bytes);
    process();
}

void Protocol::end_of_input() {
    // A DATA without its final dot, or anything else half-done, is dropped: never delivered.
    if (state_ == State::Data) reset();
    pending_.clear();
    closed_ = true;
}

Transaction Protocol::take_transaction() {
    Transaction t = std::move(*ready_);
    ready_.reset();
    return t;
}

void Protocol::delivered(const std::vector<Reply>& replies) {
    for (std::size_t i = 0; i < awaiting_replies_; ++i) {
        if (i < replies.size()) send(replies[i]);
        else reply(ProtocolReply::NoRecipientReply, "no reply for this recipient, try again later");
    }
    awaiting_replies_ = 0;
    process();
}

void Protocol::process() {
    std::size_t pos = 0;
    while (!closed_ && !ready_ && pos < pending_.size()) {
        if (state_ == State::Data) {
            const std::size_t nl = pending_.find('\n', pos);
            if (nl == std::string::npos) {
                // A partial line. At a line start we need three bytes to tell ".\r\n" apart.
                if (data_line_start_ && pending_.size() - pos < 3) break;
                data_line(std::string_view(pending_).substr(pos), false);
                pos = pending_.size();
                break;
            }
            data_line(std::string_view(pending_).substr(pos, nl + 1 - pos), true);
            pos = nl + 1;
            continue;
        }
        const std::size_t nl = pending_.find('\n', pos);
        if (discarding_line_) {
            if (nl == std::string::npos) {
                pos = pending_.size();
                break;
            }
            discarding_line_ = false;
            pos = nl + 1;
            continue;
        }
        if (nl == std::string::npos) {
            if (pending_.size() - pos > limits_.max_command_line) {
                error(ProtocolReply::LineTooLong, "Line too long");
                discarding_line_ = true;
                pos = pending_.size();
            }
            break;
        }
        std::string_view line = std::string_view(pending_).substr(pos, nl - pos);
        pos = nl + 1;
        if (line.size() + 1 > limits_.max_command_line) {
            error(ProtocolReply::LineTooLong, "Line too long");
            continue;
        }
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        command(line);
    }
    pending_.erase(0, std::min(pos, pending_.size()));
}

void Protocol::data_line(std::string_view line, bool complete) {
    if (data_line_start_) {
        std::string_view content = line;
        if (complete) {
            content.remove_suffix(1);
            if (!content.empty() && content.back() == '\r') content.remove_suffix(1);
            if (content == ".") {
                Transaction t;
                t.sender = sender_;
                t.recipients = recipients_;
                t.data = std::move(data_);
                t.too_big = too_big_ && !spool_failed_;
                t.spool_failed = spool_failed_;
                awaiting_replies_ = recipients_.size();
                ready_ = std::move(t);
                reset();
                return;
            }
        }
        if (!line.empty() && line.front() == '.') line.remove_prefix(1);  // dot-unstuffing
    }
    data_line_start_ = complete;
    if (too_big_) return;
    data_size_ += line.size();
    if (data_size_ > limits_.max_message_size) {
        too_big_ = true;
        data_.reset();  // nothing more is kept of a message that cannot be accepted
        return;
    }
    try {
        data_->append(line);
    } catch (const std::exception&) {
        too_big_ = true;  // stop keeping data; answered 4.3.0 by the caller
        data_.reset();
        spool_failed_ = true;
    }
}

void Protocol::command(std::string_view line) {
    const std::string verb = upper(line.substr(0, line.find(' ')));
    const std::string_view arg = line.size() > verb.size() ? trim(line.substr(verb.size())) : std::string_view();

    if (verb == "LHLO") {
        if (arg.empty()) return error(ProtocolReply::SyntaxError, "LHLO needs a domain");
        reset();
        state_ = State::Ready;
        return reply_multi(ProtocolReply::Capabilities, {hostname_, "PIPELINING", "ENHANCEDSTATUSCODES", "8BITMIME",
                                                         fmt::format("SIZE {}", limits_.max_message_size)});
    }
    if (verb == "HELO" || verb == "EHLO") return error(ProtocolReply::InvalidCommand, "This is LMTP: use LHLO");
    if (verb == "QUIT") {
        reply(ProtocolReply::Bye, fmt::format("{} closing connection", hostname_));
        closed_ = true;
        return;
    }
    if (verb == "NOOP") return reply(ProtocolReply::Ok, "Ok");
    if (verb == "RSET") {
        reset();
        return reply(ProtocolReply::Ok, "Ok");
    }
    if (verb == "VRFY")
        return reply(ProtocolReply::CannotVerify, "Cannot VRFY user, but will accept message and attempt delivery");
    if (verb == "MAIL") {
        if (state_ == State::Start) return error(ProtocolReply::BadSequence, "Send LHLO first");
        if (state_ != State::Ready) return error(ProtocolReply::BadSequence, "Nested MAIL command");
        if (!starts_with_ci(arg, "FROM:")) return error(ProtocolReply::SyntaxError, "Syntax: MAIL FROM:<address>");
        auto path = parse_path(arg.substr(5));
        if (!path) return error(ProtocolReply::BadSenderSyntax, "Bad sender address syntax");
        for (const auto& [key, value] : path->params) {
            if (key == "SIZE") {
                std::uint64_t size = 0;
                const auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), size);
                if (ec != std::errc() || p != value.data() + value.size())
                    return error(ProtocolReply::SyntaxError, "Bad SIZE parameter");
                if (size > limits_.max_message_size)
                    return reply(ProtocolReply::MessageTooBig,
                                 fmt::format("Message size exceeds fixed limit of {} bytes", limits_.max_message_size));
            } else if (key == "BODY") {
                const std::string body = upper(value);
                if (body != "7BIT" && body != "8BITMIME") return error(ProtocolReply::SyntaxError, "Bad BODY parameter");
            } else {
                return error(ProtocolReply::ParameterNotSupported, fmt::format("Unsupported parameter {}", key));
            }
        }
        sender_ = path->address;
        state_ = State::Mail;
        return reply(ProtocolReply::SenderOk, "Sender ok");
    }
    if (verb == "RCPT") {
        if (state_ != State::Mail) return error(ProtocolReply::BadSequence, "Need MAIL command first");
        if (!starts_with_ci(arg, "TO:")) return error(ProtocolReply::SyntaxError, "Syntax: RCPT TO:<address>");
        auto path = parse_path(arg.substr(3));
        if (!path || path->address.empty())
            return error(ProtocolReply::BadRecipientSyntax, "Bad recipient address syntax");
        if (!path->params.empty())
            return error(ProtocolReply::ParameterNotSupported, fmt::format("Unsupported parameter {}", path->params[0].first));
        if (recipients_.size() >= limits_.max_recipients)
            return reply(ProtocolReply::TooManyRecipients, "Too many recipients");
        if (check_) {
            if (auto refused = check_(path->address)) return send(*refused);
        }
        recipients_.push_back(path->address);
        return reply(ProtocolReply::RecipientOk, "Recipient ok");
    }
    if (verb == "DATA") {
        if (state_ != State::Mail) return error(ProtocolReply::BadSequence, "Need MAIL command first");
        if (recipients_.empty()) return error(ProtocolReply::BadSequence, "No valid recipients");
        if (!arg.empty()) return error(ProtocolReply::SyntaxError, "DATA takes no arguments");
        data_ = std::make_unique<Spool>(spool_options_);
        data_size_ = 0;
        too_big_ = false;
        spool_failed_ = false;
        data_line_start_ = true;
        state_ = State::Data;
        return reply(ProtocolReply::StartInput, "Start mail input; end with <CRLF>.<CRLF>");
    }
    if (verb.empty()) return error(ProtocolReply::CommandUnrecognized, "Empty command");
    return error(ProtocolReply::CommandUnrecognized, fmt::format("Command not recognized: {}", verb.substr(0, 20)));
}

}  // namespace deskgate::lmtp
