// reply_text_tool.cpp - runs extract_reply_text over reply fixtures for bench/reply_text.sh.
// For each NAME.txt (a text body) or NAME.eml (a mail; its parse_message text_body) in
// FIXTURE_DIR it writes OUT_DIR/NAME.body (the body as the extractor sees it, for the peer to
// read too) and OUT_DIR/NAME.ours (the extracted text), and prints "NAME<TAB>cut<TAB>marker
// <TAB>signature". With --repeat N it then times N passes over all bodies (extraction only,
// bodies already in memory) and prints "time_ms <ms> passes <N> bytes <per pass>". With
// --large-kb K it writes OUT_DIR/large.big, a K KB body of staff text with no quote (every
// .expected text, repeated: nothing stops a scan early), and prints "large_ms <best of 3>".
//
//   reply_text_tool [--repeat N] [--large-kb K] FIXTURE_DIR OUT_DIR
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/mail/message.hpp"
#include "core/mail/reply_text.hpp"

namespace fs = std::filesystem;
using namespace deskgate;

namespace {

std::string read_all(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

void write_all(const fs::path& p, std::string_view bytes) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

struct Fixture {
    std::string name;
    std::string body;
};

std::vector<Fixture> load(const fs::path& dir) {
    std::vector<fs::path> paths;
    for (const auto& f : fs::directory_iterator(dir)) {
        const auto ext = f.path().extension();
        if (f.is_regular_file() && (ext == ".txt" || ext == ".eml")) paths.push_back(f.path());
    }
    std::sort(paths.begin(), paths.end());
    std::vector<Fixture> out;
    for (const fs::path& p : paths) {
        const std::string raw = read_all(p);
        out.push_back({p.stem().string(), p.extension() == ".eml" ? parse_message(raw).text_body : raw});
    }
    return out;
}

// A body of `kb` KB: the expected texts of all fixtures, repeated.
std::string large_body(const fs::path& dir, std::size_t kb) {
    std::string unit;
    for (const auto& f : fs::directory_iterator(dir))
        if (f.path().extension() == ".expected") unit += read_all(f.path()) + "\n";
    std::string body;
    while (!unit.empty() && body.size() < kb * 1024) body += unit;
    return body;
}

void time_large(const fs::path& dir, const fs::path& out_dir, std::size_t kb) {
    const std::string body = large_body(dir, kb);
    write_all(out_dir / "large.big", body);
    double best = 1e300;
    std::size_t sink = 0;
    for (int i = 0; i < 3; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        sink += extract_reply_text(body).text.size();
        const std::chrono::duration<double, std::milli> ms = std::chrono::steady_clock::now() - t0;
        best = std::min(best, ms.count());
    }
    fmt::print("large_ms {:.1f} bytes {} (checksum {})\n", best, body.size(), sink);
}

}  // namespace

int main(int argc, char** argv) {
    int repeat = 0;
    int large_kb = 0;
    int arg = 1;
    for (; arg + 1 < argc && std::string_view(argv[arg]).starts_with("--"); arg += 2) {
        if (std::string_view(argv[arg]) == "--repeat") repeat = std::atoi(argv[arg + 1]);
        else if (std::string_view(argv[arg]) == "--large-kb") large_kb = std::atoi(argv[arg + 1]);
        else break;
    }
    if (argc - arg != 2) {
        std::fputs("usage: reply_text_tool [--repeat N] [--large-kb K] FIXTURE_DIR OUT_DIR\n", stderr);
        return 2;
    }
    const fs::path out_dir = argv[arg + 1];
    const std::vector<Fixture> fixtures = load(argv[arg]);
    std::size_t bytes = 0;
    for (const Fixture& f : fixtures) {
        const ReplyText r = extract_reply_text(f.body);
        write_all(out_dir / (f.name + ".body"), f.body);
        write_all(out_dir / (f.name + ".ours"), r.text);
        fmt::print("{}\t{}\t{}\t{}\n", f.name, r.cut, r.marker_found, r.signature_removed);
        bytes += f.body.size();
    }
    if (repeat > 0) {
        std::size_t sink = 0;
        const auto t0 = std::chrono::steady_clock::now();
        for (int i = 0; i < repeat; ++i)
            for (const Fixture& f : fixtures) sink += extract_reply_text(f.body).text.size();
        const std::chrono::duration<double, std::milli> ms = std::chrono::steady_clock::now() - t0;
        fmt::print("time_ms {:.1f} passes {} bytes {} (checksum {})\n", ms.count(), repeat, bytes, sink);
    }
    if (large_kb > 0) time_large(argv[arg], out_dir, static_cast<std::size_t>(large_kb));
    return 0;
}
