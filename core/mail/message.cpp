// message.cpp - parse_message() with GMime 3 (see message.hpp). GMime's parser is lenient; its
// warnings become defects. GMime finds the structure; the text is ours: header fields are
// decoded from their raw values (message_headers.hpp: GMime's RFC 2047 decoder loses words),
// body text is converted by text_decode.hpp, and raw 8-bit text of unknown charset is guessed
// (charset_guess.hpp); attachment names the same way, from their parts' raw Content-Disposition
// and Content-Type values (attachment_name.hpp). Every string handed out is valid UTF-8, anything
// still invalid repaired with U+FFFD. A first line that is no header field is skipped
// (header_start.hpp).
#include "core/mail/message.hpp"
#include "core/base/text.hpp"

#include <gmime/gmime.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <memory>
#include <optional>
#include <mutex>
#include <unordered_set>

#include <fmt/format.h>

#include "core/mail/attachment_name.hpp"
#include "core/mail/charset_guess.hpp"
#include "core/mail/gmime_ptr.hpp"
#include "core/mail/header_start.hpp"
#include "core/mail/html_text.hpp"
#include "core/mail/message_headers.hpp"
#include "core/mail/mime_bounds.hpp"
#include "core/mail/text_decode.hpp"

namespace deskgate {
namespace {

// The decoded text kept for tickets and rules; the raw message is always stored whole.
constexpr std::size_t kMaxTextBody = 4u << 20;
// More defects than this say nothing new (a mail with 10,000 broken parts).
constexpr std::size_t kMaxDefects = 100;
constexpr std::size_t kMaxDeliveryStatus = 64u << 10;

struct OptionsFree {
    void operator()(GMimeParserOptions* p) const {
        if (p) g_mime_parser_options_free(p);
    }
};

void init_gmime() {
    static std::once_flag once;
    std::call_once(once, [] { g_mime_init(); });
}

std::string_view warning_text(GMimeParserWarning code) {
    switch (code) {
    case GMIME_WARN_DUPLICATED_HEADER: return "duplicated header";
    case GMIME_WARN_DUPLICATED_PARAMETER: return "duplicated header parameter";
    case GMIME_WARN_UNENCODED_8BIT_HEADER: return "unencoded 8-bit characters in a header";
    case GMIME_WARN_INVALID_CONTENT_TYPE: return "invalid Content-Type";
    case GMIME_WARN_INVALID_RFC2047_HEADER_VALUE: return "invalid RFC 2047 encoded header";
    case GMIME_WARN_MALFORMED_MULTIPART: return "malformed multipart (no parts or no closing boundary)";
    case GMIME_WARN_TRUNCATED_MESSAGE: return "truncated message";
    case GMIME_WARN_MALFORMED_MESSAGE: return "malformed message";
    case GMIME_CRIT_INVALID_HEADER_NAME: return "invalid header name";
    case GMIME_CRIT_CONFLICTING_HEADER: return "conflicting header";
    case GMIME_CRIT_CONFLICTING_PARAMETER: return "conflicting header parameter";
    case GMIME_CRIT_MULTIPART_WITHOUT_BOUNDARY: return "multipart without boundary";
    case GMIME_WARN_INVALID_PARAMETER: return "invalid header parameter";
    case GMIME_WARN_INVALID_ADDRESS_LIST: return "invalid address list";
    case GMIME_CRIT_NESTING_OVERFLOW: return "MIME nesting too deep";
    case GMIME_WARN_PART_WITHOUT_CONTENT: return "MIME part without content";
    case GMIME_CRIT_PART_WITHOUT_HEADERS_OR_CONTENT: return "MIME part without headers or content";
    }
    return "parser warning";
}

struct Collector {
    std::vector<std::string>* defects;
};

void on_warning(gint64 offset, GMimeParserWarning code, const gchar* item, gpointer user) {
    auto* c = static_cast<Collector*>(user);
    std::string text(warning_text(code));
    if (item && *item) text += fmt::format(": {}", valid_utf8(std::string_view(item).substr(0, 80)));
    if (offset >= 0) text += fmt::format(" (at byte {})", offset);
    if (c->defects->size() < 100) c->defects->push_back(std::move(text));
}

std::vector<std::string> parse_ids(GMimeParserOptions* options, const char* raw) {
    std::vector<std::string> out;
    if (!raw) return out;
    GMimeReferences* refs = g_mime_references_parse(options, raw);
    if (!refs) return out;
    const int n = g_mime_references_length(refs);
    for (int i = 0; i < n; ++i) {
        std::string id = valid_utf8(g_mime_references_get_message_id(refs, i));
        if (!id.empty()) out.push_back(std::move(id));
    }
    g_mime_references_free(refs);
    return out;
}

std::string stream_bytes(GMimeStream* stream) {
    GByteArray* bytes = g_mime_stream_mem_get_byte_array(as<GMimeStreamMem>(stream));
    return bytes ? std::string(reinterpret_cast<const char*>(bytes->data), bytes->len) : std::string();
}

// Decoded (transfer encoding removed) content of a leaf part.
std::string decoded_content(GMimePart* part) {
    GMimeDataWrapper* wrapper = g_mime_part_get_content(part);
    if (!wrapper) return {};
    GPtr<GMimeStream> mem(g_mime_stream_mem_new());
    g_mime_data_wrapper_write_to_stream(wrapper, mem.get());
    return stream_bytes(mem.get());
}

// Whether base64 content holds characters outside the alphabet (GMime skips them silently).
bool bad_base64(GMimePart* part) {
    if (g_mime_part_get_content_encoding(part) != GMIME_CONTENT_ENCODING_BASE64) return false;
    GMimeDataWrapper* wrapper = g_mime_part_get_content(part);
    if (!wrapper) return false;
    GMimeStream* encoded = g_mime_data_wrapper_get_stream(wrapper);
    if (!encoded) return false;
    g_mime_stream_reset(encoded);
    GPtr<GMimeStream> mem(g_mime_stream_mem_new());
    g_mime_stream_write_to_stream(encoded, mem.get());
    g_mime_stream_reset(encoded);
    const std::string text = stream_bytes(mem.get());
    return std::any_of(text.begin(), text.end(), [](char ch) {
        const auto c = static_cast<unsigned char>(ch);
        return !(std::isalnum(c) || c == '+' || c == '/' || c == '=' || std::isspace(c));
    });
}

// The Message-ID of a returned message's header block (text/rfc822-headers), without walking
// its body; "" if there is none.
std::string embedded_message_id(std::string_view headers) {
    std::vector<std::string> cut_fields;  // GMime parses the address fields of the block too
    std::string block = bound_address_lists(headers, cut_fields).value_or(std::string(headers));
    block += "\r\n\r\n";
    GPtr<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(block.data(), block.size()));
    GPtr<GMimeParser> parser(g_mime_parser_new_with_stream(stream.get()));
    GPtr<GMimeMessage> message(g_mime_parser_construct_message(parser.get(), nullptr));
    const char* id = message ? g_mime_message_get_message_id(message.get()) : nullptr;
    return id ? trim(valid_utf8(id)) : std::string();
}

// The raw value of header field `name` of a part (or message), first of its name; nullopt if absent.
std::optional<std::string_view> raw_header(GMimeObject* object, const char* name) {
    GMimeHeaderList* list = object ? g_mime_object_get_header_list(object) : nullptr;
    const int count = list ? g_mime_header_list_get_count(list) : 0;
    for (int i = 0; i < count; ++i) {
        GMimeHeader* h = g_mime_header_list_get_header_at(list, i);
        const char* field = g_mime_header_get_name(h);
        const char* raw = g_mime_header_get_raw_value(h);
        if (field && raw && g_ascii_strcasecmp(field, name) == 0) return std::string_view(raw);
    }
    return std::nullopt;
}

// A part's name parameter as written (attachment_name.hpp).
std::optional<MimeParameter> raw_name_parameter(GMimeObject* object) {
    return name_parameter(raw_header(object, "Content-Disposition").value_or(std::string_view()),
                          raw_header(object, "Content-Type").value_or(std::string_view()));
}

// Decoded attachment bytes wanted: one (attachment_content) or all (parse_message with contents).
struct Capture {
    std::size_t index = 0;
    std::optional<std::string> bytes;
    std::vector<std::string>* all = nullptr;
};

// Walks the MIME tree: picks the text body and lists the attachments.
struct Walk {
    Walk(std::string_view raw_bytes, ParsedMessage& parsed, Capture* wanted)
        : raw(raw_bytes), out(parsed), capture(wanted) {}

