// store_internal.hpp - declarations shared by the store's implementation files, never
// included outside core/store: the record codec (record_codec.cpp), the transaction views
// (txn_impl.cpp), the word index (word_index.cpp), the map resize lock and Store::Impl
// (store_open.cpp), the schema migration (migration.cpp). The public interface is store.hpp.
#pragma once

#include <lmdb.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/store/lmdb.hpp"
#include "core/store/store.hpp"

namespace deskgate::store_internal {

constexpr std::uint64_t kMaxMapSize = 1ull << 40;  // 1 TiB: stop doubling there

// Keys (record_codec.cpp). Ids longer than a plain LMDB key are keyed by their SHA-256.
std::string key_text(std::string_view id);
std::string ticket_key(TicketKey k);
std::string entry_key(TicketKey k, std::uint32_t index);
std::string u64_key(std::uint64_t v);
// A big-endian u64 value (the `stats` counters).
std::string u64_value(std::uint64_t v);

// Records (record_codec.cpp): a format byte first; decoding throws codec::Error on a
// truncated or corrupt record.
std::string encode(const Ticket& t);
std::string encode(const TicketEntry& e);
std::string encode(const MessageRef& m);
std::string encode(const Contact& c);
std::string encode(const OutboxItem& o);
std::string encode(const Bounce& b);
Ticket decode_ticket(std::string_view bytes);
TicketEntry decode_entry(std::string_view bytes);
MessageRef decode_ref(std::string_view bytes);
Contact decode_contact(std::string_view bytes);
OutboxItem decode_outbox(std::string_view bytes);
Bounce decode_bounce(std::string_view bytes);

struct Dbis {
    MDB_dbi meta = 0, tickets = 0, entries = 0, raw = 0, msgids = 0, sequences = 0, contacts = 0,
            outbox = 0, generated = 0, stats = 0, words = 0;
    bool has_stats = false;  // false only for a read-only open of a schema-1 store
    bool has_words = false;  // false only for a read-only open of a schema-1 or -2 store
};

// The word index (word_index.cpp). `words`: MDB_DUPSORT | MDB_DUPFIXED, word -> ticket_key().
constexpr unsigned kWordsFlags = MDB_DUPSORT | MDB_DUPFIXED;
// The words of a ticket to add to the index: all of them for a new ticket (before = nullptr),
// else those of a changed subject and of participants it did not have.
std::vector<std::string> ticket_words(const Ticket& t, const Ticket* before);
// The words of an entry: subject, text body, sender address and name, attachment file names.
std::vector<std::string> entry_words(const TicketEntry& e);
// Adds (word, key) for each word (already there: nothing happens). Throws lmdb::Error.
void put_words(MDB_txn* txn, MDB_dbi words, TicketKey key, const std::vector<std::string>& list);
// ReadTxn::search over the index.
std::vector<TicketKey> search_words(MDB_txn* txn, MDB_dbi words, const std::vector<std::string>& query,
                                    std::size_t limit);

// The counters in `stats`, sorted by name (LMDB's key order).
std::vector<std::pair<std::string, std::uint64_t>> read_counters(MDB_txn* txn, const Dbis& db);

// The ReadTxn / WriteTxn handed to Store callbacks (txn_impl.cpp).
class ReadTxnImpl : public ReadTxn {
public:
    ReadTxnImpl(MDB_txn* txn, const Dbis& dbis) : txn_(txn), db_(dbis) {}

    std::optional<Ticket> ticket(TicketKey key) const override;
    std::vector<Ticket> tickets(const TicketFilter& filter) const override;
    std::vector<TicketEntry> entries(TicketKey key) const override;
    std::vector<MessageRef> find_message_id(std::string_view message_id) const override;
    std::optional<std::string> raw(std::uint64_t raw_id) const override;
    std::optional<Contact> contact(std::string_view address) const override;
    std::vector<Contact> contacts() const override;
    std::optional<OutboxItem> outbox_item(std::uint64_t id) const override;
    std::size_t generated_since(std::string_view address, std::int64_t since) const override;
    std::vector<OutboxItem> outbox() const override;
    std::vector<Bounce> bounces() const override;
    std::vector<std::pair<std::string, std::uint64_t>> verdict_counts() const override;
    std::optional<std::string> state(std::string_view key) const override;
    std::vector<TicketKey> search(const std::vector<std::string>& words, std::size_t limit) const override;

protected:
    std::optional<std::string_view> get(MDB_dbi dbi, std::string_view key) const;
    void put(MDB_dbi dbi, std::string_view key, std::string_view value, unsigned flags = 0);

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
    std::vector<Bounce> bounces() const override { return read_.bounces(); }
    std::size_t generated_since(std::string_view a, std::int64_t since) const override {
        return read_.generated_since(a, since);
    }
    std::vector<std::pair<std::string, std::uint64_t>> verdict_counts() const override {
        return read_.verdict_counts();
    }
    std::optional<std::string> state(std::string_view key) const override { return read_.state(key); }
    void put_state(std::string_view key, std::string_view value) override;
    std::vector<TicketKey> search(const std::vector<std::string>& words, std::size_t limit) const override {
        return read_.search(words, limit);
    }

