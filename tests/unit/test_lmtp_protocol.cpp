// test_lmtp_protocol.cpp - the LMTP state machine fed bytes, replies asserted exactly:
// pipelining, bare LF, dot-unstuffing, over-long lines, missing final dot, too many
// recipients, oversize SIZE= and DATA, RCPT-time refusals, spooling to disk; and core's table
// of protocol replies (code class and enhanced status class agree).
#include <doctest/doctest.h>

#include <iterator>
#include <set>

#include "core/base/protocol_reply.hpp"
#include "core/base/verdict.hpp"
#include "lmtp/protocol.hpp"
#include "test_support.hpp"

using namespace deskgate;
using namespace deskgate::lmtp;

namespace {

struct Harness {
    explicit Harness(ProtocolLimits limits = {}, SpoolOptions spool = {})
        : p("lmtp.example", limits, std::move(spool), [](std::string_view a) -> std::optional<Reply> {
              if (a == "nobody@h.example") return reply_for(Verdict::UnknownRecipient, "<nobody@h.example>: no such helpdesk address");
              if (a == "closed@h.example") return reply_for(Verdict::QueueInactive, "Closed is not accepting mail");
              return std::nullopt;
          }) {}

    std::string feed(std::string_view bytes) {
        p.feed(bytes);
        return p.take_output();
    }

    // Delivers a ready transaction answering 250 2.0.0 for every recipient; returns the output.
    std::string deliver(std::string* data = nullptr, std::vector<std::string>* rcpts = nullptr) {
        REQUIRE(p.transaction_ready());
        Transaction t = p.take_transaction();
        if (data && t.data) *data = std::string(t.data->view());
        if (rcpts) *rcpts = t.recipients;
        std::vector<Reply> replies;
        for (std::size_t i = 0; i < t.recipients.size(); ++i)
            replies.push_back(reply_for(Verdict::NewTicket, "ticket 10-" + std::to_string(i + 1) + " created"));
        p.delivered(replies);
        return p.take_output();
    }

    Protocol p;
};

constexpr std::string_view kLhloReply =
    "250-lmtp.example\r\n250-PIPELINING\r\n250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250 SIZE 1000\r\n";

ProtocolLimits small() {
    ProtocolLimits l;
    l.max_message_size = 1000;
    l.max_recipients = 3;
    l.max_command_line = 100;
    return l;
}

}  // namespace

TEST_CASE("greeting and LHLO capabilities") {
    Harness h(small());
    CHECK(h.p.greeting() == "220 lmtp.example LMTP deskgate ready\r\n");
    CHECK(h.feed("LHLO client.example\r\n") == kLhloReply);
    CHECK(h.feed("EHLO x\r\n") == "500 5.5.1 This is LMTP: use LHLO\r\n");
    CHECK(h.feed("VRFY someone\r\n") == "252 2.5.0 Cannot VRFY user, but will accept message and attempt delivery\r\n");
    CHECK(h.feed("NOOP\r\n") == "250 2.0.0 Ok\r\n");
    CHECK(h.feed("FOO bar\r\n") == "500 5.5.2 Command not recognized: FOO\r\n");
    CHECK(h.feed("QUIT\r\n") == "221 2.0.0 lmtp.example closing connection\r\n");
    CHECK(h.p.closed());
}

TEST_CASE("a pipelined transaction: one reply per accepted recipient, in RCPT order, after DATA") {
    Harness h(small());
    const std::string out = h.feed(
        "LHLO c\r\nMAIL FROM:<alice@acme.example> SIZE=300 BODY=8BITMIME\r\n"
        "RCPT TO:<support@h.example>\r\nRCPT TO:<nobody@h.example>\r\nRCPT TO:<billing@h.example>\r\n"
        "DATA\r\nSubject: hi\r\n\r\nline\r\n..dotted\r\n.\r\nNOOP\r\nQUIT\r\n");
    CHECK(out == std::string(kLhloReply) +
                     "250 2.1.0 Sender ok\r\n250 2.1.5 Recipient ok\r\n"
                     "550 5.1.1 <nobody@h.example>: no such helpdesk address\r\n250 2.1.5 Recipient ok\r\n"
                     "354 Start mail input; end with <CRLF>.<CRLF>\r\n");
    // NOOP and QUIT wait behind the delivery
    std::string data;
    std::vector<std::string> rcpts;
    const std::string after = h.deliver(&data, &rcpts);
    CHECK(data == "Subject: hi\r\n\r\nline\r\n.dotted\r\n");
    CHECK(rcpts == std::vector<std::string>{"support@h.example", "billing@h.example"});
    CHECK(after == "250 2.0.0 ticket 10-1 created\r\n250 2.0.0 ticket 10-2 created\r\n250 2.0.0 Ok\r\n"
                   "221 2.0.0 lmtp.example closing connection\r\n");
    CHECK(h.p.closed());
}

