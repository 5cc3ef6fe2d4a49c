// approval_answer.hpp - what an approver's mail says about a request awaiting approval (BRIEF
// rule 8). Hitting "reply" must not decide anything by itself (an approver who answers "no,
// not this one" would approve it), so the word decides: the first word of the first line of
// the answer's new text (the quote of our request cut off, core/mail/reply_text.hpp).
//   approve, approved, yes, ok, accept (ano, áno, ja, tak) -> Approve
//   decline, declined, no, reject, deny (ne, nie, nein)    -> Decline
//   anything else, nothing, or a first line that also has a word of the other list
//   ("No problem, approved")                                -> Unclear
// Case is ignored, and so is punctuation around the words ("Yes.", "*No*").
#pragma once

#include <string_view>

namespace deskgate {

enum class ApprovalAnswer { Approve, Decline, Unclear };

// `body`: the message's text (the new text is taken from it).
ApprovalAnswer read_approval_answer(std::string_view body);

}  // namespace deskgate
