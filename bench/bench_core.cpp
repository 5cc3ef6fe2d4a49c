// bench_core.cpp - the core benchmark: parse + decide + durable LMDB store for a mixed set of
// generated mails (2 KB to 1 MB; plain, HTML, attachments; new tickets and replies), against
// a Maildir-style durable delivery of the same bytes (write, fsync, rename) as the peer. The
// time is measured here, never asserted in a test.
//
//   bench_core [--messages N] [--seed S] [--smoke]
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "config/load.hpp"
#include "core/decision/engine.hpp"

using namespace deskgate;
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kConfig = R"(
[global]
hostname = "helpdesk.example.com"
store = "/unused"
staff_sender = "staff@example.com"
unknown_senders = "accept"
secret_file = "secret"
max_message_size = "64M"

[[customers]]
id = "acme"
name = "Acme"
domains = ["acme.example"]
email_tickets = true

[[queues]]
number = 10
name = "Support"
address = "support@helpdesk.example.com"
default_category = "general"
subject_tag = "[Support#{{ticket.number}}]"

[[queues]]
number = 20
name = "Billing"
address = "billing@helpdesk.example.com"
subject_tag = "[Billing#{{ticket.number}}]"

[[rules]]
name = "invoices"
conditions = [{ field = "subject", kind = "regex", value = "invoice" }]
set_category = "billing"
)";

std::string base64_block(std::mt19937_64& rng, std::size_t bytes) {
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve(bytes + bytes / 76 + 2);
    for (std::size_t i = 0; i < bytes; ++i) {
        out.push_back(kAlphabet[rng() % 64]);
        if (i % 76 == 75) out.push_back('\n');
    }
    out.push_back('\n');
    return out;
}

std::string text_block(std::mt19937_64& rng, std::size_t bytes) {
    static const std::vector<std::string> kWords = {
        "printer", "invoice", "the", "server", "is", "down", "please", "help", "again",
        "we", "need", "a", "new", "password", "for", "our", "office", "network", "thanks"};
    std::string out;
    std::size_t line = 0;
    while (out.size() < bytes) {
        const std::string& w = kWords[rng() % kWords.size()];
        out += w;
        line += w.size() + 1;
        if (line > 70) {
            out += '\n';
            line = 0;
        } else {
            out += ' ';
        }
    }
    out += '\n';
    return out;
}

// Size mix: 70% 2-10 KB, 25% 10-100 KB, 5% 100 KB-1 MB.
std::size_t pick_size(std::mt19937_64& rng) {
    const auto r = rng() % 100;
    if (r < 70) return 2048 + rng() % (8 * 1024);
    if (r < 95) return 10 * 1024 + rng() % (90 * 1024);
    return 100 * 1024 + rng() % (924 * 1024);
}

std::string make_message(std::mt19937_64& rng, std::size_t i, std::size_t size) {
    const bool reply = i > 10 && rng() % 3 == 0;
    std::string h = fmt::format(
        "Received: from mx.acme.example by mx.example.com (Postfix) with ESMTPS id B{:08X};\n"
        "\tTue, 24 Nov 2026 09:12:01 +0100\n"
        "From: User {} <user{}@acme.example>\nTo: support@helpdesk.example.com\n"
        "Subject: {} request {}\nDate: Tue, 24 Nov 2026 09:12:00 +0100\n"
        "Message-ID: <bench-{}@acme.example>\n",
        i, i % 50, i % 50, i % 7 == 0 ? "invoice" : "printer", i, i);
    if (reply) h += fmt::format("In-Reply-To: <bench-{}@acme.example>\n", rng() % i);
    h += "MIME-Version: 1.0\n";
    const auto kind = rng() % 3;
    if (kind == 0 || size < 4096) {
        return h + "Content-Type: text/plain; charset=utf-8\n\n" + text_block(rng, size);
    }
    if (kind == 1) {
        std::string html = "<html><body><p>" + text_block(rng, size / 2) + "</p><ul><li>one</li>"
                           "<li>two</li></ul></body></html>\n";
        return h + "Content-Type: multipart/alternative; boundary=\"ALT\"\n\n--ALT\n"
                   "Content-Type: text/plain; charset=utf-8\n\n" + text_block(rng, size / 2) +
               "--ALT\nContent-Type: text/html; charset=utf-8\n\n" + html + "--ALT--\n";
    }
    return h + "Content-Type: multipart/mixed; boundary=\"MIX\"\n\n--MIX\n"
               "Content-Type: text/plain; charset=utf-8\n\n" + text_block(rng, 1024) +
           "--MIX\nContent-Type: application/pdf; name=\"report.pdf\"\n"
           "Content-Transfer-Encoding: base64\n"
           "Content-Disposition: attachment; filename=\"report.pdf\"\n\n" +
           base64_block(rng, size) + "--MIX--\n";
}

