// test_reply_text.cpp - extract_reply_text() on our own staff replies (tests/data/replies:
// NAME.txt is a text body, NAME.eml a whole mail read with parse_message; NAME.expected is the
// new text), then the cut labels and flags, the marker in its shapes, and inputs built to be
// slow or empty.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "core/mail/message.hpp"
#include "core/mail/reply_text.hpp"
#include "test_support.hpp"

using namespace deskgate;
using deskgate::test::data_dir;
using deskgate::test::read_file;
namespace fs = std::filesystem;

namespace {

std::vector<fs::path> reply_fixtures() {
    std::vector<fs::path> out;
    for (const auto& f : fs::directory_iterator(data_dir() / "replies")) {
        const auto ext = f.path().extension();
        if (f.is_regular_file() && (ext == ".txt" || ext == ".eml")) out.push_back(f.path());
    }
    std::sort(out.begin(), out.end());
    return out;
}

// The body a fixture stands for: the text itself, or the parsed mail's best text.
std::string fixture_body(const fs::path& p) {
    const std::string raw = read_file(p);
    return p.extension() == ".eml" ? parse_message(raw).text_body : raw;
}

std::string expected_text(const fs::path& fixture) {
    std::string s = read_file(fs::path(fixture).replace_extension(".expected"));
    while (!s.empty() && s.back() == '\n') s.pop_back();
    return s;
}

}  // namespace

TEST_CASE("every reply fixture gives exactly its expected text") {
    const auto fixtures = reply_fixtures();
    CHECK(fixtures.size() >= 40);
    for (const fs::path& f : fixtures) {
        CAPTURE(f.filename().string());
        REQUIRE(fs::exists(fs::path(f).replace_extension(".expected")));
        const ReplyText r = extract_reply_text(fixture_body(f));
        CHECK(r.text == expected_text(f));
        CHECK_FALSE(r.text.empty());
    }
}

TEST_CASE("every .expected file belongs to a fixture") {
    for (const auto& f : fs::directory_iterator(data_dir() / "replies")) {
        if (f.path().extension() != ".expected") continue;
        CAPTURE(f.path().filename().string());
        const bool has_body = fs::exists(fs::path(f.path()).replace_extension(".txt")) ||
                              fs::exists(fs::path(f.path()).replace_extension(".eml"));
        CHECK(has_body);
    }
}

TEST_CASE("the cut says how the text was found") {
    struct Row {
        const char* body;
        const char* text;
        const char* cut;
        bool marker;
        bool signature;
    };
    const Row rows[] = {
        {"Just text.\n", "Just text.", "none", false, false},
        {"Fixed.\n\nOn Thu, 3 Dec 2026 at 10:00, A <a@b.example> wrote:\n> q\n", "Fixed.", "attribution (en)", false, false},
        {"Erledigt.\n\nAm 03.12.2026 um 10:00 schrieb Anna:\n> q\n", "Erledigt.", "attribution (de)", false, false},
        {"Hotovo.\n\nOd: A\nOdesláno: 3. 12. 2026\nKomu: B\nPředmět: x\n\nq\n", "Hotovo.", "outlook header block (cs)", false, false},
        {"Hotovo.\n\nOd: A\nOdoslané: 3. 12. 2026\nKomu: B\nPredmet: x\n\nq\n", "Hotovo.", "outlook header block (sk)", false, false},
        {"Done.\n-----Original Message-----\nFrom: A\n", "Done.", "original message separator", false, false},
        {"Done.\n\n*From:* A\n*Sent:* Thursday\n*To:* B\n*Subject:* x\n", "Done.", "outlook header block (en)", false,
         false},
        {"Done.\n\n> q\n> q\n", "Done.", "quote", false, false},
        {"Done.\n\nTom Baker wrote:\n> q\n", "Done.", "quote", false, false},
        {"Hotovo.\n\nPetra Svobodová napsal(a):\n\n> q\n", "Hotovo.", "quote", false, false},
        {"Done.\n-- \nEmma\n", "Done.", "none", false, true},
        {"Done.\n\nSent from my iPhone\n", "Done.", "none", false, true},
        {"Done.\n\n##- Please type your reply above this line -##\nTicket\n", "Done.", "marker", true, false},
        {"Done.\n\n> ##- Please type your reply above this line -##\n> Ticket\n", "Done.", "marker", true, false},
        {"Done.\n\nOn 03.12.26 10:00, Helpdesk wrote:\n> ##- Please type your reply above this line -##\n", "Done.",
         "marker, attribution (en)", true, false},
        {"On 03.12.26 10:00, Helpdesk wrote:\n> ##- Please type your reply above this line -##\n> T\n\nDone.\n",
         "Done.", "marker, bottom-posted", true, false},
        {"On 03.12.26 10:00, Tom wrote:\n> q?\n\nYes.\n", "Yes.", "attribution (en), bottom-posted", false, false},
        {"> q1\na1\n> q2\na2\n", "> q1\na1\n> q2\na2", "interleaved quote kept", false, false},
    };
    for (const Row& row : rows) {
        CAPTURE(row.body);
        const ReplyText r = extract_reply_text(row.body);
        CHECK(r.text == row.text);
        CHECK(r.cut == row.cut);
        CHECK(r.marker_found == row.marker);
        CHECK(r.signature_removed == row.signature);
    }
}

