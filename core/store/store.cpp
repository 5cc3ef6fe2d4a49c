// store.cpp - running Store transactions (see store.hpp for the layout and the guarantees):
// Store::read, and Store::write / write_each with one nested transaction per callback inside
// one durable commit. Errors come back as StoreError values; MDB_MAP_RESIZED adopts the map
// another process grew and MDB_MAP_FULL grows it, then the whole transaction runs again.
// The records, the views and the opening live in the other files of core/store.
#include "core/store/store.hpp"

#include <lmdb.h>

#include <cstdint>
#include <exception>
#include <functional>
#include <optional>
#include <vector>

#include <fmt/format.h>

#include "core/store/codec.hpp"
#include "core/store/lmdb.hpp"
#include "core/store/store_internal.hpp"

namespace deskgate {
namespace store_internal {

StoreError error_from(const std::exception& e, const std::filesystem::path& path) {
    return StoreError{fmt::format("store {}: {}", path.string(), e.what()), true, false};
}

}  // namespace store_internal

namespace {

using store_internal::error_from;
using store_internal::ReadTxnImpl;
using store_internal::ResizeLock;
using store_internal::WriteTxnImpl;

// Runs fn in its own transaction nested in parent and commits it there: its error (nullopt on
// success), which rolls back only its own writes. Throws lmdb::Error for MDB_MAP_FULL (also
// one the callback caught) and MDB_MAP_RESIZED: the caller grows the map and runs everything
// again.
std::optional<StoreError> run_nested(const Store::Impl& impl, MDB_txn* parent,
                                     const std::function<void(WriteTxn&)>& fn) {
    MDB_txn* child = nullptr;
    lmdb::check(mdb_txn_begin(impl.env.get(), parent, 0, &child), "mdb_txn_begin (nested)");
    // After mdb_txn_commit the child is gone, even when the commit failed.
    auto abort_child = [&] {
        if (child) mdb_txn_abort(child);
        child = nullptr;
    };
    WriteTxnImpl view(child, impl.dbis);
    // Out of map, whatever the callback made of it: grow and run everything again.
    auto rethrow_map_full = [&] {
        if (view.map_full()) throw lmdb::Error(MDB_MAP_FULL, "mdb_put");
    };
    try {
        fn(view);
        rethrow_map_full();
        MDB_txn* committing = child;
        child = nullptr;
        lmdb::check(mdb_txn_commit(committing), "mdb_txn_commit (nested)");
        return std::nullopt;
    } catch (const lmdb::Error& e) {
        abort_child();
        if (e.code() == MDB_MAP_FULL || e.code() == MDB_MAP_RESIZED) throw;
        rethrow_map_full();
        return error_from(e, impl.path);
    } catch (const codec::Error& e) {
        abort_child();
        rethrow_map_full();
        return error_from(e, impl.path);
    } catch (const std::exception& e) {
        abort_child();
        rethrow_map_full();
        return StoreError{e.what(), true, true};
    } catch (...) {
        abort_child();
        rethrow_map_full();
        return StoreError{"unknown exception in a store writer", true, true};
    }
}

}  // namespace

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
            for (std::size_t i = 0; i < fns.size(); ++i) results[i] = run_nested(*impl_, parent.get(), fns[i]);
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
