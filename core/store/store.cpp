// store.cpp - the LMDB ticket store (see store.hpp for the layout). Records start with a
// format byte so later schema versions can migrate them; keys are big-endian.
#include "core/store/store.hpp"

#include <fcntl.h>
#include <glib.h>
#include <lmdb.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <mutex>
#include <shared_mutex>
#include <system_error>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "core/store/codec.hpp"
#include "core/store/lmdb.hpp"

namespace deskgate {
namespace {

using codec::Reader;
using codec::Writer;

// Format 2 added the ticket deadlines, format 3 the undeliverable addresses; older records
// still read (the new fields empty).
constexpr std::uint8_t kRecordFormat = 3;
constexpr std::size_t kMaxPlainKey = 400;         // longer ids are keyed by their SHA-256
constexpr std::uint64_t kMaxMapSize = 1ull << 40;  // 1 TiB: stop doubling there

std::string key_text(std::string_view id) {
    if (id.size() <= kMaxPlainKey) return std::string(id);
    gchar* hex = g_compute_checksum_for_data(G_CHECKSUM_SHA256,
                                             reinterpret_cast<const guchar*>(id.data()), id.size());
    std::string out = std::string("sha256:") + hex;
    g_free(hex);
    return out;
}

std::string ticket_key(TicketKey k) {
    std::string out;
    codec::put_be32(out, k.queue);
    codec::put_be32(out, k.seq);
    return out;
}

std::string entry_key(TicketKey k, std::uint32_t index) {
    std::string out = ticket_key(k);
    codec::put_be32(out, index);
    return out;
}

std::string u64_key(std::uint64_t v) {
    std::string out;
    codec::put_be64(out, v);
    return out;
}

void begin_record(Writer& w) { w.u8(kRecordFormat); }
std::uint8_t check_record(Reader& r) {
    const std::uint8_t format = r.u8();
    if (format < 1 || format > kRecordFormat) throw codec::Error("corrupt record: unknown record format");
    return format;
}
void end_record(const Reader& r) {
    if (!r.done()) throw codec::Error("corrupt record: trailing bytes");
}

void put_key(Writer& w, TicketKey k) {
    w.u32(k.queue);
    w.u32(k.seq);
}
TicketKey get_key(Reader& r) {
    TicketKey k;
    k.queue = r.u32();
    k.seq = r.u32();
    return k;
}

std::string encode(const Ticket& t) {
    Writer w;
    begin_record(w);
    put_key(w, t.key);
    w.u32(t.queue);
    w.str(t.subject);
    w.u8(static_cast<std::uint8_t>(t.status));
    w.str(t.customer_id);
    w.str(t.opener);
    w.strings(t.participants);
    w.str(t.category);
    w.str(t.priority);
    w.strings(t.tags);
    w.str(t.assignee);
    w.i64(t.created);
    w.i64(t.updated);
    w.i64(t.closed_at);
    w.boolean(t.linked_from.has_value());
    if (t.linked_from) put_key(w, *t.linked_from);
    w.count(t.referrals.size());
    for (auto q : t.referrals) w.u32(q);
    w.u32(t.entry_count);
    w.i64(t.reaction_due);
    w.i64(t.resolution_due);
    w.strings(t.undeliverable);
    return w.data();
}

Ticket decode_ticket(std::string_view bytes) {
    Reader r(bytes);
    const std::uint8_t format = check_record(r);
    Ticket t;
    t.key = get_key(r);
    t.queue = r.u32();
    t.subject = r.str();
    const auto status = r.u8();
    if (status > static_cast<std::uint8_t>(TicketStatus::AwaitingApproval))
        throw codec::Error("corrupt record: ticket status");
    t.status = static_cast<TicketStatus>(status);
    t.customer_id = r.str();
    t.opener = r.str();
    t.participants = r.strings();
    t.category = r.str();
    t.priority = r.str();
    t.tags = r.strings();
    t.assignee = r.str();
    t.created = r.i64();
    t.updated = r.i64();
    t.closed_at = r.i64();
    if (r.boolean()) t.linked_from = get_key(r);
    const auto n = r.count();
    for (std::uint32_t i = 0; i < n; ++i) t.referrals.push_back(r.u32());
    t.entry_count = r.u32();
    if (format >= 2) {
        t.reaction_due = r.i64();
        t.resolution_due = r.i64();
    }
    if (format >= 3) t.undeliverable = r.strings();
    end_record(r);
    return t;
}

std::string encode(const TicketEntry& e) {
    Writer w;
    begin_record(w);
    put_key(w, e.ticket);
    w.u32(e.index);
    w.u8(static_cast<std::uint8_t>(e.direction));
    w.u8(static_cast<std::uint8_t>(e.kind));
    w.str(e.message_id);
    w.str(e.from_address);
    w.str(e.from_name);
    w.str(e.subject);
    w.str(e.text_body);
    w.count(e.attachments.size());
    for (const auto& a : e.attachments) {
        w.str(a.filename);
        w.str(a.content_type);
        w.u64(a.size);
        w.str(a.sha256);
    }
    w.strings(e.defects);
    w.str(e.body_digest);
    w.str(e.envelope_sender);
    w.strings(e.envelope_recipients);
    w.str(e.explanation);
    w.i64(e.received);
    w.u64(e.raw_id);
    w.u64(e.raw_size);
    return w.data();
}

TicketEntry decode_entry(std::string_view bytes) {
    Reader r(bytes);
    check_record(r);
    TicketEntry e;
    e.ticket = get_key(r);
    e.index = r.u32();
    const auto direction = r.u8();
    const auto kind = r.u8();
    if (direction > 2 || kind > 2) throw codec::Error("corrupt record: entry kind");
    e.direction = static_cast<Direction>(direction);
    e.kind = static_cast<EntryKind>(kind);
    e.message_id = r.str();
    e.from_address = r.str();
    e.from_name = r.str();
    e.subject = r.str();
    e.text_body = r.str();
    const auto n = r.count();
    for (std::uint32_t i = 0; i < n; ++i) {
        Attachment a;
        a.filename = r.str();
        a.content_type = r.str();
        a.size = r.u64();
        a.sha256 = r.str();
        e.attachments.push_back(std::move(a));
    }
    e.defects = r.strings();
    e.body_digest = r.str();
    e.envelope_sender = r.str();
    e.envelope_recipients = r.strings();
    e.explanation = r.str();
    e.received = r.i64();
    e.raw_id = r.u64();
    e.raw_size = r.u64();
    end_record(r);
    return e;
}

std::string encode(const MessageRef& m) {
    Writer w;
    begin_record(w);
    put_key(w, m.ticket);
    w.u32(m.index);
    w.str(m.body_digest);
    return w.data();
}

MessageRef decode_ref(std::string_view bytes) {
    Reader r(bytes);
    check_record(r);
    MessageRef m;
    m.ticket = get_key(r);
    m.index = r.u32();
    m.body_digest = r.str();
    end_record(r);
    return m;
}

std::string encode(const Contact& c) {
    Writer w;
    begin_record(w);
    w.str(c.address);
    w.str(c.name);
    w.str(c.customer_id);
    w.u32(c.queue);
    w.i64(c.created);
    return w.data();
}

Contact decode_contact(std::string_view bytes) {
    Reader r(bytes);
    check_record(r);
    Contact c;
    c.address = r.str();
    c.name = r.str();
    c.customer_id = r.str();
    c.queue = r.u32();
    c.created = r.i64();
    end_record(r);
    return c;
}

std::string encode(const OutboxItem& o) {
    Writer w;
    begin_record(w);
    w.u64(o.id);
    w.str(o.kind);
    w.str(o.sender);
    w.strings(o.recipients);
    w.u64(o.raw_id);
    w.boolean(o.ticket.has_value());
    if (o.ticket) put_key(w, *o.ticket);
    w.i64(o.created);
    w.i64(o.next_attempt);
    w.u32(o.attempts);
    w.str(o.state);
    w.str(o.last_error);
    return w.data();
}

OutboxItem decode_outbox(std::string_view bytes) {
    Reader r(bytes);
    check_record(r);
    OutboxItem o;
    o.id = r.u64();
    o.kind = r.str();
    o.sender = r.str();
    o.recipients = r.strings();
    o.raw_id = r.u64();
    if (r.boolean()) o.ticket = get_key(r);
    o.created = r.i64();
    o.next_attempt = r.i64();
    o.attempts = r.u32();
    o.state = r.str();
    o.last_error = r.str();
    end_record(r);
    return o;
}

struct Dbis {
    MDB_dbi meta = 0, tickets = 0, entries = 0, raw = 0, msgids = 0, sequences = 0, contacts = 0,
            outbox = 0, generated = 0, stats = 0;
    bool has_stats = false;  // false only for a read-only open of a schema-1 store
};

std::string u64_value(std::uint64_t v) {
    std::string out;
    codec::put_be64(out, v);
    return out;
}

// The counters in `stats`, sorted by name (LMDB's key order).
std::vector<std::pair<std::string, std::uint64_t>> read_counters(MDB_txn* txn, const Dbis& db) {
    std::vector<std::pair<std::string, std::uint64_t>> out;
    if (!db.has_stats) return out;
    lmdb::Cursor c(txn, db.stats);
    MDB_val k{}, d{};
    for (auto op = MDB_FIRST; c.get(k, d, op); op = MDB_NEXT)
        out.emplace_back(std::string(lmdb::view(k)), codec::get_be64(lmdb::view(d), 0));
    return out;
}

class ReadTxnImpl : public ReadTxn {
public:
    ReadTxnImpl(MDB_txn* txn, const Dbis& dbis) : txn_(txn), db_(dbis) {}