TEST_CASE("bare LF line ends are accepted, data is kept as received") {
    Harness h(small());
    CHECK(h.feed("LHLO c\nMAIL FROM:<>\nRCPT TO:<support@h.example>\nDATA\n").ends_with("354 Start mail input; end with <CRLF>.<CRLF>\r\n"));
    h.feed("a\nb\r\n.\n");
    std::string data;
    h.deliver(&data);
    CHECK(data == "a\nb\r\n");
}

TEST_CASE("input split at every byte gives the same result") {
    const std::string session =
        "LHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<support@h.example>\r\nDATA\r\n.x\r\n..\r\n.\r\nQUIT\r\n";
    Harness h(small());
    std::string out;
    for (char c : session) {
        out += h.feed(std::string_view(&c, 1));
        if (h.p.transaction_ready()) {
            std::string data;
            out += h.deliver(&data);
            CHECK(data == "x\r\n.\r\n");
        }
    }
    CHECK(out.ends_with("250 2.0.0 ticket 10-1 created\r\n221 2.0.0 lmtp.example closing connection\r\n"));
}

TEST_CASE("sequence errors") {
    Harness h(small());
    CHECK(h.feed("MAIL FROM:<a@b.example>\r\n") == "503 5.5.1 Send LHLO first\r\n");
    h.feed("LHLO c\r\n");
    CHECK(h.feed("RCPT TO:<support@h.example>\r\n") == "503 5.5.1 Need MAIL command first\r\n");
    CHECK(h.feed("DATA\r\n") == "503 5.5.1 Need MAIL command first\r\n");
    CHECK(h.feed("MAIL FROM:<a@b.example>\r\n") == "250 2.1.0 Sender ok\r\n");
    CHECK(h.feed("MAIL FROM:<a@b.example>\r\n") == "503 5.5.1 Nested MAIL command\r\n");
    CHECK(h.feed("RCPT TO:<nobody@h.example>\r\n") == "550 5.1.1 <nobody@h.example>: no such helpdesk address\r\n");
    CHECK(h.feed("RCPT TO:<closed@h.example>\r\n") == "451 4.2.1 Closed is not accepting mail\r\n");
    CHECK(h.feed("DATA\r\n") == "503 5.5.1 No valid recipients\r\n");
    CHECK(h.feed("RSET\r\n") == "250 2.0.0 Ok\r\n");
    CHECK(h.feed("MAIL FROM:<a@b.example> FOO=1\r\n") == "555 5.5.4 Unsupported parameter FOO\r\n");
    CHECK(h.feed("MAIL FROM:a@b.example> x\r\n") == "501 5.1.7 Bad sender address syntax\r\n");
    CHECK(h.feed("MAIL TO:<x@y.example>\r\n") == "501 5.5.4 Syntax: MAIL FROM:<address>\r\n");
}

TEST_CASE("too many recipients: 452 4.5.3, the accepted ones still get their replies") {
    Harness h(small());
    const std::string out = h.feed("LHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<r1@h.example>\r\nRCPT TO:<r2@h.example>\r\n"
                                   "RCPT TO:<r3@h.example>\r\nRCPT TO:<r4@h.example>\r\nDATA\r\nx\r\n.\r\n");
    CHECK(out.find("452 4.5.3 Too many recipients\r\n") != std::string::npos);
    std::vector<std::string> rcpts;
    const std::string after = h.deliver(nullptr, &rcpts);
    CHECK(rcpts.size() == 3);
    CHECK(after == "250 2.0.0 ticket 10-1 created\r\n250 2.0.0 ticket 10-2 created\r\n250 2.0.0 ticket 10-3 created\r\n");
}

