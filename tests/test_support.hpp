// test_support.hpp - helpers shared by unit tests: test data paths, temporary directories,
// reading files. No policy here.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>

namespace deskgate::test {

inline std::filesystem::path env_path(const char* name, const char* fallback) {
    const char* v = std::getenv(name);
    return v && *v ? std::filesystem::path(v) : std::filesystem::path(fallback);
}

// tests/data
inline std::filesystem::path data_dir() { return env_path("DESKGATE_TEST_DATA", "tests/data"); }
// ../shared/corpus
inline std::filesystem::path corpus_dir() { return env_path("DESKGATE_CORPUS", "../shared/corpus"); }
// the project root
inline std::filesystem::path source_dir() { return env_path("DESKGATE_SOURCE_DIR", "."); }

inline std::string read_file(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + p.string());
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

inline void write_file(const std::filesystem::path& p, std::string_view bytes) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// A directory removed when the object goes out of scope.
class TempDir {
public:
    TempDir() {
        std::random_device rd;
        auto base = std::filesystem::temp_directory_path();
        for (;;) {
            path_ = base / ("deskgate-test-" + std::to_string(rd()));
            if (std::filesystem::create_directory(path_)) break;
        }
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

}  // namespace deskgate::test
