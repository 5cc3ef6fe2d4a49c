// run_program.hpp - runs a helper program to its end (no shell: argv, found on PATH) with
// standard input from /dev/null, its standard output and error captured, in a process group of
// its own, bounded in time: at the deadline the group gets SIGTERM, 5 s later SIGKILL.
// `deskgate fetch` runs getmail and fetchmail with it.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace deskgate {

struct ProgramResult {
    bool started = false;    // false: it could not be run (`problem` says why)
    bool timed_out = false;  // stopped at the deadline
    int exit_code = -1;      // its exit status; -1 when it did not exit normally
    std::string out;         // standard output (at most kMaxProgramOutput bytes)
    std::string err;         // standard error (likewise)
    std::string problem;     // why it did not start, or how it ended when not by exit()
};

inline constexpr std::size_t kMaxProgramOutput = 8u << 20;

// `env` entries ("NAME=value") are added to (and override) this process's environment.
ProgramResult run_program(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                          std::chrono::seconds timeout);

}  // namespace deskgate
