// lmdb_raw.hpp - reading and writing single values of a store's LMDB environment behind the
// Store's back, for tests of corrupt records, schema versions and migrations.
#pragma once

#include <lmdb.h>

#include <doctest/doctest.h>

#include <filesystem>
#include <optional>
#include <string>

namespace deskgate::test {

// Writes raw bytes straight into a database of the environment (for corruption tests); only
// call while no Store of this process has the environment open.
inline void raw_put(const std::filesystem::path& p, const char* db, std::string key, std::string value) {
    MDB_env* env = nullptr;
    REQUIRE(mdb_env_create(&env) == 0);
    mdb_env_set_maxdbs(env, 16);
    REQUIRE(mdb_env_open(env, p.c_str(), 0, 0660) == 0);
    MDB_txn* txn = nullptr;
    REQUIRE(mdb_txn_begin(env, nullptr, 0, &txn) == 0);
    MDB_dbi dbi = 0;
    REQUIRE(mdb_dbi_open(txn, db, 0, &dbi) == 0);
    MDB_val k{key.size(), key.data()}, v{value.size(), value.data()};
    REQUIRE(mdb_put(txn, dbi, &k, &v, 0) == 0);
    REQUIRE(mdb_txn_commit(txn) == 0);
    mdb_env_close(env);
}

// Deletes a named database (mdb_drop, del = 1): a newer schema's database, to make an older
// store out of a current one; same caveat as raw_put.
inline void raw_drop(const std::filesystem::path& p, const char* db) {
    MDB_env* env = nullptr;
    REQUIRE(mdb_env_create(&env) == 0);
    mdb_env_set_maxdbs(env, 16);
    REQUIRE(mdb_env_open(env, p.c_str(), 0, 0660) == 0);
    MDB_txn* txn = nullptr;
    REQUIRE(mdb_txn_begin(env, nullptr, 0, &txn) == 0);
    MDB_dbi dbi = 0;
    REQUIRE(mdb_dbi_open(txn, db, 0, &dbi) == 0);
    REQUIRE(mdb_drop(txn, dbi, 1) == 0);
    REQUIRE(mdb_txn_commit(txn) == 0);
    mdb_env_close(env);
}

// Reads one value straight from a database (nullopt when absent); same caveat as raw_put.
inline std::optional<std::string> raw_get(const std::filesystem::path& p, const char* db, std::string key) {
    MDB_env* env = nullptr;
    REQUIRE(mdb_env_create(&env) == 0);
    mdb_env_set_maxdbs(env, 16);
    REQUIRE(mdb_env_open(env, p.c_str(), MDB_RDONLY, 0660) == 0);
    MDB_txn* txn = nullptr;
    REQUIRE(mdb_txn_begin(env, nullptr, MDB_RDONLY, &txn) == 0);
    MDB_dbi dbi = 0;
    REQUIRE(mdb_dbi_open(txn, db, 0, &dbi) == 0);
    MDB_val k{key.size(), key.data()}, v{};
    std::optional<std::string> out;
    if (mdb_get(txn, dbi, &k, &v) == 0) out = std::string(static_cast<const char*>(v.mv_data), v.mv_size);
    mdb_txn_abort(txn);
    mdb_env_close(env);
    return out;
}

}  // namespace deskgate::test
