// protocol.hpp - the LMTP server protocol (RFC 2033 on RFC 5321, with PIPELINING, SIZE,
// 8BITMIME and ENHANCEDSTATUSCODES) as plain code fed bytes: no sockets, no clock, so every
// edge case is testable. The caller feeds what it reads, writes what output() returns, and
// when a transaction is complete delivers it and hands back one reply per recipient; input
// that arrived pipelined behind the DATA is processed only after those replies.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/protocol_reply.hpp"
#include "core/base/reply.hpp"
#include "lmtp/spool.hpp"

namespace deskgate::lmtp {

struct ProtocolLimits {
    std::size_t max_command_line = 1000;        // bytes including CRLF (RFC 5321 4.5.3.1.4 allows 512+)
    std::size_t max_recipients = 1000;
    std::uint64_t max_message_size = 50ull << 20;
    std::size_t max_errors = 20;                // bad commands before 421 and close
};

// A complete mail transaction, ready for delivery.
struct Transaction {
    std::string sender;                   // MAIL FROM address, "" for <>
    std::vector<std::string> recipients;  // accepted RCPT TO addresses, in order
    std::unique_ptr<Spool> data;          // the message, dot-unstuffed
    bool too_big = false;                 // data exceeded max_message_size (content dropped)
    bool spool_failed = false;            // the data could not be stored for delivery
};

// Checks one recipient at RCPT time; nullopt accepts it, a Reply refuses it (e.g. 550 5.1.1).
using RecipientCheck = std::function<std::optional<Reply>(std::string_view address)>;

class Protocol {
public:
    Protocol(std::string hostname, ProtocolLimits limits, SpoolOptions spool, RecipientCheck check);

    // The 220 greeting, to be written first.
    std::string greeting() const;

    // Consumes input. Stops early when a transaction becomes ready (see transaction()).
    void feed(std::string_view bytes);
    // The peer closed its side: an unfinished DATA is dropped (nothing delivered).
    void end_of_input();

    // Bytes to send to the peer (and clears them).
    std::string take_output();

    // A transaction waiting for delivery; while one is pending, no further input is processed.
    bool transaction_ready() const { return ready_.has_value(); }
    Transaction take_transaction();
    // One reply per recipient of the transaction taken, in order; resumes buffered input.
    void delivered(const std::vector<Reply>& replies);

    // 421 and close, e.g. when the daemon drains or a timeout hits.
    void shutdown(std::string_view text);
    // The session is over (QUIT, 421): write the output, then close.
    bool closed() const { return closed_; }
    bool in_data() const { return state_ == State::Data; }
    bool idle() const { return state_ == State::Ready && !ready_ && pending_.empty(); }

private:
    enum class State { Start, Ready, Mail, Data };

    void process();
    void command(std::string_view line);
    void data_line(std::string_view line, bool complete);
    void reply(ProtocolReply kind, std::string_view text);
    void reply_multi(ProtocolReply kind, const std::vector<std::string>& lines);
    void send(const Reply& r);  // a reply decided in core (RCPT check, delivery)
    void reset();
    void error(ProtocolReply kind, std::string_view text);

    std::string hostname_;
    ProtocolLimits limits_;
    SpoolOptions spool_options_;
    RecipientCheck check_;
    State state_ = State::Start;
    std::string pending_;       // input not yet processed
    std::string output_;
    bool discarding_line_ = false;  // skipping the rest of an over-long command line
    bool closed_ = false;
    std::size_t errors_ = 0;

    // current transaction
    std::string sender_;
    std::vector<std::string> recipients_;
    std::unique_ptr<Spool> data_;
    std::uint64_t data_size_ = 0;
    bool too_big_ = false;
    bool spool_failed_ = false;
    bool data_line_start_ = true;   // the next data byte starts a line
    std::optional<Transaction> ready_;
    std::size_t awaiting_replies_ = 0;
};

// One reply line on the wire, "code status text\r\n" (no status where core's table sends none);
// the text is made one line. For what is written outside a session, e.g. a 421 refusal.
std::string reply_line(ProtocolReply kind, std::string_view text);

// Parses "<addr>" (or a bare addr) with optional ESMTP parameters after it.
struct PathArgument {
    std::string address;                                     // without <>
    std::vector<std::pair<std::string, std::string>> params; // upper-case keyword, value
};
std::optional<PathArgument> parse_path(std::string_view text);

}  // namespace deskgate::lmtp
