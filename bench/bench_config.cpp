// bench_config.cpp - config load and lookup speed at scale: N customers with 3 domains and 3
// contacts each (default 10,000), loaded from an include file like a real deployment. The
// peer is toml++ parsing the same files without our validation (the floor we build on).
//
//   bench_config [--customers N]
#include <sys/resource.h>
#include <unistd.h>

#include <toml++/toml.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "config/load.hpp"
#include "core/base/address.hpp"

using namespace deskgate;
namespace fs = std::filesystem;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

long peak_rss_kib() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return u.ru_maxrss;
}

}  // namespace

int main(int argc, char** argv) {
    std::size_t customers = 10000;
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        if (a == "--customers" && i + 1 < argc) customers = std::stoul(argv[++i]);
        else {
            fmt::print(stderr, "usage: bench_config [--customers N]\n");
            return 64;
        }
    }
    const fs::path dir = fs::temp_directory_path() / fmt::format("deskgate-bench-config-{}", ::getpid());
    fs::create_directories(dir / "conf.d");
    {
        std::ofstream(dir / "secret") << "bench-secret-0123456789abcdef\n";
        std::ofstream main(dir / "deskgate.toml");
        main << "[global]\nhostname = \"helpdesk.example.com\"\nstore = \"/unused\"\n"
                "secret_file = \"secret\"\ninclude = [\"conf.d/*.toml\"]\n";
        for (int q = 1; q <= 20; ++q)
            main << fmt::format("[[queues]]\nnumber = {}\nname = \"Queue {}\"\naddress = \"q{}@helpdesk.example.com\"\n"
                                "forwarding = [\"help{}@example.com\"]\nsubject_tag = \"[Q{}#{{{{ticket.number}}}}]\"\n",
                                q, q, q, q, q);
        std::ofstream inc(dir / "conf.d" / "customers.toml");
        for (std::size_t c = 0; c < customers; ++c)
            inc << fmt::format("[[customers]]\nid = \"c{0}\"\nname = \"Customer {0}\"\n"
                               "domains = [\"c{0}.example\", \"c{0}.example.net\", \"mail.c{0}.example\"]\n"
                               "contacts = [\"a@c{0}.example\", \"b@c{0}.example\", \"c@c{0}.example.net\"]\n"
                               "email_tickets = {1}\n",
                               c, c % 3 ? "true" : "false");
    }

    auto t0 = std::chrono::steady_clock::now();
    std::size_t parsed_nodes = 0;
    for (const char* f : {"deskgate.toml", "conf.d/customers.toml"}) {
        auto doc = toml::parse_file((dir / f).string());
        parsed_nodes += doc.size();
    }
    const double toml_s = seconds_since(t0);

    t0 = std::chrono::steady_clock::now();
    LoadResult loaded = load_config(dir / "deskgate.toml");
    const double load_s = seconds_since(t0);
    if (!loaded.config) {
        for (const auto& e : loaded.errors) fmt::print(stderr, "{}\n", to_string(e));
        return 1;
    }
    const Config& config = *loaded.config;

    // Hash lookups on pre-normalised keys, 1,000,000 per map, keys spread over every customer;
    // then the engine's path (normalise the sender, contact, then domain, then the queue).
    const std::size_t n = 1'000'000;
    const std::size_t distinct = std::min<std::size_t>(customers * 3, 100'000);
    std::vector<std::string> contacts, domains, queues;
    for (std::size_t i = 0; i < distinct; ++i) {
        const std::size_t c = (i * 7919) % customers;
        contacts.push_back(fmt::format("{}@c{}{}", "abc"[i % 3], c, i % 3 == 2 ? ".example.net" : ".example"));
        domains.push_back(i % 3 == 0   ? fmt::format("c{}.example", c)
                          : i % 3 == 1 ? fmt::format("c{}.example.net", c)
                                       : fmt::format("mail.c{}.example", c));
    }
    for (int q = 1; q <= 20; ++q) queues.push_back(fmt::format("q{}@helpdesk.example.com", q));
    queues.push_back("help7@example.com");

    struct Row {
        std::string what;
        double seconds;
        std::size_t hits;
        std::size_t lookups;
    };
    std::vector<Row> rows;
    auto time_map = [&](std::string_view what, const auto& map, const std::vector<std::string>& keys) {
        std::size_t hits = 0;
        const auto t = std::chrono::steady_clock::now();
        for (std::size_t i = 0; i < n; ++i) hits += map.count(keys[i % keys.size()]);
        rows.push_back({std::string(what), seconds_since(t), hits, n});
    };
    time_map("customer_by_contact", config.customer_by_contact, contacts);
    time_map("customer_by_domain", config.customer_by_domain, domains);
    time_map("queue_by_address", config.queue_by_address, queues);
    {
        std::size_t hits = 0;
        const auto t = std::chrono::steady_clock::now();
        for (std::size_t i = 0; i < n; ++i) {
            const std::size_t c = (i * 7919) % customers;
            const std::string contact = normalize_address(fmt::format("B@C{}.example", c));
            hits += config.customer_by_contact.count(contact);
            hits += config.customer_by_domain.count(std::string(address_domain(contact)));
            hits += config.queue_by_address.count(queues[i % queues.size()]);
        }
        rows.push_back({"normalise + contact + domain + queue", seconds_since(t), hits, 3 * n});
    }

    fmt::print("bench_config: {} customers x 3 domains x 3 contacts, 20 queues\n", customers);
    fmt::print("{:<46} {:>12}\n", "stage", "time");
    fmt::print("{:<46} {:>9.1f} ms\n", "peer: toml++ parse only (same files)", toml_s * 1000);
    fmt::print("{:<46} {:>9.1f} ms\n", "deskgate: load + validate + index", load_s * 1000);
    fmt::print("ratio load/parse: {:.2f}\n\n", load_s / toml_s);
    fmt::print("{:<46} {:>14} {:>10}\n", "lookups (1,000,000 each)", "per second", "ns each");
    bool all_hit = true;
    for (const Row& r : rows) {
        fmt::print("{:<46} {:>14.0f} {:>10.1f}\n", r.what, r.lookups / r.seconds, r.seconds * 1e9 / r.lookups);
        all_hit = all_hit && r.hits == r.lookups;
    }
    fmt::print("\npeak RSS {} MiB\n", peak_rss_kib() / 1024);
    if (!all_hit) fmt::print(stderr, "some lookups missed: the generated config and the keys disagree\n");
    std::error_code ec;
    fs::remove_all(dir, ec);
    return all_hit && parsed_nodes > 0 ? 0 : 1;
}