    void count_verdict(std::string_view name, std::uint64_t n) override;
    void note_generated(std::string_view address, std::int64_t now) override;
    TicketKey allocate_ticket(std::uint32_t queue) override;
    void put_ticket(const Ticket& t) override;
    std::uint64_t put_raw(std::string_view bytes) override;
    std::uint32_t append_entry(TicketEntry& entry) override;
    void put_contact(const Contact& c) override;
    std::uint64_t add_outbox(OutboxItem& item) override;
    void update_outbox(const OutboxItem& item) override;
    std::size_t outbox_added() const override { return outbox_added_; }
    std::uint64_t add_bounce(Bounce& bounce) override;

    // A put ran out of map. Remembered so that growth happens even when the callback caught
    // (and swallowed) the error: the transaction cannot commit anyway.
    bool map_full() const { return map_full_; }

private:
    // Counters in `sequences`: 4-byte values for per-queue ticket numbers, 8-byte for ids.
    std::uint64_t next_counter(std::string_view key, std::size_t width);
    void put(MDB_dbi dbi, std::string_view key, std::string_view value);
    void put_record(const Ticket& t);  // the record only, no indexing
    void index(TicketKey key, const std::vector<std::string>& words);

    bool map_full_ = false;
    std::size_t outbox_added_ = 0;
    ReadTxnImpl read_;
    MDB_txn* txn_;
    const Dbis& db_;
};

// "store <path>: <what>", temporary (store.cpp).
StoreError error_from(const std::exception& e, const std::filesystem::path& path);

// Held shared by every transaction of this process, exclusively to resize the map (LMDB
// requires that no transaction of the process is active then). std::shared_mutex prefers
// readers on glibc, so a steady stream of overlapping readers would starve a resize forever;
// the gate stops new (outermost) transactions while a resize waits. A thread that already
// holds the lock (a store call inside a store callback) skips the gate, and cannot resize
// (that would wait for itself): it gets an error instead. Defined in store_open.cpp.
class ResizeLock {
public:
    class Shared {
    public:
        explicit Shared(ResizeLock& l);
        ~Shared();
        Shared(const Shared&) = delete;
        Shared& operator=(const Shared&) = delete;

    private:
        ResizeLock& l_;
    };

    class Exclusive {
    public:
        explicit Exclusive(ResizeLock& l);
        ~Exclusive();
        Exclusive(const Exclusive&) = delete;
        Exclusive& operator=(const Exclusive&) = delete;

    private:
        ResizeLock& l_;
    };

private:
    static std::vector<const ResizeLock*>& held();
    bool held_here() const;
    std::shared_mutex rw_;
    std::mutex gate_;
};

// Brings the schema read from `meta` (in the open's transaction txn) to kSchemaVersion
// (migration.cpp): writes it for a new store, migrates an older one for writing (into
// `migration`), accepts an older readable one read-only, opens `stats` and `words` when the
// schema has them. The resulting version, or an error text for the caller.
std::variant<std::uint32_t, std::string> settle_schema(MDB_txn* txn, Dbis& db, bool read_only,
                                                       std::optional<Migration>& migration);

}  // namespace deskgate::store_internal

namespace deskgate {

struct Store::Impl {
    lmdb::Env env;
    store_internal::Dbis dbis;
    std::filesystem::path path;
    bool read_only = false;
    std::uint64_t map_size = 0;
    std::uint32_t schema = 0;
    std::optional<Migration> migration;
    mutable store_internal::ResizeLock resize;

    // The Impl of a store (a nested class may reach Store's private members).
    static Impl& of(const Store& store) { return *store.impl_; }

    void refresh_map_size() { map_size = lmdb::map_size(env.get()); }

    // Another process grew the map: adopt its size.
    void adopt_new_size();

    // Doubles the map unless another thread grew it past `seen` already.
    void grow(std::uint64_t seen);

    // Runs fn with a raw read-only transaction, adopting a map another process grew.
    void raw_read(const std::function<void(MDB_txn*)>& fn) const;

    // mdb_env_copyfd2 into fd (from offset 0), again from scratch if the map was resized.
    void copy_to(int fd, unsigned flags) const;

    // Opens the databases and checks (or writes, or migrates) the schema in one transaction;
    // an error text for the caller, or nullopt.
    std::optional<std::string> open_databases(bool read_only);
};

}  // namespace deskgate
