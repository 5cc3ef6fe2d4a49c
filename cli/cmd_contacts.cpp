// cmd_contacts.cpp - `deskgate contacts [--json]`: contacts created automatically from unknown
// senders at customers' domains (queues with create_unknown_contacts).
#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/render.hpp"

namespace deskgate::cli {

int cmd_contacts(const Args& args) {
    std::optional<Store> store;
    if (args.option("store")) {
        store = open_store_or_report(*args.option("store"), true);
    } else {
        auto config = load_or_report(config_path(args));
        if (!config) return kExitFailure;
        store = open_store_or_report(store_path(args, &*config), true);
    }
    if (!store) return kExitFailure;
    std::vector<Contact> contacts;
    if (auto err = store->read([&](const ReadTxn& txn) { contacts = txn.contacts(); })) {
        fmt::print(stderr, "deskgate: {}\n", err->message);
        return kExitFailure;
    }
    if (args.flag("json")) {
        JsonWriter w;
        w.begin_array();
        for (const Contact& c : contacts)
            w.begin_object()
                .field("address", c.address)
                .field("name", c.name)
                .field("customer", c.customer_id)
                .field("queue", c.queue)
                .field("created", iso_time(c.created))
                .end_object();
        w.end_array();
        fmt::print("{}", w.str());
        return kExitOk;
    }
    fmt::print("{:<36} {:<24} {:<12} {:<6} {}\n", "ADDRESS", "NAME", "CUSTOMER", "QUEUE", "CREATED");
    for (const Contact& c : contacts)
        fmt::print("{:<36} {:<24} {:<12} {:<6} {}\n", c.address, c.name, c.customer_id, c.queue, iso_time(c.created));
    return kExitOk;
}

}  // namespace deskgate::cli
