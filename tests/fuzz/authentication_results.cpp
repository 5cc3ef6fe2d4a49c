// authentication_results.cpp - fuzz target: Authentication-Results (RFC 8601) as
// sender_authenticated() reads them (core/policy/authenticity.hpp), straight and through
// parse_message(); and the signed X-Deskgate-Auth mark, which must survive
// strip_untrusted_control_headers() and prove exactly its sender, while forged control headers
// in the input must not.
// Input: the From domain (first line), then header values (one per line).
#include <string>
#include <vector>

#include "core/mail/message.hpp"
#include "core/model/config.hpp"
#include "core/policy/authenticity.hpp"
#include "core/policy/classify.hpp"
#include "fuzz_support.hpp"

using namespace deskgate;

namespace {

const Config& config() {
    static const Config c = [] {
        Config cfg;
        cfg.global.trusted_authserv_ids = {"mx.example.com", "mx2.example"};
        cfg.global.secret = "0123456789abcdef0123456789abcdef";
        return cfg;
    }();
    return c;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input = fuzz::bytes(data, size);
    const std::size_t nl = input.find('\n');
    const std::string_view domain = input.substr(0, std::min<std::size_t>(nl, 300));
    const std::string_view values = nl == std::string_view::npos ? std::string_view() : input.substr(nl + 1);

    // Straight: each line one Authentication-Results value.
    ParsedMessage direct;
    for (std::size_t pos = 0; pos < values.size();) {
        const std::size_t end = std::min(values.find('\n', pos), values.size());
        direct.headers.push_back({"Authentication-Results", std::string(values.substr(pos, end - pos))});
        pos = end + 1;
    }
    (void)sender_authenticated(config(), direct, domain, false);
    FUZZ_CHECK(sender_authenticated(config(), direct, domain, true));

    // Through the parser: the lines are header fields as they arrive (folding, encoded words,
    // forged X-Deskgate-* fields and all).
    std::string raw = "From: someone@";
    raw.append(domain);
    raw += "\r\nMessage-ID: <fuzz@example.com>\r\nAuthentication-Results: ";
    raw.append(values);
    raw += "\r\n\r\nbody\r\n";
    ParsedMessage parsed = parse_message(raw);
    const std::string sender = parsed.from ? parsed.from->address : std::string();
    (void)sender_authenticated(config(), parsed, domain, false);

    // Forged control headers never survive; our own signed mark does, and proves its sender only.
    strip_untrusted_control_headers(config(), parsed);
    FUZZ_CHECK(!authentication_mark_proves(parsed, sender));
    if (!sender.empty()) {
        for (HeaderField& h : authentication_mark(config(), sender, parsed)) parsed.headers.push_back(std::move(h));
        strip_untrusted_control_headers(config(), parsed);
        FUZZ_CHECK(authentication_mark_proves(parsed, sender));
        FUZZ_CHECK(!authentication_mark_proves(parsed, "other" + sender));
    }
    return 0;
}
