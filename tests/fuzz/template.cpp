// template.cpp - fuzz target: {{placeholder}} templates (core/base/template.hpp), checked with
// the known placeholders and with a short allowed list, then rendered as body text and as a
// header value. Error offsets must lie in the text; a header rendering never holds a control
// character; with no values a rendering is never longer than the template.
// Input: the template text, then (taken from the end) the values of the placeholders.
#include <fuzzer/FuzzedDataProvider.h>

#include <map>
#include <string>

#include "core/base/template.hpp"
#include "fuzz_support.hpp"

using namespace deskgate;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider fdp(data, size);
    // Values come from the end of the input (integers and short strings), the template is the rest.
    std::map<std::string, std::string, std::less<>> values;
    const auto count = fdp.ConsumeIntegralInRange<std::size_t>(0, 4);
    for (std::size_t i = 0; i < count && fdp.remaining_bytes() > 0; ++i) {
        const auto& names = known_placeholders();
        const auto which = fdp.ConsumeIntegralInRange<std::size_t>(0, names.size() - 1);
        values[std::string(names[which])] = fdp.ConsumeRandomLengthString(64);
    }
    const std::string text = fdp.ConsumeRemainingBytesAsString();

    for (const TemplateError& e : check_template(text)) {
        FUZZ_CHECK(e.offset < text.size());
        FUZZ_CHECK(!e.message.empty());
    }
    const std::vector<std::string_view> allowed = {"ticket.number", "queue.title"};
    for (const TemplateError& e : check_template(text, &allowed)) FUZZ_CHECK(e.offset < text.size());

    const TemplateLookup lookup = [&](std::string_view name) -> std::optional<std::string> {
        auto it = values.find(name);
        if (it == values.end()) return std::nullopt;
        return it->second;
    };
    (void)render_template(text, lookup, TemplateContext::Text);
    FUZZ_CHECK(fuzz::no_controls(render_template(text, lookup, TemplateContext::Header)));
    const TemplateLookup none = [](std::string_view) -> std::optional<std::string> { return std::nullopt; };
    FUZZ_CHECK(render_template(text, none, TemplateContext::Text).size() <= text.size());
    return 0;
}