    std::string_view raw;
    ParsedMessage& out;
    Capture* capture = nullptr;
    int boundary_checks = 0;  // each is a scan of the raw bytes, so only the first few
    std::string plain;
    std::string html;
    bool have_plain = false;
    bool have_html = false;
    std::optional<std::string> text_charset;  // declared charset of the first body text
    std::vector<RawAttachmentName> names;     // of out.attachments, decoded once the hints are known

    void attachment(GMimeObject* object, RawAttachmentName name, std::string content) {
        Attachment a;
        names.push_back(std::move(name));
        GMimeContentType* type = g_mime_object_get_content_type(object);
        GString_ mime(type ? g_mime_content_type_get_mime_type(type) : nullptr);
        a.content_type = mime ? lower(valid_utf8(mime.get())) : "application/octet-stream";
        a.size = content.size();
        a.sha256 = sha256_hex(content);
        if (capture && capture->all) capture->all->push_back(std::move(content));
        else if (capture && capture->index == out.attachments.size()) capture->bytes = std::move(content);
        out.attachments.push_back(std::move(a));
    }

    void body_text(std::string_view content, const char* charset, bool is_plain) {
        // Only the first kMaxTextBody bytes (plus room for a multi-byte charset) are kept.
        content = content.substr(0, 2 * kMaxTextBody);
        if (!text_charset) text_charset = charset ? valid_utf8(charset) : std::string();
        std::string body = normalize_newlines(to_utf8(content, charset, out.defects));
        if (is_plain) {
            if (have_plain) plain += "\n";
            plain += body;
            have_plain = true;
        } else if (!have_html) {
            html = std::move(body);
            have_html = true;
        }
    }

