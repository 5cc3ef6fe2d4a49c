// cmd_attachment.cpp - `deskgate attachment TICKET ENTRY N [-o FILE] [--as STAFF]`: the Nth
// attachment (1-based, as `deskgate show` numbers them) of a ticket's entry, decoded from the
// stored raw message, to FILE or standard output.
#include <charconv>
#include <cstdio>
#include <fstream>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "core/store/view.hpp"

namespace deskgate::cli {
namespace {

constexpr std::string_view kUsage = "usage: deskgate attachment TICKET ENTRY N [-o FILE] [--as STAFF]\n";

std::optional<std::uint32_t> number(const std::string& text) {
    std::uint32_t n = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return n;
}

struct Found {
    std::string error;            // why not, "" when found
    std::string bytes;
    Attachment listed;            // as the entry lists it
};

Found find_attachment(const ReadTxn& txn, TicketKey key, std::uint32_t index, std::uint32_t n, const Staff* as) {
    const auto ticket = txn.ticket(key);
    if (!ticket) return {fmt::format("no ticket {}", to_string(key)), {}, {}};
    if (as)
        if (auto hidden = hidden_from(*as, *ticket)) return {std::move(*hidden), {}, {}};
    for (const TicketEntry& e : txn.entries(key)) {
        if (e.index != index) continue;
        if (n == 0 || n > e.attachments.size())
            return {fmt::format("entry #{} of ticket {} has {} attachment(s); N counts from 1", index, to_string(key),
                                e.attachments.size()), {}, {}};
        const auto raw = e.raw_id ? txn.raw(e.raw_id) : std::nullopt;
        if (!raw) return {fmt::format("entry #{} of ticket {} has no stored message", index, to_string(key)), {}, {}};
        auto bytes = attachment_content(*raw, n - 1);
        if (!bytes) return {fmt::format("attachment {} not found in the stored message", n), {}, {}};
        return {"", std::move(*bytes), e.attachments[n - 1]};
    }
    return {fmt::format("ticket {} has no entry #{}", to_string(key), index), {}, {}};
}

bool write_out(const std::string& file, const std::string& bytes) {
    if (file == "-") {
        std::fwrite(bytes.data(), 1, bytes.size(), stdout);
        return std::fflush(stdout) == 0;
    }
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    return static_cast<bool>(out);
}

}  // namespace

int cmd_attachment(const Args& args) {
    if (args.positional.size() != 3) {
        fmt::print(stderr, "{}", kUsage);
        return kExitUsage;
    }
    const auto key = ticket_key_or_report(args.positional[0]);
    if (!key) return kExitUsage;
    const auto index = number(args.positional[1]);
    const auto n = number(args.positional[2]);
    if (!index || !n) {
        fmt::print(stderr, "{}", kUsage);
        return kExitUsage;
    }
    // The config only when it is needed: for --as (staff categories) or for the store path.
    std::optional<Config> config;
    const Staff* as = nullptr;
    if (args.option("as") || !args.option("store")) {
        config = load_or_report(config_path(args));
        if (!config) return kExitFailure;
    }
    if (auto who = args.option("as")) {
        as = config->staff_named(*who);
        if (!as) {
            fmt::print(stderr, "deskgate: no staff member '{}' (an alias or address from [[staff]])\n", *who);
            return kExitUsage;
        }
    }
    auto store = open_store_or_report(store_path(args, config ? &*config : nullptr), true);
    if (!store) return kExitFailure;
    Found found;
    if (auto err = store->read([&](const ReadTxn& txn) { found = find_attachment(txn, *key, *index, *n, as); }))
        return report_store_error(*err);
    if (!found.error.empty()) {
        fmt::print(stderr, "deskgate: {}\n", found.error);
        return kExitFailure;
    }
    if (sha256_hex(found.bytes) != found.listed.sha256)
        fmt::print(stderr, "deskgate: warning: attachment {} decodes differently than when it was stored\n", *n);
    const std::string file = args.option("output").value_or("-");
    if (!write_out(file, found.bytes)) {
        fmt::print(stderr, "deskgate: cannot write {}\n", file);
        return kExitFailure;
    }
    if (file != "-")
        fmt::print("{}: {} ({}, {} bytes)\n", file, found.listed.filename.empty() ? "(unnamed)" : found.listed.filename,
                   found.listed.content_type, found.bytes.size());
    return kExitOk;
}

}  // namespace deskgate::cli
