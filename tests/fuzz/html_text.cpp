// html_text.cpp - fuzz target: HTML to text (core/mail/html_text.hpp) through libxml2's HTML
// parser and the attribute cap before it (core/mail/html_bounds.hpp). The input is made valid
// UTF-8 first, as parse_message() does before it calls html_to_text(); the text must be valid
// UTF-8 too, trimmed, with no CR.
// Input: an HTML document.
#include <string>

#include "core/mail/html_bounds.hpp"
#include "core/mail/html_text.hpp"
#include "core/mail/text_decode.hpp"
#include "fuzz_support.hpp"

using namespace deskgate;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string html = valid_utf8(fuzz::bytes(data, size));
    const std::string text = html_to_text(html);
    FUZZ_CHECK(fuzz::is_utf8(text));
    FUZZ_CHECK(text.find('\r') == std::string::npos);
    if (!text.empty()) {
        FUZZ_CHECK(text.front() != ' ' && text.front() != '\n');
        FUZZ_CHECK(text.back() != ' ' && text.back() != '\n');
    }
    // The cap is idempotent and never grows the document.
    if (auto bounded = bound_html_attributes(html)) {
        FUZZ_CHECK(bounded->size() < html.size());
        FUZZ_CHECK(!bound_html_attributes(*bounded));
    }
    return 0;
}
