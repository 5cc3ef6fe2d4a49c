// delivery_status.cpp - see delivery_status.hpp.
#include "core/mail/delivery_status.hpp"

#include "core/base/text.hpp"

namespace deskgate {
namespace {

constexpr std::size_t kMaxRecipients = 100;
constexpr std::size_t kMaxValue = 1000;

// One field's value: whitespace runs and control characters become one space, trimmed, capped.
std::string clean(std::string_view v) {
    std::string out;
    for (char c : v) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f || c == ' ') {
            if (!out.empty() && out.back() != ' ') out += ' ';
        } else {
            out += c;
        }
        if (out.size() >= kMaxValue) break;
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out;
}

// "rfc822; a@b" -> "a@b" (the address, diagnostic or MTA type is dropped).
std::string without_type(std::string_view v) {
    const auto semi = v.find(';');
    if (semi != std::string_view::npos) v.remove_prefix(semi + 1);
    while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
    return std::string(v);
}

void set_field(DeliveryStatus& d, std::string_view name, const std::string& value) {
    if (iequals(name, "Final-Recipient")) d.final_recipient = without_type(value);
    else if (iequals(name, "Action")) d.action = lower(value);
    else if (iequals(name, "Status")) d.status = value;
    else if (iequals(name, "Remote-MTA")) d.remote_mta = without_type(value);
    else if (iequals(name, "Diagnostic-Code")) d.diagnostic = without_type(value);
}

}  // namespace

std::vector<DeliveryStatus> parse_delivery_status(std::string_view part) {
    std::vector<DeliveryStatus> out;
    DeliveryStatus current;
    std::string name, value;
    auto end_field = [&] {
        if (!name.empty()) set_field(current, name, clean(value));
        name.clear();
        value.clear();
    };
    auto end_block = [&] {
        end_field();
        if (!current.final_recipient.empty() && out.size() < kMaxRecipients) out.push_back(std::move(current));
        current = DeliveryStatus{};
    };
    while (!part.empty()) {
        const auto nl = part.find('\n');
        std::string_view line = part.substr(0, nl);
        part.remove_prefix(nl == std::string_view::npos ? part.size() : nl + 1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.find_first_not_of(" \t") == std::string_view::npos) {
            end_block();
        } else if (line.front() == ' ' || line.front() == '\t') {
            if (!name.empty() && value.size() < kMaxValue) value.append(" ").append(line);  // folded
        } else if (const auto colon = line.find(':'); colon != std::string_view::npos) {
            end_field();
            name = std::string(line.substr(0, colon));
            value = std::string(line.substr(colon + 1, kMaxValue));
        }
    }
    end_block();
    return out;
}

}  // namespace deskgate
