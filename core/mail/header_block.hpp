// header_block.hpp - a header block rebuilt from the fields a milter hands over one by one
// ("Name: value\r\n"), bounded, for parse_message() at the end of the headers.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace deskgate {

inline constexpr std::size_t kMaxHeaderBlock = 1u << 20;  // plenty for any real header block

// Appends one field unless the block already holds kMaxHeaderBlock bytes.
inline void append_header(std::string& block, std::string_view name, std::string_view value) {
    if (block.size() >= kMaxHeaderBlock) return;
    block.append(name);
    block += ": ";
    block.append(value);
    block += "\r\n";
}

}  // namespace deskgate