long peak_rss_kib() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return u.ru_maxrss;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// The peer: durable Maildir-style delivery (tmp file, write, fsync, rename, fsync dir).
bool maildir_deliver(const fs::path& dir, std::size_t i, const std::string& raw) {
    const fs::path tmp = dir / "tmp" / fmt::format("{}.bench", i);
    const fs::path dst = dir / "new" / fmt::format("{}.bench", i);
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return false;
    bool ok = ::write(fd, raw.data(), raw.size()) == static_cast<ssize_t>(raw.size());
    ok = ok && ::fsync(fd) == 0;
    ::close(fd);
    ok = ok && ::rename(tmp.c_str(), dst.c_str()) == 0;
    const int dfd = ::open((dir / "new").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        ok = ok && ::fsync(dfd) == 0;
        ::close(dfd);
    }
    return ok;
}

}  // namespace

int main(int argc, char** argv) {
    std::size_t count = 2000;
    std::uint64_t seed = 42;
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        if (a == "--smoke") count = 20;
        else if (a == "--messages" && i + 1 < argc) count = std::stoul(argv[++i]);
        else if (a == "--seed" && i + 1 < argc) seed = std::stoull(argv[++i]);
        else {
            fmt::print(stderr, "usage: bench_core [--messages N] [--seed S] [--smoke]\n");
            return 64;
        }
    }

    const fs::path dir = fs::temp_directory_path() / fmt::format("deskgate-bench-core-{}", ::getpid());
    fs::create_directories(dir / "maildir" / "tmp");
    fs::create_directories(dir / "maildir" / "new");
    {
        std::FILE* f = std::fopen((dir / "secret").c_str(), "w");
        if (!f) return 1;
        std::fputs("bench-secret-0123456789abcdef0123456789abcdef\n", f);
        std::fclose(f);
    }
    LoadResult loaded = load_config_text(kConfig, "bench.toml", dir);
    if (!loaded.config) {
        for (const auto& e : loaded.errors) fmt::print(stderr, "{}\n", to_string(e));
        return 1;
    }
    const Config& config = *loaded.config;

    std::mt19937_64 rng(seed);
    std::vector<std::string> messages;
    std::uint64_t total_bytes = 0;
    for (std::size_t i = 0; i < count; ++i) {
        messages.push_back(make_message(rng, i, pick_size(rng)));
        total_bytes += messages.back().size();
    }
    const long rss_after_generate = peak_rss_kib();

    // 1. parse only
    auto t0 = std::chrono::steady_clock::now();
    std::size_t defects = 0;
    for (const auto& m : messages) defects += parse_message(m).defects.size();
    const double parse_s = seconds_since(t0);

    // 2. parse + decide + durable store, one transaction per message
    auto opened = Store::open(Store::Options{dir / "store", 64ull << 20, false});
    if (auto* err = std::get_if<StoreError>(&opened)) {
        fmt::print(stderr, "store: {}\n", err->message);
        return 1;
    }
    Store& store = std::get<Store>(opened);
    const Engine engine(config);
    std::size_t accepted = 0, tickets = 0;
    t0 = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < messages.size(); ++i) {
        Envelope env{fmt::format("user{}@acme.example", i % 50), {"support@helpdesk.example.com"}, ""};
        const DeliveryPlan plan = engine.deliver(store, env, messages[i], 1795507200 + static_cast<std::int64_t>(i));
        if (plan.recipients.at(0).reply.success()) ++accepted;
        if (plan.recipients.at(0).verdict == Verdict::NewTicket) ++tickets;
    }
    const double store_s = seconds_since(t0);

    // 3. the peer: durable Maildir delivery of the same bytes
    t0 = std::chrono::steady_clock::now();
    std::size_t delivered = 0;
    for (std::size_t i = 0; i < messages.size(); ++i)
        delivered += maildir_deliver(dir / "maildir", i, messages[i]) ? 1 : 0;
    const double maildir_s = seconds_since(t0);

    const double mb = static_cast<double>(total_bytes) / (1024.0 * 1024.0);
    const double n = static_cast<double>(count);
    fmt::print("bench_core: {} messages, {:.1f} MiB (mean {:.1f} KiB), seed {}\n", count, mb,
               static_cast<double>(total_bytes) / n / 1024.0, seed);
    fmt::print("{:<44} {:>10} {:>10}\n", "stage", "msgs/s", "MiB/s");
    fmt::print("{:<44} {:>10.0f} {:>10.1f}\n", "parse (GMime, decode, digest)", n / parse_s, mb / parse_s);
    fmt::print("{:<44} {:>10.0f} {:>10.1f}\n", "deskgate: parse + decide + durable LMDB", n / store_s,
               mb / store_s);
    fmt::print("{:<44} {:>10.0f} {:>10.1f}\n", "peer: Maildir write+fsync+rename", n / maildir_s,
               mb / maildir_s);
    fmt::print("ratio deskgate/maildir: {:.2f}\n", maildir_s / store_s);
    fmt::print("accepted {} of {} ({} new tickets), {} parse defects, peak RSS {} MiB "
               "(after generating the input: {} MiB)\n",
               accepted, count, tickets, defects, peak_rss_kib() / 1024, rss_after_generate / 1024);
    std::error_code ec;
    fs::remove_all(dir, ec);
    return accepted == count && delivered == count ? 0 : 1;
}
