// received.cpp - see received.hpp.
#include "core/mail/received.hpp"

#include <cctype>

namespace deskgate {

std::string mta_queue_id(const ParsedMessage& message) {
    auto received = message.header("Received");
    if (!received) return {};
    const std::string_view v = *received;
    // " id <token>" - the token ends at whitespace or ';'.
    for (std::size_t pos = v.find(" id "); pos != std::string_view::npos; pos = v.find(" id ", pos + 1)) {
        std::size_t start = pos + 4;
        std::size_t end = start;
        while (end < v.size() && (std::isalnum(static_cast<unsigned char>(v[end])) || v[end] == '.' ||
                                  v[end] == '-' || v[end] == '_'))
            ++end;
        if (end > start) return std::string(v.substr(start, end - start));
    }
    return {};
}

}  // namespace deskgate
