// approval_answer.cpp - see approval_answer.hpp.
#include "core/policy/approval_answer.hpp"

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "core/base/text.hpp"
#include "core/mail/reply_text.hpp"

namespace deskgate {
namespace {

constexpr std::array<std::string_view, 9> kApprove = {"approve", "approved", "yes", "ok", "accept", "ano", "áno", "ja", "tak"};
constexpr std::array<std::string_view, 8> kDecline = {"decline", "declined", "no", "reject", "deny", "ne", "nie", "nein"};

bool word_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           static_cast<unsigned char>(c) >= 0x80;  // UTF-8 letters (á)
}

}  // namespace

ApprovalAnswer read_approval_answer(std::string_view body) {
    const std::string text = extract_reply_text(body).text;
    // The words of the first line that has any.
    std::vector<std::string> words;
    std::string_view rest = text;
    while (!rest.empty() && words.empty()) {
        const auto nl = rest.find('\n');
        const std::string_view line = rest.substr(0, nl);
        rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
        for (std::size_t i = 0; i < line.size();) {
            while (i < line.size() && !word_char(line[i])) ++i;
            std::size_t e = i;
            while (e < line.size() && word_char(line[e])) ++e;
            if (e > i) words.push_back(lower(line.substr(i, e - i)));
            i = e;
        }
    }
    auto in = [](const auto& list, const std::string& w) {
        return std::find(list.begin(), list.end(), w) != list.end();
    };
    if (words.empty()) return ApprovalAnswer::Unclear;
    const bool approve = in(kApprove, words.front()), decline = in(kDecline, words.front());
    if (!approve && !decline) return ApprovalAnswer::Unclear;
    // "No problem, approved": the line says both - nothing is decided on it.
    for (const std::string& w : words)
        if ((approve && in(kDecline, w)) || (decline && in(kApprove, w))) return ApprovalAnswer::Unclear;
    return approve ? ApprovalAnswer::Approve : ApprovalAnswer::Decline;
}

}  // namespace deskgate