    // `body_allowed` is false inside the alternatives not chosen: their text is another rendering
    // of the body (only an HTML one is kept, in case the chosen text is empty).
    void leaf(GMimePart* part, bool body_allowed) {
        GMimeObject* object = as<GMimeObject>(part);
        GMimeContentType* type = g_mime_object_get_content_type(object);
        const bool text = !type || g_mime_content_type_is_type(type, "text", "*");
        const bool is_plain = !type || g_mime_content_type_is_type(type, "text", "plain");
        const bool is_html = type && g_mime_content_type_is_type(type, "text", "html");
        RawAttachmentName name{raw_name_parameter(object), std::nullopt};
        const bool attached = g_mime_part_is_attachment(part) || (name.parameter && !name.parameter->bytes.empty());
        if (!attached && text && !body_allowed && !(is_html && !have_html)) return;
        if (bad_base64(part)) out.defects.push_back("invalid characters in base64 content");
        std::string content = decoded_content(part);
        if (type && g_mime_content_type_is_type(type, "text", "rfc822-headers")) {
            std::string id = embedded_message_id(content);
            if (!id.empty()) out.embedded_message_ids.push_back(std::move(id));
        }
        if (type && out.delivery_status.empty() &&
            (g_mime_content_type_is_type(type, "message", "delivery-status") ||
             g_mime_content_type_is_type(type, "message", "global-delivery-status")))
            out.delivery_status = valid_utf8(std::string_view(content).substr(0, kMaxDeliveryStatus));
        if (!attached && (is_plain || is_html)) {
            body_text(content, g_mime_object_get_content_type_parameter(object, "charset"), is_plain);
            return;
        }
        attachment(object, std::move(name), std::move(content));
    }

    // The best alternative: text/plain, else HTML (or a multipart holding it), else the last one.
    static GMimeObject* best_alternative(GMimeMultipart* multipart) {
        const int n = g_mime_multipart_get_count(multipart);
        GMimeObject* html_part = nullptr;
        for (int i = 0; i < n; ++i) {
            GMimeObject* p = g_mime_multipart_get_part(multipart, i);
            GMimeContentType* t = g_mime_object_get_content_type(p);
            if (t && g_mime_content_type_is_type(t, "text", "plain")) return p;
            if (t && g_mime_content_type_is_type(t, "text", "html") && !html_part) html_part = p;
            if (t && g_mime_content_type_is_type(t, "multipart", "*") && !html_part) html_part = p;
        }
        if (html_part) return html_part;
        return n > 0 ? g_mime_multipart_get_part(multipart, n - 1) : nullptr;
    }

