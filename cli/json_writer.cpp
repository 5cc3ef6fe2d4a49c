// json_writer.cpp - see json_writer.hpp.
#include "cli/json_writer.hpp"

#include <fmt/format.h>

namespace deskgate::cli {
namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 when it is invalid.
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = 0;
    std::uint32_t min = 0;
    if (c < 0x80) return 1;
    if ((c & 0xE0) == 0xC0) { len = 2; min = 0x80; }
    else if ((c & 0xF0) == 0xE0) { len = 3; min = 0x800; }
    else if ((c & 0xF8) == 0xF0) { len = 4; min = 0x10000; }
    else return 0;
    if (i + len > s.size()) return 0;
    std::uint32_t cp = c & (0x7Fu >> len);
    for (std::size_t k = 1; k < len; ++k) {
        const auto cc = static_cast<unsigned char>(s[i + k]);
        if ((cc & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (cc & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return len;
}

}  // namespace

std::string json_quote(std::string_view s) {
    std::string out;
    out.reserve(s.size() + 2);
    out.push_back('"');
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        switch (c) {
        case '"': out += "\\\""; ++i; continue;
        case '\\': out += "\\\\"; ++i; continue;
        case '\n': out += "\\n"; ++i; continue;
        case '\r': out += "\\r"; ++i; continue;
        case '\t': out += "\\t"; ++i; continue;
        default: break;
        }
        if (c < 0x20 || c == 0x7F) {
            out += fmt::format("\\u{:04x}", c);
            ++i;
            continue;
        }
        const std::size_t len = utf8_sequence(s, i);
        if (len == 0) {
            out += "\xEF\xBF\xBD";  // U+FFFD
            ++i;
            continue;
        }
        out.append(s.substr(i, len));
        i += len;
    }
    out.push_back('"');
    return out;
}

void JsonWriter::newline() {
    if (!pretty_) return;
    out_.push_back('\n');
    out_.append(stack_.size() * 2, ' ');
}

void JsonWriter::before_value() {
    if (after_key_) {
        after_key_ = false;
        return;
    }
    if (stack_.empty()) return;
    if (!stack_.back().empty) out_.push_back(',');
    stack_.back().empty = false;
    newline();
}

JsonWriter& JsonWriter::begin_object() {
    before_value();
    raw("{");
    stack_.push_back({false, true});
    return *this;
}

JsonWriter& JsonWriter::end_object() {
    const bool empty = stack_.back().empty;
    stack_.pop_back();
    if (!empty) newline();
    raw("}");
    return *this;
}

JsonWriter& JsonWriter::begin_array() {
    before_value();
    raw("[");
    stack_.push_back({true, true});
    return *this;
}

JsonWriter& JsonWriter::end_array() {
    const bool empty = stack_.back().empty;
    stack_.pop_back();
    if (!empty) newline();
    raw("]");
    return *this;
}

JsonWriter& JsonWriter::key(std::string_view k) {
    before_value();
    raw(json_quote(k));
    raw(pretty_ ? ": " : ":");
    after_key_ = true;
    return *this;
}

JsonWriter& JsonWriter::value(std::string_view s) {
    before_value();
    raw(json_quote(s));
    return *this;
}

JsonWriter& JsonWriter::value(bool b) {
    before_value();
    raw(b ? "true" : "false");
    return *this;
}

JsonWriter& JsonWriter::value(std::int64_t n) {
    before_value();
    raw(fmt::format("{}", n));
    return *this;
}

JsonWriter& JsonWriter::value(std::uint64_t n) {
    before_value();
    raw(fmt::format("{}", n));
    return *this;
}

JsonWriter& JsonWriter::null() {
    before_value();
    raw("null");
    return *this;
}

JsonWriter& JsonWriter::string_array(std::string_view k, const std::vector<std::string>& items) {
    key(k);
    begin_array();
    for (const std::string& s : items) value(s);
    return end_array();
}

std::string JsonWriter::str() const { return stack_.empty() ? out_ + "\n" : out_; }

}  // namespace deskgate::cli
