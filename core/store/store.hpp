// store.hpp - the LMDB ticket store. One environment (a directory) with named databases:
//   meta      "schema"            -> u32 schema version (checked at open); "state:<key>" -> small state;
//             "bounce:" + u64 BE   -> Bounce: the bounce list, kept kBounceDays (no schema change:
//                                     an older deskgate of schema 3 leaves these keys alone)
//   tickets   TicketKey(8, BE)     -> Ticket
//   entries   TicketKey + u32 BE   -> TicketEntry
//   raw       u64 BE               -> raw message bytes, exactly as received
//   msgids    message id (dupsort) -> MessageRef      (inbound and outbound ids)
//   sequences u32 queue BE         -> u32 last ticket sequence; "raw"/"outbox"/"bounce" -> u64 counters
//   contacts  normalised address   -> Contact
//   outbox    u64 BE               -> OutboxItem
//   generated normalised address   -> times deskgate generated mail to it (last 24 hours)
//   stats     verdict name         -> u64 BE: recipient decisions with that verdict (schema 2)
//   words     normalised word (dupsort, dupfixed) -> TicketKey(8, BE): the word index (schema 3)
// Schema history: 1 the databases above without `stats` and `words`; 2 adds `stats`, counted in
// the same transaction as the message; 3 adds `words`, kept in the same transaction as the
// ticket or entry it indexes (built from the stored tickets and entries by the migration).
// The word index: the words (core/mail/words.hpp, index_words) of a ticket's subject, opener
// and participants, and of every entry's subject, text body, sender address and name and
// attachment file names, each once per ticket. It only grows: a ticket whose subject changed
// is still found by the words of its old subject (which its first entry usually has anyway). Store::open migrates an older store for writing automatically
// (one write transaction, so two processes opening it at once migrate it exactly once); see
// Store::migration(). A newer schema is refused: no downgrade.
// Safe for several processes (a daemon writing while the CLI reads). Commits are durable
// (fsync). MDB_MAP_FULL grows the map and retries the whole write; callers never see it.
// Errors come back as StoreError values; nothing throws out of Store::read/write.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/model/ticket.hpp"