    void multipart(GMimeMultipart* mp, int depth, bool body_allowed) {
        const int n = g_mime_multipart_get_count(mp);
        if (n == 0) {
            // No boundary, or none found: the content stayed in the prologue; keep it as text.
            const char* prologue = g_mime_multipart_get_prologue(mp);
            if (body_allowed && prologue && std::string_view(prologue).find_first_not_of(" \t\r\n") !=
                                                 std::string_view::npos)
                body_text(prologue, nullptr, true);
            return;
        }
        const char* boundary = g_mime_multipart_get_boundary(mp);
        if (boundary && *boundary && boundary_checks++ < 16 &&
            raw.find(fmt::format("--{}--", boundary)) == std::string_view::npos)
            out.defects.push_back("multipart without its closing boundary");
        GMimeContentType* t = g_mime_object_get_content_type(as<GMimeObject>(mp));
        GMimeObject* chosen = nullptr;
        if (t && g_mime_content_type_is_type(t, "multipart", "alternative")) chosen = best_alternative(mp);
        for (int i = 0; i < n; ++i) {
            GMimeObject* p = g_mime_multipart_get_part(mp, i);
            visit(p, depth + 1, body_allowed && (!chosen || p == chosen));
        }
    }

    void message_part(GMimeMessagePart* part) {
        GMimeObject* object = as<GMimeObject>(part);
        GMimeMessage* inner = g_mime_message_part_get_message(part);
        std::string bytes;
        if (inner) {
            GPtr<GMimeStream> mem(g_mime_stream_mem_new());
            g_mime_object_write_to_stream(as<GMimeObject>(inner), nullptr, mem.get());
            bytes = stream_bytes(mem.get());
            const char* id = g_mime_message_get_message_id(inner);
            if (id && *id) out.embedded_message_ids.push_back(trim(valid_utf8(id)));
        }
        RawAttachmentName name{raw_name_parameter(object), std::nullopt};
        if (inner)
            if (std::optional<std::string_view> subject = raw_header(as<GMimeObject>(inner), "Subject"))
                name.subject = std::string(*subject);
        attachment(object, std::move(name), std::move(bytes));
    }

    void visit(GMimeObject* object, int depth, bool body_allowed) {
        if (!object) return;
        if (depth > 64) {
            out.defects.push_back("MIME nesting too deep, inner parts skipped");
            return;
        }
        if (is_a(object, g_mime_multipart_get_type())) {
            multipart(as<GMimeMultipart>(object), depth, body_allowed);
        } else if (is_a(object, g_mime_message_part_get_type())) {
            message_part(as<GMimeMessagePart>(object));
        } else if (is_a(object, g_mime_part_get_type())) {
            leaf(as<GMimePart>(object), body_allowed);
        }
    }
};

// Offset just past the header block (after the first empty line); 0 (the whole input is the
// body) if there is no empty line.
std::size_t body_offset(std::string_view raw, bool& found) {
    std::size_t pos = 0;
    found = false;
    while (pos < raw.size()) {
        const std::size_t eol = raw.find('\n', pos);
        const std::size_t end = eol == std::string_view::npos ? raw.size() : eol;
        std::string_view line = raw.substr(pos, end - pos);
        if (line.empty() || line == "\r") {
            found = true;
            return eol == std::string_view::npos ? raw.size() : eol + 1;
        }
        if (eol == std::string_view::npos) break;
        pos = eol + 1;
    }
    return 0;
}

}  // namespace

std::string sha256_hex(std::string_view bytes) {
    GString_ hex(g_compute_checksum_for_data(G_CHECKSUM_SHA256,
                                             reinterpret_cast<const guchar*>(bytes.data()), bytes.size()));
    return hex ? std::string(hex.get()) : std::string();
}

std::optional<std::string_view> ParsedMessage::header(std::string_view name) const {
    for (const HeaderField& h : headers)
        if (iequals(h.name, name)) return std::string_view(h.value);
    return std::nullopt;
}

