// cmd_backup.cpp - `deskgate backup DEST`: a consistent, compacted copy of the store while the
// daemons run, read back before it is reported; `deskgate restore SRC [--force]`: puts a backup
// in the store's place, only while no process has the store open (exit 75 otherwise), keeping
// the replaced store beside it. The work is in Store::backup / Store::restore.
#include <chrono>
#include <cstdio>

#include <fmt/format.h>

#include "cli/commands.hpp"

namespace deskgate::cli {
namespace {

// --store, else the config's global.store (the config is loaded only then).
std::optional<std::string> target_store(const Args& args) {
    if (auto p = args.option("store")) return *p;
    auto config = load_or_report(config_path(args));
    if (!config) return std::nullopt;
    std::string path = store_path(args, &*config);
    if (path.empty()) {
        fmt::print(stderr, "deskgate: no store path (give --store or set global.store)\n");
        return std::nullopt;
    }
    return path;
}

}  // namespace

int cmd_backup(const Args& args) {
    if (args.positional.size() != 1) {
        fmt::print(stderr, "usage: deskgate backup DEST [--store PATH]\n");
        return kExitUsage;
    }
    const auto path = target_store(args);
    if (!path) return kExitFailure;
    auto store = open_store_or_report(*path, true);
    if (!store) return kExitFailure;
    const std::string dest = args.positional.front();
    auto done = store->backup(dest);
    if (auto* err = std::get_if<StoreError>(&done)) {
        fmt::print(stderr, "deskgate: {}\n", err->message);
        return kExitFailure;
    }
    const BackupResult& b = std::get<BackupResult>(done);
    std::uint64_t store_bytes = 0;
    if (auto usage = store->usage(); auto* u = std::get_if<StoreUsage>(&usage)) store_bytes = u->file_bytes;
    fmt::print("backup: {} tickets, {} bytes (store {} bytes) -> {}\n", b.tickets, b.bytes, store_bytes, dest);
    return kExitOk;
}

int cmd_restore(const Args& args) {
    if (args.positional.size() != 1) {
        fmt::print(stderr, "usage: deskgate restore SRC [--force] [--store PATH]\n");
        return kExitUsage;
    }
    const auto path = target_store(args);
    if (!path) return kExitFailure;
    const std::string source = args.positional.front();
    const std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                                 std::chrono::system_clock::now().time_since_epoch()).count();
    auto done = Store::restore(source, *path, args.flag("force"), now);
    if (auto* err = std::get_if<RestoreError>(&done)) {
        fmt::print(stderr, "deskgate: restore: {}\n", err->message);
        return err->kind == RestoreError::Kind::InUse ? kExitTempFail : kExitFailure;
    }
    const RestoreResult& r = std::get<RestoreResult>(done);
    fmt::print("restore: {} tickets, {} bytes (schema {}) from {} -> {}\n", r.tickets, r.bytes, r.schema, source, *path);
    if (!r.previous.empty()) fmt::print("the previous store is kept as {}\n", r.previous.string());
    if (r.schema < kSchemaVersion) {
        // The normal open migrates it; do it now, so the daemons start on the current schema.
        auto store = open_store_or_report(*path, false);
        if (!store) return kExitFailure;
        if (const auto& m = store->migration())
            fmt::print("store {} migrated from schema {} to {}\n", *path, m->from, m->to);
    }
    return kExitOk;
}

}  // namespace deskgate::cli
