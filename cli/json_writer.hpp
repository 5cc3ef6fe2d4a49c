// json_writer.hpp - a small streaming JSON writer for the CLI's --json output. Keys keep the
// order they are written in (stable output); strings are escaped, invalid UTF-8 becomes U+FFFD.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace deskgate::cli {

class JsonWriter {
public:
    explicit JsonWriter(bool pretty = true) : pretty_(pretty) {}

    JsonWriter& begin_object();
    JsonWriter& end_object();
    JsonWriter& begin_array();
    JsonWriter& end_array();
    JsonWriter& key(std::string_view k);

    JsonWriter& value(std::string_view s);
    JsonWriter& value(const char* s) { return value(std::string_view(s)); }
    JsonWriter& value(const std::string& s) { return value(std::string_view(s)); }
    JsonWriter& value(bool b);
    JsonWriter& value(std::int64_t n);
    JsonWriter& value(std::uint64_t n);
    JsonWriter& value(std::uint32_t n) { return value(static_cast<std::uint64_t>(n)); }
    JsonWriter& value(int n) { return value(static_cast<std::int64_t>(n)); }
    JsonWriter& null();

    template <typename T>
    JsonWriter& field(std::string_view k, const T& v) {
        key(k);
        return value(v);
    }
    JsonWriter& string_array(std::string_view k, const std::vector<std::string>& items);

    // The document so far, with a trailing newline once complete.
    std::string str() const;

private:
    void before_value();
    void newline();
    void raw(std::string_view s) { out_.append(s); }

    struct Level {
        bool array = false;
        bool empty = true;
    };
    bool pretty_;
    bool after_key_ = false;
    std::vector<Level> stack_;
    std::string out_;
};

// `s` as a JSON string literal (with quotes).
std::string json_quote(std::string_view s);

}  // namespace deskgate::cli