namespace deskgate {

inline constexpr std::uint32_t kSchemaVersion = 3;
// A read-only open reads stores back to this schema as they are (an old store just has no
// verdict counters and no word index); older ones need a writer to migrate them first.
inline constexpr std::uint32_t kOldestReadableSchema = 1;
// How long the bounce list keeps an unmatched bounce (and its raw bytes).
inline constexpr std::int64_t kBounceDays = 30;

struct StoreError {
    std::string message;
    bool temporary = true;  // true: retry later (4.3.1); false: the store is unusable
    bool internal = false;  // the caller's callback failed (a bug: 4.3.0), not the store
};

struct TicketFilter {
    std::optional<std::uint32_t> queue;
    std::optional<TicketStatus> status;
    std::size_t limit = 0;  // 0 = no limit
};

// Read access; valid only inside Store::read / Store::write callbacks.
class ReadTxn {
public:
    virtual ~ReadTxn() = default;
    virtual std::optional<Ticket> ticket(TicketKey) const = 0;
    virtual std::vector<Ticket> tickets(const TicketFilter&) const = 0;
    virtual std::vector<TicketEntry> entries(TicketKey) const = 0;
    virtual std::vector<MessageRef> find_message_id(std::string_view message_id) const = 0;
    virtual std::optional<std::string> raw(std::uint64_t raw_id) const = 0;
    virtual std::optional<Contact> contact(std::string_view address) const = 0;
    virtual std::vector<Contact> contacts() const = 0;
    virtual std::vector<OutboxItem> outbox() const = 0;
    virtual std::optional<OutboxItem> outbox_item(std::uint64_t id) const = 0;
    // The bounce list: delivery failure reports that matched none of our mail, oldest first.
    virtual std::vector<Bounce> bounces() const = 0;
    // How many mails deskgate generated to `address` (acknowledgements, notifications) at or
    // after `since`: the per-recipient limit that keeps auto-responders from looping.
    virtual std::size_t generated_since(std::string_view address, std::int64_t since) const = 0;
    // The verdict counters (`stats`), sorted by name; empty on a store not yet migrated.
    virtual std::vector<std::pair<std::string, std::uint64_t>> verdict_counts() const = 0;
    // Small named state the daemons and `deskgate tick` keep (e.g. which staff were welcomed),
    // in `meta` under "state:" + key; nullopt when never set.
    virtual std::optional<std::string> state(std::string_view key) const = 0;
    // The tickets whose indexed words include every one of `words` (normalised as
    // normalise_query gives them; a word ending in `*` matches every indexed word starting
    // with the rest). Order: ticket keys descending, i.e. the highest queue number first and,
    // within a queue, the newest ticket first (sequence numbers grow with time); no ticket is
    // read to order them, so a limit costs nothing extra. At most `limit` (0 = all). An empty
    // `words` matches nothing. Throws std::logic_error on a store without the index (a read-only
    // open of a schema-2 store: Store::schema() < 3).
    virtual std::vector<TicketKey> search(const std::vector<std::string>& words, std::size_t limit) const = 0;
};

// Write access; everything done through one WriteTxn commits together or not at all.
class WriteTxn : public ReadTxn {
public:
    // Next sequence number for a new ticket in `queue` (1, 2, ...).
    virtual TicketKey allocate_ticket(std::uint32_t queue) = 0;
    // Stores the ticket; a new ticket's subject, opener and participants go into the word
    // index, and later a changed subject's words and new participants.
    virtual void put_ticket(const Ticket&) = 0;
    // Stores raw bytes, returns their id (> 0).
    virtual std::uint64_t put_raw(std::string_view bytes) = 0;
    // Appends an entry to its ticket: sets entry.index, indexes entry.message_id (if any) and
    // the entry's words, bumps the ticket's entry_count. The ticket must exist.
    virtual std::uint32_t append_entry(TicketEntry& entry) = 0;
    virtual void put_contact(const Contact&) = 0;
    // Assigns item.id and stores it.
    virtual std::uint64_t add_outbox(OutboxItem& item) = 0;
    virtual void update_outbox(const OutboxItem& item) = 0;
    // How many items add_outbox put into this transaction so far: once it commits, there is
    // mail for the outbox worker (deskgate-lmtpd wakes it instead of waiting for its poll).
    virtual std::size_t outbox_added() const = 0;
    // Assigns bounce.id and adds it to the bounce list; entries older than kBounceDays before
    // bounce.received leave the list, with their raw bytes.
    virtual std::uint64_t add_bounce(Bounce& bounce) = 0;
    // Records one generated mail to `address` at `now` (entries older than a day are dropped).
    virtual void note_generated(std::string_view address, std::int64_t now) = 0;
    // Adds n to the counter of verdict `name` (rolled back with the transaction).
    virtual void count_verdict(std::string_view name, std::uint64_t n = 1) = 0;
    virtual void put_state(std::string_view key, std::string_view value) = 0;
};

// What Store::open did to an older store. The migration to schema 2 seeds `stats` from what
// the store holds (see migration.cpp, migrate_to_2): nothing was counted before, so the verdicts
// that leave no trace (duplicate, refused, ...) start at zero. The migration to schema 3 builds
// the word index from every ticket and entry (migrate_to_3).
struct Migration {
    std::uint32_t from = 0;
    std::uint32_t to = 0;
    std::size_t tickets_reencoded = 0;
    std::vector<std::pair<std::string, std::uint64_t>> seeded;  // counters derived from the data
    std::uint64_t words_indexed = 0;  // (word, ticket) pairs in the new word index
};

// Sizes of the environment (deskgate stats).
struct StoreUsage {
    std::uint64_t file_bytes = 0;  // data.mdb on disk
    std::uint64_t map_size = 0;
    std::uint64_t page_size = 0;
    std::uint64_t pages_used = 0;  // high-water mark: last used page + 1 (free pages included)
    std::uint64_t free_pages = 0;  // of those, free for reuse (freelist entries, approximate)
};

struct BackupResult {
    std::uint64_t bytes = 0;   // data.mdb of the copy
    std::size_t tickets = 0;   // read back from the copy
    std::uint32_t schema = 0;  // read back from the copy
};

struct RestoreError {
    enum class Kind { InUse, NotEmpty, BadSource, Failed } kind = Kind::Failed;
    std::string message;
};

struct RestoreResult {
    std::filesystem::path previous;  // where the replaced store went ("" when there was none)
    std::size_t tickets = 0;
    std::uint32_t schema = 0;        // of the restored copy (older ones migrate on the next open)
    std::uint64_t bytes = 0;
};

class Store {
public:
    struct Options {
        std::filesystem::path path;                     // directory, created if missing
        std::uint64_t initial_map_size = 64ull << 20;   // bytes; grows by doubling
        bool read_only = false;
    };

