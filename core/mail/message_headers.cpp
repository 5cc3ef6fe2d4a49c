// message_headers.cpp - see message_headers.hpp.
#include "core/mail/message_headers.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "core/base/text.hpp"
#include "core/mail/address_header.hpp"
#include "core/mail/charset_guess.hpp"
#include "core/mail/encoded_words.hpp"
#include "core/mail/gmime_ptr.hpp"
#include "core/mail/text_decode.hpp"

namespace deskgate {
namespace {

std::string clean(const char* s, bool& repaired) {
    return s ? valid_utf8(std::string_view(s), &repaired) : std::string();
}

// Every header field in the order written. GMime files the Content-* fields under the top-level
// part: both lists are merged back by stream offset.
std::vector<GMimeHeader*> fields_in_order(GMimeMessage* message) {
    GMimeObject* object = as<GMimeObject>(message);
    GMimeObject* body = g_mime_message_get_mime_part(message);
    std::vector<GMimeHeader*> fields;
    for (GMimeObject* holder : {object, body}) {
        GMimeHeaderList* list = holder ? g_mime_object_get_header_list(holder) : nullptr;
        const int count = list ? g_mime_header_list_get_count(list) : 0;
        for (int i = 0; i < count; ++i) fields.push_back(g_mime_header_list_get_header_at(list, i));
    }
    std::stable_sort(fields.begin(), fields.end(), [](GMimeHeader* a, GMimeHeader* b) {
        return g_mime_header_get_offset(a) < g_mime_header_get_offset(b);
    });
    return fields;
}

std::string_view raw_value(GMimeHeader* h) {
    const char* raw = g_mime_header_get_raw_value(h);
    return raw ? std::string_view(raw) : std::string_view();
}

bool is_address_field(std::string_view name) {
    return iequals(name, "From") || iequals(name, "Reply-To") || iequals(name, "To") || iequals(name, "Cc");
}

std::vector<Mailbox>& address_list(std::string_view name, ParsedMessage& m, std::vector<Mailbox>& from) {
    if (iequals(name, "Reply-To")) return m.reply_to;
    if (iequals(name, "To")) return m.to;
    if (iequals(name, "Cc")) return m.cc;
    return from;
}

}  // namespace

// The detector is asked only when there are such bytes.
HeaderHints header_hints(GMimeMessage* message, std::string_view text_charset, std::string_view more) {
    HeaderHints hints{std::string(text_charset), {}};
    std::string unknown;
    for (GMimeHeader* h : fields_in_order(message)) {
        if (unknown.size() >= kMaxDetectBytes) break;
        unknown += bytes_to_guess(raw_value(h), kMaxDetectBytes - unknown.size());
    }
    unknown += more.substr(0, kMaxDetectBytes - std::min(unknown.size(), kMaxDetectBytes));
    if (!unknown.empty()) hints.header_guess = detect_charset(unknown);
    return hints;
}

void read_headers(GMimeMessage* message, GMimeParserOptions* options, const HeaderHints& hints, ParsedMessage& m,
                  bool& repaired) {
    const std::vector<GMimeHeader*> fields = fields_in_order(message);
    std::vector<Mailbox> from;
    m.headers.reserve(fields.size());
    for (GMimeHeader* h : fields) {
        HeaderField field;
        field.name = clean(g_mime_header_get_name(h), repaired);
        field.value = decode_header_text(raw_value(h), hints, m.defects);
        if (is_address_field(field.name))
            parse_address_field(field.name, raw_value(h), hints, options, address_list(field.name, m, from), m.defects,
                                repaired);
        m.headers.push_back(std::move(field));
    }
    if (!from.empty()) m.from = from.front();
    if (from.size() > 1) m.defects.push_back(fmt::format("{} From addresses", from.size()));
    if (auto subject = m.header("Subject")) m.subject = std::string(*subject);
    m.message_id = trim(clean(g_mime_message_get_message_id(message), repaired));
    if (GDateTime* date = g_mime_message_get_date(message)) m.date = g_date_time_to_unix(date);
}

}  // namespace deskgate
