// safe_filename.hpp - an attachment's decoded name made safe to store, show and offer for saving:
// the name of a file, never a path, and nothing that steers a terminal or reorders what is shown.
//   directory parts go: "../../etc/passwd" -> "passwd", "C:\Users\x\a.pdf" -> "a.pdf" (both '/'
//       and '\' separate, whatever system the sender had); "." and ".." name nothing
//   control characters go (C0, DEL, C1; tab and line breaks become a space: an encoded word may
//       hold "=0A"), and so do the bidirectional embeddings, overrides, isolates and marks
//       (U+202A..U+202E, U+2066..U+2069, U+200E, U+200F) that make "invoice<RLO>fdp.exe" show as
//       "invoiceexe.pdf"
//   blanks at either end go
// The result may be "" (unnamed). Internal to core/mail; pure.
#pragma once

#include <string>
#include <string_view>

namespace deskgate {

// `name` (valid UTF-8) made safe as above.
std::string safe_filename(std::string_view name);

}  // namespace deskgate
