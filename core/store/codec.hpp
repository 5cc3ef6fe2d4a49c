// codec.hpp - the store's binary record format: fixed-width little-endian integers and
// length-prefixed strings, read back with bounds checks (a truncated or corrupt record throws
// codec::Error, never reads out of bounds). Keys use big-endian helpers so LMDB orders them.
#pragma once

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace deskgate::codec {

class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class Writer {
public:
    template <typename T>
    void uint(T v) {
        for (std::size_t i = 0; i < sizeof(T); ++i)
            out_.push_back(static_cast<char>((static_cast<std::uint64_t>(v) >> (8 * i)) & 0xFF));
    }
    void u8(std::uint8_t v) { uint(v); }
    void u32(std::uint32_t v) { uint(v); }
    void u64(std::uint64_t v) { uint(v); }
    void i64(std::int64_t v) { uint(static_cast<std::uint64_t>(v)); }
    void boolean(bool b) { u8(b ? 1 : 0); }
    void str(std::string_view s) {
        if (s.size() > 0xFFFFFFFFu) throw Error("record field longer than 4 GiB");
        u32(static_cast<std::uint32_t>(s.size()));
        out_.append(s);
    }
    void strings(const std::vector<std::string>& v) {
        count(v.size());
        for (const auto& s : v) str(s);
    }
    // An element count (vectors); checked like a string length.
    void count(std::size_t n) {
        if (n > 0xFFFFFFFFu) throw Error("record list longer than 2^32 elements");
        u32(static_cast<std::uint32_t>(n));
    }
    const std::string& data() const { return out_; }

private:
    std::string out_;
};

class Reader {
public:
    explicit Reader(std::string_view in) : in_(in) {}

    template <typename T>
    T uint() {
        need(sizeof(T));
        std::uint64_t v = 0;
        for (std::size_t i = 0; i < sizeof(T); ++i)
            v |= static_cast<std::uint64_t>(static_cast<unsigned char>(in_[pos_ + i])) << (8 * i);
        pos_ += sizeof(T);
        return static_cast<T>(v);
    }
    std::uint8_t u8() { return uint<std::uint8_t>(); }
    std::uint32_t u32() { return uint<std::uint32_t>(); }
    std::uint64_t u64() { return uint<std::uint64_t>(); }
    std::int64_t i64() { return static_cast<std::int64_t>(uint<std::uint64_t>()); }
    bool boolean() { return u8() != 0; }
    std::string str() {
        const std::uint32_t n = u32();
        need(n);
        std::string s(in_.substr(pos_, n));
        pos_ += n;
        return s;
    }
    std::vector<std::string> strings() {
        const std::uint32_t n = count();
        std::vector<std::string> v;
        v.reserve(n);
        for (std::uint32_t i = 0; i < n; ++i) v.push_back(str());
        return v;
    }
    // An element count, checked against the bytes left (each element takes at least one).
    std::uint32_t count() {
        const std::uint32_t n = u32();
        if (n > in_.size() - pos_) throw Error("corrupt record: element count past the end");
        return n;
    }
    bool done() const { return pos_ == in_.size(); }

private:
    void need(std::size_t n) const {
        if (n > in_.size() - pos_) throw Error("corrupt record: truncated");
    }
    std::string_view in_;
    std::size_t pos_ = 0;
};

// Big-endian key parts: LMDB compares keys bytewise, so numbers sort in order.
inline void put_be32(std::string& out, std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xFF));
}
inline void put_be64(std::string& out, std::uint64_t v) {
    for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xFF));
}
inline std::uint32_t get_be32(std::string_view in, std::size_t at) {
    if (in.size() < at + 4) throw Error("corrupt key");
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(in[at + i]);
    return v;
}
inline std::uint64_t get_be64(std::string_view in, std::size_t at) {
    if (in.size() < at + 8) throw Error("corrupt key");
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(in[at + i]);
    return v;
}

}  // namespace deskgate::codec
