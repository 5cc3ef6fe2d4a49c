// reply.hpp - the value every protocol answer is made of: SMTP code, RFC 3463 enhanced status,
// human text. Protocol layers (LMTP, milter) only format a Reply; they never invent codes.
#pragma once

#include <cstdint>
#include <string>

#include <fmt/format.h>

namespace deskgate {

// RFC 3463 class.subject.detail, e.g. 5.7.1.
struct EnhancedStatus {
    std::uint8_t klass = 2;
    std::uint16_t subject = 0;
    std::uint16_t detail = 0;

    friend bool operator==(const EnhancedStatus&, const EnhancedStatus&) = default;
};

struct Reply {
    int code = 250;               // RFC 5321 reply code
    EnhancedStatus status;        // must agree with code's first digit
    std::string text;             // single line, no CR/LF

    bool success() const { return code / 100 == 2; }
    bool temporary() const { return code / 100 == 4; }
    bool permanent() const { return code / 100 == 5; }
    friend bool operator==(const Reply&, const Reply&) = default;
};

}  // namespace deskgate

template <>
struct fmt::formatter<deskgate::EnhancedStatus> : fmt::formatter<std::string_view> {
    auto format(const deskgate::EnhancedStatus& s, format_context& ctx) const {
        return fmt::format_to(ctx.out(), "{}.{}.{}", s.klass, s.subject, s.detail);
    }
};

template <>
struct fmt::formatter<deskgate::Reply> : fmt::formatter<std::string_view> {
    auto format(const deskgate::Reply& r, format_context& ctx) const {
        return fmt::format_to(ctx.out(), "{} {} {}", r.code, r.status, r.text);
    }
};
