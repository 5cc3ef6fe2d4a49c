// subject_tag.cpp - fuzz target: the subject-tag matcher (core/policy/threading.hpp
// SubjectTagMatcher, RE2 patterns made from the queues' subject_tag templates). Two fixed
// queues and one whose tag format and name come from the input. find() must stay fast on any
// subject, and the tag subject_tag() writes for a ticket must be found again for that ticket.
// Input: the subject, then (taken from the end) the third queue's format and name, and a ticket.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <string>

#include "core/base/template.hpp"
#include "core/policy/threading.hpp"
#include "fuzz_support.hpp"

using namespace deskgate;

namespace {

// The marker threading.cpp renders in place of the number while it builds a pattern.
constexpr std::string_view kNumberMarker = "\xEE\x80\x80";

Queue queue(std::uint32_t number, std::string name, std::string format) {
    Queue q;
    q.number = number;
    q.name = std::move(name);
    q.subject_tag = std::move(format);
    return q;
}

bool contains(const std::vector<TicketKey>& keys, TicketKey key) {
    return std::find(keys.begin(), keys.end(), key) != keys.end();
}

// A format the config accepts (valid UTF-8 as TOML is, known placeholders), naming the number
// exactly once and rendering it, whose name and format do not hold the matcher's own marker:
// its tags must thread.
bool round_trips(const Queue& q, TicketKey key) {
    if (!fuzz::is_utf8(q.name) || !fuzz::is_utf8(q.subject_tag)) return false;
    if (subject_tag(q, key).find(to_string(key)) == std::string::npos) return false;
    static const std::vector<std::string_view> tag_names = {"ticket.number", "queue.title", "queue.name",
                                                            "queue.number"};
    if (!check_template(q.subject_tag, &tag_names).empty()) return false;
    if (q.name.find(kNumberMarker) != std::string::npos || q.subject_tag.find(kNumberMarker) != std::string::npos)
        return false;
    std::size_t count = 0;
    for (std::size_t pos = 0; (pos = q.subject_tag.find("ticket.number", pos)) != std::string::npos; ++pos) ++count;
    return count == 1;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider fdp(data, size);
    const TicketKey key{fdp.ConsumeIntegral<std::uint32_t>(), fdp.ConsumeIntegral<std::uint32_t>()};
    const auto format_len = fdp.ConsumeIntegralInRange<std::size_t>(0, 64);
    const auto name_len = fdp.ConsumeIntegralInRange<std::size_t>(0, 32);
    std::string format = fdp.ConsumeBytesAsString(format_len);
    std::string name = fdp.ConsumeBytesAsString(name_len);
    const std::string subject = fdp.ConsumeRemainingBytesAsString();

    Config config;
    config.queues.push_back(queue(10, "Support", "[{{queue.title}}#{{ticket.number}}]"));
    config.queues.push_back(queue(20, "Billing (EU)", "{{queue.name}} #{{ticket.number}}:"));
    if (format.empty()) format = "[{{queue.title}}#{{ticket.number}}]";
    config.queues.push_back(queue(30, std::move(name), std::move(format)));
    const SubjectTagMatcher matcher(config);

    (void)matcher.find(subject);
    for (const Queue& q : config.queues) {
        if (!round_trips(q, key)) continue;
        const std::string tag = subject_tag(q, key);
        FUZZ_CHECK(contains(matcher.find(tag), key));
        FUZZ_CHECK(contains(matcher.find("Re: " + tag + " printer on fire"), key));
    }
    return 0;
}
