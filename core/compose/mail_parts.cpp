// mail_parts.cpp - see mail_parts.hpp.
#include "core/compose/mail_parts.hpp"

#include <glib.h>

#include <fmt/format.h>

#include "core/mail/header_encoding.hpp"

namespace deskgate {

std::string quote_text(std::string_view body) {
    std::string out;
    std::size_t pos = 0;
    while (pos < body.size()) {
        const auto nl = body.find('\n', pos);
        const auto line = body.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
        out += line.empty() ? ">\n" : fmt::format("> {}\n", line);
        if (nl == std::string_view::npos) break;
        pos = nl + 1;
    }
    return out;
}

namespace {

// Base64 in lines of 76 characters, CRLF.
std::string base64_lines(std::string_view bytes) {
    gchar* encoded = g_base64_encode(reinterpret_cast<const guchar*>(bytes.data()), bytes.size());
    const std::string_view all(encoded);
    std::string out;
    out.reserve(all.size() + all.size() / 76 * 2 + 2);
    for (std::size_t i = 0; i < all.size(); i += 76) {
        out.append(all.substr(i, 76));
        out += "\r\n";
    }
    g_free(encoded);
    return out;
}

// A parameter value for Content-Type/Content-Disposition: RFC 2231 for anything not plain ASCII.
std::string filename_parameter(std::string_view name, std::string_view filename) {
    bool plain = !filename.empty();
    for (unsigned char c : filename)
        if (c < 0x20 || c >= 0x7F || c == '"' || c == '\\') plain = false;
    if (plain) return fmt::format("{}=\"{}\"", name, filename);
    std::string escaped;
    for (unsigned char c : filename) {
        if (std::isalnum(c) || c == '.' || c == '-' || c == '_') escaped += static_cast<char>(c);
        else escaped += fmt::format("%{:02X}", c);
    }
    return fmt::format("{}*=utf-8''{}", name, escaped.empty() ? "attachment" : escaped);
}

}  // namespace

std::string mime_body(std::string_view text, const std::vector<OutgoingAttachment>& attachments,
                      std::string_view boundary_seed) {
    const std::string plain_headers = "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n";
    if (attachments.empty()) return "MIME-Version: 1.0\r\n" + plain_headers + "\r\n" + to_crlf(text);
    gchar* hash = g_compute_checksum_for_data(G_CHECKSUM_SHA256, reinterpret_cast<const guchar*>(boundary_seed.data()),
                                              boundary_seed.size());
    const std::string boundary = fmt::format("=_deskgate_{}", std::string_view(hash).substr(0, 24));
    g_free(hash);
    std::string out = fmt::format("MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"{}\"\r\n\r\n", boundary);
    out += "This is a multi-part message in MIME format.\r\n";
    out += fmt::format("--{}\r\n{}\r\n{}\r\n", boundary, plain_headers, to_crlf(text));
    for (const OutgoingAttachment& a : attachments) {
        const std::string& type = a.meta->content_type.empty() ? std::string("application/octet-stream") : a.meta->content_type;
        out += fmt::format("--{}\r\nContent-Type: {}; {}\r\nContent-Disposition: attachment; {}\r\n"
                           "Content-Transfer-Encoding: base64\r\n\r\n",
                           boundary, type, filename_parameter("name", a.meta->filename),
                           filename_parameter("filename", a.meta->filename));
        out += base64_lines(a.content);
    }
    out += fmt::format("--{}--\r\n", boundary);
    return out;
}

}  // namespace deskgate
