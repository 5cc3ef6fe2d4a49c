// cmd_ingest.cpp - `deskgate ingest FILE --to ADDR... [--from ADDR] [--dry-run] [--json]`:
// the engine's whole decision for one message, stored unless --dry-run.
#include <cstdio>
#include <filesystem>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/render.hpp"
#include "core/decision/engine.hpp"

namespace deskgate::cli {
int cmd_ingest(const Args& args) {
    if (args.positional.size() != 1 || args.all("to").empty()) {
        fmt::print(stderr, "usage: deskgate ingest FILE|- --to ADDR [--to ADDR...] [--from ADDR] "
                           "[--queue-id ID] [--now UNIX] [--dry-run] [--json]\n");
        return kExitUsage;
    }
    auto raw = read_input(args.positional[0]);
    if (!raw) {
        fmt::print(stderr, "deskgate: cannot read {}\n", args.positional[0]);
        return kExitFailure;
    }
    const auto clock = now_or_report(args);  // usage errors before anything is opened
    if (!clock) return kExitUsage;
    const std::int64_t now = *clock;
    auto config = load_or_report(config_path(args));
    if (!config) return kExitFailure;
    const bool dry_run = args.flag("dry-run");
    // A dry run only reads: an existing store read-only, and no store at all (nothing is
    // created) decided as an empty one.
    const std::string path = store_path(args, &*config);
    std::error_code ec;
    const bool no_store = dry_run && !path.empty() && !std::filesystem::exists(std::filesystem::path(path) / "data.mdb", ec);
    std::optional<Store> store;
    if (!no_store) {
        store = open_store_or_report(path, dry_run);
        if (!store) return kExitFailure;
    }

    Envelope envelope;
    envelope.recipients = args.all("to");
    envelope.queue_id = args.option("queue-id").value_or("");
    if (auto from = args.option("from")) {
        envelope.sender = *from;
    } else {
        // Without --from the envelope sender is the From header's address, as a local
        // submission would have it.
        envelope.sender = parse_message(*raw).from.value_or(Mailbox{}).address;
    }

    const Engine engine(*config);
    const DeliveryPlan plan = no_store  ? engine.dry_run_without_store(envelope, *raw, now)
                              : dry_run ? engine.dry_run(*store, envelope, *raw, now)
                                        : engine.deliver(*store, envelope, *raw, now);
    if (args.flag("json")) {
        JsonWriter w;
        write_json(w, plan, *config, dry_run);
        fmt::print("{}", w.str());
    } else {
        fmt::print("{}", text_plan(plan, *config, dry_run));
    }
    bool temporary = false, permanent = false;
    for (const RecipientDecision& d : plan.recipients) {
        temporary = temporary || d.reply.temporary();
        permanent = permanent || d.reply.permanent();
    }
    return permanent ? kExitFailure : temporary ? kExitTempFail : kExitOk;
}

}  // namespace deskgate::cli
