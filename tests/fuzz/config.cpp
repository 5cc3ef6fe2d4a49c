// config.cpp - fuzz target: the config loader with its validation (config/load.hpp). The input
// is the main TOML file; after a line "%%include%%" comes a second file, written to
// conf.d/extra.toml in a private temporary directory that also holds the secret file, so
// `include = ["conf.d/*.toml"]` reads it. Every load ends in a Config or in errors that each
// say where (never both, never neither); a Config that loads is consistent enough to be used.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "config/load.hpp"
#include "core/base/template.hpp"
#include "fuzz_support.hpp"

using namespace deskgate;

namespace {

std::filesystem::path& dir() {
    static std::filesystem::path d = [] {
        char templ[] = "/tmp/deskgate-fuzz-config-XXXXXX";
        const char* made = mkdtemp(templ);
        if (!made) std::abort();
        std::filesystem::path p(made);
        std::filesystem::create_directories(p / "conf.d");
        std::ofstream(p / "secret") << "0123456789abcdef0123456789abcdef\n";
        std::atexit([] {
            std::error_code ec;
            std::filesystem::remove_all(dir(), ec);
        });
        return p;
    }();
    return d;
}

void write(const std::filesystem::path& p, std::string_view text) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input = fuzz::bytes(data, size);
    constexpr std::string_view kSeparator = "\n%%include%%\n";
    const std::size_t sep = input.find(kSeparator);
    const std::string_view main = input.substr(0, sep);
    const std::filesystem::path extra = dir() / "conf.d" / "extra.toml";
    if (sep != std::string_view::npos) write(extra, input.substr(sep + kSeparator.size()));
    else std::filesystem::remove(extra);

    const LoadResult r = load_config_text(main, "deskgate.toml", dir());
    FUZZ_CHECK(r.config.has_value() == r.errors.empty());
    for (const ConfigError& e : r.errors) {
        FUZZ_CHECK(!e.message.empty());
        FUZZ_CHECK(!e.where.file.empty());
        (void)to_string(e);
    }
    if (r.config) {
        const Config& c = *r.config;
        FUZZ_CHECK(!c.queues.empty() || c.queue_by_number.empty());
        for (const Queue& q : c.queues) {
            FUZZ_CHECK(c.queue_by_num(q.number) != nullptr);
            FUZZ_CHECK(check_template(q.subject_tag).empty());
            FUZZ_CHECK(check_template(q.display_name_template).empty());
        }
    }
    return 0;
}
