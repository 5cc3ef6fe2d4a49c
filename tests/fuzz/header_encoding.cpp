// header_encoding.cpp - fuzz target: the header values we write (core/mail/header_encoding.hpp).
// encode_header_text() gives plain printable ASCII without "=?", or RFC 2047 Q-words of at
// most 75 characters on folded lines that decode back to exactly header_safe(text) - for UTF-8
// text whole characters per word, and GMime (which joins adjacent words before decoding) reads
// the same text. format_mailbox() gives a mailbox GMime parses back to the same address and
// display name. to_crlf() leaves no bare LF.
// Input: the text (used as Subject, as display name and as body).
#include <gmime/gmime.h>

#include <cctype>
#include <mutex>
#include <string>

#include "core/mail/header_encoding.hpp"
#include "fuzz_support.hpp"

using namespace deskgate;

namespace {

int hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// The bytes the Q-words of `encoded` carry, checking their form on the way: at most 75
// characters, only what RFC 2047 5(3) allows in a word that may stand in a phrase, and (when
// `utf8`) whole characters in every word.
std::string decode_words(std::string_view encoded, bool utf8) {
    std::string out;
    std::size_t pos = 0;
    while (true) {
        const std::size_t end = std::min(encoded.find("\r\n ", pos), encoded.size());
        const std::string_view word = encoded.substr(pos, end - pos);
        FUZZ_CHECK(word.size() <= 75);
        FUZZ_CHECK(word.starts_with("=?UTF-8?Q?") && word.ends_with("?="));
        const std::string_view payload = word.substr(10, word.size() - 12);
        FUZZ_CHECK(!payload.empty());
        const std::size_t word_start = out.size();
        for (std::size_t i = 0; i < payload.size(); ++i) {
            const char c = payload[i];
            if (c == '_') {
                out.push_back(' ');
            } else if (c == '=') {
                FUZZ_CHECK(i + 2 < payload.size() && hex(payload[i + 1]) >= 0 && hex(payload[i + 2]) >= 0);
                out.push_back(static_cast<char>(hex(payload[i + 1]) * 16 + hex(payload[i + 2])));
                i += 2;
            } else {
                FUZZ_CHECK(std::isalnum(static_cast<unsigned char>(c)) || std::string_view("!*+-/").find(c) != std::string_view::npos);
                out.push_back(c);
            }
        }
        if (utf8) FUZZ_CHECK(fuzz::is_utf8(std::string_view(out).substr(word_start)));
        if (end == encoded.size()) break;
        pos = end + 3;
    }
    return out;
}

// Printable ASCII, lines folded with CRLF + space only.
bool folded_ascii(std::string_view s) {
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c == '\r' && s.substr(i, 3) == "\r\n ") {
            i += 2;
            continue;
        }
        if (c < 0x20 || c >= 0x7F) return false;
    }
    return true;
}

bool printable_ascii(std::string_view s) {
    for (char c : s)
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7F) return false;
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static std::once_flag once;
    std::call_once(once, [] { g_mime_init(); });
    const std::string_view text = fuzz::bytes(data, size);
    const std::string safe = header_safe(text);
    FUZZ_CHECK(fuzz::no_controls(safe));

    const std::string encoded = encode_header_text(text);
    if (printable_ascii(safe) && safe.find("=?") == std::string::npos) {
        FUZZ_CHECK(encoded == safe);
    } else {
        FUZZ_CHECK(folded_ascii(encoded));
        FUZZ_CHECK(decode_words(encoded, fuzz::is_utf8(safe)) == safe);
        if (fuzz::is_utf8(safe) && safe.find('\0') == std::string::npos) {
            // A reader unfolds the field first (CRLF + space is a space between two words).
            std::string unfolded = encoded;
            for (std::size_t p = 0; (p = unfolded.find("\r\n ", p)) != std::string::npos;) unfolded.replace(p, 3, " ");
            gchar* decoded = g_mime_utils_header_decode_text(nullptr, unfolded.c_str());
            FUZZ_CHECK(decoded && safe == decoded);
            g_free(decoded);
        }
    }

    const std::string mailbox = format_mailbox(text, "someone@example.com");
    FUZZ_CHECK(folded_ascii(mailbox));
    if (fuzz::is_utf8(safe) && safe.find('\0') == std::string::npos) {
        std::string unfolded = mailbox;
        for (std::size_t p = 0; (p = unfolded.find("\r\n ", p)) != std::string::npos;) unfolded.replace(p, 3, " ");
        InternetAddressList* list = internet_address_list_parse(nullptr, unfolded.c_str());
        FUZZ_CHECK(list && internet_address_list_length(list) == 1);
        InternetAddress* a = internet_address_list_get_address(list, 0);
        FUZZ_CHECK(INTERNET_ADDRESS_IS_MAILBOX(a));
        FUZZ_CHECK(std::string_view(internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a))) ==
                   "someone@example.com");
        const char* name = internet_address_get_name(a);
        if (!safe.empty()) FUZZ_CHECK(name && safe == name);
        g_object_unref(list);
    }

    const std::string crlf = to_crlf(text);
    FUZZ_CHECK(crlf.ends_with("\r\n"));
    for (std::size_t i = 0; i < crlf.size(); ++i)
        if (crlf[i] == '\n') FUZZ_CHECK(i > 0 && crlf[i - 1] == '\r');
    return 0;
}
