// store_open.cpp - opening a Store and looking after its LMDB environment: Store::open (the
// directory, its owner when run as root, the map size, the databases and the schema, in one
// transaction retried with a bigger map if a migration needs one), the map resize lock, map
// growth (doubling up to 1 TiB) and adopting a map another process grew, raw read
// transactions and copies for backup/restore, and the Store's small accessors.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <system_error>
#include <utility>

#include <fmt/format.h>

#include "core/store/lmdb.hpp"
#include "core/store/store_internal.hpp"

namespace deskgate {
namespace store_internal {

// ---- ResizeLock ----

ResizeLock::Shared::Shared(ResizeLock& l) : l_(l) {
    if (!l_.held_here()) std::lock_guard gate(l_.gate_);
    l_.rw_.lock_shared();
    held().push_back(&l_);
}

ResizeLock::Shared::~Shared() {
    auto& h = held();
    h.erase(std::find(h.rbegin(), h.rend(), &l_).base() - 1);
    l_.rw_.unlock_shared();
}

ResizeLock::Exclusive::Exclusive(ResizeLock& l) : l_(l) {
    if (l_.held_here())
        throw std::logic_error("the store map must grow, but this thread is inside another "
                               "transaction of the same store");
    std::lock_guard gate(l_.gate_);
    l_.rw_.lock();
}

ResizeLock::Exclusive::~Exclusive() { l_.rw_.unlock(); }

std::vector<const ResizeLock*>& ResizeLock::held() {
    thread_local std::vector<const ResizeLock*> locks;
    return locks;
}

bool ResizeLock::held_here() const {
    const auto& h = held();
    return std::find(h.begin(), h.end(), this) != h.end();
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

// Creates the directory (or, read-only, checks there is a store in it) and opens the
// environment at the right map size; an error text, or nullopt.
std::optional<std::string> open_env(MDB_env* env, const Store::Options& options) {
    std::error_code ec;
    if (options.read_only) {
        if (!std::filesystem::exists(options.path / "data.mdb", ec))
            return "no store here (data.mdb missing)";
    } else {
        const bool created = std::filesystem::create_directories(options.path, ec);
        if (ec) return "cannot create directory: " + ec.message();
        if (created && options.path.has_parent_path()) adopt_owner(options.path, options.path.parent_path());
    }
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
    return std::nullopt;
}

}  // namespace
}  // namespace store_internal

using store_internal::Dbis;
using store_internal::ResizeLock;

// ---- Store::Impl ----

void Store::Impl::adopt_new_size() {
    ResizeLock::Exclusive lock(resize);
    lmdb::check(mdb_env_set_mapsize(env.get(), 0), "mdb_env_set_mapsize");
    refresh_map_size();
}

void Store::Impl::grow(std::uint64_t seen) {
    ResizeLock::Exclusive lock(resize);
    refresh_map_size();
    if (map_size > seen) return;  // another thread grew it already
    if (map_size >= store_internal::kMaxMapSize)
        throw lmdb::Error(MDB_MAP_FULL, "store map at its maximum size");
    lmdb::check(mdb_env_set_mapsize(env.get(), map_size * 2), "mdb_env_set_mapsize");
    refresh_map_size();
}

void Store::Impl::raw_read(const std::function<void(MDB_txn*)>& fn) const {
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

void Store::Impl::copy_to(int fd, unsigned flags) const {
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

    auto version = store_internal::settle_schema(txn.get(), d, ro, migration);
    if (auto* error = std::get_if<std::string>(&version)) return std::move(*error);
    txn.commit();
    dbis = d;
    schema = std::get<std::uint32_t>(version);
    return std::nullopt;
}

// ---- Store ----

std::variant<Store, StoreError> Store::open(const Options& options) {
    auto impl = std::make_unique<Impl>();
    impl->path = options.path;
    impl->read_only = options.read_only;
    auto fail = [&](const std::string& what) {
        return StoreError{fmt::format("store {}: {}", options.path.string(), what), false, false};
    };
    try {
        if (auto error = store_internal::open_env(impl->env.get(), options)) return fail(*error);
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

}  // namespace deskgate
