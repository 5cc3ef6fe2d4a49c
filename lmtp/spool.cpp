// spool.cpp - see spool.hpp.
#include "lmtp/spool.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace deskgate::lmtp {
namespace {

constexpr std::size_t kWriteBuffer = 256 * 1024;

[[noreturn]] void fail(const char* what) { throw std::system_error(errno, std::generic_category(), what); }

int open_unlinked(const std::filesystem::path& dir) {
#ifdef O_TMPFILE
    int fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0) return fd;
#endif
    std::string name = (dir / "deskgate-spool-XXXXXX").string();
    int fd2 = ::mkostemp(name.data(), O_CLOEXEC);
    if (fd2 < 0) fail("spool file");
    ::unlink(name.c_str());
    return fd2;
}

}  // namespace

Spool::Spool(SpoolOptions options) : options_(std::move(options)) {}

Spool::~Spool() {
    if (map_) ::munmap(map_, map_size_);
    if (fd_ >= 0) ::close(fd_);
}

void Spool::append(std::string_view bytes) {
    if (map_) throw std::logic_error("Spool::append after view()");
    size_ += bytes.size();
    memory_.append(bytes);
    if (fd_ < 0 && memory_.size() > options_.memory_limit) spill();
    if (fd_ >= 0 && memory_.size() >= kWriteBuffer) flush();
}

void Spool::spill() {
    fd_ = open_unlinked(options_.dir);
    flush();
    memory_.shrink_to_fit();
    memory_.reserve(kWriteBuffer);
}

void Spool::flush() {
    std::size_t done = 0;
    while (done < memory_.size()) {
        const ssize_t n = ::write(fd_, memory_.data() + done, memory_.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            fail("writing the spool file");
        }
        done += static_cast<std::size_t>(n);
    }
    memory_.clear();
}

std::string_view Spool::view() {
    if (fd_ < 0) return memory_;
    if (!map_) {
        flush();
        if (size_ == 0) return {};
        map_size_ = static_cast<std::size_t>(size_);
        void* p = ::mmap(nullptr, map_size_, PROT_READ, MAP_PRIVATE, fd_, 0);
        if (p == MAP_FAILED) fail("mapping the spool file");
        map_ = p;
    }
    return {static_cast<const char*>(map_), map_size_};
}

}  // namespace deskgate::lmtp
