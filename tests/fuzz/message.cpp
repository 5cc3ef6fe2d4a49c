// message.cpp - fuzz target: parse_message() (core/mail/message.hpp) on raw bytes. It must not
// crash, hang or leak; every text it hands out must be valid UTF-8; addresses must be
// normalised; the attachment list, the captured attachment contents and attachment_content()
// must agree.
// Input: one raw message.
#include <string>
#include <vector>

#include "core/base/address.hpp"
#include "core/mail/message.hpp"
#include "fuzz_support.hpp"

using namespace deskgate;
using deskgate::fuzz::is_utf8;

namespace {

void check_mailbox(const Mailbox& m) {
    FUZZ_CHECK(is_utf8(m.name));
    FUZZ_CHECK(is_utf8(m.address));
    if (!m.address.empty()) {
        FUZZ_CHECK(normalize_address(m.address) == m.address);
        FUZZ_CHECK(m.address.size() <= kMaxAddressLength);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view raw = fuzz::bytes(data, size);
    std::vector<std::string> contents;
    const ParsedMessage m = parse_message(raw, &contents);

    FUZZ_CHECK(m.raw_size == size);
    FUZZ_CHECK(!m.message_id.empty() && is_utf8(m.message_id));
    FUZZ_CHECK(m.body_digest.size() == 64);
    if (m.from) check_mailbox(*m.from);
    for (const auto* list : {&m.reply_to, &m.to, &m.cc})
        for (const Mailbox& mb : *list) check_mailbox(mb);
    FUZZ_CHECK(is_utf8(m.subject));
    for (const auto* list : {&m.in_reply_to, &m.references, &m.embedded_message_ids})
        for (const std::string& id : *list) FUZZ_CHECK(is_utf8(id));
    for (const HeaderField& h : m.headers) FUZZ_CHECK(is_utf8(h.name) && is_utf8(h.value));
    FUZZ_CHECK(is_utf8(m.auto_submitted) && is_utf8(m.precedence) && is_utf8(m.list_id));
    FUZZ_CHECK(is_utf8(m.list_unsubscribe) && is_utf8(m.x_auto_response_suppress));
    FUZZ_CHECK(is_utf8(m.text_body));
    FUZZ_CHECK(m.text_body.size() <= (4u << 20));
    FUZZ_CHECK(is_utf8(m.delivery_status));
    for (const std::string& d : m.defects) FUZZ_CHECK(is_utf8(d));
    FUZZ_CHECK(m.defects.size() <= 101);

    FUZZ_CHECK(contents.size() == m.attachments.size());
    for (std::size_t i = 0; i < m.attachments.size(); ++i) {
        const Attachment& a = m.attachments[i];
        FUZZ_CHECK(is_utf8(a.filename) && is_utf8(a.content_type));
        FUZZ_CHECK(a.size == contents[i].size());
        FUZZ_CHECK(a.sha256 == sha256_hex(contents[i]));
    }
    // The same MIME walk for one attachment (the last: the whole walk runs).
    if (!contents.empty()) {
        const auto last = attachment_content(raw, contents.size() - 1);
        FUZZ_CHECK(last && *last == contents.back());
        FUZZ_CHECK(!attachment_content(raw, contents.size()));
    }
    return 0;
}
