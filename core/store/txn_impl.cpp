// txn_impl.cpp - the ReadTxn and WriteTxn views a Store hands its callbacks: lookups and scans
// of tickets, entries, raw messages, message ids, contacts, outbox items, generated-mail
// times and verdict counters, word search, and the writes (sequences, tickets and entries with
// their message-id and word index, counters). A put that runs out of map is remembered (map_full) so Store::write_each grows
// the map even when the callback swallowed the error.
#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/store/codec.hpp"
#include "core/store/lmdb.hpp"
#include "core/store/store_internal.hpp"

namespace deskgate::store_internal {

using codec::Reader;
using codec::Writer;

std::vector<std::pair<std::string, std::uint64_t>> read_counters(MDB_txn* txn, const Dbis& db) {
    std::vector<std::pair<std::string, std::uint64_t>> out;
    if (!db.has_stats) return out;
    lmdb::Cursor c(txn, db.stats);
    MDB_val k{}, d{};
    for (auto op = MDB_FIRST; c.get(k, d, op); op = MDB_NEXT)
        out.emplace_back(std::string(lmdb::view(k)), codec::get_be64(lmdb::view(d), 0));
    return out;
}

// ---- ReadTxnImpl ----

std::optional<Ticket> ReadTxnImpl::ticket(TicketKey key) const {
    auto v = get(db_.tickets, ticket_key(key));
    if (!v) return std::nullopt;
    return decode_ticket(*v);
}

std::vector<Ticket> ReadTxnImpl::tickets(const TicketFilter& filter) const {
    std::vector<Ticket> out;
    lmdb::Cursor c(txn_, db_.tickets);
    MDB_val k{}, d{};
    // A full scan even with a queue filter: tickets opened in a queue sort together, but
    // tickets may have moved into it from others since.
    MDB_cursor_op op = MDB_FIRST;
    while (c.get(k, d, op)) {
        op = MDB_NEXT;
        Ticket t = decode_ticket(lmdb::view(d));
        if (filter.queue && t.queue != *filter.queue) continue;
        if (filter.status && t.status != *filter.status) continue;
        out.push_back(std::move(t));
        if (filter.limit && out.size() >= filter.limit) break;
    }
    return out;
}

std::vector<TicketEntry> ReadTxnImpl::entries(TicketKey key) const {
    std::vector<TicketEntry> out;
    const std::string prefix = ticket_key(key);
    lmdb::Cursor c(txn_, db_.entries);
    MDB_val k = lmdb::val(prefix), d{};
    MDB_cursor_op op = MDB_SET_RANGE;
    while (c.get(k, d, op)) {
        op = MDB_NEXT;
        if (!lmdb::view(k).starts_with(prefix)) break;
        out.push_back(decode_entry(lmdb::view(d)));
    }
    return out;
}

std::vector<MessageRef> ReadTxnImpl::find_message_id(std::string_view message_id) const {
    std::vector<MessageRef> out;
    if (message_id.empty()) return out;
    const std::string key = key_text(message_id);
    lmdb::Cursor c(txn_, db_.msgids);
    MDB_val k = lmdb::val(key), d{};
    if (!c.get(k, d, MDB_SET_KEY)) return out;
    do {
        out.push_back(decode_ref(lmdb::view(d)));
    } while (c.get(k, d, MDB_NEXT_DUP));
    return out;
}

std::optional<std::string> ReadTxnImpl::raw(std::uint64_t raw_id) const {
    auto v = get(db_.raw, u64_key(raw_id));
    if (!v) return std::nullopt;
    return std::string(*v);
}

std::optional<Contact> ReadTxnImpl::contact(std::string_view address) const {
    auto v = get(db_.contacts, key_text(address));
    if (!v) return std::nullopt;
    return decode_contact(*v);
}

std::vector<Contact> ReadTxnImpl::contacts() const {
    std::vector<Contact> out;
    lmdb::Cursor c(txn_, db_.contacts);
    MDB_val k{}, d{};
    for (auto op = MDB_FIRST; c.get(k, d, op); op = MDB_NEXT) out.push_back(decode_contact(lmdb::view(d)));
    return out;
}

std::optional<OutboxItem> ReadTxnImpl::outbox_item(std::uint64_t id) const {
    auto v = get(db_.outbox, u64_key(id));
    if (!v) return std::nullopt;
    return decode_outbox(*v);
}

std::size_t ReadTxnImpl::generated_since(std::string_view address, std::int64_t since) const {
    auto v = get(db_.generated, key_text(address));
    if (!v) return 0;
    Reader r(*v);
    const std::uint32_t n = r.count();
    std::size_t count = 0;
    for (std::uint32_t i = 0; i < n; ++i)
        if (r.i64() >= since) ++count;
    return count;
}

std::vector<OutboxItem> ReadTxnImpl::outbox() const {
    std::vector<OutboxItem> out;
    lmdb::Cursor c(txn_, db_.outbox);
    MDB_val k{}, d{};
    for (auto op = MDB_FIRST; c.get(k, d, op); op = MDB_NEXT) out.push_back(decode_outbox(lmdb::view(d)));
    return out;
}

namespace {

constexpr std::string_view kBouncePrefix = "bounce:";

}  // namespace

std::vector<Bounce> ReadTxnImpl::bounces() const {
    std::vector<Bounce> out;
    lmdb::Cursor c(txn_, db_.meta);
    MDB_val k = lmdb::val(kBouncePrefix), d{};
    for (auto op = MDB_SET_RANGE; c.get(k, d, op) && lmdb::view(k).starts_with(kBouncePrefix); op = MDB_NEXT)
        out.push_back(decode_bounce(lmdb::view(d)));
    return out;
}

std::vector<std::pair<std::string, std::uint64_t>> ReadTxnImpl::verdict_counts() const {
    return read_counters(txn_, db_);
}

std::optional<std::string> ReadTxnImpl::state(std::string_view key) const {
    auto v = get(db_.meta, key_text("state:" + std::string(key)));
    if (!v) return std::nullopt;
    return std::string(*v);
}

std::vector<TicketKey> ReadTxnImpl::search(const std::vector<std::string>& words, std::size_t limit) const {
    if (!db_.has_words)
        throw std::logic_error("the store has no word index yet (schema before 3): it is built when "
                               "deskgate-lmtpd or a deskgate write command opens the store");
    return search_words(txn_, db_.words, words, limit);
}

std::optional<std::string_view> ReadTxnImpl::get(MDB_dbi dbi, std::string_view key) const {
    MDB_val k = lmdb::val(key), d{};
    const int rc = mdb_get(txn_, dbi, &k, &d);
    if (rc == MDB_NOTFOUND) return std::nullopt;
    lmdb::check(rc, "mdb_get");
    return lmdb::view(d);
}

void ReadTxnImpl::put(MDB_dbi dbi, std::string_view key, std::string_view value, unsigned flags) {
    MDB_val k = lmdb::val(key), d = lmdb::val(value);
    lmdb::check(mdb_put(txn_, dbi, &k, &d, flags), "mdb_put");
}

// ---- WriteTxnImpl ----

void WriteTxnImpl::count_verdict(std::string_view name, std::uint64_t n) {
    if (!db_.has_stats) throw std::logic_error("the store has no stats database");
    const std::string key = key_text(name);
    std::uint64_t value = 0;
    MDB_val k = lmdb::val(key), d{};
    const int rc = mdb_get(txn_, db_.stats, &k, &d);
    if (rc == MDB_SUCCESS) value = codec::get_be64(lmdb::view(d), 0);
    else if (rc != MDB_NOTFOUND) lmdb::check(rc, "mdb_get");
    put(db_.stats, key, u64_value(value + n));
}

void WriteTxnImpl::put_state(std::string_view key, std::string_view value) {
    put(db_.meta, key_text("state:" + std::string(key)), value);
}

void WriteTxnImpl::note_generated(std::string_view address, std::int64_t now) {
    std::vector<std::int64_t> times;
    const std::string key = key_text(address);
    MDB_val k = lmdb::val(key), d{};
    const int rc = mdb_get(txn_, db_.generated, &k, &d);
    if (rc == MDB_SUCCESS) {
        Reader r(lmdb::view(d));
        const std::uint32_t n = r.count();
        for (std::uint32_t i = 0; i < n; ++i) {
            const std::int64_t t = r.i64();
            if (t > now - 86400) times.push_back(t);
        }
    } else if (rc != MDB_NOTFOUND) {
        lmdb::check(rc, "mdb_get");
    }
    times.push_back(now);
    Writer w;
    w.count(times.size());
    for (std::int64_t t : times) w.i64(t);
    put(db_.generated, key, w.data());
}

TicketKey WriteTxnImpl::allocate_ticket(std::uint32_t queue) {
    std::string key;
    codec::put_be32(key, queue);
    const std::uint32_t seq = static_cast<std::uint32_t>(next_counter(key, 4)) ;
    return TicketKey{queue, seq};
}

void WriteTxnImpl::put_ticket(const Ticket& t) {
    const std::optional<Ticket> before = ticket(t.key);
    index(t.key, ticket_words(t, before ? &*before : nullptr));
    put_record(t);
}

void WriteTxnImpl::put_record(const Ticket& t) { put(db_.tickets, ticket_key(t.key), encode(t)); }

void WriteTxnImpl::index(TicketKey key, const std::vector<std::string>& words) {
    if (words.empty()) return;
    if (!db_.has_words) throw std::logic_error("the store has no word index");
    try {
        put_words(txn_, db_.words, key, words);
    } catch (const lmdb::Error& e) {
        if (e.code() == MDB_MAP_FULL) map_full_ = true;
        throw;
    }
}

std::uint64_t WriteTxnImpl::put_raw(std::string_view bytes) {
    const std::uint64_t id = next_counter("raw", 8);
    put(db_.raw, u64_key(id), bytes);
    return id;
}

std::uint32_t WriteTxnImpl::append_entry(TicketEntry& entry) {
    auto t = ticket(entry.ticket);
    if (!t) throw std::logic_error("append_entry: no ticket " + to_string(entry.ticket));
    entry.index = t->entry_count;
    t->entry_count += 1;
    t->updated = std::max(t->updated, entry.received);
    put_record(*t);
    put(db_.entries, entry_key(entry.ticket, entry.index), encode(entry));
    index(entry.ticket, entry_words(entry));
    if (!entry.message_id.empty())
        put(db_.msgids, key_text(entry.message_id),
            encode(MessageRef{entry.ticket, entry.index, entry.body_digest}));
    return entry.index;
}

void WriteTxnImpl::put_contact(const Contact& c) { put(db_.contacts, key_text(c.address), encode(c)); }

std::uint64_t WriteTxnImpl::add_outbox(OutboxItem& item) {
    item.id = next_counter("outbox", 8);
    update_outbox(item);
    ++outbox_added_;
    return item.id;
}

void WriteTxnImpl::update_outbox(const OutboxItem& item) {
    put(db_.outbox, u64_key(item.id), encode(item));
}

std::uint64_t WriteTxnImpl::add_bounce(Bounce& bounce) {
    // The list is in id order, which is arrival order: the old ones are at its front.
    std::vector<std::pair<std::string, std::uint64_t>> expired;  // (key, raw id)
    {
        lmdb::Cursor c(txn_, db_.meta);
        MDB_val k = lmdb::val(kBouncePrefix), d{};
        for (auto op = MDB_SET_RANGE; c.get(k, d, op) && lmdb::view(k).starts_with(kBouncePrefix); op = MDB_NEXT) {
            const Bounce old = decode_bounce(lmdb::view(d));
            if (old.received >= bounce.received - kBounceDays * 86400) break;
            expired.emplace_back(std::string(lmdb::view(k)), old.raw_id);
        }
    }
    for (const auto& [key, raw_id] : expired) {
        MDB_val k = lmdb::val(key);
        lmdb::check(mdb_del(txn_, db_.meta, &k, nullptr), "mdb_del bounce");
        const std::string raw_key = u64_key(raw_id);
        MDB_val rk = lmdb::val(raw_key);
        if (const int rc = mdb_del(txn_, db_.raw, &rk, nullptr); rc != MDB_NOTFOUND) lmdb::check(rc, "mdb_del raw");
    }
    bounce.id = next_counter("bounce", 8);
    put(db_.meta, std::string(kBouncePrefix) + u64_key(bounce.id), encode(bounce));
    return bounce.id;
}

std::uint64_t WriteTxnImpl::next_counter(std::string_view key, std::size_t width) {
    std::uint64_t value = 0;
    MDB_val k = lmdb::val(key), d{};
    const int rc = mdb_get(txn_, db_.sequences, &k, &d);
    if (rc == MDB_SUCCESS) {
        Reader r(lmdb::view(d));
        value = width == 4 ? r.u32() : r.u64();
    } else if (rc != MDB_NOTFOUND) {
        lmdb::check(rc, "mdb_get");
    }
    ++value;
    if (width == 4 && value > 0xFFFFFFFFu) throw std::overflow_error("ticket sequence exhausted");
    Writer w;
    if (width == 4) w.u32(static_cast<std::uint32_t>(value));
    else w.u64(value);
    put(db_.sequences, key, w.data());
    return value;
}

void WriteTxnImpl::put(MDB_dbi dbi, std::string_view key, std::string_view value) {
    MDB_val k = lmdb::val(key), d = lmdb::val(value);
    const int rc = mdb_put(txn_, dbi, &k, &d, 0);
    if (rc == MDB_MAP_FULL) map_full_ = true;
    lmdb::check(rc, "mdb_put");
}

}  // namespace deskgate::store_internal
