// address.cpp - fuzz target: address normalisation and matching (core/base/address.hpp,
// core/base/wildcard.hpp), the LMTP path parser, and the same text as From/To/Cc of a message
// through parse_message(). A normalised address is a fixed point of normalize_address(), within
// RFC 5321's lengths, with no blanks, controls or upper case; plus-addressing splits and joins
// back; matching the admins' autoreply patterns stays linear in the address.
// Input: one address (or address list) as written.
#include <string>

#include "core/base/address.hpp"
#include "core/base/wildcard.hpp"
#include "core/mail/message.hpp"
#include "fuzz_support.hpp"
#include "lmtp/protocol.hpp"

using namespace deskgate;

namespace {

// Patterns as admins write them in autoreply_exceptions and routing rules.
constexpr std::string_view kPatterns[] = {"*.example.com", "example.com", "*@example.com", "b?b@*.org",
                                          "*", "*a*b*c*@*", "mailer-daemon@*"};

void check_normalized(std::string_view n) {
    if (n.empty()) return;
    FUZZ_CHECK(normalize_address(n) == n);
    FUZZ_CHECK(n.size() <= kMaxAddressLength);
    const std::string_view local = address_local(n), domain = address_domain(n);
    FUZZ_CHECK(!local.empty() && !domain.empty());
    FUZZ_CHECK(local.size() <= kMaxLocalPartLength && domain.size() <= kMaxDomainLength);
    FUZZ_CHECK(std::string(local) + "@" + std::string(domain) == n);
    // No control characters or capitals; a blank only inside a quoted string of the local part.
    bool quoted = false;
    for (std::size_t i = 0; i < n.size(); ++i) {
        const auto c = static_cast<unsigned char>(n[i]);
        if (c == '"') quoted = !quoted;
        FUZZ_CHECK(c >= 0x20 && c != 0x7F && !(c >= 'A' && c <= 'Z'));
        if (c == ' ') FUZZ_CHECK(quoted && i < local.size());
    }
    if (auto plus = split_plus_address(n)) {
        if (!plus->detail.empty()) FUZZ_CHECK(plus_address(plus->base, plus->detail) == n);
    }
    (void)is_automated_local_part(n);
    for (std::string_view p : kPatterns) (void)address_pattern_match(p, n);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input = fuzz::bytes(data, size);
    const std::string n = normalize_address(input);
    check_normalized(n);
    // Matching runs on what normalisation let through, but must not blow up on raw text either.
    for (std::string_view p : kPatterns) (void)address_pattern_match(p, input);

    if (auto path = lmtp::parse_path(input)) check_normalized(normalize_address(path->address));

    std::string raw = "From: ";
    raw.append(input);
    raw += "\r\nTo: ";
    raw.append(input);
    raw += "\r\nCc: undisclosed-recipients:;, ";
    raw.append(input);
    raw += "\r\nSubject: x\r\n\r\nbody\r\n";
    const ParsedMessage m = parse_message(raw);
    if (m.from) check_normalized(m.from->address);
    for (const auto* list : {&m.to, &m.cc})
        for (const Mailbox& mb : *list) {
            check_normalized(mb.address);
            FUZZ_CHECK(fuzz::is_utf8(mb.name));
        }
    return 0;
}
