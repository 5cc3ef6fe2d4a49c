// migration.cpp - the schema check at open and the migrations between schema versions, run
// inside the open's write transaction (two processes opening an old store at once migrate it
// exactly once). A newer schema is refused (no downgrade); a read-only open reads an older
// readable schema as it is. Each migration step runs in order (1 -> 2 -> 3) in the one
// transaction.
#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>

#include <fmt/format.h>

#include "core/store/codec.hpp"
#include "core/store/lmdb.hpp"
#include "core/store/store_internal.hpp"

namespace deskgate::store_internal {
namespace {

using codec::Reader;
using codec::Writer;

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

// Schema 2 -> 3, inside the open's write transaction: creates `words` and indexes every stored
// ticket (subject, opener, participants) and entry, the words put_ticket and append_entry index
// for new ones. Returns the (word, ticket) pairs in the index.
std::uint64_t migrate_to_3(MDB_txn* txn, Dbis& db) {
    db.words = lmdb::open_dbi(txn, "words", MDB_CREATE | kWordsFlags);
    db.has_words = true;
    {
        lmdb::Cursor c(txn, db.tickets);
        MDB_val k{}, d{};
        for (auto op = MDB_FIRST; c.get(k, d, op); op = MDB_NEXT) {
            const Ticket t = decode_ticket(lmdb::view(d));
            put_words(txn, db.words, t.key, ticket_words(t, nullptr));
        }
    }
    {
        lmdb::Cursor c(txn, db.entries);
        MDB_val k{}, d{};
        for (auto op = MDB_FIRST; c.get(k, d, op); op = MDB_NEXT) {
            const TicketEntry e = decode_entry(lmdb::view(d));
            put_words(txn, db.words, e.ticket, entry_words(e));
        }
    }
    return lmdb::entries(txn, db.words);
}

void write_schema(MDB_txn* txn, const Dbis& d, std::uint32_t version) {
    Writer w;
    w.u32(version);
    MDB_val k = lmdb::val("schema"), v = lmdb::val(w.data());
    lmdb::check(mdb_put(txn, d.meta, &k, &v, 0), "mdb_put schema");
}

}  // namespace

std::variant<std::uint32_t, std::string> settle_schema(MDB_txn* txn, Dbis& d, bool ro,
                                                       std::optional<Migration>& migration) {
    const unsigned create = ro ? 0u : MDB_CREATE;
    MDB_val k = lmdb::val("schema"), v{};
    const int rc = mdb_get(txn, d.meta, &k, &v);
    std::uint32_t version = kSchemaVersion;
    if (rc == MDB_NOTFOUND) {
        if (ro) return std::string("store has no schema version");
        write_schema(txn, d, kSchemaVersion);  // a new store
    } else {
        lmdb::check(rc, "mdb_get schema");
        Reader r(lmdb::view(v));
        version = r.u32();
        if (version > kSchemaVersion)
            return fmt::format("store has schema {}, newer than this build (schema {}); use the deskgate "
                               "version that wrote it (there is no downgrade)",
                               version, kSchemaVersion);
        if (version == 0) return std::string("corrupt store: schema version 0");
    }
    if (version < kSchemaVersion && ro) {
        if (version < kOldestReadableSchema)
            return fmt::format("store has schema {}; start deskgate-lmtpd or run any deskgate write "
                               "command once to migrate it to schema {}",
                               version, kSchemaVersion);
        // Read as it is: every record format still decodes; `stats` and `words` come with the
        // migration (ReadTxn::search refuses until then).
    } else if (version < kSchemaVersion) {
        Migration done;
        if (version < 2) done = migrate_to_2(txn, d);
        done.words_indexed = migrate_to_3(txn, d);
        done.from = version;
        done.to = kSchemaVersion;
        write_schema(txn, d, kSchemaVersion);
        version = kSchemaVersion;
        migration = std::move(done);
    }
    if (version >= 2 && !d.has_stats) {
        d.stats = lmdb::open_dbi(txn, "stats", create);
        d.has_stats = true;
    }
    if (version >= 3 && !d.has_words) {
        d.words = lmdb::open_dbi(txn, "words", create | kWordsFlags);
        d.has_words = true;
    }
    return version;
}

}  // namespace deskgate::store_internal
