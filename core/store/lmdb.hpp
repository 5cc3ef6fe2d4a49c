// lmdb.hpp - thin RAII wrappers over the LMDB C API, used only inside the store. Failures throw
// lmdb::Error (carrying LMDB's return code); the store turns them into StoreError values, so
// nothing here ever crosses a protocol boundary.
#pragma once

#include <lmdb.h>

#include <stdexcept>
#include <string>
#include <string_view>

namespace deskgate::lmdb {

class Error : public std::runtime_error {
public:
    Error(int rc, std::string_view what);
    int code() const { return rc_; }

private:
    int rc_;
};

// Throws Error unless rc is MDB_SUCCESS.
inline void check(int rc, std::string_view what) {
    if (rc != MDB_SUCCESS) throw Error(rc, what);
}

inline MDB_val val(std::string_view s) {
    return MDB_val{s.size(), const_cast<char*>(s.data())};  // LMDB never writes through it
}
inline std::string_view view(const MDB_val& v) {
    return {static_cast<const char*>(v.mv_data), v.mv_size};
}

class Env {
public:
    Env();
    ~Env();
    Env(const Env&) = delete;
    Env& operator=(const Env&) = delete;
    MDB_env* get() const { return env_; }

private:
    MDB_env* env_ = nullptr;
};

// A transaction, aborted on destruction unless committed.
class Txn {
public:
    Txn(MDB_env* env, unsigned flags);
    ~Txn();
    Txn(const Txn&) = delete;
    Txn& operator=(const Txn&) = delete;
    Txn(Txn&& other) noexcept : txn_(other.txn_) { other.txn_ = nullptr; }
    MDB_txn* get() const { return txn_; }
    void commit();
    void abort();

private:
    MDB_txn* txn_ = nullptr;
};

// Opens (with MDB_CREATE in flags: creates) a named database in txn; the handle stays valid
// for the environment's lifetime once txn commits.
MDB_dbi open_dbi(MDB_txn* txn, const char* name, unsigned flags);

// The map size this process currently uses (mdb_env_info).
std::size_t map_size(MDB_env* env);

// mdb_env_info / mdb_env_stat, checked.
MDB_envinfo env_info(MDB_env* env);
MDB_stat env_stat(MDB_env* env);
// Entries in a database (mdb_stat).
std::size_t entries(MDB_txn* txn, MDB_dbi dbi);

class Cursor {
public:
    Cursor(MDB_txn* txn, MDB_dbi dbi);
    ~Cursor();
    Cursor(const Cursor&) = delete;
    Cursor& operator=(const Cursor&) = delete;
    // MDB_cursor_get; false on MDB_NOTFOUND.
    bool get(MDB_val& key, MDB_val& data, MDB_cursor_op op);
    // mdb_cursor_put (e.g. MDB_CURRENT: replace the value at the cursor).
    void put(MDB_val& key, MDB_val& data, unsigned flags);
    // mdb_cursor_count: the values of the key at the cursor (a MDB_DUPSORT database).
    std::size_t count();

private:
    MDB_cursor* cursor_ = nullptr;
};

}  // namespace deskgate::lmdb
