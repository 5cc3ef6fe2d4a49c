// test_decoding.cpp - parse_message() on the mail the world really sends (issue 16): text whose
// charset label lies or is missing, encoded words GMime gets wrong, broken addresses, odd header
// blocks. Every mail is one of tests/data/decoding/ (see its README.md), made for its case.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/base/address.hpp"
#include "core/mail/address_list.hpp"
#include "core/mail/charset_guess.hpp"
#include "core/mail/encoded_words.hpp"
#include "core/mail/header_start.hpp"
#include "core/mail/message.hpp"
#include "core/mail/mime_bounds.hpp"
#include "core/mail/mime_parameter.hpp"
#include "core/mail/safe_filename.hpp"
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

std::string decode(std::string_view raw, std::string text_charset = {}) {
    std::vector<std::string> defects;
    return decode_header_text(raw, HeaderHints{std::move(text_charset), {}}, defects);
}

}  // namespace

TEST_CASE("adjacent base64 encoded words after '=' padding all decode, in every decoded header") {
    const ParsedMessage m = parse_case("adjacent-b-words.eml");
    // Five words of 10, 10, 10, 10 and 8 bytes: padded, characters split across words.
    CHECK(m.subject == "关于下周项目会议的安排和准备工作");
    REQUIRE(m.from);
    CHECK(m.from->name == "张伟");
    CHECK(m.from->address == "zhang.wei@example.cn");
    REQUIRE(m.to.size() == 1);
    CHECK(m.to[0].name == "Müller Support");
    CHECK(m.header("Subject") == m.subject);
    CHECK(m.defects.empty());

    CHECK(decode("=?utf-8?B?YQ==?= =?utf-8?B?Yg==?=") == "ab");
    CHECK(decode("=?utf-8?B?YQ==?=\r\n =?utf-8?B?Yg==?=\r\n\t=?utf-8?Q?c?=") == "abc");
}

TEST_CASE("RFC 2047 decoding: words, text between them, charsets, broken words") {
    SUBCASE("blanks between adjacent words go, blanks next to text stay") {
        CHECK(decode("Re: =?utf-8?Q?caf=C3=A9?= =?utf-8?Q?_cr=C3=A8me?= now") == "Re: café crème now");
        CHECK(decode("=?iso-8859-1?Q?a?= b =?iso-8859-1?Q?c?=") == "a b c");
    }
    SUBCASE("a character split across a B word and a Q word of one charset stays whole") {
        CHECK(decode("=?utf-8?B?4oI=?= =?utf-8?Q?=AC?=") == "€");
    }
    SUBCASE("neighbours in different charsets convert apart") {
        CHECK(decode("=?iso-8859-1?Q?=E9?= =?koi8-r?B?6dfBzg==?=") == "éИван");
    }
    SUBCASE("a language tag is dropped; upper-case encodings are read") {
        CHECK(decode("=?UTF-8*en?q?hello_world?=") == "hello world");
    }
    SUBCASE("what is not an encoded word stays as written") {
        CHECK(decode("=?utf-8?X?abc?= =? =?utf-8?B?YQ==") == "=?utf-8?X?abc?= =? =?utf-8?B?YQ==");
        CHECK(decode("100% =?") == "100% =?");
    }
    SUBCASE("UTF-7 words") {
        CHECK(decode("=?utf-7?Q?J+APw-rgen?=") == "Jürgen");
    }
    SUBCASE("raw ISO-2022-JP text, 7-bit but no UTF-8 text, is guessed") {
        CHECK(decode("Re: \x1b$B$3$s$K$A$O\x1b(B") == "Re: こんにちは");
    }
}

