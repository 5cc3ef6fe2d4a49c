// test_template.cpp - {{placeholder}} templates: what check_template rejects (with the byte
// offset the loader turns into a column), what render_template prints, and that nothing a
// value holds can break out of a header line.
#include <doctest/doctest.h>

#include <algorithm>
#include <optional>
#include <string>

#include "core/base/template.hpp"

using namespace deskgate;

namespace {

std::optional<std::string> sample(std::string_view name) {
    if (name == "user.alias") return std::string("jana\r\nBcc: victim@example.com");
    if (name == "queue.title") return std::string("Support");
    if (name == "ticket.number") return std::string("10-42");
    if (name == "customer.name") return std::string("");
    if (name == "message.body") return std::string("line 1\nline 2");
    return std::nullopt;
}

}  // namespace

TEST_CASE("known placeholders are the documented list") {
    const auto& names = known_placeholders();
    CHECK(names.size() == 21);
    for (std::string_view n : {"ticket.number", "ticket.subject", "ticket.created", "ticket.status", "ticket.tag",
                               "queue.title", "queue.number", "queue.name", "queue.address", "customer.name",
                               "customer.id", "user.alias", "user.name", "message.body", "message.quote",
                               "message.from", "attachments", "deadline.reaction", "deadline.resolution", "reply.text",
                               "message.attribution"})
        CHECK(std::find(names.begin(), names.end(), n) != names.end());
    std::string all;
    for (std::string_view n : names) all += "{{" + std::string(n) + "}}";
    CHECK(check_template(all).empty());
}

TEST_CASE("check_template: unknown names and syntax errors with their byte offsets") {
    CHECK(check_template("").empty());
    CHECK(check_template("plain text, no placeholders").empty());
    CHECK(check_template("{{user.alias}} - {{queue.title}}").empty());
    CHECK(check_template("{{ user.alias }} - {{\tqueue.title\t}}").empty());
    CHECK(check_template("{{#customer.name}}Dear {{customer.name}},{{/customer.name}}").empty());
    CHECK(check_template("{{# customer.name }}x{{/ customer.name }}").empty());
    CHECK(check_template("{{#a.b}}").size() == 2);  // unknown and never closed

    auto e = check_template("Hi {{ticket.nubmer}}");
    REQUIRE(e.size() == 1);
    CHECK(e[0].offset == 3);
    CHECK(e[0].message == "unknown placeholder {{ticket.nubmer}}");

    e = check_template("ab{{}}");
    REQUIRE(e.size() == 1);
    CHECK(e[0].offset == 2);
    CHECK(e[0].message == "empty placeholder '{{}}'");

    e = check_template("x {{ticket.number");
    REQUIRE(e.size() == 1);
    CHECK(e[0].offset == 2);
    CHECK(e[0].message == "unterminated '{{' (expected '}}')");

    e = check_template("{{#customer.name}}x");
    REQUIRE(e.size() == 1);
    CHECK(e[0].offset == 0);
    CHECK(e[0].message == "section '{{#customer.name}}' is never closed");

    e = check_template("x{{/customer.name}}");
    REQUIRE(e.size() == 1);
    CHECK(e[0].offset == 1);
    CHECK(e[0].message == "'{{/customer.name}}' closes no open section");

    // Crossed sections: the inner close does not match the innermost open one.
    e = check_template("{{#user.alias}}{{#customer.name}}{{/user.alias}}{{/customer.name}}");
    REQUIRE(e.size() == 1);
    CHECK(e[0].offset == 33);
    CHECK(e[0].message == "'{{/user.alias}}' crosses '{{#customer.name}}' (at offset 15), which must be closed first");

    // Every problem, not just the first.
    e = check_template("{{a}} {{b}} {{#c}}");
    CHECK(e.size() == 4);
}

