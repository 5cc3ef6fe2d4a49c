// lmdb.cpp - see lmdb.hpp.
#include "core/store/lmdb.hpp"

#include <fmt/format.h>

namespace deskgate::lmdb {

Error::Error(int rc, std::string_view what)
    : std::runtime_error(fmt::format("{}: {}", what, mdb_strerror(rc))), rc_(rc) {}

Env::Env() { check(mdb_env_create(&env_), "mdb_env_create"); }
Env::~Env() {
    if (env_) mdb_env_close(env_);
}

Txn::Txn(MDB_env* env, unsigned flags) { check(mdb_txn_begin(env, nullptr, flags, &txn_), "mdb_txn_begin"); }
Txn::~Txn() { abort(); }

void Txn::commit() {
    MDB_txn* t = txn_;
    txn_ = nullptr;  // mdb_txn_commit frees the txn even when it fails
    check(mdb_txn_commit(t), "mdb_txn_commit");
}

void Txn::abort() {
    if (txn_) mdb_txn_abort(txn_);
    txn_ = nullptr;
}

MDB_dbi open_dbi(MDB_txn* txn, const char* name, unsigned flags) {
    MDB_dbi dbi = 0;
    check(mdb_dbi_open(txn, name, flags, &dbi), fmt::format("opening database '{}'", name));
    return dbi;
}

std::size_t map_size(MDB_env* env) {
    MDB_envinfo info{};
    check(mdb_env_info(env, &info), "mdb_env_info");
    return info.me_mapsize;
}

MDB_envinfo env_info(MDB_env* env) {
    MDB_envinfo info{};
    check(mdb_env_info(env, &info), "mdb_env_info");
    return info;
}

MDB_stat env_stat(MDB_env* env) {
    MDB_stat st{};
    check(mdb_env_stat(env, &st), "mdb_env_stat");
    return st;
}

std::size_t entries(MDB_txn* txn, MDB_dbi dbi) {
    MDB_stat st{};
    check(mdb_stat(txn, dbi, &st), "mdb_stat");
    return st.ms_entries;
}

Cursor::Cursor(MDB_txn* txn, MDB_dbi dbi) { check(mdb_cursor_open(txn, dbi, &cursor_), "mdb_cursor_open"); }
Cursor::~Cursor() {
    if (cursor_) mdb_cursor_close(cursor_);
}

bool Cursor::get(MDB_val& key, MDB_val& data, MDB_cursor_op op) {
    const int rc = mdb_cursor_get(cursor_, &key, &data, op);
    if (rc == MDB_NOTFOUND) return false;
    check(rc, "mdb_cursor_get");
    return true;
}

void Cursor::put(MDB_val& key, MDB_val& data, unsigned flags) {
    check(mdb_cursor_put(cursor_, &key, &data, flags), "mdb_cursor_put");
}

std::size_t Cursor::count() {
    std::size_t n = 0;
    check(mdb_cursor_count(cursor_, &n), "mdb_cursor_count");
    return n;
}

}  // namespace deskgate::lmdb
