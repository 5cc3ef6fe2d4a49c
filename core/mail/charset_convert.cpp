// charset_convert.cpp - see charset_convert.hpp.
#include "core/mail/charset_convert.hpp"

#include <gmime/gmime.h>

#include <iconv.h>

#include <cerrno>
#include <cstdint>

#include "core/base/text.hpp"

namespace deskgate {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// iconv's name for a MIME charset name ("" stays "").
std::string iconv_name(std::string_view charset) {
    const std::string name(charset);
    const char* mapped = name.empty() ? nullptr : g_mime_charset_iconv_name(name.c_str());
    return mapped ? std::string(mapped) : name;
}

// An open iconv descriptor, closed on scope exit.
class Converter {
public:
    explicit Converter(std::string_view charset)
        : cd_(iconv_open("UTF-8", iconv_name(charset).c_str())) {}
    ~Converter() {
        if (ok()) iconv_close(cd_);
    }
    Converter(const Converter&) = delete;
    Converter& operator=(const Converter&) = delete;
    bool ok() const { return cd_ != reinterpret_cast<iconv_t>(static_cast<std::intptr_t>(-1)); }

    // Converts `in` into `out` until the input ends (true) or a byte is invalid or truncated
    // (false: `in` then points at it).
    bool run(std::string_view& in, std::string& out) {
        char* src = const_cast<char*>(in.data());
        std::size_t left = in.size();
        bool clean = true;
        while (left > 0) {
            char buffer[16384];
            char* o = buffer;
            std::size_t o_left = sizeof buffer;
            const std::size_t r = iconv(cd_, &src, &left, &o, &o_left);
            const int error = errno;
            out.append(buffer, static_cast<std::size_t>(o - buffer));
            if (r != static_cast<std::size_t>(-1)) break;
            if (error == E2BIG) continue;
            clean = false;
            break;
        }
        in = std::string_view(src, left);
        return clean;
    }

    // The shift state back to initial (ISO-2022-JP ends in ASCII).
    void finish(std::string& out) {
        char buffer[64];
        char* o = buffer;
        std::size_t o_left = sizeof buffer;
        iconv(cd_, nullptr, nullptr, &o, &o_left);
        out.append(buffer, static_cast<std::size_t>(o - buffer));
    }

private:
    iconv_t cd_;
};

bool has_c1_control(std::string_view utf8) {
    for (std::size_t i = 0; i + 1 < utf8.size(); ++i)
        if (static_cast<unsigned char>(utf8[i]) == 0xC2 && static_cast<unsigned char>(utf8[i + 1]) < 0xA0 &&
            static_cast<unsigned char>(utf8[i + 1]) >= 0x80)
            return true;
    return false;
}

}  // namespace

bool is_utf8(std::string_view s) { return g_utf8_validate_len(s.data(), s.size(), nullptr); }

bool has_multibyte_utf8(std::string_view s) {
    for (char c : s)
        if (static_cast<unsigned char>(c) >= 0x80) return true;
    return false;
}

bool charset_known(std::string_view charset) { return !charset.empty() && Converter(charset).ok(); }

std::optional<std::string> convert_strict(std::string_view bytes, std::string_view charset) {
    Converter converter(charset);
    if (!converter.ok()) return std::nullopt;
    std::string out;
    out.reserve(bytes.size() + bytes.size() / 2);
    if (!converter.run(bytes, out)) return std::nullopt;
    converter.finish(out);
    if (!lower(charset).starts_with("utf") && has_c1_control(out)) return std::nullopt;
    return out;
}

std::optional<std::string> convert_lenient(std::string_view bytes, std::string_view charset, std::size_t& replaced) {
    Converter converter(charset);
    if (!converter.ok()) return std::nullopt;
    std::string out;
    out.reserve(bytes.size() + bytes.size() / 2);
    while (!converter.run(bytes, out)) {
        // An invalid or truncated sequence (or a failure iconv does not name): one byte
        // replaced, then on.
        if (bytes.empty()) break;
        out += kReplacement;
        ++replaced;
        bytes.remove_prefix(1);
    }
    converter.finish(out);
    return out;
}

}  // namespace deskgate