TEST_CASE("the marker: quoted, wrapped, with text before it, custom, absent") {
    CHECK(extract_reply_text("ok\n> > ##- Please type your reply\n> > above this line -##\n> > T\n").marker_found);
    CHECK(extract_reply_text("ok\n##- Please type your\nreply above this\nline -##\nT\n").text == "ok");
    CHECK(extract_reply_text("ok ##- Please type your reply above this line -##\nT\n").text == "ok");
    CHECK(extract_reply_text("ok\n##-\xC2\xA0Please\xC2\xA0type your reply above this line -##\nT\n").marker_found);
    // a marker broken by a blank line, or only its beginning, is not the marker
    CHECK_FALSE(extract_reply_text("ok\n##- Please type your reply\n\nabove this line -##\n").marker_found);
    CHECK_FALSE(extract_reply_text("ok\n##- Please type\n").marker_found);
    const ReplyText custom = extract_reply_text("mine\n--- reply above ---\nold\n", "--- reply above ---");
    CHECK(custom.marker_found);
    CHECK(custom.text == "mine");
    CHECK(extract_reply_text("mine\nold\n", "").text == "mine\nold");
}

TEST_CASE("nothing is lost when nothing is recognised") {
    CHECK(extract_reply_text("").text == "");
    CHECK(extract_reply_text("").cut == "none");
    CHECK(extract_reply_text("\n \n\xC2\xA0\n").text == "");
    // a body that is all quote, or all signature, is kept whole
    CHECK(extract_reply_text("> 50 users are affected, please escalate.\n").text ==
          "> 50 users are affected, please escalate.");
    CHECK(extract_reply_text("-- \nEmma Clarke\n").text == "--\nEmma Clarke");
    CHECK(extract_reply_text("Sent from my iPhone\n").text == "Sent from my iPhone");
    // CR LF bodies, trailing spaces and no-break spaces
    CHECK(extract_reply_text("Done. \r\n\r\nOn 03.12.26 10:00, Tom wrote:\r\n> q\r\n").text == "Done.");
    CHECK(extract_reply_text("a\xC2\xA0\nb\n").text == "a\nb");
}

TEST_CASE("attribution look-alikes in the staff's text are not cuts") {
    // no date, time or address: prose
    CHECK(extract_reply_text("On Monday the customer wrote:\n> it is broken\nI fixed it.\n").text ==
          "On Monday the customer wrote:\n> it is broken\nI fixed it.");
    // "wrote:" inside a line
    CHECK(extract_reply_text("On 3 Dec 2026 Tom wrote: it works.\nThanks.\n").text ==
          "On 3 Dec 2026 Tom wrote: it works.\nThanks.");
    // two lines of prose that join into an attribution shape, but no quote follows
    CHECK(extract_reply_text("On 3 Dec 2026 at 10:00 the server\nrebooted and Tom wrote:\nall fine.\n").text ==
          "On 3 Dec 2026 at 10:00 the server\nrebooted and Tom wrote:\nall fine.");
    // a From/To/Subject list without a Sent/Date line is not a header block
    CHECK(extract_reply_text("Move it\nFrom: room 1\nTo: room 2\nSubject: to a ticket\n").text ==
          "Move it\nFrom: room 1\nTo: room 2\nSubject: to a ticket");
}

TEST_CASE("large and hostile bodies take linear time") {
    // Each would be quadratic with a naive scan: many marker starts, attribution starts,
    // From lines, "-- " lines, quoted lines, one huge line.
    const std::size_t n = 20000;  // quadratic would be ~10^8 steps per body
    std::string markers, ons, froms, sigs, quotes, blanks;
    for (std::size_t i = 0; i < n; ++i) {
        markers += "##- Please type your reply above ##- Please\n";
        ons += "On 3 Dec 2026 at 10:00 someone <a@b.example>\n";
        froms += "From: x\n";
        sigs += "-- \n";
        quotes += "> q\n\n";
        blanks += "\n";
    }
    CHECK(extract_reply_text(markers).text.size() == markers.size() - 1);
    CHECK_FALSE(extract_reply_text(ons).text.empty());
    CHECK(extract_reply_text(froms).cut == "none");
    CHECK_FALSE(extract_reply_text("text\n" + sigs).text.empty());
    CHECK(extract_reply_text(blanks + "a\n" + quotes).text == "a");
    CHECK(extract_reply_text(std::string(4u << 20, 'x')).text.size() == 4u << 20);
}
