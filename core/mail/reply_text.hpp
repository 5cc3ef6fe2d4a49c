// reply_text.hpp - the new text of a staff member's reply to a deskgate notification: what is
// above the marker line, without the mail client's quote of the original (attribution line,
// Outlook header block, "> " quote), the signature and mobile footers.
//
// How the text is cut, in order:
//  1. at the marker line (also quoted with "> " or wrapped over up to four lines): only the
//     text above it is looked at from here on;
//  2. at the first attribution ("On ... wrote:" and its cs/sk/pl/bg/de forms, also wrapped
//     over two lines), Outlook separator ("-----Original Message-----", localised) or Outlook
//     header block (From/Sent/To/Subject, localised), together with the blank lines and the
//     "_____" rule above it: the text above is kept as written, ">" lines included;
//  3. bottom posting: when nothing is above that cut (or above a quoted marker) but unquoted
//     text follows the quote, that text is the reply;
//  4. from the end, as long as text remains: a run of "> " lines, a "-- " signature (at most
//     25 lines) and mobile footers ("Sent from my iPhone", "Von meinem iPhone gesendet",
//     "Get Outlook for Android", ...), in any order (top posters sign above the quote,
//     bottom posters below it).
// Interleaved answers: quoted lines between the staff's own lines are kept with them. The
// answers are unreadable without the questions, and a line the staff typed starting with ">"
// (a command, a log line) cannot be told from a quote; so nothing between two lines the staff
// wrote is ever dropped. Only a quote at the end, or everything from an attribution on, is.
// A body without any recognisable quote is returned whole; the result is empty only when the
// body is nothing but a recognised quote. The text keeps its lines as written, without
// trailing spaces, blank lines at both ends, and with a run of blank lines made one. Time is
// linear in the body size; an attribution is only looked for in lines of bounded length.
#pragma once

#include <string>
#include <string_view>

namespace deskgate {

// The marker line deskgate puts above the text of every notification; a reply's new text is what is above it.
inline constexpr std::string_view kReplyMarker = "##- Please type your reply above this line -##";

struct ReplyText {
    std::string text;        // the new text, trimmed (no trailing blank lines), UTF-8
    bool marker_found = false;
    std::string cut;         // how it was cut, for logs: "marker", "attribution (de)", "outlook header block", "quote", "none", ...
    bool signature_removed = false;
};

// `body` is the message's best text (text/plain, or HTML rendered to text). Cuts at the marker
// (also when the client quoted it with "> " or wrapped it), else at the first attribution line / header
// block / quote of the original, then removes a trailing signature ("-- " delimiter, mobile footers such as
// "Sent from my iPhone", "Odesláno z iPhonu", "Von meinem iPhone gesendet", "Wysłane z iPhone'a", "Изпратено от моя iPhone", "Odoslané z iPhonu", Outlook for Android/iOS "Get Outlook for Android").
ReplyText extract_reply_text(std::string_view body, std::string_view marker = kReplyMarker);

}  // namespace deskgate