TEST_CASE("raw 8-bit headers: valid UTF-8, then the text part's charset, then the detector") {
    struct Row {
        const char* file;
        const char* name;
        const char* subject;
        const char* read_as;  // the defect's charset ("" for none)
    };
    const Row rows[] = {
        {"raw-8bit-utf8-latin1-part.eml", "Jürgen Müller", "Grüße aus Köln", ""},
        {"raw-8bit-text-part-charset.eml", "张伟", "会议", "read as gb2312"},
        {"raw-8bit-gb18030.eml", "王芳", "关于下周项目会议的安排和准备工作", "read as gb18030"},
        {"raw-8bit-shift_jis.eml", "山田太郎", "会議の件について", "read as shift_jis"},
        {"raw-8bit-euc-kr.eml", "김민수", "회의 일정 안내 드립니다", "read as uhc"},
        {"raw-8bit-koi8-r.eml", "Иван Петров", "Счёт на оплату за декабрь", "read as koi8-r"},
        {"raw-8bit-windows-1250.eml", "Jiří Novák", "Faktura za služby – prosinec", "read as windows-1250"},
    };
    for (const Row& row : rows) {
        SUBCASE(row.file) {
            const ParsedMessage m = parse_case(row.file);
            REQUIRE(m.from);
            CHECK(m.from->name == row.name);
            CHECK(m.subject == row.subject);
            if (*row.read_as) CHECK(has_defect(m, row.read_as));
            else CHECK_FALSE(has_defect(m, "read as"));
        }
    }
}

TEST_CASE("an encoded word whose charset does not hold its bytes is guessed like raw 8-bit text") {
    // Labelled ISO-2022-JP (7-bit), holding Shift_JIS: the detector sees all such bytes of the
    // message together, so the four-letter name is read right too.
    const ParsedMessage m = parse_case("word-iso-2022-jp-holding-shift_jis.eml");
    CHECK(m.subject == "会議の件について");
    REQUIRE(m.from);
    CHECK(m.from->name == "山田太郎");
    CHECK(has_defect(m, "encoded word in charset 'iso-2022-jp' read as shift_jis"));
}

TEST_CASE("UTF-7 encoded words decode, Q and B") {
    const ParsedMessage m = parse_case("word-utf-7.eml");
    CHECK(m.subject == "Grüße – été");
    REQUIRE(m.from);
    CHECK(m.from->name == "Jürgen");
}

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

TEST_CASE("encoded words are never decoded inside an address: no posing as another sender") {
    const ParsedMessage m = parse_case("encoded-word-local-part.eml");
    REQUIRE(m.from);
    CHECK(m.from->address == "x@evil.example");  // the display name may say anything
    CHECK(m.from->name == "boss@bank.example");
    REQUIRE(m.reply_to.size() == 1);
    CHECK(m.reply_to[0].address != "boss@bank.example");
    CHECK(m.reply_to[0].address.starts_with("=?utf-8?b?"));
}

TEST_CASE("addresses: blanks in a local part, a comment only, a quoted local part, no angle brackets") {
    SUBCASE("blanks in an unquoted local part: the name kept, the local part quoted as written") {
        const ParsedMessage m = parse_case("from-blank-local-part.eml");
        REQUIRE(m.from);
        CHECK(m.from->name == "x");
        CHECK(m.from->address == "\"power quadrant system\"@example.com");
        CHECK(has_defect(m, "From: blanks in the local part"));
        CHECK_FALSE(has_defect(m, "unparseable From"));
    }
    SUBCASE("MAILER-DAEMON (Mail Delivery System): no address, a defect, the comment as name") {
        const ParsedMessage m = parse_case("from-comment-only.eml");
        REQUIRE(m.from);
        CHECK(m.from->address.empty());
        CHECK(m.from->name == "Mail Delivery System");
        CHECK(has_defect(m, "From: no usable address in 'MAILER-DAEMON'"));
    }
    SUBCASE("blanks inside a quoted local part are kept") {
        const ParsedMessage m = parse_case("from-quoted-local-part.eml");
        REQUIRE(m.from);
        CHECK(m.from->address == "\"a b c\"@example.com");
        CHECK(normalize_address(" <\"A B\"@Example.COM> ") == "\"a b\"@example.com");
        CHECK(normalize_address("a b@example.com") == "ab@example.com");  // unquoted blanks: as before
        // an unclosed quote keeps no blank, and the result normalises to itself (tests/fuzz/address.cpp)
        CHECK(normalize_address("\"N <jamcna@e.ing hete 387)om>") == "\"n<jamcna@e.inghete387)om");
        CHECK(normalize_address("\"a b\"@example.com") == "\"a b\"@example.com");
        CHECK(normalize_address("\"a\tb\"@example.com") == "\"ab\"@example.com");
    }
    SUBCASE("a name then an address without angle brackets") {
        const ParsedMessage m = parse_message("From: Big Bug bb@bug.example\nMessage-ID: <b@bug.example>\n\nx\n");
        REQUIRE(m.from);
        CHECK(m.from->name == "Big Bug");
        CHECK(m.from->address == "bb@bug.example");
    }
}