std::size_t ParsedMessage::header_count(std::string_view name) const {
    return static_cast<std::size_t>(std::count_if(
        headers.begin(), headers.end(), [&](const HeaderField& h) { return iequals(h.name, name); }));
}

namespace {

using ParserOptions = std::unique_ptr<GMimeParserOptions, OptionsFree>;

// Lenient parsing: fallback charsets for raw 8-bit headers, loose RFC 2047, address and
// parameter rules; every parser warning goes to `collector` as a defect.
ParserOptions parser_options(Collector& collector) {
    ParserOptions options(g_mime_parser_options_new());
    static const char* fallback[] = {"UTF-8", "windows-1252", "ISO-8859-1", nullptr};
    g_mime_parser_options_set_fallback_charsets(options.get(), fallback);
    g_mime_parser_options_set_rfc2047_compliance_mode(options.get(), GMIME_RFC_COMPLIANCE_LOOSE);
    g_mime_parser_options_set_address_compliance_mode(options.get(), GMIME_RFC_COMPLIANCE_LOOSE);
    g_mime_parser_options_set_parameter_compliance_mode(options.get(), GMIME_RFC_COMPLIANCE_LOOSE);
    g_mime_parser_options_set_warning_callback(options.get(), on_warning, &collector);
    return options;
}

// In-Reply-To and References, and the fields that mark automatic and list mail.
void read_thread_and_list_fields(GMimeParserOptions* options, GMimeObject* object, ParsedMessage& m) {
    m.in_reply_to = parse_ids(options, g_mime_object_get_header(object, "In-Reply-To"));
    m.references = parse_ids(options, g_mime_object_get_header(object, "References"));
    auto header_text = [&](std::string_view name) {
        auto v = m.header(name);
        return v ? std::string(*v) : std::string();
    };
    m.auto_submitted = lower(header_text("Auto-Submitted"));
    m.precedence = lower(header_text("Precedence"));
    m.list_id = header_text("List-Id");
    m.list_unsubscribe = header_text("List-Unsubscribe");
    m.x_auto_response_suppress = header_text("X-Auto-Response-Suppress");
}

// What the MIME walk found besides the text body and the attachments.
struct BodyFacts {
    std::string text_charset;              // declared charset of the body text ("" if none)
    std::vector<RawAttachmentName> names;  // of m.attachments, in order, as written
};

// The MIME tree walked: text/plain unless it is blank and there is HTML, else HTML as text.
BodyFacts read_body(std::string_view raw, GMimeObject* body, ParsedMessage& m, Capture* capture) {
    Walk walk(raw, m, capture);
    walk.visit(body, 0, true);
    const bool plain_blank = walk.plain.find_first_not_of(" \t\n") == std::string::npos;
    if (walk.have_plain && !(plain_blank && walk.have_html)) {
        m.text_body = std::move(walk.plain);
    } else if (walk.have_html) {
        m.text_body = html_to_text(walk.html);
        m.body_from_html = true;
    }
    return {walk.text_charset.value_or(std::string()), std::move(walk.names)};
}

// The text body cut to kMaxTextBody bytes (whole characters), with a defect.
void limit_text_body(ParsedMessage& m) {
    if (m.text_body.size() <= kMaxTextBody) return;
    std::size_t cut = kMaxTextBody;
    while (cut > 0 && (static_cast<unsigned char>(m.text_body[cut]) & 0xC0) == 0x80) --cut;  // whole characters
    m.text_body.resize(cut);
    m.defects.push_back(fmt::format("text body longer than {} MiB shortened (the raw message is kept whole)",
                                    kMaxTextBody >> 20));
}

// The same warning repeated says nothing new; a flood of them is cut.
void unique_defects(std::vector<std::string>& defects) {
    std::vector<std::string> unique;
    std::unordered_set<std::string> seen;
    for (auto& d : defects) {
        if (unique.size() >= kMaxDefects) {
            unique.push_back("more defects not listed");
            break;
        }
        if (seen.insert(d).second) unique.push_back(std::move(d));
    }
    defects = std::move(unique);
}

// parse_message(), also capturing one attachment's bytes for attachment_content().
ParsedMessage parse(std::string_view raw, Capture* capture) {
    init_gmime();
    ParsedMessage m;
    m.raw_size = raw.size();
    bool separator = false;
    const std::size_t body_at = body_offset(raw, separator);
    m.body_digest = sha256_hex(raw.substr(body_at));
    if (!separator && !raw.empty()) m.defects.push_back("no empty line between header and body");

    Collector collector{&m.defects};
    const ParserOptions options = parser_options(collector);  // declared before the message: outlives it
    // GMime's parameter scan is quadratic: fields with too many parameters are cut first (a
    // copy only then); the digest above and the stored raw message stay the original bytes.
    // A first line that is no header field hides the header block from GMime: skipped.
    const std::size_t skip = leading_non_header_line(raw);
    const std::string_view headed = raw.substr(skip);
    if (skip > 0)
        m.defects.push_back(fmt::format("first line skipped, not a header field: {}",
                                        trim(valid_utf8(raw.substr(0, std::min<std::size_t>(skip, 80))))));
    // Its address-list parser too: From, Sender, Reply-To, To, Cc and Bcc with too many
    // addresses are cut likewise.
    std::vector<std::string> cut_fields;
    const std::optional<std::string> addressed = bound_address_lists(headed, cut_fields);
    for (const std::string& field : cut_fields)
        m.defects.push_back(fmt::format("{}: address list cut to {} addresses", field, kMaxAddressesPerHeader));
    const std::string_view listed = addressed ? std::string_view(*addressed) : headed;
    const std::optional<std::string> bounded = bound_mime_parameters(listed);
    if (bounded)
        m.defects.push_back(fmt::format("a Content-Type or Content-Disposition with more than {} parameters cut",
                                        kMaxMimeParameters));
    const std::string_view parsed = bounded ? std::string_view(*bounded) : listed;
    GPtr<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(parsed.data(), parsed.size()));
    GPtr<GMimeParser> parser(g_mime_parser_new_with_stream(stream.get()));
    g_mime_parser_set_format(parser.get(), GMIME_FORMAT_MESSAGE);
    GPtr<GMimeMessage> message(g_mime_parser_construct_message(parser.get(), options.get()));

