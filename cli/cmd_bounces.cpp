// cmd_bounces.cpp - `deskgate bounces [--json]`: the bounce list, delivery failure reports that
// matched none of our mail (kept kBounceDays, never a ticket); `deskgate bounces ID`: one
// report's raw bytes, exactly as received.
#include <charconv>
#include <cstdio>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cli/commands.hpp"
#include "cli/render.hpp"

namespace deskgate::cli {

int cmd_bounces(const Args& args) {
    if (args.positional.size() > 1) {
        fmt::print(stderr, "usage: deskgate bounces [ID] [--json]\n");
        return kExitUsage;
    }
    std::optional<std::uint64_t> id;
    if (!args.positional.empty()) {
        const std::string& text = args.positional[0];
        std::uint64_t n = 0;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
        if (ec != std::errc() || end != text.data() + text.size()) {
            fmt::print(stderr, "deskgate: '{}' is not a bounce id (a number from `deskgate bounces`)\n", text);
            return kExitUsage;
        }
        id = n;
    }
    auto store = reading_store(args);
    if (!store) return kExitFailure;
    std::vector<Bounce> bounces;
    std::optional<std::string> raw;
    if (auto err = store->read([&](const ReadTxn& txn) {
            bounces = txn.bounces();
            if (!id) return;
            for (const Bounce& b : bounces)
                if (b.id == *id) raw = txn.raw(b.raw_id);
        }))
        return report_store_error(*err);
    if (id) {
        if (!raw) {
            fmt::print(stderr, "deskgate: no bounce {} in the bounce list\n", *id);
            return kExitFailure;
        }
        std::fwrite(raw->data(), 1, raw->size(), stdout);
        return std::fflush(stdout) == 0 ? kExitOk : kExitFailure;
    }
    if (args.flag("json")) {
        JsonWriter w;
        w.begin_array();
        for (const Bounce& b : bounces) {
            w.begin_object();
            w.field("id", b.id).field("received", iso_time(b.received)).field("envelope_sender", b.envelope_sender);
            w.string_array("recipients", b.recipients);
            w.field("from", b.from).field("subject", b.subject).field("message_id", b.message_id);
            w.string_array("failed", b.failed);
            w.field("diagnostic", b.diagnostic).field("reason", b.reason).field("size", b.raw_size);
            w.end_object();
        }
        w.end_array();
        fmt::print("{}", w.str());
        return kExitOk;
    }
    fmt::print("{:<6} {:<20} {:<32} {:<28} {}\n", "ID", "RECEIVED", "FROM", "FAILED", "WHY UNMATCHED");
    for (const Bounce& b : bounces)
        fmt::print("{:<6} {:<20} {:<32} {:<28} {}\n", b.id, iso_time(b.received), b.from.empty() ? "-" : b.from,
                   b.failed.empty() ? "-" : fmt::format("{}", fmt::join(b.failed, ",")), b.reason);
    return kExitOk;
}

}  // namespace deskgate::cli
