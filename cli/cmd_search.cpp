// cmd_search.cpp - `deskgate search WORDS... [--queue N] [--status S] [--limit N] [--as STAFF]
// [--json]`: the tickets whose subject, addresses, messages, notes or attachment names hold
// every word, from the store's word index (ReadTxn::search), listed like `deskgate tickets`.
// Order: ticket number descending (the highest queue first; in a queue the newest first).
#include <charconv>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/render.hpp"
#include "core/mail/words.hpp"
#include "core/store/view.hpp"

namespace deskgate::cli {
namespace {

constexpr std::size_t kDefaultLimit = 50;

struct SearchRequest {
    std::vector<std::string> words;
    TicketFilter filter;  // queue, status, limit
    const Staff* as = nullptr;
};

// The query words of every argument; a usage error when none is left.
std::optional<std::vector<std::string>> query_or_report(const Args& args) {
    std::vector<std::string> words;
    for (const std::string& arg : args.positional)
        for (std::string& w : normalise_query(arg)) words.push_back(std::move(w));
    sort_unique(words);
    if (args.positional.empty()) {
        fmt::print(stderr, "usage: deskgate search WORDS... [--queue N] [--status S] [--limit N] [--as STAFF] "
                           "[--json]\n");
        return std::nullopt;
    }
    if (words.empty()) {
        fmt::print(stderr, "deskgate: no word to search for (a word has at least {} letters or digits)\n",
                   kMinWordChars);
        return std::nullopt;
    }
    return words;
}

std::optional<std::size_t> limit_or_report(const Args& args) {
    auto text = args.option("limit");
    if (!text) return kDefaultLimit;
    std::size_t n = 0;
    const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), n);
    if (ec != std::errc() || end != text->data() + text->size()) {
        fmt::print(stderr, "deskgate: --limit expects a number (0: no limit), got '{}'\n", *text);
        return std::nullopt;
    }
    return n;
}

// The matching tickets that pass the filter and `as`, in the index's order, at most the limit.
// Without a filter the index applies the limit and only those tickets are read.
std::vector<Ticket> find(const ReadTxn& txn, const SearchRequest& r) {
    const TicketFilter& f = r.filter;
    const bool filtered = f.queue || f.status || r.as;
    std::vector<Ticket> out;
    for (TicketKey key : txn.search(r.words, filtered ? 0 : f.limit)) {
        std::optional<Ticket> t = txn.ticket(key);
        if (!t) continue;
        if ((f.queue && t->queue != *f.queue) || (f.status && t->status != *f.status)) continue;
        if (r.as && !staff_may_see(*r.as, *t)) continue;
        out.push_back(std::move(*t));
        if (f.limit && out.size() >= f.limit) break;
    }
    return out;
}

}  // namespace

int cmd_search(const Args& args) {
    SearchRequest request;
    auto words = query_or_report(args);
    auto filter = filter_or_report(args);
    auto limit = limit_or_report(args);
    if (!words || !filter || !limit) return kExitUsage;
    request.words = std::move(*words);
    request.filter = *filter;
    request.filter.limit = *limit;
    // --as needs the config (staff categories) even with --store.
    std::optional<Config> config;
    if (args.option("as")) {
        config = load_or_report(config_path(args));
        if (!config) return kExitFailure;
        request.as = staff_or_report(*config, *args.option("as"));
        if (!request.as) return kExitUsage;
    }
    std::optional<Store> store = config ? open_store_or_report(store_path(args, &*config), true) : reading_store(args);
    if (!store) return kExitFailure;
    if (store->schema() < 3) {
        fmt::print(stderr, "deskgate: store {} (schema {}) has no word index yet: start deskgate-lmtpd or run any "
                           "deskgate write command once to migrate it to schema {}, which builds the index\n",
                   store->path().string(), store->schema(), kSchemaVersion);
        return kExitFailure;
    }
    std::vector<Ticket> tickets;
    if (auto err = store->read([&](const ReadTxn& txn) { tickets = find(txn, request); })) {
        fmt::print(stderr, "deskgate: {}\n", err->message);
        return kExitFailure;
    }
    fmt::print("{}", args.flag("json") ? json_tickets(tickets) : text_ticket_table(tickets));
    return kExitOk;
}

}  // namespace deskgate::cli
