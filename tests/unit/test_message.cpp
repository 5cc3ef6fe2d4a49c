// test_message.cpp - parse_message() and html_to_text() on real mail: legacy charsets, raw
// 8-bit headers, broken MIME, HTML-only mail, attachments, missing Message-ID, and every mail
// of the shared corpus (no crash, every string valid UTF-8).
#include <doctest/doctest.h>

#include <glib.h>

#include <algorithm>
#include <filesystem>

#include "core/html_text.hpp"
#include "core/message.hpp"
#include "test_support.hpp"

using namespace deskgate;
using deskgate::test::corpus_dir;
using deskgate::test::data_dir;
using deskgate::test::read_file;

namespace {

bool utf8(const std::string& s) {
    return g_utf8_validate(s.data(), static_cast<gssize>(s.size()), nullptr);
}

void check_all_utf8(const ParsedMessage& m) {
    CHECK(utf8(m.message_id));
    CHECK(utf8(m.subject));
    CHECK(utf8(m.text_body));
    if (m.from) {
        CHECK(utf8(m.from->name));
        CHECK(utf8(m.from->address));
    }
    for (const auto* list : {&m.reply_to, &m.to, &m.cc})
        for (const Mailbox& b : *list) CHECK((utf8(b.name) && utf8(b.address)));
    for (const HeaderField& h : m.headers) CHECK((utf8(h.name) && utf8(h.value)));
    for (const Attachment& a : m.attachments) CHECK(utf8(a.filename));
    for (const std::string& d : m.defects) CHECK(utf8(d));
}

std::string trim_newline(std::string s) {
    while (!s.empty() && s.back() == '\n') s.pop_back();
    return s;
}

}  // namespace

TEST_CASE("subjects in legacy charsets decode to the exact UTF-8 text") {
    const auto dir = data_dir() / "charsets";
    std::size_t n = 0;
    for (const auto& f : std::filesystem::directory_iterator(dir)) {
        if (f.path().extension() != ".eml") continue;
        auto expected_file = f.path();
        expected_file.replace_extension(".expected");
        const std::string expected = trim_newline(read_file(expected_file));
        const ParsedMessage m = parse_message(read_file(f.path()));
        INFO(f.path().filename().string());
        CHECK(m.subject == expected);
        check_all_utf8(m);
        ++n;
    }
    CHECK(n == 7);
}

TEST_CASE("a plain mail: addresses, ids, dates, headers, body") {
    const std::string raw =
        "Received: from a by b; Tue, 24 Nov 2026 09:00:00 +0000\r\n"
        "From: =?UTF-8?Q?Ji=C5=99=C3=AD?= Novák <Jiri.Novak@ACME.example>\r\n"
        "Reply-To: help <help@acme.example>\r\n"
        "To: support@helpdesk.example.com, Team: a@x.example, b@x.example;\r\n"
        "Cc: \"Carl, C.\" <carl@acme.example>\r\n"
        "Subject: a folded\r\n  subject line\r\n"
        "Date: Tue, 24 Nov 2026 09:12:00 +0100\r\n"
        "Message-ID: <abc@acme.example>\r\n"
        "In-Reply-To: <parent@acme.example>\r\n"
        "References: <root@acme.example> <parent@acme.example>\r\n"
        "Auto-Submitted: Auto-Replied\r\n"
        "Precedence: BULK\r\n"
        "List-Id: <list.acme.example>\r\n"
        "X-Auto-Response-Suppress: OOF\r\n"
        "\r\n"
        "line one\r\nline two\r\n";
    const ParsedMessage m = parse_message(raw);
    CHECK(m.message_id == "abc@acme.example");
    CHECK_FALSE(m.message_id_synthesized);
    REQUIRE(m.from);
    CHECK(m.from->name == "Jiří Novák");
    CHECK(m.from->address == "jiri.novak@acme.example");
    REQUIRE(m.reply_to.size() == 1);
    CHECK(m.reply_to[0].address == "help@acme.example");
    REQUIRE(m.to.size() == 3);  // the group is flattened
    CHECK(m.to[1].address == "a@x.example");
    REQUIRE(m.cc.size() == 1);
    CHECK(m.cc[0].name == "Carl, C.");
    CHECK(m.subject == "a folded  subject line");  // RFC 5322 unfolding keeps the blanks
    CHECK(m.date == 1795507920);
    CHECK(m.in_reply_to == std::vector<std::string>{"parent@acme.example"});
    CHECK(m.references == std::vector<std::string>{"root@acme.example", "parent@acme.example"});
    CHECK(m.auto_submitted == "auto-replied");
    CHECK(m.precedence == "bulk");
    CHECK(m.list_id == "<list.acme.example>");
    CHECK(m.x_auto_response_suppress == "OOF");
    CHECK(m.text_body == "line one\nline two\n");
    CHECK(m.header("received"));
    CHECK(m.header_count("RECEIVED") == 1);
    CHECK(m.defects.empty());
    CHECK(m.raw_size == raw.size());
    CHECK(m.body_digest == sha256_hex("line one\r\nline two\r\n"));
}