TEST_CASE("oversize: SIZE= is refused at MAIL, oversize DATA is marked too big") {
    Harness h(small());
    h.feed("LHLO c\r\n");
    CHECK(h.feed("MAIL FROM:<a@b.example> SIZE=5000\r\n") == "552 5.3.4 Message size exceeds fixed limit of 1000 bytes\r\n");
    CHECK(h.feed("MAIL FROM:<a@b.example> SIZE=abc\r\n") == "501 5.5.4 Bad SIZE parameter\r\n");
    h.feed("MAIL FROM:<a@b.example>\r\nRCPT TO:<support@h.example>\r\nDATA\r\n");
    h.feed(std::string(2000, 'x') + "\r\n.\r\n");
    REQUIRE(h.p.transaction_ready());
    Transaction t = h.p.take_transaction();
    CHECK(t.too_big);
    CHECK_FALSE(t.spool_failed);
    CHECK(t.data == nullptr);
}

TEST_CASE("over-long command lines are refused and skipped") {
    Harness h(small());
    h.feed("LHLO c\r\n");
    CHECK(h.feed("NOOP " + std::string(200, 'a') + "\r\n") == "500 5.5.2 Line too long\r\n");
    // one without its line end yet: refused as soon as it is too long, the rest is skipped
    CHECK(h.feed(std::string(150, 'b')) == "500 5.5.2 Line too long\r\n");
    CHECK(h.feed(std::string(50, 'b') + "\r\nNOOP\r\n") == "250 2.0.0 Ok\r\n");
}

TEST_CASE("a missing final dot delivers nothing") {
    Harness h(small());
    h.feed("LHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<support@h.example>\r\nDATA\r\nSubject: cut\r\n\r\nhalf");
    CHECK_FALSE(h.p.transaction_ready());
    h.p.end_of_input();
    CHECK_FALSE(h.p.transaction_ready());
    CHECK(h.p.closed());
}

TEST_CASE("too many errors close the session with 421") {
    ProtocolLimits l = small();
    l.max_errors = 3;
    Harness h(l);
    const std::string out = h.feed("X\r\nY\r\nZ\r\nNOOP\r\n");
    CHECK(out == "500 5.5.2 Command not recognized: X\r\n500 5.5.2 Command not recognized: Y\r\n"
                 "500 5.5.2 Command not recognized: Z\r\n421 4.3.2 lmtp.example Too many errors, closing connection\r\n");
    CHECK(h.p.closed());
}

TEST_CASE("large messages spill to an unlinked file and come back intact") {
    deskgate::test::TempDir dir;
    ProtocolLimits l;
    SpoolOptions spool{dir.path(), 4096};
    Harness h(l, spool);
    h.feed("LHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<support@h.example>\r\nDATA\r\n");
    std::string expected;
    for (int i = 0; i < 2000; ++i) {
        const std::string line = "line " + std::to_string(i) + " " + std::string(50, 'z') + "\r\n";
        expected += line;
        h.feed(line);
    }
    h.feed(".\r\n");
    REQUIRE(h.p.transaction_ready());
    Transaction t = h.p.take_transaction();
    REQUIRE(t.data);
    CHECK(t.data->on_disk());
    CHECK(t.data->view() == expected);
    CHECK(std::filesystem::is_empty(dir.path()));  // unlinked: nothing left behind
}

TEST_CASE("shutdown answers 421 4.3.2 and closes") {
    Harness h(small());
    h.feed("LHLO c\r\n");
    h.p.shutdown("service shutting down");
    CHECK(h.p.take_output() == "421 4.3.2 lmtp.example service shutting down\r\n");
    CHECK(h.p.closed());
}

TEST_CASE("path arguments") {
    auto p = parse_path("<a@b.example> SIZE=10 BODY=8bitmime");
    REQUIRE(p);
    CHECK(p->address == "a@b.example");
    REQUIRE(p->params.size() == 2);
    CHECK(p->params[1] == std::pair<std::string, std::string>{"BODY", "8bitmime"});
    CHECK(parse_path("<>")->address.empty());
    CHECK(parse_path("<@relay.example:a@b.example>")->address == "a@b.example");
    CHECK_FALSE(parse_path("<a@b.example"));
    CHECK_FALSE(parse_path("<a b@c.example>"));
}

