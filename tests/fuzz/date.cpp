// date.cpp - fuzz target: RFC 5322 dates. Incoming Date: fields are read by GMime's date parser
// (g_mime_utils_header_decode_date, which parse_message() uses through
// g_mime_message_get_date); the Date: we write comes from rfc5322_date()
// (core/mail/header_encoding.hpp). A parsed date printed with rfc5322_date() parses back to the
// same instant, and so does any instant from 1970 to 9999. (GMime reads no date before 1969 at
// all - g_mime_utils_header_decode_date() returns NULL - which costs nothing: such a Date: is
// as good as none, and we only write dates of now.)
// Input: a Date: value; its first 8 bytes are also read as an instant.
#include <gmime/gmime.h>

#include <cstring>
#include <mutex>
#include <string>

#include "core/mail/header_encoding.hpp"
#include "core/mail/message.hpp"
#include "fuzz_support.hpp"

using namespace deskgate;

namespace {

// Instants from 1970-01-01 to 9999-12-31 UTC: four-digit years, which RFC 5322 requires.
constexpr std::int64_t kMin = 0;
constexpr std::int64_t kMax = 253402300799LL;

std::optional<std::int64_t> parse_date(const std::string& text) {
    GDateTime* d = g_mime_utils_header_decode_date(text.c_str());
    if (!d) return std::nullopt;
    const std::int64_t t = g_date_time_to_unix(d);
    g_date_time_unref(d);
    return t;
}

void round_trip(std::int64_t t) {
    if (t < kMin || t > kMax) return;
    const std::string written = rfc5322_date(t);
    const auto back = parse_date(written);
    if (!back || *back != t) std::fprintf(stderr, "%lld -> '%s'\n", static_cast<long long>(t), written.c_str());
    FUZZ_CHECK(back && *back == t);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static std::once_flag once;
    std::call_once(once, [] { g_mime_init(); });
    const std::string text(fuzz::bytes(data, size));
    if (auto t = parse_date(text)) round_trip(*t);
    if (size >= 8) {
        std::int64_t t = 0;
        std::memcpy(&t, data, sizeof t);
        (void)rfc5322_date(t);  // any instant prints without a crash
        round_trip(kMin + static_cast<std::int64_t>(static_cast<std::uint64_t>(t) % static_cast<std::uint64_t>(kMax - kMin + 1)));
    }
    // Through parse_message(), as it arrives.
    const ParsedMessage m = parse_message("Date: " + text + "\r\nFrom: a@example.com\r\n\r\nx\r\n");
    if (m.date && text.find_first_of("\r\n") == std::string::npos) round_trip(*m.date);
    return 0;
}