TEST_CASE("an address list with a broken address and good ones: every address comes out, in order") {
    // GMime drops the broken one and keeps the rest; each is salvaged as a single one would be.
    const ParsedMessage m = parse_case("address-list-broken-and-good.eml");
    REQUIRE(m.from);
    CHECK(m.from->name == "Jana Nováková");
    CHECK(m.from->address == "\"jana novakova\"@example.com");
    CHECK(has_defect(m, "From: blanks in the local part of \"jana novakova\"@example.com (kept, quoted)"));
    CHECK(has_defect(m, "2 From addresses"));

    REQUIRE(m.to.size() == 2);
    CHECK(m.to[0].name == "x");
    CHECK(m.to[0].address == "\"a b\"@example.com");
    CHECK(m.to[1].address == "c@example.org");
    CHECK(has_defect(m, "To: blanks in the local part of \"a b\"@example.com (kept, quoted)"));

    REQUIRE(m.cc.size() == 4);
    CHECK(m.cc[0].address == "c@example.org");
    CHECK(m.cc[1].name == "Big Bug");
    CHECK(m.cc[1].address == "bb@bug.example");
    CHECK(has_defect(m, "Cc: address bb@bug.example without angle brackets after a name"));
    CHECK(m.cc[2].name == "Doe, John");  // GMime's reading of an unquoted comma in a name stays
    CHECK(m.cc[2].address == "john.doe@example.net");
    CHECK(m.cc[3].name == "Mail Delivery System");
    CHECK(m.cc[3].address.empty());
    CHECK(has_defect(m, "Cc: no usable address in 'MAILER-DAEMON'"));

    REQUIRE(m.reply_to.size() == 2);
    CHECK(m.reply_to[0].name == "Sales Team");
    CHECK(m.reply_to[0].address == "\"sales team\"@example.com");
    CHECK(m.reply_to[1].address == "d@example.org");
    CHECK(has_defect(m, "Reply-To: blanks in the local part"));

    // Two broken ones side by side, then an empty group (GMime's reading: no mailbox, no defect).
    const ParsedMessage two = parse_message(
        "From: a@example.org\nTo: \"x\" <a b@example.com> , \"y\" <c d@example.org>, undisclosed-recipients:;\n"
        "Message-ID: <two@example.org>\n\nx\n");
    REQUIRE(two.to.size() == 2);
    CHECK(two.to[0].name == "x");
    CHECK(two.to[0].address == "\"a b\"@example.com");
    CHECK(two.to[1].name == "y");
    CHECK(two.to[1].address == "\"c d\"@example.org");
    CHECK_FALSE(has_defect(two, "no usable address"));
}

