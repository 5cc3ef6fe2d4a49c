// lmtp_protocol.cpp - fuzz target: the LMTP state machine (lmtp/protocol.hpp) fed one session
// twice, once whole and once split at pseudo-random points, every ready transaction delivered
// with a pseudo-random set of replies (too few, too many, refusals, text with CR/LF). Both runs
// must write the same bytes and deliver the same transactions; every output line must be a
// well-formed reply; the limits must hold.
// Input: the session bytes, then (taken from the end) the limits, the spool mode and the seeds
// for the splits and the replies.
#include <fuzzer/FuzzedDataProvider.h>

#include <string>
#include <vector>

#include "core/base/verdict.hpp"
#include "fuzz_support.hpp"
#include "lmtp/protocol.hpp"

using namespace deskgate;
using namespace deskgate::lmtp;

namespace {

struct Rng {
    std::uint32_t state;
    std::uint32_t next() {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        return state;
    }
};

struct Delivered {
    std::string sender;
    std::vector<std::string> recipients;
    std::string data;
    bool too_big = false;
    bool spool_failed = false;
    bool operator==(const Delivered&) const = default;
};

struct Run {
    std::string output;
    std::vector<Delivered> transactions;
};

struct Setup {
    ProtocolLimits limits;
    SpoolOptions spool;
    std::uint32_t reply_seed = 1;
};

// Replies for transaction number `index` with `n` recipients: the same in both runs.
std::vector<Reply> replies_for(const Setup& setup, std::size_t index, std::size_t n) {
    Rng rng{setup.reply_seed ^ static_cast<std::uint32_t>(index * 2654435761u) ^ 0x9E3779B9u};
    if (rng.state == 0) rng.state = 1;
    std::size_t count = n;
    switch (rng.next() % 4) {
    case 0: count = n > 0 ? n - 1 : 0; break;  // one missing: answered 4xx by the protocol
    case 1: count = n + 1; break;              // one too many: ignored
    default: break;
    }
    std::vector<Reply> out;
    for (std::size_t i = 0; i < count; ++i) {
        switch (rng.next() % 4) {
        case 0: out.push_back(reply_for(Verdict::NewTicket, "ticket created")); break;
        case 1: out.push_back(reply_for(Verdict::UnknownRecipient, "no such\r\naddress\x7f")); break;
        case 2: out.push_back(reply_for(Verdict::QueueInactive, "")); break;
        default: out.push_back(reply_for(Verdict::Appended, std::string(300, 'x'))); break;
        }
    }
    return out;
}

void check_limits(const Setup& setup, const Transaction& t) {
    FUZZ_CHECK(!t.recipients.empty());
    FUZZ_CHECK(t.recipients.size() <= setup.limits.max_recipients);
    for (const auto& r : t.recipients) FUZZ_CHECK(!r.empty());
    if (t.too_big || t.spool_failed) return;
    FUZZ_CHECK(t.data != nullptr);
    FUZZ_CHECK(t.data->size() <= setup.limits.max_message_size);
}

void deliver_ready(const Setup& setup, Protocol& p, Run& run) {
    while (p.transaction_ready()) {
        Transaction t = p.take_transaction();
        check_limits(setup, t);
        Delivered d{t.sender, t.recipients, {}, t.too_big, t.spool_failed};
        if (t.data) d.data = std::string(t.data->view());
        const std::size_t n = t.recipients.size();
        run.transactions.push_back(std::move(d));
        p.delivered(replies_for(setup, run.transactions.size() - 1, n));
        run.output += p.take_output();
    }
}

Run session(const Setup& setup, std::string_view input, std::uint32_t split_seed, bool whole) {
    Protocol p("lmtp.example", setup.limits, setup.spool, [](std::string_view a) -> std::optional<Reply> {
        if (a.find("nobody") != std::string_view::npos) return reply_for(Verdict::UnknownRecipient, "no such address");
        if (a.find("closed") != std::string_view::npos) return reply_for(Verdict::QueueInactive, "closed");
        return std::nullopt;
    });
    Run run;
    run.output = p.greeting();
    Rng rng{split_seed | 1u};
    std::size_t pos = 0;
    while (pos < input.size()) {
        std::size_t len = input.size() - pos;
        if (!whole) {
            const std::uint32_t r = rng.next();
            len = std::min<std::size_t>(len, r % 8 == 0 ? 1 + r % 4096 : 1 + (r >> 8) % 16);
        }
        p.feed(input.substr(pos, len));
        pos += len;
        run.output += p.take_output();
        deliver_ready(setup, p, run);
        FUZZ_CHECK(!p.transaction_ready());
    }
    p.end_of_input();
    FUZZ_CHECK(!p.transaction_ready());
    run.output += p.take_output();
    FUZZ_CHECK(p.closed());
    return run;
}

// Every line "ddd text" or "ddd-text" (a continuation), CRLF-terminated, no other CR or LF.
void check_output(std::string_view out) {
    std::size_t pos = 0;
    while (pos < out.size()) {
        const std::size_t end = out.find("\r\n", pos);
        FUZZ_CHECK(end != std::string_view::npos);
        const std::string_view line = out.substr(pos, end - pos);
        FUZZ_CHECK(line.size() >= 4);
        FUZZ_CHECK(line[0] >= '2' && line[0] <= '5');
        FUZZ_CHECK(line[1] >= '0' && line[1] <= '9' && line[2] >= '0' && line[2] <= '9');
        FUZZ_CHECK(line[3] == ' ' || line[3] == '-');
        FUZZ_CHECK(line.find_first_of("\r\n") == std::string_view::npos);
        pos = end + 2;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider fdp(data, size);
    Setup setup;
    setup.limits.max_command_line = fdp.ConsumeIntegralInRange<std::size_t>(8, 1000);
    setup.limits.max_recipients = fdp.ConsumeIntegralInRange<std::size_t>(1, 6);
    setup.limits.max_message_size = fdp.ConsumeIntegralInRange<std::uint64_t>(0, 1u << 16);
    setup.limits.max_errors = fdp.ConsumeIntegralInRange<std::size_t>(1, 25);
    // A small memory limit makes the spool spill to an unlinked file in /tmp.
    setup.spool.dir = "/tmp";
    setup.spool.memory_limit = fdp.ConsumeBool() ? 64 : 1u << 20;
    const auto split_seed = fdp.ConsumeIntegral<std::uint32_t>();
    setup.reply_seed = fdp.ConsumeIntegral<std::uint32_t>();
    const std::string input = fdp.ConsumeRemainingBytesAsString();

    const Run whole = session(setup, input, split_seed, true);
    const Run split = session(setup, input, split_seed, false);
    check_output(whole.output);
    FUZZ_CHECK(whole.output == split.output);
    FUZZ_CHECK(whole.transactions == split.transactions);

    // The path parser on its own: an address it returns never holds blanks or brackets.
    if (auto path = parse_path(input.substr(0, 2000)))
        FUZZ_CHECK(path->address.find_first_of(" \t<>") == std::string::npos);
    return 0;
}
