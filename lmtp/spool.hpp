// spool.hpp - a message being received: kept in memory up to a threshold, past it in an
// unlinked temporary file, read back through a read-only mapping. So 16 sessions receiving
// 20 MB each do not hold 320 MB of heap.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace deskgate::lmtp {

struct SpoolOptions {
    std::filesystem::path dir = std::filesystem::temp_directory_path();
    std::size_t memory_limit = 1u << 20;  // bytes kept in memory before spilling to a file
};

class Spool {
public:
    explicit Spool(SpoolOptions options);
    ~Spool();
    Spool(const Spool&) = delete;
    Spool& operator=(const Spool&) = delete;

    // Appends bytes; throws std::system_error when the spool file cannot be written.
    void append(std::string_view bytes);
    std::uint64_t size() const { return size_; }
    bool on_disk() const { return fd_ >= 0; }
    // The whole content; valid until the Spool is destroyed. No append afterwards.
    std::string_view view();

private:
    void spill();
    void flush();

    SpoolOptions options_;
    std::string memory_;  // content (in memory) or write buffer (on disk)
    std::uint64_t size_ = 0;
    int fd_ = -1;
    void* map_ = nullptr;
    std::size_t map_size_ = 0;
};

}  // namespace deskgate::lmtp