TEST_CASE("split_address_list cuts at the commas between addresses only") {
    using V = std::vector<std::string_view>;
    CHECK(split_address_list("a@x, b@y") == V{"a@x", " b@y"});
    CHECK(split_address_list("\"Doe, John\" <j@x>, (c, d) k@y") == V{"\"Doe, John\" <j@x>", " (c, d) k@y"});
    CHECK(split_address_list("\"a\\\", b\" <j@x>") == V{"\"a\\\", b\" <j@x>"});  // an escaped quote
    CHECK(split_address_list("<@a,@b:u@h>, v@h") == V{"<@a,@b:u@h>", " v@h"});       // a source route
    CHECK(split_address_list("Team: a@x, b@y;, c@z") == V{"Team: a@x, b@y;", " c@z"});  // a group
    CHECK(split_address_list("Doe, John <j@x>") == V{"Doe", " John <j@x>"});  // the parser's call
    CHECK(split_address_list(" , a@x,, ") == V{" a@x"});
    CHECK(split_address_list("").empty());
}

TEST_CASE("address_list_cut keeps the first addresses, group members counted one by one") {
    const auto at = [](std::string_view v, std::size_t max) {
        const auto cut = address_list_cut(v, max);
        return cut ? std::string(v.substr(0, cut->at)) + (cut->in_group ? ";" : "") : std::string("(none)");
    };
    CHECK(at("a@x, b@y, c@z", 2) == "a@x, b@y");
    CHECK(at("a@x, b@y", 2) == "(none)");
    CHECK(at("a@x, b@y, , ", 2) == "(none)");                      // only blanks and commas left
    CHECK(at("\"c, d\" <a@x>, (e, f) b@y, c@z", 2) == "\"c, d\" <a@x>, (e, f) b@y");
    CHECK(at("<@a,@b:u@h>, v@h, w@h", 1) == "<@a,@b:u@h>");
    CHECK(at("Team: a@x, b@y, c@y;, d@z", 2) == "Team: a@x, b@y;");  // the group closed again
    CHECK(at("Team: a@x;, b@y, c@y", 2) == "Team: a@x;, b@y");
}

TEST_CASE("an address field with more than kMaxAddressesPerHeader addresses is cut before GMime parses it") {
    // GMime's address-list parser is super-linear: 100 000 of these in one To took about 150 s.
    std::string to = "To: ";
    for (int i = 0; i < 100000; ++i) to += "a (b), ";
    std::string from = "From: ";
    for (int i = 0; i < 5000; ++i) from += "f" + std::to_string(i) + "@example.org,\r\n ";
    std::string cc = "Cc: Team: ";
    for (int i = 0; i < 3000; ++i) cc += "c" + std::to_string(i) + "@example.org, ";
    cc += "last@example.org;";
    const std::string raw =
        from + "\r\n" + to + "\r\n" + cc + "\r\nSubject: big\r\nMessage-ID: <big@example.org>\r\n\r\nbody\r\n";
    const ParsedMessage m = parse_message(raw);
    CHECK(m.to.size() == kMaxAddressesPerHeader);
    CHECK(m.cc.size() == kMaxAddressesPerHeader);
    REQUIRE(m.from);
    CHECK(m.from->address == "f0@example.org");
    CHECK(has_defect(m, "To: address list cut to 1000 addresses"));
    CHECK(has_defect(m, "From: address list cut to 1000 addresses"));
    CHECK(has_defect(m, "Cc: address list cut to 1000 addresses"));
    CHECK(has_defect(m, "1000 From addresses"));
    CHECK(m.subject == "big");  // the fields after the cut ones are intact
    CHECK(m.message_id == "big@example.org");

    std::vector<std::string> cut;
    CHECK_FALSE(bound_address_lists("To: a@x, b@y\r\nX-To: 1, 2, 3\r\n\r\n", cut, 2));
    CHECK(bound_address_lists("to : a@x, b@y, c@z\r\nBcc: d@x,\r\n e@x, f@x\nX: y\n\nbody", cut, 2) ==
          "to : a@x, b@y\r\nBcc: d@x,\r\n e@x\nX: y\n\nbody");
    CHECK(cut == std::vector<std::string>{"To", "Bcc"});
    const ParsedMessage few = parse_message("From: a@x\r\nTo: b@y, c@y\r\n\r\nx\r\n");
    CHECK_FALSE(has_defect(few, "cut to"));
}

