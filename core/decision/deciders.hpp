// deciders.hpp - the decision as a visible pipeline: for the recipients that passed admission,
// each decider in this order may decide the message; the first that does wins. A new case is a
// new decider in its own file under deciders/, put into this list where it belongs.
#pragma once

#include <array>

#include "core/decision/context.hpp"

namespace deskgate {

std::optional<Outcome> decide_journal(const Context&);       // signed journal copy of a staff reply
std::optional<Outcome> decide_approval(const Context&);      // an approver's approve/decline mail
std::optional<Outcome> decide_staff_reply(const Context&);  // a staff answer to a notification's token address
std::optional<Outcome> decide_bounce(const Context&);        // a delivery failure report for our mail
std::optional<Outcome> decide_duplicate(const Context&);     // the same mail stored already
std::optional<Outcome> decide_note(const Context&);          // staff note to a comment address
std::optional<Outcome> decide_closed_reply(const Context&);  // reply to a closed ticket
std::optional<Outcome> decide_append(const Context&);        // reply that joins its ticket
std::optional<Outcome> decide_create(const Context&);        // anything else opens a ticket

inline constexpr std::array<Decider, 9> kDeciders = {
    decide_journal, decide_approval,     decide_staff_reply, decide_bounce, decide_duplicate,
    decide_note,    decide_closed_reply, decide_append,      decide_create,
};

}  // namespace deskgate
