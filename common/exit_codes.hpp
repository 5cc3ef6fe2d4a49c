// exit_codes.hpp - the process exit statuses of deskgate, deskgate-lmtpd and deskgate-milter
// (sysexits.h values, so init systems and scripts read them the usual way).
#pragma once

namespace deskgate {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;    // the command ran and the answer is "no" (e.g. a refusal)
inline constexpr int kExitUsage = 64;     // EX_USAGE: bad command line
inline constexpr int kExitTempFail = 75;  // EX_TEMPFAIL: try again later (store, socket)
inline constexpr int kExitConfig = 78;    // EX_CONFIG: the configuration has errors

}  // namespace deskgate