    // Opens (and creates / migrates) the store. Start-up edge: returns an error value.
    static std::variant<Store, StoreError> open(const Options&);

    Store(Store&&) noexcept;
    Store& operator=(Store&&) noexcept;
    ~Store();

    // Runs fn in a read-only transaction (again only if another process grew the map meanwhile,
    // so fn must not have side effects outside what it reads).
    std::optional<StoreError> read(const std::function<void(const ReadTxn&)>& fn) const;

    // Runs fn in a write transaction and commits durably. On MDB_MAP_FULL the transaction is
    // aborted, the map doubled, and fn called again from scratch: fn must not have side effects
    // outside the transaction. An exception thrown by fn aborts and is returned as an error.
    std::optional<StoreError> write(const std::function<void(WriteTxn&)>& fn);

    // Group commit: runs every fn in its own nested transaction inside one write transaction
    // and commits them together with one fsync. A fn that throws rolls back only its own
    // writes; its error is in the result at its index. If the commit itself fails, every
    // entry gets that error. MDB_MAP_FULL grows the map and runs them all again.
    std::vector<std::optional<StoreError>> write_each(
        const std::vector<std::function<void(WriteTxn&)>>& fns);

    const std::filesystem::path& path() const;
    std::uint64_t map_size() const;
    // The schema as opened: kSchemaVersion, or older for a read-only open of an old store.
    std::uint32_t schema() const;
    // What open() migrated (for the caller to log "store migrated from schema 2 to 3").
    const std::optional<Migration>& migration() const;
    std::variant<StoreUsage, StoreError> usage() const;

    // A consistent, compacted copy (mdb_env_copyfd2 with MDB_CP_COMPACT, while others write)
    // into the new directory dest (created; refused if it exists and is not empty), fsynced,
    // then opened read-only and read back.
    std::variant<BackupResult, StoreError> backup(const std::filesystem::path& dest) const;

    // Whether some process has the environment in `dir` open: LMDB holds a shared fcntl lock on
    // byte 0 of lock.mdb for as long as an environment is open; this tries a write lock there.
    // Never call it on a store this process has open (it would see its own lock as foreign).
    static bool in_use(const std::filesystem::path& dir);

    // Replaces the store in `target` by a copy of the store in `source` (validated: it must
    // open read-only). Refused while any process has target open (InUse), or when target holds
    // a store and force is false (NotEmpty). The copy is made beside target, fsynced, and renamed
    // into place while holding the lock; the previous store is kept as
    // <target>.before-restore-<UTC time of now>. An older schema migrates on the next open.
    static std::variant<RestoreResult, RestoreError> restore(const std::filesystem::path& source,
                                                             const std::filesystem::path& target,
                                                             bool force, std::int64_t now);

    struct Impl;

private:
    explicit Store(std::unique_ptr<Impl>);
    std::unique_ptr<Impl> impl_;
};

}  // namespace deskgate