TEST_CASE("check_template: sections nest kMaxTemplateNesting deep at most, so checking stays linear") {
    std::string nested;
    for (std::size_t i = 0; i < kMaxTemplateNesting; ++i) nested += "{{#customer.name}}";
    std::string closes;
    for (std::size_t i = 0; i < kMaxTemplateNesting; ++i) closes += "{{/customer.name}}";
    CHECK(check_template(nested + closes).empty());
    auto e = check_template(nested + "{{#user.alias}}x{{/user.alias}}" + closes);
    REQUIRE(e.size() == 2);
    CHECK(e[0].message == "sections nested deeper than 16");
    CHECK(e[0].offset == nested.size());
    CHECK(e[1].message == "'{{/user.alias}}' closes no open section");
    // 40 000 open sections and 40 000 stray closes: every close searched every open one (minutes,
    // tests/fuzz/template.cpp); now each searches 16 at most.
    std::string flood;
    for (int i = 0; i < 40000; ++i) flood += "{{#a}}";
    for (int i = 0; i < 40000; ++i) flood += "{{/b}}";
    // Errors: each name unknown (80 000), each open past 16 too deep, each close closing nothing,
    // the 16 kept opens never closed.
    CHECK(check_template(flood).size() == 80000 + (40000 - kMaxTemplateNesting) + 40000 + kMaxTemplateNesting);
}

TEST_CASE("check_template with an allowed list (subject tags)") {
    const std::vector<std::string_view> tag = {"ticket.number", "queue.title"};
    CHECK(check_template("[{{queue.title}}#{{ticket.number}}]", &tag).empty());
    auto e = check_template("[{{user.alias}}#{{ticket.number}}]", &tag);
    REQUIRE(e.size() == 1);
    CHECK(e[0].offset == 1);
}

TEST_CASE("render_template: values, spacing, sections") {
    CHECK(render_template("{{ queue.title }}!", sample) == "Support!");
    CHECK(render_template("[Support#{{ticket.number}}]", sample) == "[Support#10-42]");
    CHECK(render_template("a{{unknown.name}}b", sample) == "ab");
    CHECK(render_template("{{#customer.name}}Dear {{customer.name}}{{/customer.name}}x", sample) == "x");
    CHECK(render_template("{{#user.name}}never{{/user.name}}", sample).empty());
    CHECK(render_template("{{#queue.title}}[{{queue.title}}]{{/queue.title}}", sample) == "[Support]");
    // Nested: an empty outer section hides the inner one even when that has a value.
    CHECK(render_template("{{#customer.name}}a{{#queue.title}}b{{/queue.title}}c{{/customer.name}}d", sample) == "d");
    CHECK(render_template("{{#queue.title}}a{{#customer.name}}b{{/customer.name}}c{{/queue.title}}", sample) == "ac");
    CHECK(render_template("no placeholders", sample) == "no placeholders");
    CHECK(render_template("", sample).empty());
    // Malformed templates render without throwing (check_template rejects them at load).
    CHECK(render_template("x {{ticket.number", sample) == "x {{ticket.number");
    CHECK(render_template("x{{/queue.title}}y", sample) == "xy");
}

TEST_CASE("render_template: the Text context keeps values as they are") {
    CHECK(render_template("{{message.body}}", sample, TemplateContext::Text) == "line 1\nline 2");
    CHECK(render_template("a\nb", sample, TemplateContext::Text) == "a\nb");
}

TEST_CASE("render_template: the Header context turns every control character into a space") {
    const std::string header = render_template("{{user.alias}} - {{queue.title}}", sample, TemplateContext::Header);
    CHECK(header == "jana  Bcc: victim@example.com - Support");
    CHECK(render_template("{{message.body}}", sample, TemplateContext::Header) == "line 1 line 2");
    // The template's own text too, and tab, NUL, DEL.
    CHECK(render_template("a\r\nb\tc", sample, TemplateContext::Header) == "a  b c");
    auto odd = [](std::string_view) -> std::optional<std::string> { return std::string("x\0y\x7f" "z", 5); };
    CHECK(render_template("{{user.name}}", odd, TemplateContext::Header) == "x y z");
    // UTF-8 stays intact.
    auto utf8 = [](std::string_view) -> std::optional<std::string> { return std::string("Jana Nov\xc3\xa1kov\xc3\xa1"); };
    CHECK(render_template("{{user.name}}", utf8, TemplateContext::Header) == "Jana Nov\xc3\xa1kov\xc3\xa1");
}
