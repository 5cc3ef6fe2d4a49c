// backup_restore.cpp - the store as files: Store::usage (sizes of the environment and its
// freelist), Store::backup (a compacted, fsynced copy that is read back before it counts),
// Store::in_use (probing LMDB's lock on lock.mdb) and Store::restore (a validated copy swapped
// into place under that lock, the previous store kept aside).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include <fmt/format.h>

#include "core/store/lmdb.hpp"
#include "core/store/store_internal.hpp"

namespace deskgate {
namespace {

namespace fs = std::filesystem;
using store_internal::Dbis;
using store_internal::ReadTxnImpl;
using Kind = RestoreError::Kind;

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
RestoreError restore_error(Kind kind, std::string text) { return RestoreError{kind, std::move(text)}; }

std::string in_use_text(const fs::path& target) {
    return fmt::format("the store {} is in use (stop deskgate-lmtpd and deskgate-milter first)",
                       target.string());
}

// However a restore ends: the source closed, and left without the lock.mdb its open made.
struct SourceGuard {
    std::optional<Store>& store;
    fs::path lock;
    bool existed;
    ~SourceGuard() {
        store.reset();
        std::error_code ignored;
        if (!existed) fs::remove(lock, ignored);
    }
};

// Restore step 1, before opening it: a store in source, and not the target itself.
std::optional<RestoreError> check_source(const fs::path& source, const fs::path& target) {
    std::error_code ec;
    if (!fs::exists(source / "data.mdb", ec))
        return restore_error(Kind::BadSource, fmt::format("no store in {} (data.mdb missing)", source.string()));
    if (fs::exists(target, ec) && fs::equivalent(source, target, ec))
        return restore_error(Kind::BadSource, "the source is the target store itself");
    return std::nullopt;
}

// Restore step 1: the source opens read-only with a schema this build reads, and its tickets
// read (their number and the schema go into result).
std::optional<RestoreError> open_source(const fs::path& source, std::optional<Store>& src,
                                        RestoreResult& result) {
    {
        auto opened = Store::open(Store::Options{source, 1ull << 20, true});
        if (auto* err = std::get_if<StoreError>(&opened)) return restore_error(Kind::BadSource, err->message);
        src.emplace(std::move(std::get<Store>(opened)));
    }
    result.schema = src->schema();
    if (auto err = src->read([&](const ReadTxn& txn) { result.tickets = txn.tickets({}).size(); }))
        return restore_error(Kind::BadSource, err->message);
    return std::nullopt;
}

// What the store in target holds that only a forced restore replaces ("" when nothing). Opens
// it here (and closes it again) before the lock is taken: LMDB's own lock of a Store of this
// process would wait for ours.
std::string target_contents(const fs::path& target) {
    std::string what;
    auto opened = Store::open(Store::Options{target, 1ull << 20, true});
    if (auto* err = std::get_if<StoreError>(&opened)) {
        what = "a store that does not open (" + err->message + ")";
    } else {
        std::size_t records = 0;
        const Store::Impl& impl = Store::Impl::of(std::get<Store>(opened));
        impl.raw_read([&](MDB_txn* txn) {
            const Dbis& db = impl.dbis;
            records = lmdb::entries(txn, db.tickets) + lmdb::entries(txn, db.raw) +
                      lmdb::entries(txn, db.outbox) + lmdb::entries(txn, db.contacts);
        });
        if (records > 0) what = "a store with data";
    }
    return what;
}

// Restore step 2, the target: nobody may have it open; a store with data in it only with force.
std::optional<RestoreError> check_target(const fs::path& target, bool force, bool& target_exists,
                                         bool& has_store) {
    std::error_code ec;
    target_exists = fs::is_directory(target, ec);
    if (fs::exists(target, ec) && !target_exists)
        return restore_error(Kind::Failed, fmt::format("{} exists and is not a directory", target.string()));
    if (target_exists && Store::in_use(target)) return restore_error(Kind::InUse, in_use_text(target));
    has_store = target_exists && fs::exists(target / "data.mdb", ec);
    if (has_store && !force) {
        const std::string what = target_contents(target);
        if (!what.empty())
            return restore_error(Kind::NotEmpty,
                                 fmt::format("{} holds {}; use --force to replace it (it is kept as "
                                             "{}.before-restore-<time>)",
                                             target.string(), what, target.string()));
    }
    return std::nullopt;
}

// Restore step 3: the write lock on target/lock.mdb, held in `lock` from here to the swap: an
// opener meanwhile waits in LMDB for it, and finds the old lock file emptied (it fails instead
// of using a stale lock file with the new data).
std::optional<RestoreError> lock_target(const fs::path& target, Fd& lock) {
    lock = Fd(::open((target / "lock.mdb").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0660));
    if (!lock) return restore_error(Kind::Failed, errno_text("open", target / "lock.mdb"));
    const int got = try_write_lock(lock.get());
    if (got == 0) return restore_error(Kind::InUse, in_use_text(target));
    if (got < 0) return restore_error(Kind::Failed, errno_text("locking", target / "lock.mdb"));
    return std::nullopt;
}

// Restore step 4: the copy, in a new directory beside the target in `parent` (same file
// system, so the rename is atomic), fsynced; its path. Removed again when a step fails.
std::variant<fs::path, RestoreError> copy_beside(const Store::Impl& src, const fs::path& target,
                                                 const fs::path& parent, std::uint64_t& bytes) {
    std::error_code ec;
    fs::create_directories(parent, ec);
    std::string tmpl = (parent / ("." + target.filename().string() + ".restore-XXXXXX")).string();
    if (!::mkdtemp(tmpl.data())) return restore_error(Kind::Failed, errno_text("mkdtemp", tmpl));
    const fs::path tmp = tmpl;
    auto cleanup = [&] { fs::remove_all(tmp, ec); };
    {
        const fs::path file = tmp / "data.mdb";
        Fd fd(::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0660));
        if (!fd) return cleanup(), restore_error(Kind::Failed, errno_text("open", file));
        src.copy_to(fd.get(), 0);
        if (::fsync(fd.get()) != 0) return cleanup(), restore_error(Kind::Failed, errno_text("fsync", file));
        if (fd.close() != 0) return cleanup(), restore_error(Kind::Failed, errno_text("close", file));
        bytes = fs::file_size(file, ec);
    }
    if (auto e = fsync_path(tmp)) return cleanup(), restore_error(Kind::Failed, *e);
    return tmp;
}

// Restore step 5, the swap: the old store aside as <target>.before-restore-<time> (into
// result.previous), or an empty directory away; then the copy in tmp into place.
std::optional<RestoreError> swap_into_place(const fs::path& tmp, const fs::path& target, bool target_exists,
                                            bool has_store, const Fd& lock, std::int64_t now,
                                            RestoreResult& result) {
    std::error_code ec;
    auto cleanup = [&] { fs::remove_all(tmp, ec); };
    if (target_exists) {
        bool keep = has_store;
        for (const auto& entry : fs::directory_iterator(target))
            if (entry.path().filename() != "lock.mdb") keep = true;
        if (::ftruncate(lock.get(), 0) != 0)
            return cleanup(), restore_error(Kind::Failed, errno_text("truncating", target / "lock.mdb"));
        if (keep) {
            fs::path previous = target.string() + ".before-restore-" + utc_stamp(now);
            for (int n = 2; fs::exists(previous, ec); ++n)
                previous = target.string() + ".before-restore-" + utc_stamp(now) + "-" + std::to_string(n);
            if (::rename(target.c_str(), previous.c_str()) != 0)
                return cleanup(), restore_error(Kind::Failed, errno_text("rename", target));
            result.previous = previous;
        } else {
            fs::remove(target / "lock.mdb", ec);
            if (::rmdir(target.c_str()) != 0)
                return cleanup(), restore_error(Kind::Failed, errno_text("rmdir", target));
        }
    }
    if (::rename(tmp.c_str(), target.c_str()) != 0) {
        const std::string why = errno_text("rename", tmp);
        if (!result.previous.empty()) ::rename(result.previous.c_str(), target.c_str());  // put it back
        cleanup();
        return restore_error(Kind::Failed, why);
    }
    return std::nullopt;
}

}  // namespace

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
        return store_internal::error_from(e, impl_->path);
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
    try {
        std::error_code ec;
        // 1. The source: a store that opens read-only with a schema this build reads.
        if (auto e = check_source(source, target)) return *e;
        RestoreResult result;
        std::optional<Store> src;
        SourceGuard guard{src, source / "lock.mdb", fs::exists(source / "lock.mdb", ec)};
        if (auto e = open_source(source, src, result)) return *e;

        // 2. The target: nobody may have it open; a store with data in it only with force.
        bool target_exists = false, has_store = false;
        if (auto e = check_target(target, force, target_exists, has_store)) return *e;

        // 3. Hold the write lock on target/lock.mdb from here to the swap.
        Fd lock;
        if (target_exists)
            if (auto e = lock_target(target, lock)) return *e;

        // 4. The copy, beside the target.
        const fs::path parent = fs::absolute(target).parent_path();
        auto copied = copy_beside(*src->impl_, target, parent, result.bytes);
        if (auto* e = std::get_if<RestoreError>(&copied)) return *e;
        const fs::path tmp = std::get<fs::path>(copied);
        src.reset();

        // 5. The swap: the old store aside (or an empty directory away), the copy into place.
        if (auto e = swap_into_place(tmp, target, target_exists, has_store, lock, now, result)) return *e;
        if (auto e = fsync_path(parent)) return restore_error(Kind::Failed, *e);
        return result;  // the lock goes with `lock`, after the swap
    } catch (const std::exception& e) {
        return restore_error(Kind::Failed, e.what());
    }
}

}  // namespace deskgate
