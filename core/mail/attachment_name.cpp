// attachment_name.cpp - see attachment_name.hpp.
#include "core/mail/attachment_name.hpp"

#include <fmt/format.h>

#include "core/base/text.hpp"
#include "core/mail/charset_convert.hpp"
#include "core/mail/charset_guess.hpp"
#include "core/mail/safe_filename.hpp"
#include "core/mail/text_decode.hpp"

namespace deskgate {
namespace {

// An RFC 2231 value in its declared charset, the label checked as a body part's is.
std::string declared_text(const MimeParameter& p, const HeaderHints& hints, std::vector<std::string>& defects) {
    DecodedText d = decode_declared(p.bytes, p.charset, {hints.text_charset, hints.header_guess});
    const std::string cs = valid_utf8(std::string_view(p.charset).substr(0, 40));
    if (d.label != DecodedText::Label::kept)
        defects.push_back(fmt::format("attachment name in charset '{}' read as {}", cs, lower(d.charset)));
    else if (d.replaced)
        defects.push_back(fmt::format("bytes invalid in charset '{}' in an attachment name replaced", cs));
    return unfold(d.text);
}

// An RFC 2231 value with a charset.
bool declared(const MimeParameter& p) { return p.extended && !p.charset.empty(); }

// Whether `charset` holds `bytes` (what bytes_to_guess asks of an encoded word).
bool held(std::string_view bytes, std::string_view charset) {
    if (iequals(charset, "utf-8") || iequals(charset, "utf8")) return is_utf8(bytes);
    return convert_strict(bytes, charset).has_value();
}

std::string decoded(const MimeParameter& p, const HeaderHints& hints, std::vector<std::string>& defects) {
    if (declared(p)) return declared_text(p, hints, defects);
    return decode_header_text(p.bytes, hints, defects);
}

// A subject as a file name: its slashes are no directories ("Re: invoice 1/2").
std::string subject_name(std::string subject) {
    for (char& c : subject)
        if (c == '/' || c == '\\') c = '_';
    std::string name = safe_filename(subject);
    return name.empty() ? name : name + ".eml";
}

}  // namespace

std::optional<MimeParameter> name_parameter(std::string_view disposition, std::string_view content_type) {
    std::optional<MimeParameter> p = mime_parameter(disposition, "filename");
    if (p && !trim(p->bytes).empty()) return p;
    return mime_parameter(content_type, "name");
}

std::string names_bytes_to_guess(const std::vector<RawAttachmentName>& names, std::size_t limit) {
    std::string out;
    for (const RawAttachmentName& name : names) {
        if (out.size() >= limit) break;
        if (const std::optional<MimeParameter>& p = name.parameter; p && declared(*p)) {
            if (!held(p->bytes, p->charset)) out.append(p->bytes).append("\n");
        } else if (p) {
            out += bytes_to_guess(p->bytes, limit - out.size());
        }
        if (name.subject && out.size() < limit) out += bytes_to_guess(*name.subject, limit - out.size());
    }
    return out;
}

std::string attachment_name(const RawAttachmentName& name, const HeaderHints& hints,
                            std::vector<std::string>& defects) {
    if (name.parameter) {
        const std::string text = trim(decoded(*name.parameter, hints, defects));
        std::string safe = safe_filename(text);
        if (safe != text)
            defects.push_back(fmt::format("attachment name with a path or control characters kept as '{}'",
                                          valid_utf8(std::string_view(safe).substr(0, 80))));
        if (!safe.empty() || !name.subject) return safe;
    }
    if (name.subject) return subject_name(decode_header_text(*name.subject, hints, defects));
    return {};
}

}  // namespace deskgate
