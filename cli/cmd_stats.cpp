// cmd_stats.cpp - `deskgate stats [--json] [--now UNIX]`: what the store has seen and holds:
// the verdict counters (schema 2 `stats`), tickets per queue and status, the store's size
// (file, map, pages) and the outbox depth with the age of the oldest pending item. Read-only:
// safe while the daemons run, and on a backup (`--store BACKUP`).
#include <cstdio>
#include <filesystem>
#include <map>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/render.hpp"
#include "core/decision/engine.hpp"

namespace deskgate::cli {
namespace {

constexpr TicketStatus kStatuses[] = {TicketStatus::New, TicketStatus::Open, TicketStatus::Waiting,
                                      TicketStatus::Closed, TicketStatus::AwaitingApproval};

struct QueueCounts {
    std::string name;  // from the config, "" when unknown
    std::map<TicketStatus, std::size_t> by_status;
    std::size_t total = 0;
};

struct StoreStats {
    std::uint32_t schema = 0;
    std::vector<std::pair<std::string, std::uint64_t>> verdicts;  // every known verdict, then others
    std::map<std::uint32_t, QueueCounts> queues;
    std::size_t tickets = 0;
    StoreUsage usage;
    std::map<std::string, std::size_t> outbox;  // state -> items (pending, failed, sent always present)
    std::optional<OutboxItem> oldest_pending;
};

// Every verdict the engine knows, in its order, then names a newer version may have counted.
std::vector<std::pair<std::string, std::uint64_t>> all_verdicts(
    const std::vector<std::pair<std::string, std::uint64_t>>& stored) {
    std::vector<std::pair<std::string, std::uint64_t>> out;
    std::map<std::string, std::uint64_t> rest(stored.begin(), stored.end());
    for (const Verdict v : kAllVerdicts) {
        const std::string name(to_string(v));
        const auto it = rest.find(name);
        out.emplace_back(name, it == rest.end() ? 0 : it->second);
        if (it != rest.end()) rest.erase(it);
    }
    for (const auto& r : rest) out.push_back(r);
    return out;
}

std::string age_text(std::int64_t seconds) {
    if (seconds < 0) seconds = 0;
    if (seconds < 60) return fmt::format("{}s", seconds);
    if (seconds < 3600) return fmt::format("{}m {}s", seconds / 60, seconds % 60);
    if (seconds < 86400) return fmt::format("{}h {}m", seconds / 3600, seconds % 3600 / 60);
    return fmt::format("{}d {}h", seconds / 86400, seconds % 86400 / 3600);
}

// Reads the verdict counters, tickets and outbox in one read transaction, names the queues
// from `config` (if any), then takes the store's size. Prints the store's error and returns
// nullopt on failure.
std::optional<StoreStats> gather_stats(const Store& store, const Config* config) {
    StoreStats s;
    s.schema = store.schema();
    s.outbox = {{"pending", 0}, {"failed", 0}, {"sent", 0}};
    auto err = store.read([&](const ReadTxn& txn) {
        s.verdicts = all_verdicts(txn.verdict_counts());
        s.queues.clear();
        const auto tickets = txn.tickets({});
        s.tickets = tickets.size();
        for (const Ticket& t : tickets) {
            QueueCounts& q = s.queues[t.queue];
            q.by_status[t.status] += 1;
            q.total += 1;
        }
        for (auto& o : s.outbox) o.second = 0;
        s.oldest_pending.reset();
        for (const OutboxItem& i : txn.outbox()) {
            s.outbox[i.state] += 1;
            if (i.state == "pending" && (!s.oldest_pending || i.created < s.oldest_pending->created))
                s.oldest_pending = i;
        }
    });
    if (err) {
        fmt::print(stderr, "deskgate: {}\n", err->message);
        return std::nullopt;
    }
    if (config)
        for (auto& [number, q] : s.queues)
            if (const Queue* queue = config->queue_by_num(number)) q.name = queue->name;
    auto usage = store.usage();
    if (auto* e = std::get_if<StoreError>(&usage)) {
        fmt::print(stderr, "deskgate: {}\n", e->message);
        return std::nullopt;
    }
    s.usage = std::get<StoreUsage>(usage);
    return s;
}

// `--json`: one object (cli/JSON.md).
void print_stats_json(const std::string& path, StoreStats& s, std::int64_t now) {
    JsonWriter w;
    w.begin_object();
    w.field("store", path).field("schema", s.schema);
    w.key("verdicts").begin_object();
    for (const auto& [name, n] : s.verdicts) w.field(name, n);
    w.end_object();
    w.key("tickets").begin_object();
    w.field("total", static_cast<std::uint64_t>(s.tickets));
    w.key("queues").begin_array();
    for (const auto& [number, q] : s.queues) {
        w.begin_object();
        w.field("queue", number).field("name", q.name).field("total", static_cast<std::uint64_t>(q.total));
        w.key("statuses").begin_object();
        for (TicketStatus st : kStatuses) {
            const auto it = q.by_status.find(st);
            w.field(to_string(st), static_cast<std::uint64_t>(it == q.by_status.end() ? 0 : it->second));
        }
        w.end_object();
        w.end_object();
    }
    w.end_array();
    w.end_object();
    w.key("size").begin_object();
    w.field("file_bytes", s.usage.file_bytes).field("map_size", s.usage.map_size);
    w.field("page_size", s.usage.page_size).field("pages_used", s.usage.pages_used);
    w.field("used_bytes", s.usage.pages_used * s.usage.page_size).field("free_pages", s.usage.free_pages);
    w.end_object();
    w.key("outbox").begin_object();
    for (const char* state : {"pending", "failed", "sent"})
        w.field(state, static_cast<std::uint64_t>(s.outbox[state]));
    for (const auto& [state, n] : s.outbox)
        if (state != "pending" && state != "failed" && state != "sent") w.field(state, static_cast<std::uint64_t>(n));
    w.key("oldest_pending");
    if (s.oldest_pending) {
        w.begin_object();
        w.field("id", s.oldest_pending->id).field("created", iso_time(s.oldest_pending->created));
        w.field("age_seconds", std::max<std::int64_t>(0, now - s.oldest_pending->created));
        w.end_object();
    } else {
        w.null();
    }
    w.end_object();
    w.end_object();
    fmt::print("{}", w.str());
}

// The text report: verdict table, tickets per queue and status, size line, outbox line.
void print_stats_text(const std::string& path, StoreStats& s, std::int64_t now) {
    fmt::print("store {} (schema {})\n\n", path, s.schema);
    if (s.schema < 2)  // schema 2 added the counters
        fmt::print("verdicts: not counted before schema 2; the store migrates on its next write open\n\n");
    else {
        fmt::print("{:<20} {:>10}\n", "VERDICT", "COUNT");
        for (const auto& [name, n] : s.verdicts) fmt::print("{:<20} {:>10}\n", name, n);
        fmt::print("\n");
    }
    fmt::print("{:<6} {:<16}", "QUEUE", "NAME");
    for (TicketStatus st : kStatuses) fmt::print(" {:>8}", st == TicketStatus::AwaitingApproval ? "approval" : to_string(st));
    fmt::print(" {:>8}\n", "TOTAL");
    std::map<TicketStatus, std::size_t> totals;
    for (const auto& [number, q] : s.queues) {
        fmt::print("{:<6} {:<16}", number, q.name.empty() ? "-" : q.name);
        for (TicketStatus st : kStatuses) {
            const auto it = q.by_status.find(st);
            const std::size_t n = it == q.by_status.end() ? 0 : it->second;
            totals[st] += n;
            fmt::print(" {:>8}", n);
        }
        fmt::print(" {:>8}\n", q.total);
    }
    fmt::print("{:<6} {:<16}", "all", "");
    for (TicketStatus st : kStatuses) fmt::print(" {:>8}", totals[st]);
    fmt::print(" {:>8}\n\n", s.tickets);
    fmt::print("size: data.mdb {} bytes on disk, map {} bytes, {} pages of {} bytes in use ({} bytes, {} free)\n",
               s.usage.file_bytes, s.usage.map_size, s.usage.pages_used, s.usage.page_size,
               s.usage.pages_used * s.usage.page_size, s.usage.free_pages);
    fmt::print("outbox: {} pending", s.outbox["pending"]);
    if (s.oldest_pending)
        fmt::print(" (oldest: #{}, {} old)", s.oldest_pending->id, age_text(now - s.oldest_pending->created));
    fmt::print(", {} failed, {} sent", s.outbox["failed"], s.outbox["sent"]);
    for (const auto& [state, n] : s.outbox)
        if (state != "pending" && state != "failed" && state != "sent") fmt::print(", {} {}", n, state);
    fmt::print("\n");
}

}  // namespace

int cmd_stats(const Args& args) {
    // The config only names the queues: with --store and no --config it is optional.
    std::optional<Config> config;
    const std::string cpath = config_path(args);
    std::error_code ec;
    if (args.option("config") || !args.option("store") || std::filesystem::exists(cpath, ec)) {
        config = load_or_report(cpath);
        if (!config && (args.option("config") || !args.option("store"))) return kExitFailure;
    }
    const auto clock = now_or_report(args);
    if (!clock) return kExitUsage;
    const std::int64_t now = *clock;
    const std::string path = store_path(args, config ? &*config : nullptr);
    auto store = open_store_or_report(path, true);
    if (!store) return kExitFailure;

    auto stats = gather_stats(*store, config ? &*config : nullptr);
    if (!stats) return kExitFailure;
    if (args.flag("json")) print_stats_json(path, *stats, now);
    else print_stats_text(path, *stats, now);
    return kExitOk;
}

}  // namespace deskgate::cli