    std::optional<Ticket> ticket(TicketKey key) const override {
        auto v = get(db_.tickets, ticket_key(key));
        if (!v) return std::nullopt;
        return decode_ticket(*v);
    }

    std::vector<Ticket> tickets(const TicketFilter& filter) const override {
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

    std::vector<TicketEntry> entries(TicketKey key) const override {
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

    std::vector<MessageRef> find_message_id(std::string_view message_id) const override {
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

    std::optional<std::string> raw(std::uint64_t raw_id) const override {
        auto v = get(db_.raw, u64_key(raw_id));
        if (!v) return std::nullopt;
        return std::string(*v);
    }

    std::optional<Contact> contact(std::string_view address) const override {
        auto v = get(db_.contacts, key_text(address));
        if (!v) return std::nullopt;
        return decode_contact(*v);
    }

    std::vector<Contact> contacts() const override {
        std::vector<Contact> out;
        lmdb::Cursor c(txn_, db_.contacts);
        MDB_val k{}, d{};
        for (auto op = MDB_FIRST; c.get(k, d, op); op = MDB_NEXT) out.push_back(decode_contact(lmdb::view(d)));
        return out;
    }

    std::optional<OutboxItem> outbox_item(std::uint64_t id) const override {
        auto v = get(db_.outbox, u64_key(id));
        if (!v) return std::nullopt;
        return decode_outbox(*v);
    }

    std::size_t generated_since(std::string_view address, std::int64_t since) const override {
        auto v = get(db_.generated, key_text(address));
        if (!v) return 0;
        Reader r(*v);
        const std::uint32_t n = r.count();
        std::size_t count = 0;
        for (std::uint32_t i = 0; i < n; ++i)
            if (r.i64() >= since) ++count;
        return count;
    }

    std::vector<OutboxItem> outbox() const override {
        std::vector<OutboxItem> out;
        lmdb::Cursor c(txn_, db_.outbox);
        MDB_val k{}, d{};
        for (auto op = MDB_FIRST; c.get(k, d, op); op = MDB_NEXT) out.push_back(decode_outbox(lmdb::view(d)));
        return out;
    }

    std::vector<std::pair<std::string, std::uint64_t>> verdict_counts() const override {
        return read_counters(txn_, db_);
    }

protected:
    std::optional<std::string_view> get(MDB_dbi dbi, std::string_view key) const {
        MDB_val k = lmdb::val(key), d{};
        const int rc = mdb_get(txn_, dbi, &k, &d);
        if (rc == MDB_NOTFOUND) return std::nullopt;
        lmdb::check(rc, "mdb_get");
        return lmdb::view(d);
    }
    void put(MDB_dbi dbi, std::string_view key, std::string_view value, unsigned flags = 0) {
        MDB_val k = lmdb::val(key), d = lmdb::val(value);
        lmdb::check(mdb_put(txn_, dbi, &k, &d, flags), "mdb_put");
    }

    MDB_txn* txn_;
    const Dbis& db_;
};

class WriteTxnImpl final : public WriteTxn {
public:
    WriteTxnImpl(MDB_txn* txn, const Dbis& dbis) : read_(txn, dbis), txn_(txn), db_(dbis) {}

    std::optional<Ticket> ticket(TicketKey k) const override { return read_.ticket(k); }
    std::vector<Ticket> tickets(const TicketFilter& f) const override { return read_.tickets(f); }
    std::vector<TicketEntry> entries(TicketKey k) const override { return read_.entries(k); }
    std::vector<MessageRef> find_message_id(std::string_view id) const override {
        return read_.find_message_id(id);
    }
    std::optional<std::string> raw(std::uint64_t id) const override { return read_.raw(id); }
    std::optional<Contact> contact(std::string_view a) const override { return read_.contact(a); }
    std::vector<Contact> contacts() const override { return read_.contacts(); }
    std::vector<OutboxItem> outbox() const override { return read_.outbox(); }
    std::optional<OutboxItem> outbox_item(std::uint64_t id) const override { return read_.outbox_item(id); }
    std::size_t generated_since(std::string_view a, std::int64_t since) const override {
        return read_.generated_since(a, since);
    }
    std::vector<std::pair<std::string, std::uint64_t>> verdict_counts() const override {
        return read_.verdict_counts();
    }

    void count_verdict(std::string_view name, std::uint64_t n) override {
        if (!db_.has_stats) throw std::logic_error("the store has no stats database");
        const std::string key = key_text(name);
        std::uint64_t value = 0;
        MDB_val k = lmdb::val(key), d{};
        const int rc = mdb_get(txn_, db_.stats, &k, &d);
        if (rc == MDB_SUCCESS) value = codec::get_be64(lmdb::view(d), 0);
        else if (rc != MDB_NOTFOUND) lmdb::check(rc, "mdb_get");
        put(db_.stats, key, u64_value(value + n));
    }

    void note_generated(std::string_view address, std::int64_t now) override {
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

    TicketKey allocate_ticket(std::uint32_t queue) override {
        std::string key;
        codec::put_be32(key, queue);
        const std::uint32_t seq = static_cast<std::uint32_t>(next_counter(key, 4)) ;
        return TicketKey{queue, seq};
    }

    void put_ticket(const Ticket& t) override { put(db_.tickets, ticket_key(t.key), encode(t)); }

    std::uint64_t put_raw(std::string_view bytes) override {
        const std::uint64_t id = next_counter("raw", 8);
        put(db_.raw, u64_key(id), bytes);
        return id;
    }

    std::uint32_t append_entry(TicketEntry& entry) override {
        auto t = ticket(entry.ticket);
        if (!t) throw std::logic_error("append_entry: no ticket " + to_string(entry.ticket));
        entry.index = t->entry_count;
        t->entry_count += 1;
        t->updated = std::max(t->updated, entry.received);
        put_ticket(*t);
        put(db_.entries, entry_key(entry.ticket, entry.index), encode(entry));
        if (!entry.message_id.empty())
            put(db_.msgids, key_text(entry.message_id),
                encode(MessageRef{entry.ticket, entry.index, entry.body_digest}));
        return entry.index;
    }

    void put_contact(const Contact& c) override { put(db_.contacts, key_text(c.address), encode(c)); }

    std::uint64_t add_outbox(OutboxItem& item) override {
        item.id = next_counter("outbox", 8);
        update_outbox(item);
        return item.id;
    }

    void update_outbox(const OutboxItem& item) override {
        put(db_.outbox, u64_key(item.id), encode(item));
    }

private:
    // Counters in `sequences`: 4-byte values for per-queue ticket numbers, 8-byte for ids.
    std::uint64_t next_counter(std::string_view key, std::size_t width) {
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

    void put(MDB_dbi dbi, std::string_view key, std::string_view value) {
        MDB_val k = lmdb::val(key), d = lmdb::val(value);
        const int rc = mdb_put(txn_, dbi, &k, &d, 0);
        if (rc == MDB_MAP_FULL) map_full_ = true;
        lmdb::check(rc, "mdb_put");
    }

public:
    // A put ran out of map. Remembered so that growth happens even when the callback caught
    // (and swallowed) the error: the transaction cannot commit anyway.
    bool map_full() const { return map_full_; }

private:
    bool map_full_ = false;
    ReadTxnImpl read_;
    MDB_txn* txn_;
    const Dbis& db_;
};

StoreError error_from(const std::exception& e, const std::filesystem::path& path) {
    return StoreError{fmt::format("store {}: {}", path.string(), e.what()), true, false};
}

// Held shared by every transaction of this process, exclusively to resize the map (LMDB
// requires that no transaction of the process is active then). std::shared_mutex prefers
// readers on glibc, so a steady stream of overlapping readers would starve a resize forever;
// the gate stops new (outermost) transactions while a resize waits. A thread that already
// holds the lock (a store call inside a store callback) skips the gate, and cannot resize
// (that would wait for itself): it gets an error instead.
class ResizeLock {
public:
    class Shared {
    public:
        explicit Shared(ResizeLock& l) : l_(l) {
            if (!l_.held_here()) std::lock_guard gate(l_.gate_);
            l_.rw_.lock_shared();
            held().push_back(&l_);
        }
        ~Shared() {
            auto& h = held();
            h.erase(std::find(h.rbegin(), h.rend(), &l_).base() - 1);
            l_.rw_.unlock_shared();
        }
        Shared(const Shared&) = delete;
        Shared& operator=(const Shared&) = delete;

    private:
        ResizeLock& l_;
    };

    class Exclusive {
    public:
        explicit Exclusive(ResizeLock& l) : l_(l) {
            if (l_.held_here())
                throw std::logic_error("the store map must grow, but this thread is inside another "
                                       "transaction of the same store");
            std::lock_guard gate(l_.gate_);
            l_.rw_.lock();
        }
        ~Exclusive() { l_.rw_.unlock(); }
        Exclusive(const Exclusive&) = delete;
        Exclusive& operator=(const Exclusive&) = delete;

    private:
        ResizeLock& l_;
    };

private:
    static std::vector<const ResizeLock*>& held() {
        thread_local std::vector<const ResizeLock*> locks;
        return locks;
    }
    bool held_here() const {
        const auto& h = held();
        return std::find(h.begin(), h.end(), this) != h.end();
    }
    std::shared_mutex rw_;
    std::mutex gate_;
};

// Schema 1 -> 2, inside the open's write transaction: creates `stats`, seeds it from what the
// store holds, re-encodes every ticket in the current record format. The seeds are exact
// counts of stored records, not guesses: "new-ticket" = tickets (only delivered mail opens
// one), "appended" = message entries after a ticket's first, "note" = note entries,
// "referral" = referral entries, "redirected" = outbox items of kind "redirect". They count
// one per stored mail, where the engine counts one per recipient (two recipients of one queue
// in one mail: 1 seeded, 2 counted). Verdicts that store nothing (duplicate, refused, too-big,
// loop, discarded, ...) start at 0. meta "stats_seeded_from" = u32 1 marks the seeding.
Migration migrate_to_2(MDB_txn* txn, Dbis& db) {
    Migration m;
    m.from = 1;
    m.to = 2;
    db.stats = lmdb::open_dbi(txn, "stats", MDB_CREATE);
    db.has_stats = true;
    std::uint64_t tickets = 0, appended = 0, notes = 0, referrals = 0, redirects = 0;
    {
        lmdb::Cursor c(txn, db.tickets);
        MDB_val k{}, d{};
        for (auto op = MDB_FIRST; c.get(k, d, op); op = MDB_NEXT) {
            const std::string current = encode(decode_ticket(lmdb::view(d)));
            MDB_val nv = lmdb::val(current);
            c.put(k, nv, MDB_CURRENT);
            ++tickets;
        }
    }
    {
        lmdb::Cursor c(txn, db.entries);
        MDB_val k{}, d{};
        for (auto op = MDB_FIRST; c.get(k, d, op); op = MDB_NEXT) {
            const TicketEntry e = decode_entry(lmdb::view(d));
            if (e.kind == EntryKind::Note) ++notes;
            else if (e.kind == EntryKind::Referral) ++referrals;
            else if (e.index > 0) ++appended;
        }
    }
    {
        lmdb::Cursor c(txn, db.outbox);
        MDB_val k{}, d{};
        for (auto op = MDB_FIRST; c.get(k, d, op); op = MDB_NEXT)
            if (decode_outbox(lmdb::view(d)).kind == "redirect") ++redirects;
    }
    m.tickets_reencoded = tickets;
    const std::pair<const char*, std::uint64_t> seeds[] = {
        {"new-ticket", tickets}, {"appended", appended}, {"note", notes}, {"referral", referrals},
        {"redirected", redirects}};
    for (const auto& [name, value] : seeds) {
        if (value == 0) continue;
        MDB_val k = lmdb::val(name), v{};
        const std::string bytes = u64_value(value);
        v = lmdb::val(bytes);
        lmdb::check(mdb_put(txn, db.stats, &k, &v, 0), "mdb_put stats");
        m.seeded.emplace_back(name, value);
    }
    std::sort(m.seeded.begin(), m.seeded.end());
    Writer w;
    w.u32(1);
    MDB_val k = lmdb::val("stats_seeded_from"), v = lmdb::val(w.data());
    lmdb::check(mdb_put(txn, db.meta, &k, &v, 0), "mdb_put meta");
    return m;
}

// A file descriptor, closed on destruction.
class Fd {
public:
    explicit Fd(int fd = -1) : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
    Fd& operator=(Fd&& o) noexcept {
        if (this != &o) {
            if (fd_ >= 0) ::close(fd_);
            fd_ = std::exchange(o.fd_, -1);
        }
        return *this;
    }
    int get() const { return fd_; }
    explicit operator bool() const { return fd_ >= 0; }
    // Closes now and reports the result (a failed close after writing can mean lost data).
    int close() {
        const int fd = std::exchange(fd_, -1);
        return fd >= 0 ? ::close(fd) : 0;
    }

private:
    int fd_ = -1;
};

std::string errno_text(std::string_view what, const std::filesystem::path& p) {
    return fmt::format("{} {}: {}", what, p.string(), std::strerror(errno));
}

// fsync of a file or directory by path; an error text, or nullopt.
std::optional<std::string> fsync_path(const std::filesystem::path& p) {
    Fd fd(::open(p.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return errno_text("open", p);
    if (::fsync(fd.get()) != 0) return errno_text("fsync", p);
    return std::nullopt;
}

// Tries a write lock on byte 0 of an open lock.mdb: LMDB keeps a shared fcntl lock there while
// an environment is open (mdb_env_excl_lock / mdb_env_share_locks), so a write lock is granted
// only when no process has it open. An open-file-description lock (Linux) conflicts with those
// classic locks, also ones of this process, and is not dropped when this process closes some
// other descriptor of the file. 1 locked, 0 busy, -1 error (errno).
int try_write_lock(int fd) {
    struct flock fl;
    std::memset(&fl, 0, sizeof fl);
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    fl.l_start = 0;
    fl.l_len = 1;
#ifdef F_OFD_SETLK
    const int cmd = F_OFD_SETLK;
#else
    const int cmd = F_SETLK;
#endif
    int rc;
    do rc = ::fcntl(fd, cmd, &fl);
    while (rc != 0 && errno == EINTR);
    if (rc == 0) return 1;
    return errno == EAGAIN || errno == EACCES ? 0 : -1;
}

std::string utc_stamp(std::int64_t now) {
    const std::time_t t = static_cast<std::time_t>(now);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
    return buf;
}

}  // namespace

struct Store::Impl {
    lmdb::Env env;
    Dbis dbis;
    std::filesystem::path path;
    bool read_only = false;
    std::uint64_t map_size = 0;
    std::uint32_t schema = 0;
    std::optional<Migration> migration;
    mutable ResizeLock resize;

    void refresh_map_size() { map_size = lmdb::map_size(env.get()); }

    // Another process grew the map: adopt its size.
    void adopt_new_size() {
        ResizeLock::Exclusive lock(resize);
        lmdb::check(mdb_env_set_mapsize(env.get(), 0), "mdb_env_set_mapsize");
        refresh_map_size();
    }

    void grow(std::uint64_t seen) {
        ResizeLock::Exclusive lock(resize);
        refresh_map_size();
        if (map_size > seen) return;  // another thread grew it already
        if (map_size >= kMaxMapSize) throw lmdb::Error(MDB_MAP_FULL, "store map at its maximum size");
        lmdb::check(mdb_env_set_mapsize(env.get(), map_size * 2), "mdb_env_set_mapsize");
        refresh_map_size();
    }

    // Runs fn with a raw read-only transaction, adopting a map another process grew.
    void raw_read(const std::function<void(MDB_txn*)>& fn) const {
        for (int attempt = 0;; ++attempt) {
            try {
                ResizeLock::Shared lock(resize);
                lmdb::Txn txn(env.get(), MDB_RDONLY);
                fn(txn.get());
                return;
            } catch (const lmdb::Error& e) {
                if (e.code() != MDB_MAP_RESIZED || attempt >= 8) throw;
            }
            const_cast<Impl*>(this)->adopt_new_size();
        }
    }

    // mdb_env_copyfd2 into fd (from offset 0), again from scratch if the map was resized.
    void copy_to(int fd, unsigned flags) const {
        for (int attempt = 0;; ++attempt) {
            int rc;
            {
                ResizeLock::Shared lock(resize);
                rc = mdb_env_copyfd2(env.get(), fd, flags);
            }
            if (rc == MDB_SUCCESS) return;
            if (rc != MDB_MAP_RESIZED || attempt >= 8) throw lmdb::Error(rc, "mdb_env_copyfd2");
            const_cast<Impl*>(this)->adopt_new_size();
            if (::ftruncate(fd, 0) != 0 || ::lseek(fd, 0, SEEK_SET) != 0)
                throw std::system_error(errno, std::generic_category(), "truncating the copy");
        }
    }

    // Opens the databases and checks (or writes, or migrates) the schema in one transaction;
    // an error text for the caller, or nullopt.
    std::optional<std::string> open_databases(bool read_only);
};

std::optional<std::string> Store::Impl::open_databases(bool ro) {
    MDB_env* e = env.get();
    // Another process may have grown the map since we read its size: adopt and retry.
    auto begin = [&]() -> lmdb::Txn {
        for (int attempt = 0;; ++attempt) {
            try {
                return lmdb::Txn(e, ro ? MDB_RDONLY : 0u);
            } catch (const lmdb::Error& err) {
                if (err.code() != MDB_MAP_RESIZED || attempt >= 8) throw;
                lmdb::check(mdb_env_set_mapsize(e, 0), "mdb_env_set_mapsize");
                refresh_map_size();
            }
        }
    };
    // A write transaction: a second process opening an old store waits here while the first
    // migrates, then reads the new schema and does nothing.
    lmdb::Txn txn = begin();
    const unsigned create = ro ? 0u : MDB_CREATE;
    auto open_db = [&](const char* name, unsigned extra) {
        return lmdb::open_dbi(txn.get(), name, create | extra);
    };
    Dbis d;
    d.meta = open_db("meta", 0);
    d.tickets = open_db("tickets", 0);
    d.entries = open_db("entries", 0);
    d.raw = open_db("raw", 0);
    d.msgids = open_db("msgids", MDB_DUPSORT);
    d.sequences = open_db("sequences", 0);
    d.contacts = open_db("contacts", 0);
    d.outbox = open_db("outbox", 0);
    d.generated = open_db("generated", 0);

    auto write_schema = [&](std::uint32_t version) {
        Writer w;
        w.u32(version);
        MDB_val k = lmdb::val("schema"), v = lmdb::val(w.data());
        lmdb::check(mdb_put(txn.get(), d.meta, &k, &v, 0), "mdb_put schema");
    };
    MDB_val k = lmdb::val("schema"), v{};
    const int rc = mdb_get(txn.get(), d.meta, &k, &v);
    std::uint32_t version = kSchemaVersion;
    if (rc == MDB_NOTFOUND) {
        if (ro) return "store has no schema version";
        write_schema(kSchemaVersion);  // a new store
    } else {
        lmdb::check(rc, "mdb_get schema");
        Reader r(lmdb::view(v));
        version = r.u32();
        if (version > kSchemaVersion)
            return fmt::format("store has schema {}, newer than this build (schema {}); use the deskgate "
                               "version that wrote it (there is no downgrade)",
                               version, kSchemaVersion);
        if (version == 0) return "corrupt store: schema version 0";
    }
    if (version < kSchemaVersion && ro) {
        if (version < kOldestReadableSchema)
            return fmt::format("store has schema {}; start deskgate-lmtpd or run any deskgate write "
                               "command once to migrate it to schema {}",
                               version, kSchemaVersion);
        // Read as it is: every record format still decodes; `stats` comes with the migration.
    } else if (version < kSchemaVersion) {
        std::optional<Migration> done;
        if (version < 2) done = migrate_to_2(txn.get(), d);
        done->from = version;
        write_schema(kSchemaVersion);
        version = kSchemaVersion;
        migration = std::move(done);
    }
    if (version >= 2 && !d.has_stats) {
        d.stats = lmdb::open_dbi(txn.get(), "stats", create);
        d.has_stats = true;
    }
    txn.commit();
    dbis = d;
    schema = version;
    return std::nullopt;
}

namespace {

// Run as root (an admin's `deskgate ingest` before the daemons ever ran), a new store must
// still belong to the user the daemons run as: files created in a directory take that
// directory's owner. Not root: the files are ours anyway.
void adopt_owner(const std::filesystem::path& path, const std::filesystem::path& owner_of) {
    if (::geteuid() != 0) return;
    struct stat dir{}, file{};
    if (::stat(owner_of.c_str(), &dir) != 0 || ::lstat(path.c_str(), &file) != 0) return;
    if (file.st_uid != dir.st_uid || file.st_gid != dir.st_gid)
        (void)::lchown(path.c_str(), dir.st_uid, dir.st_gid);
}

}  // namespace

std::variant<Store, StoreError> Store::open(const Options& options) {
    auto impl = std::make_unique<Impl>();
    impl->path = options.path;
    impl->read_only = options.read_only;
    auto fail = [&](const std::string& what) {
        return StoreError{fmt::format("store {}: {}", options.path.string(), what), false, false};
    };
    try {
        std::error_code ec;
        if (options.read_only) {
            if (!std::filesystem::exists(options.path / "data.mdb", ec))
                return fail("no store here (data.mdb missing)");
        } else {
            const bool created = std::filesystem::create_directories(options.path, ec);
            if (ec) return fail("cannot create directory: " + ec.message());
            if (created && options.path.has_parent_path()) adopt_owner(options.path, options.path.parent_path());
        }
        MDB_env* env = impl->env.get();
        lmdb::check(mdb_env_set_maxdbs(env, 16), "mdb_env_set_maxdbs");
        // A new environment starts at initial_map_size. An existing one keeps the size recorded
        // in it when that is bigger (another process grew it): LMDB adopts the recorded size
        // when none is set before mdb_env_open, and we raise it to initial_map_size after.
        const bool existing = std::filesystem::exists(options.path / "data.mdb", ec);
        if (!existing)
            lmdb::check(mdb_env_set_mapsize(env, options.initial_map_size), "mdb_env_set_mapsize");
        const unsigned flags = MDB_NOTLS | (options.read_only ? MDB_RDONLY : 0u);
        lmdb::check(mdb_env_open(env, options.path.c_str(), flags, 0660), "mdb_env_open");
        for (const char* name : {"data.mdb", "lock.mdb"}) adopt_owner(options.path / name, options.path);
        if (lmdb::map_size(env) < options.initial_map_size)
            lmdb::check(mdb_env_set_mapsize(env, options.initial_map_size), "mdb_env_set_mapsize");
        impl->refresh_map_size();

        // A migration may need more room than the map has: grow it and run the whole
        // transaction again.
        for (int attempt = 0;; ++attempt) {
            try {
                if (auto error = impl->open_databases(options.read_only)) return fail(*error);
                break;
            } catch (const lmdb::Error& e) {
                if (e.code() != MDB_MAP_FULL || options.read_only || attempt >= 16) throw;
                impl->migration.reset();
                impl->grow(impl->map_size);
            }
        }
    } catch (const std::exception& e) {
        return fail(e.what());
    }
    return Store(std::move(impl));
}

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::Store(Store&&) noexcept = default;
Store& Store::operator=(Store&&) noexcept = default;
Store::~Store() = default;

const std::filesystem::path& Store::path() const { return impl_->path; }
std::uint64_t Store::map_size() const { return impl_->map_size; }

std::uint32_t Store::schema() const { return impl_->schema; }
const std::optional<Migration>& Store::migration() const { return impl_->migration; }

std::variant<StoreUsage, StoreError> Store::usage() const {
    try {
        StoreUsage u;
        std::error_code ec;
        u.file_bytes = std::filesystem::file_size(impl_->path / "data.mdb", ec);
        if (ec) u.file_bytes = 0;
        impl_->raw_read([&](MDB_txn* txn) {
            const MDB_envinfo info = lmdb::env_info(impl_->env.get());
            const MDB_stat st = lmdb::env_stat(impl_->env.get());
            u.map_size = info.me_mapsize;
            u.page_size = st.ms_psize;
            u.pages_used = info.me_last_pgno + 1;
            u.free_pages = 0;
            // The freelist (database 0): each record is a page-number list, its count first
            // (as mdb_stat -f reads it).
            lmdb::Cursor c(txn, 0);
            MDB_val k{}, d{};
            for (auto op = MDB_FIRST; c.get(k, d, op); op = MDB_NEXT) {
                if (d.mv_size < sizeof(std::size_t)) continue;
                std::size_t n = 0;
                std::memcpy(&n, d.mv_data, sizeof n);
                u.free_pages += n;
            }
        });
        return u;
    } catch (const std::exception& e) {
        return error_from(e, impl_->path);
    }
}

std::variant<BackupResult, StoreError> Store::backup(const std::filesystem::path& dest) const {
    namespace fs = std::filesystem;
    auto fail = [&](const std::string& what) {
        return StoreError{fmt::format("backup to {}: {}", dest.string(), what), false, false};
    };
    try {
        std::error_code ec;
        if (fs::exists(dest, ec)) {
            if (!fs::is_directory(dest, ec)) return fail("exists and is not a directory");
            if (!fs::is_empty(dest, ec)) return fail("exists and is not empty");
        } else if (!fs::create_directory(dest, ec)) {
            return fail("cannot create the directory: " + ec.message());
        }
        const fs::path file = dest / "data.mdb";
        {
            Fd fd(::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0660));
            if (!fd) return fail(errno_text("open", file));
            impl_->copy_to(fd.get(), MDB_CP_COMPACT);
            if (::fsync(fd.get()) != 0) return fail(errno_text("fsync", file));
            if (fd.close() != 0) return fail(errno_text("close", file));
        }
        if (auto e = fsync_path(dest)) return fail(*e);
        if (auto e = fsync_path(fs::absolute(dest).parent_path())) return fail(*e);

        // Read the copy back: it opens, has a schema, every ticket decodes, and the entries
        // the tickets count are all there.
        BackupResult result;
        {
            auto opened = Store::open(Options{dest, 1ull << 20, true});
            if (auto* err = std::get_if<StoreError>(&opened)) return fail("the copy does not open: " + err->message);
            const Store& copy = std::get<Store>(opened);
            result.schema = copy.schema();
            std::uint64_t counted = 0, stored = 0;
            copy.impl_->raw_read([&](MDB_txn* txn) {
                ReadTxnImpl view(txn, copy.impl_->dbis);
                counted = 0;
                const auto tickets = view.tickets({});
                for (const Ticket& t : tickets) counted += t.entry_count;
                result.tickets = tickets.size();
                stored = lmdb::entries(txn, copy.impl_->dbis.entries);
            });
            if (counted != stored)
                return fail(fmt::format("the copy is inconsistent: tickets count {} entries, {} stored", counted, stored));
        }
        fs::remove(dest / "lock.mdb", ec);  // made by the read-back; the backup is data.mdb alone
        result.bytes = fs::file_size(file, ec);
        return result;
    } catch (const std::exception& e) {
        return fail(e.what());
    }
}

bool Store::in_use(const std::filesystem::path& dir) {
    Fd fd(::open((dir / "lock.mdb").c_str(), O_RDWR | O_CLOEXEC));
    if (!fd) return errno != ENOENT;  // no lock file: never opened; unreadable: assume in use
    return try_write_lock(fd.get()) != 1;  // closing fd drops the probe lock
}

std::variant<RestoreResult, RestoreError> Store::restore(const std::filesystem::path& source,
                                                         const std::filesystem::path& target, bool force,
                                                         std::int64_t now) {
    namespace fs = std::filesystem;
    using Kind = RestoreError::Kind;
    auto error = [](Kind kind, std::string text) { return RestoreError{kind, std::move(text)}; };
    const std::string in_use_text = fmt::format(
        "the store {} is in use (stop deskgate-lmtpd and deskgate-milter first)", target.string());
    try {
        std::error_code ec;
        // 1. The source: a store that opens read-only with a schema this build reads.
        if (!fs::exists(source / "data.mdb", ec))
            return error(Kind::BadSource, fmt::format("no store in {} (data.mdb missing)", source.string()));
        if (fs::exists(target, ec) && fs::equivalent(source, target, ec))
            return error(Kind::BadSource, "the source is the target store itself");
        RestoreResult result;
        std::optional<Store> src;
        // However this ends: the source closed, and left without the lock.mdb its open made.
        struct SourceGuard {
            std::optional<Store>& store;
            fs::path lock;
            bool existed;
            ~SourceGuard() {
                store.reset();
                std::error_code ignored;
                if (!existed) fs::remove(lock, ignored);
            }
        } guard{src, source / "lock.mdb", fs::exists(source / "lock.mdb", ec)};
        {
            auto opened = Store::open(Options{source, 1ull << 20, true});
            if (auto* err = std::get_if<StoreError>(&opened)) return error(Kind::BadSource, err->message);
            src.emplace(std::move(std::get<Store>(opened)));
        }
        result.schema = src->schema();
        if (auto err = src->read([&](const ReadTxn& txn) { result.tickets = txn.tickets({}).size(); }))
            return error(Kind::BadSource, err->message);

        // 2. The target: nobody may have it open; a store with data in it only with force.
        const bool target_exists = fs::is_directory(target, ec);
        if (fs::exists(target, ec) && !target_exists)
            return error(Kind::Failed, fmt::format("{} exists and is not a directory", target.string()));
        if (target_exists && in_use(target)) return error(Kind::InUse, in_use_text);
        const bool has_store = target_exists && fs::exists(target / "data.mdb", ec);
        if (has_store && !force) {
            // Open it here (and close it again) before taking the lock: LMDB's own lock of a
            // Store of this process would wait for ours.
            std::string what;
            auto opened = Store::open(Options{target, 1ull << 20, true});
            if (auto* err = std::get_if<StoreError>(&opened)) {
                what = "a store that does not open (" + err->message + ")";
            } else {
                std::size_t records = 0;
                std::get<Store>(opened).impl_->raw_read([&](MDB_txn* txn) {
                    const Dbis& db = std::get<Store>(opened).impl_->dbis;
                    records = lmdb::entries(txn, db.tickets) + lmdb::entries(txn, db.raw) +
                              lmdb::entries(txn, db.outbox) + lmdb::entries(txn, db.contacts);
                });
                if (records > 0) what = "a store with data";
            }
            if (!what.empty())
                return error(Kind::NotEmpty, fmt::format("{} holds {}; use --force to replace it (it is kept as "
                                                         "{}.before-restore-<time>)",
                                                         target.string(), what, target.string()));
        }

        // 3. Hold the write lock on target/lock.mdb from here to the swap: an opener meanwhile
        // waits in LMDB for it, and finds the old lock file emptied (it fails instead of using a
        // stale lock file with the new data).
        Fd lock;
        if (target_exists) {
            lock = Fd(::open((target / "lock.mdb").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0660));
            if (!lock) return error(Kind::Failed, errno_text("open", target / "lock.mdb"));
            const int got = try_write_lock(lock.get());
            if (got == 0) return error(Kind::InUse, in_use_text);
            if (got < 0) return error(Kind::Failed, errno_text("locking", target / "lock.mdb"));
        }

        // 4. The copy, beside the target (same file system, so the rename is atomic).
        const fs::path parent = fs::absolute(target).parent_path();
        fs::create_directories(parent, ec);
        std::string tmpl = (parent / ("." + target.filename().string() + ".restore-XXXXXX")).string();
        if (!::mkdtemp(tmpl.data())) return error(Kind::Failed, errno_text("mkdtemp", tmpl));
        const fs::path tmp = tmpl;
        auto cleanup = [&] { fs::remove_all(tmp, ec); };
        {
            const fs::path file = tmp / "data.mdb";
            Fd fd(::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0660));
            if (!fd) return cleanup(), error(Kind::Failed, errno_text("open", file));
            src->impl_->copy_to(fd.get(), 0);
            if (::fsync(fd.get()) != 0) return cleanup(), error(Kind::Failed, errno_text("fsync", file));
            if (fd.close() != 0) return cleanup(), error(Kind::Failed, errno_text("close", file));
            result.bytes = fs::file_size(file, ec);
        }
        if (auto e = fsync_path(tmp)) return cleanup(), error(Kind::Failed, *e);
        src.reset();

        // 5. The swap: the old store aside (or an empty directory away), the copy into place.
        if (target_exists) {
            bool keep = has_store;
            for (const auto& entry : fs::directory_iterator(target))
                if (entry.path().filename() != "lock.mdb") keep = true;
            if (::ftruncate(lock.get(), 0) != 0)
                return cleanup(), error(Kind::Failed, errno_text("truncating", target / "lock.mdb"));
            if (keep) {
                fs::path previous = target.string() + ".before-restore-" + utc_stamp(now);
                for (int n = 2; fs::exists(previous, ec); ++n)
                    previous = target.string() + ".before-restore-" + utc_stamp(now) + "-" + std::to_string(n);
                if (::rename(target.c_str(), previous.c_str()) != 0)
                    return cleanup(), error(Kind::Failed, errno_text("rename", target));
                result.previous = previous;
            } else {
                fs::remove(target / "lock.mdb", ec);
                if (::rmdir(target.c_str()) != 0) return cleanup(), error(Kind::Failed, errno_text("rmdir", target));
            }
        }
        if (::rename(tmp.c_str(), target.c_str()) != 0) {
            const std::string why = errno_text("rename", tmp);
            if (!result.previous.empty()) ::rename(result.previous.c_str(), target.c_str());  // put it back
            cleanup();
            return error(Kind::Failed, why);
        }
        if (auto e = fsync_path(parent)) return error(Kind::Failed, *e);
        return result;  // the lock goes with `lock`, after the swap
    } catch (const std::exception& e) {
        return error(Kind::Failed, e.what());
    }
}


std::optional<StoreError> Store::read(const std::function<void(const ReadTxn&)>& fn) const {
    for (int attempt = 0; attempt < 8; ++attempt) {
        try {
            ResizeLock::Shared lock(impl_->resize);
            lmdb::Txn txn(impl_->env.get(), MDB_RDONLY);
            ReadTxnImpl view(txn.get(), impl_->dbis);
            fn(view);
            return std::nullopt;
        } catch (const lmdb::Error& e) {
            if (e.code() == MDB_MAP_RESIZED) {
                try {
                    impl_->adopt_new_size();
                } catch (const std::exception& e2) {
                    return error_from(e2, impl_->path);
                }
                continue;
            }
            return error_from(e, impl_->path);
        } catch (const codec::Error& e) {
            return error_from(e, impl_->path);
        } catch (const std::exception& e) {
            return StoreError{e.what(), true, true};
        } catch (...) {
            return StoreError{"unknown exception in a store reader", true, true};
        }
    }
    return StoreError{fmt::format("store {}: map keeps being resized", impl_->path.string()), true, false};
}

std::optional<StoreError> Store::write(const std::function<void(WriteTxn&)>& fn) {
    return write_each({fn}).front();
}

std::vector<std::optional<StoreError>> Store::write_each(
    const std::vector<std::function<void(WriteTxn&)>>& fns) {
    std::vector<std::optional<StoreError>> results(fns.size());
    auto all = [&](const StoreError& e) {
        for (auto& r : results) r = e;
        return results;
    };
    if (impl_->read_only)
        return all(StoreError{fmt::format("store {}: opened read-only", impl_->path.string()), true, false});
    for (int attempt = 0; attempt < 64; ++attempt) {
        std::uint64_t seen = 0;
        try {
            ResizeLock::Shared lock(impl_->resize);
            seen = impl_->map_size;
            lmdb::Txn parent(impl_->env.get(), 0);
            for (std::size_t i = 0; i < fns.size(); ++i) {
                MDB_txn* child = nullptr;
                lmdb::check(mdb_txn_begin(impl_->env.get(), parent.get(), 0, &child), "mdb_txn_begin (nested)");
                // After mdb_txn_commit the child is gone, even when the commit failed.
                auto abort_child = [&] {
                    if (child) mdb_txn_abort(child);
                    child = nullptr;
                };
                WriteTxnImpl view(child, impl_->dbis);
                // Out of map, whatever the callback made of it: grow and run everything again.
                auto rethrow_map_full = [&] {
                    if (view.map_full()) throw lmdb::Error(MDB_MAP_FULL, "mdb_put");
                };
                try {
                    fns[i](view);
                    rethrow_map_full();
                    MDB_txn* committing = child;
                    child = nullptr;
                    lmdb::check(mdb_txn_commit(committing), "mdb_txn_commit (nested)");
                    results[i].reset();
                } catch (const lmdb::Error& e) {
                    abort_child();
                    if (e.code() == MDB_MAP_FULL || e.code() == MDB_MAP_RESIZED) throw;
                    rethrow_map_full();
                    results[i] = error_from(e, impl_->path);
                } catch (const codec::Error& e) {
                    abort_child();
                    rethrow_map_full();
                    results[i] = error_from(e, impl_->path);
                } catch (const std::exception& e) {
                    abort_child();
                    rethrow_map_full();
                    results[i] = StoreError{e.what(), true, true};
                } catch (...) {
                    abort_child();
                    rethrow_map_full();
                    results[i] = StoreError{"unknown exception in a store writer", true, true};
                }
            }
            parent.commit();
            return results;
        } catch (const lmdb::Error& e) {
            try {
                if (e.code() == MDB_MAP_FULL) {
                    impl_->grow(seen);
                    continue;
                }
                if (e.code() == MDB_MAP_RESIZED) {
                    impl_->adopt_new_size();
                    continue;
                }
            } catch (const std::exception& e2) {
                return all(error_from(e2, impl_->path));
            }
            return all(error_from(e, impl_->path));
        } catch (const std::exception& e) {
            return all(error_from(e, impl_->path));
        }
    }
    return all(StoreError{fmt::format("store {}: could not make room", impl_->path.string()), true, false});
}

}  // namespace deskgate
