// test_decoding.cpp - parse_message() on the mail the world really sends (issue 16): text whose
// charset label lies or is missing, encoded words GMime gets wrong, broken addresses, odd header
// blocks. Every mail is one of tests/data/decoding/ (see its README.md), made for its case.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/mail/charset_guess.hpp"
#include "core/mail/message.hpp"
#include "test_support.hpp"

using namespace deskgate;
using deskgate::test::data_dir;
using deskgate::test::read_file;

namespace {

ParsedMessage parse_case(const std::string& name) {
    return parse_message(read_file(data_dir() / "decoding" / name));
}

bool has_defect(const ParsedMessage& m, std::string_view text) {
    return std::any_of(m.defects.begin(), m.defects.end(),
                       [&](const std::string& d) { return d.find(text) != std::string::npos; });
}

}  // namespace

TEST_CASE("body text whose charset label lies is recovered") {
    struct Row {
        const char* file;
        const char* starts;
        const char* defect;
    };
    const Row rows[] = {
        {"body-utf8-declared-latin1.eml", "Grüße aus Köln, die Rechnung für März kommt morgen: 10 €.",
         "text declared iso-8859-1 is UTF-8"},
        {"body-gb2312-declared-utf8.eml", "您好，关于下周项目会议的安排和准备工作",
         "text declared UTF-8 is not UTF-8: read as gb18030"},
        {"body-cp1252-declared-utf8.eml", "Sehr geehrte Damen und Herren, anbei die Rechnung für März. Mit freundlichen "
                                          "Grüßen – Jürgen",
         "text declared UTF-8 is not UTF-8: read as windows-1252"},
        {"body-koi8-r-undeclared.eml", "Здравствуйте! Счёт на оплату за декабрь",
         "8-bit text without a charset read as koi8-r"},
    };
    for (const Row& row : rows) {
        SUBCASE(row.file) {
            const ParsedMessage m = parse_case(row.file);
            CHECK(m.text_body.starts_with(row.starts));
            CHECK(has_defect(m, row.defect));
        }
    }
    SUBCASE("UTF-8 with a stray byte stays UTF-8, the byte replaced") {
        const ParsedMessage m = parse_message(
            "From: a@b.example\nMessage-ID: <s@b.example>\nContent-Type: text/plain; charset=utf-8\n\n"
            "Grüße \xff aus Köln\n");
        CHECK(m.text_body == "Grüße \xEF\xBF\xBD aus Köln\n");
        CHECK(has_defect(m, "invalid UTF-8 in text declared UTF-8 replaced"));
    }
    SUBCASE("decode_declared keeps what its label says") {
        CHECK(decode_declared("caf\xe9", "iso-8859-1").text == "café");
        CHECK(decode_declared("\x93quoted\x94", "iso-8859-1").text == "“quoted”");  // windows-1252 labelled Latin-1
        CHECK(decode_declared("\x1b$B$3$s$K$A$O\x1b(B", "iso-2022-jp").text == "こんにちは");
        CHECK(decode_declared("plain", "").label == DecodedText::Label::kept);
    }
}