TEST_CASE("every protocol reply: code class equals enhanced status class where a status is sent") {
    std::set<std::string_view> names;
    for (std::size_t i = 0; i < std::size(kAllProtocolReplies); ++i) {
        const ProtocolReply kind = kAllProtocolReplies[i];
        CAPTURE(to_string(kind));
        CHECK(static_cast<std::size_t>(kind) == i);  // declaration order, none skipped
        CHECK(names.insert(to_string(kind)).second);
        const Reply r = protocol_reply(kind, "some text");
        CHECK(r.text == "some text");
        CHECK(r.code >= 200);
        CHECK(r.code <= 599);
        if (sends_enhanced_status(kind)) {
            const int klass = r.code / 100;
            CHECK((klass == 2 || klass == 4 || klass == 5));
            CHECK(r.status.klass == klass);
            CHECK(reply_line(kind, "x") == fmt::format("{} {} x\r\n", r.code, r.status));
        } else {
            CHECK(r.status == EnhancedStatus{0, 0, 0});
            CHECK(reply_line(kind, "x") == fmt::format("{} x\r\n", r.code));
        }
    }
    // nothing declared after the last one listed: to_string covers every value (-Wswitch)
    CHECK(to_string(static_cast<ProtocolReply>(std::size(kAllProtocolReplies))) == "unknown");
    // the protocol-level codes as sent today
    CHECK(reply_line(ProtocolReply::Greeting, "h LMTP deskgate ready") == "220 h LMTP deskgate ready\r\n");
    CHECK(reply_line(ProtocolReply::StartInput, "go") == "354 go\r\n");
    CHECK(reply_line(ProtocolReply::ServiceClosing, "h bye") == "421 4.3.2 h bye\r\n");
    CHECK(reply_line(ProtocolReply::NoRecipientReply, "x") == "451 4.3.0 x\r\n");
    CHECK(reply_line(ProtocolReply::MessageTooBig, "x") == "552 5.3.4 x\r\n");
}

TEST_CASE("a delivery that answers fewer recipients than accepted: 451 4.3.0 for the rest") {
    Harness h(small());
    h.feed("LHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<r1@h.example>\r\nRCPT TO:<r2@h.example>\r\nDATA\r\nx\r\n.\r\n");
    REQUIRE(h.p.transaction_ready());
    h.p.take_transaction();
    h.p.delivered({reply_for(Verdict::Appended, "appended to 10-7")});
    CHECK(h.p.take_output() == "250 2.0.0 appended to 10-7\r\n451 4.3.0 no reply for this recipient, try again later\r\n");
}

TEST_CASE("the remaining protocol replies, byte by byte") {
    Harness h(small());
    CHECK(h.feed("LHLO\r\n") == "501 5.5.4 LHLO needs a domain\r\n");
    CHECK(h.feed("\r\n") == "500 5.5.2 Empty command\r\n");
    h.feed("LHLO c\r\n");
    CHECK(h.feed("MAIL FROM:<a@b.example> BODY=BINARYMIME\r\n") == "501 5.5.4 Bad BODY parameter\r\n");
    CHECK(h.feed("MAIL FROM:<a@b.example>\r\n") == "250 2.1.0 Sender ok\r\n");
    CHECK(h.feed("RCPT TO:<>\r\n") == "501 5.1.3 Bad recipient address syntax\r\n");
    CHECK(h.feed("RCPT FROM:<x@h.example>\r\n") == "501 5.5.4 Syntax: RCPT TO:<address>\r\n");
    CHECK(h.feed("RCPT TO:<x@h.example> NOTIFY=NEVER\r\n") == "555 5.5.4 Unsupported parameter NOTIFY\r\n");
    CHECK(h.feed("RCPT TO:<x@h.example>\r\n") == "250 2.1.5 Recipient ok\r\n");
    CHECK(h.feed("DATA now\r\n") == "501 5.5.4 DATA takes no arguments\r\n");
}