TEST_CASE("attachment names in adjacent base64 encoded words after '=' padding decode whole") {
    // Outlook writes long names so; GMime's decoder stopped at the first padding.
    const ParsedMessage m = parse_case("attachment-name-adjacent-b-words.eml");
    REQUIRE(m.attachments.size() == 3);
    CHECK(m.attachments[0].filename == "关于下周项目会议的安排和准备工作.docx");  // filename=, folded
    CHECK(m.attachments[1].filename == "Übersicht März–April.xlsx");              // Content-Type name= only
    CHECK(m.attachments[2].filename == "会议纪要：第三季度预算.eml");              // message/rfc822: its Subject
}

TEST_CASE("raw 8-bit attachment names are read like raw 8-bit header text") {
    SUBCASE("the text part's charset") {
        const ParsedMessage m = parse_case("attachment-name-raw-8bit-koi8-r.eml");
        REQUIRE(m.attachments.size() == 1);
        CHECK(m.attachments[0].filename == "Счёт на оплату 15.pdf");
        CHECK(has_defect(m, "read as koi8-r"));
    }
    SUBCASE("nothing declares it: the detector") {
        const ParsedMessage m = parse_case("attachment-name-raw-8bit-gb18030.eml");
        REQUIRE(m.attachments.size() == 1);
        CHECK(m.attachments[0].filename == "关于下周项目会议的安排和准备工作.xlsx");
        CHECK(has_defect(m, "read as gb18030"));
    }
}

TEST_CASE("RFC 2231 attachment names: charsets, continuations, the extended form first, a label that lies") {
    const ParsedMessage m = parse_case("attachment-name-rfc2231.eml");
    REQUIRE(m.attachments.size() == 5);
    CHECK(m.attachments[0].filename == "Rechnung für März.pdf");          // iso-8859-1
    CHECK(m.attachments[1].filename == "žluťoučký kůň_report.txt");       // *0* (language cs), *2*, *1: in number order
    CHECK(m.attachments[2].filename == "résumé.pdf");                     // filename*= wins over filename=
    CHECK(m.attachments[3].filename == "关于下周项目会议的安.txt");        // sections without a charset holding encoded words
    CHECK(m.attachments[4].filename == "été à Paris.txt");  // Latin-1 bytes labelled utf-8, the text part's charset
    CHECK(has_defect(m, "attachment name in charset 'utf-8' read as"));
}

TEST_CASE("mime_parameter reads a parameter's bytes as written") {
    const auto value = [](std::string_view field, std::string_view name) {
        const std::optional<MimeParameter> p = mime_parameter(field, name);
        return p ? p->bytes : std::string("(none)");
    };
    CHECK(value("attachment; filename=\"a; b.pdf\"; size=3", "filename") == "a; b.pdf");
    CHECK(value("attachment; FileName = \"a \\\"q\\\" b\"", "filename") == "a \"q\" b");  // escapes
    CHECK(value("attachment; filename=report (final).pdf ; x=y", "filename") == "report (final).pdf");  // loose token
    CHECK(value("attachment; filename=\"=?utf-8?B?YQ==?=\r\n =?utf-8?B?Yg==?=\"", "filename") ==
          "=?utf-8?B?YQ==?= =?utf-8?B?Yg==?=");  // undecoded, the fold's line break gone
    CHECK(value("attachment; size=3", "filename") == "(none)");
    CHECK(value("attachment; filenames=x", "filename") == "(none)");
    CHECK(value("application/pdf; name=a.pdf", "name") == "a.pdf");
    CHECK(value("attachment; filename=\"\"", "filename").empty());

    const std::optional<MimeParameter> ext = mime_parameter(
        "attachment; filename=\"plain.txt\"; filename*1*=%C3%A9.txt; filename*0*=UTF-8'fr'caf", "filename");
    REQUIRE(ext);
    CHECK(ext->extended);
    CHECK(ext->charset == "UTF-8");
    CHECK(ext->bytes == "caf\xC3\xA9.txt");
    const std::optional<MimeParameter> no_charset = mime_parameter("x; name*0=\"a%20\"; name*1*=b%20c", "name");
    REQUIRE(no_charset);
    CHECK(no_charset->charset.empty());
    CHECK(no_charset->bytes == "a%20b c");  // only sections marked '*' are %-decoded
    CHECK(mime_parameter("x; name*=''%ZZ%41", "name")->bytes == "%ZZA");
    CHECK(value("x; name*99999999999=a; name=b", "name") == "b");  // no such section number
}

