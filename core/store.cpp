// store.cpp - the LMDB ticket store (see store.hpp for the layout). Records start with a
// format byte so later schema versions can migrate them; keys are big-endian.
#include "core/store.hpp"

#include <glib.h>
#include <lmdb.h>

#include <algorithm>
#include <mutex>
#include <shared_mutex>
#include <system_error>
#include <vector>

#include <fmt/format.h>

#include "core/codec.hpp"
#include "core/lmdb.hpp"

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
            outbox = 0, generated = 0;
};

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

}  // namespace

struct Store::Impl {
    lmdb::Env env;
    Dbis dbis;
    std::filesystem::path path;
    bool read_only = false;
    std::uint64_t map_size = 0;
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
};

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
            std::filesystem::create_directories(options.path, ec);
            if (ec) return fail("cannot create directory: " + ec.message());
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
        if (lmdb::map_size(env) < options.initial_map_size)
            lmdb::check(mdb_env_set_mapsize(env, options.initial_map_size), "mdb_env_set_mapsize");
        impl->refresh_map_size();

        // Another process may have grown the map since we read its size: adopt and retry.
        auto begin = [&]() -> lmdb::Txn {
            for (int attempt = 0;; ++attempt) {
                try {
                    return lmdb::Txn(env, options.read_only ? MDB_RDONLY : 0u);
                } catch (const lmdb::Error& e) {
                    if (e.code() != MDB_MAP_RESIZED || attempt >= 8) throw;
                    lmdb::check(mdb_env_set_mapsize(env, 0), "mdb_env_set_mapsize");
                    impl->refresh_map_size();
                }
            }
        };
        lmdb::Txn txn = begin();
        const unsigned create = options.read_only ? 0u : MDB_CREATE;
        auto open_db = [&](const char* name, unsigned extra) {
            return lmdb::open_dbi(txn.get(), name, create | extra);
        };
        Dbis& d = impl->dbis;
        d.meta = open_db("meta", 0);
        d.tickets = open_db("tickets", 0);
        d.entries = open_db("entries", 0);
        d.raw = open_db("raw", 0);
        d.msgids = open_db("msgids", MDB_DUPSORT);
        d.sequences = open_db("sequences", 0);
        d.contacts = open_db("contacts", 0);
        d.outbox = open_db("outbox", 0);
        d.generated = open_db("generated", 0);

        MDB_val k = lmdb::val("schema"), v{};
        const int rc = mdb_get(txn.get(), d.meta, &k, &v);
        if (rc == MDB_NOTFOUND) {
            if (options.read_only) return fail("store has no schema version");
            Writer w;
            w.u32(kSchemaVersion);
            MDB_val nv = lmdb::val(w.data());
            lmdb::check(mdb_put(txn.get(), d.meta, &k, &nv, 0), "mdb_put schema");
            txn.commit();
        } else {
            lmdb::check(rc, "mdb_get schema");
            Reader r(lmdb::view(v));
            const std::uint32_t version = r.u32();
            if (version != kSchemaVersion)
                return fail(fmt::format("store schema version {}, this build expects {}", version,
                                        kSchemaVersion));
            txn.commit();
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