    bool repaired = false;
    if (!message) {
        if (!raw.empty()) m.defects.push_back("not a parseable message");
        m.text_body = normalize_newlines(valid_utf8(raw.substr(body_at, 2 * kMaxTextBody), &repaired));
    } else {
        GMimeObject* object = as<GMimeObject>(message.get());
        GMimeObject* body = g_mime_message_get_mime_part(message.get());
        const BodyFacts facts = read_body(parsed, body, m, capture);
        const HeaderHints hints = header_hints(message.get(), facts.text_charset,
                                               names_bytes_to_guess(facts.names, kMaxDetectBytes));
        read_headers(message.get(), options.get(), hints, m, repaired);
        for (std::size_t i = 0; i < m.attachments.size() && i < facts.names.size(); ++i)
            m.attachments[i].filename = attachment_name(facts.names[i], hints, m.defects);
        read_thread_and_list_fields(options.get(), object, m);
        if (!m.from) m.defects.push_back(m.header("From") ? "unparseable From" : "missing From");
    }
    limit_text_body(m);
    if (repaired) m.defects.push_back("invalid UTF-8 replaced");
    if (m.message_id.empty()) {
        m.message_id = sha256_hex(raw).substr(0, 32) + "@deskgate.invalid";
        m.message_id_synthesized = true;
        m.defects.push_back("missing Message-ID");
    }
    unique_defects(m.defects);
    return m;
}

}  // namespace

ParsedMessage parse_message(std::string_view raw) { return parse(raw, nullptr); }

ParsedMessage parse_message(std::string_view raw, std::vector<std::string>* attachment_contents) {
    if (!attachment_contents) return parse(raw, nullptr);
    Capture capture{0, std::nullopt, attachment_contents};
    return parse(raw, &capture);
}

std::optional<std::string> attachment_content(std::string_view raw, std::size_t index) {
    Capture capture{index, std::nullopt};
    parse(raw, &capture);
    return std::move(capture.bytes);
}

}  // namespace deskgate