TEST_CASE("an attachment name is a file name: no directories, no control characters") {
    const ParsedMessage m = parse_case("attachment-name-unsafe.eml");
    REQUIRE(m.attachments.size() == 5);
    CHECK(m.attachments[0].filename == "passwd");
    CHECK(m.attachments[1].filename == "invoice.pdf");       // C:\Users\jana\Desktop\invoice.pdf
    CHECK(m.attachments[2].filename == "report[31mred.txt");  // "=0A" unfolded, ESC and BEL gone
    CHECK(m.attachments[3].filename == "invoicefdp.exe");    // the right-to-left override gone
    CHECK(m.attachments[4].filename == "");                  // "../.." names nothing
    CHECK(has_defect(m, "attachment name with a path or control characters kept as 'passwd'"));

    // A message/rfc822 part named by its Subject: a slash in it is no directory.
    const ParsedMessage fwd = parse_message(
        "From: a@example.org\nMessage-ID: <fwd@example.org>\nMIME-Version: 1.0\n"
        "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nsee below\n"
        "--b\nContent-Type: message/rfc822\n\nFrom: c@example.org\nSubject: invoice 1/2\n\nx\n--b--\n");
    REQUIRE(fwd.attachments.size() == 1);
    CHECK(fwd.attachments[0].filename == "invoice 1_2.eml");

    CHECK(safe_filename("report.pdf") == "report.pdf");
    CHECK(safe_filename("dir/sub/") == "sub");
    CHECK(safe_filename("a\\b/ c.txt ") == "c.txt");
    CHECK(safe_filename("a\tb\r\nc") == "a b  c");
    CHECK(safe_filename("x\xC2\x85y\x7Fz\xE2\x81\xA6w") == "xyzw");  // NEL (C1), DEL, an isolate
    CHECK(safe_filename("..").empty());
    CHECK(safe_filename(" / ").empty());
    CHECK(safe_filename("Rechnung für März.pdf") == "Rechnung für März.pdf");
    CHECK(safe_filename("שלום\xE2\x80\x8F.txt") == "שלום.txt");  // a right-to-left mark
}

TEST_CASE("a first line that is no header field is skipped, the header block after it read") {
    const std::string raw = read_file(data_dir() / "decoding" / "first-line-not-header.eml");
    const ParsedMessage m = parse_message(raw);
    REQUIRE(m.from);
    CHECK(m.from->address == "customer@example.org");
    CHECK(m.subject == "printer broken");
    CHECK(m.message_id == "first-line@example.org");
    CHECK(has_defect(m, "first line skipped, not a header field: ---- Original email message ----"));
    // The digest is of the raw bytes after the header block, as for any mail.
    const std::string without = raw.substr(raw.find('\n') + 1);
    CHECK(m.body_digest == parse_message(without).body_digest);
    CHECK(m.raw_size == raw.size());

    CHECK(leading_non_header_line("From: a@b\n\nx") == 0);
    CHECK(leading_non_header_line("From a@b Mon Jan  1 00:00:00 2026\nFrom: a@b\n\nx") == 0);  // mbox: GMime's
    CHECK(leading_non_header_line("just text\nmore text\n\nx") == 0);  // no header block at all
    CHECK(leading_non_header_line("\nFrom: a@b\n") == 0);
    CHECK(leading_non_header_line("-- fwd --\r\nSubject : x\r\n\r\n") == 11);
    CHECK(is_header_field_line("X-Odd_Name.1: v"));
    CHECK_FALSE(is_header_field_line(" folded: no"));
}