TEST_CASE("a missing Message-ID is synthesised deterministically") {
    const std::string raw = read_file(data_dir() / "engine" / "no-message-id.eml");
    const ParsedMessage a = parse_message(raw);
    const ParsedMessage b = parse_message(raw);
    CHECK(a.message_id_synthesized);
    CHECK(a.message_id == b.message_id);
    CHECK(a.message_id.ends_with("@deskgate.invalid"));
    CHECK(a.message_id.size() == 32 + std::string("@deskgate.invalid").size());
    CHECK(a.message_id != parse_message(raw + "x").message_id);
    CHECK(std::find(a.defects.begin(), a.defects.end(), "missing Message-ID") != a.defects.end());
}

TEST_CASE("broken MIME yields what could be read plus defects") {
    const ParsedMessage m = parse_message(read_file(data_dir() / "engine" / "broken-mime.eml"));
    CHECK(m.text_body.find("See attached.") != std::string::npos);
    REQUIRE(m.attachments.size() == 1);
    CHECK(m.attachments[0].filename == "report.pdf");
    CHECK(std::find(m.defects.begin(), m.defects.end(), "invalid characters in base64 content") !=
          m.defects.end());

    const ParsedMessage no_boundary = parse_message(
        "From: a@b.example\nSubject: x\nMessage-ID: <nb@b.example>\n"
        "Content-Type: multipart/mixed\n\n--zzz\nContent-Type: text/plain\n\nhello\n--zzz--\n");
    CHECK_FALSE(no_boundary.defects.empty());

    const ParsedMessage no_separator = parse_message("From: a@b.example\nSubject: only headers");
    CHECK(no_separator.subject == "only headers");
    CHECK_FALSE(no_separator.defects.empty());

    for (std::string_view junk : {std::string_view(""), std::string_view("\0\0\0", 3),
                                  std::string_view("\xff\xfe garbage \x80\x81"),
                                  std::string_view("Content-Type: multipart/mixed; boundary=a\n\n--a\n--a\n--a")}) {
        const ParsedMessage j = parse_message(junk);
        CHECK_FALSE(j.message_id.empty());
        check_all_utf8(j);
    }
}

TEST_CASE("HTML-only mail is rendered to text") {
    const ParsedMessage m = parse_message(
        "From: a@b.example\nSubject: html\nMessage-ID: <h@b.example>\nMIME-Version: 1.0\n"
        "Content-Type: text/html; charset=iso-8859-1\n\n"
        "<html><head><title>T</title><style>p{color:red}</style></head><body>"
        "<p>Gr\xfc\xdf Gott,</p><ul><li>one</li><li>two &amp; three</li></ul>"
        "<script>alert(1)</script><div>last<br>line</div></body></html>\n");
    CHECK(m.body_from_html);
    CHECK(m.text_body == "Grüß Gott,\n\n- one\n- two & three\n\nlast\nline");
}

TEST_CASE("multipart/alternative prefers text/plain; attachments get name, type, size, SHA-256") {
    const ParsedMessage m = parse_message(
        "From: a@b.example\nSubject: att\nMessage-ID: <att@b.example>\nMIME-Version: 1.0\n"
        "Content-Type: multipart/mixed; boundary=\"M\"\n\n"
        "--M\nContent-Type: multipart/alternative; boundary=\"A\"\n\n"
        "--A\nContent-Type: text/plain; charset=utf-8\n\nplain version\n"
        "--A\nContent-Type: text/html; charset=utf-8\n\n<p>html version</p>\n--A--\n"
        "--M\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n"
        "Content-Disposition: attachment; filename*=UTF-8''%C5%BElu%C5%A5ou%C4%8Dk%C3%BD.txt\n\n"
        "aGVsbG8=\n--M--\n");
    CHECK(m.text_body == "plain version");  // the newline before a boundary is the boundary's
    CHECK_FALSE(m.body_from_html);
    REQUIRE(m.attachments.size() == 1);
    CHECK(m.attachments[0].filename == "žluťoučký.txt");
    CHECK(m.attachments[0].content_type == "application/octet-stream");
    CHECK(m.attachments[0].size == 5);
    CHECK(m.attachments[0].sha256 == sha256_hex("hello"));
}

TEST_CASE("html_to_text") {
    CHECK(html_to_text("") == "");
    CHECK(html_to_text("<p>a</p><p>b</p>") == "a\n\nb");
    CHECK(html_to_text("<pre>  keep\n   spaces</pre>") == "keep\n   spaces");
    CHECK(html_to_text("x&nbsp;&lt;y&gt;") == "x\xC2\xA0<y>");
    CHECK(html_to_text("<table><tr><td>a</td><td>b</td></tr></table>") == "a b");
}

TEST_CASE("every corpus mail parses without a crash and with valid UTF-8 everywhere") {
    const auto dir = corpus_dir() / "mail-gem";
    if (!std::filesystem::is_directory(dir)) {
        MESSAGE("corpus " << dir << " missing, skipped");
        return;
    }
    std::size_t n = 0;
    for (const auto& f : std::filesystem::recursive_directory_iterator(dir)) {
        const std::string name = f.path().filename().string();
        if (!f.is_regular_file() || name.starts_with(".") || name.starts_with("LICENSE") ||
            name.starts_with("README"))
            continue;
        INFO(f.path().string());
        const ParsedMessage m = parse_message(read_file(f.path()));
        CHECK_FALSE(m.message_id.empty());
        check_all_utf8(m);
        ++n;
    }
    CHECK(n > 90);
}
