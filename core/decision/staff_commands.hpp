// staff_commands.hpp - the commands a staff member writes on the first lines of an answer to a
// notification (#note, #close, #assign petr, #status open, #priority high, #queue 20, #tag vip,
// #untag vip, #unassign, #reopen): read off the text, the rest is the reply.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/decision/ticket_ops.hpp"

namespace deskgate {

struct StaffCommands {
    std::vector<TicketOp> ops;          // in the order written
    bool note = false;                  // #note: the text is an internal note, nothing is sent
    bool close = false;                 // #close: close after the reply (with the summary)
    std::vector<std::string> errors;    // one per line that is no command ("#frobnicate: unknown command")
    std::string text;                   // what follows the command lines, trimmed
};

// Command lines are the leading lines that start with '#' (blank lines between them allowed);
// the first other line starts the text. A line like "#1 priority for us" is text, not a
// command, only if no command word follows '#': "#" + a word we do not know is an error, so
// that a mistyped command never reaches the customer.
StaffCommands parse_staff_commands(std::string_view text);

}  // namespace deskgate
