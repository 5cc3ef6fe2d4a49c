// fetch_report.cpp - reading getmail6 (verbose = 2) and fetchmail output. The lines matched are
// those of getmail 6.18 (/usr/bin/getmail: "msg 1/2 (123 bytes) from <a> delivered to MDA_lmtp
// at ...", "not retrieved (oversized)", "Delivery error (...)") and fetchmail 6.4 ("reading
// message u@h:1 of 2 (...) flushed", "skipping message ... (oversized)", "LMTP error: 451 ...").
#include "config/fetch_report.hpp"

#include <algorithm>
#include <cctype>
#include <vector>

#include <fmt/format.h>

namespace deskgate::config {
namespace {

constexpr std::size_t kMaxErrorLength = 300;

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

bool contains_ci(std::string_view text, std::string_view needle) {
    return std::search(text.begin(), text.end(), needle.begin(), needle.end(), [](char a, char b) {
               return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
           }) != text.end();
}

// The non-empty lines, trimmed, without the program's own prefix ("fetchmail: ", "q10-1.getmailrc: ").
std::vector<std::string_view> lines_of(std::string_view text) {
    std::vector<std::string_view> out;
    while (!text.empty()) {
        const auto nl = text.find('\n');
        std::string_view line = trim(text.substr(0, nl));
        text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
        if (line.starts_with("fetchmail: ")) line.remove_prefix(11);
        if (const auto p = line.find(".getmailrc: "); p != std::string_view::npos && line.substr(0, p).find(' ') == std::string_view::npos)
            line.remove_prefix(p + 12);
        if (!line.empty()) out.push_back(line);
    }
    return out;
}

std::size_t count_containing(const std::vector<std::string_view>& lines, std::string_view needle) {
    return static_cast<std::size_t>(std::count_if(lines.begin(), lines.end(), [&](std::string_view l) {
        return l.find(needle) != std::string_view::npos;
    }));
}

// What fetchmail says on every run without sslcertck or as root: never the reason of a failure.
bool is_noise(std::string_view line) {
    for (std::string_view n : {"WARNING: Running as root", "Server certificate verification error", "Missing trust anchor",
                               "This could mean", "Warning: the connection is insecure", "Query status="})
        if (line.starts_with(n)) return true;
    return false;
}

// "FileNotFoundError: [Errno 2] ..." - the last line of a Python traceback.
bool is_exception_line(std::string_view line) {
    const auto colon = line.find(": ");
    if (colon == std::string_view::npos) return false;
    const std::string_view name = line.substr(0, colon);
    const bool identifier = std::all_of(name.begin(), name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.';
    });
    return identifier && name != "Exception" && (name.ends_with("Error") || name.ends_with("Exception"));
}

std::string one_line(std::string_view s) {
    std::string out;
    for (char c : s.substr(0, kMaxErrorLength)) out += std::iscntrl(static_cast<unsigned char>(c)) ? ' ' : c;
    return out;
}

// The line that says why the run failed, most telling first.
std::string error_line(const std::vector<std::string_view>& lines, int exit_code) {
    auto first = [&](auto&& pred) -> const std::string_view* {
        auto it = std::find_if(lines.begin(), lines.end(), pred);
        return it == lines.end() ? nullptr : &*it;
    };
    if (auto l = first([](std::string_view s) { return contains_ci(s, "certificate verify failed"); })) {
        std::string out(*l);
        // fetchmail names the reason on a line of its own
        if (auto why = first([](std::string_view s) { return s.starts_with("Server certificate verification error: "); }))
            out += fmt::format(" ({})", why->substr(39));
        return one_line(out);
    }
    if (auto l = first([](std::string_view s) { return s.starts_with("LMTP error") || s.starts_with("Delivery error"); }))
        return one_line(*l);
    if (auto l = first(is_exception_line)) return one_line(*l);
    static constexpr std::string_view kWords[] = {"error", "fail", "refused", "denied", "timeout", "timed out", "cannot", "unable"};
    if (auto l = first([](std::string_view s) {
            return !is_noise(s) && std::any_of(std::begin(kWords), std::end(kWords), [&](std::string_view w) { return contains_ci(s, w); });
        }))
        return one_line(*l);
    for (auto it = lines.rbegin(); it != lines.rend(); ++it)
        if (!is_noise(*it)) return one_line(*it);
    return fmt::format("exited with status {}", exit_code);
}

FetchReport read_getmail(int exit_code, const std::vector<std::string_view>& out, const std::vector<std::string_view>& err) {
    FetchReport r;
    r.fetched = count_containing(out, "delivered to MDA_lmtp");
    r.oversized = count_containing(out, "not retrieved (oversized)");
    // getmail exits 0 after some errors ("login refused error (...)"): its error lines count too
    const bool error_said = std::any_of(err.begin(), err.end(), [](std::string_view l) {
        return l.find("error (") != std::string_view::npos || l.find("timeout (") != std::string_view::npos;
    });
    r.ok = exit_code == 0 && !error_said;
    if (!r.ok) r.error = error_line(err.empty() ? out : err, exit_code);
    return r;
}

FetchReport read_fetchmail(int exit_code, const std::vector<std::string_view>& out, const std::vector<std::string_view>& err) {
    FetchReport r;
    std::size_t delivered = 0;
    for (std::string_view l : out)
        if (l.starts_with("reading message") && l.ends_with("flushed")) ++delivered;
    // fetchmail prints "LMTP error: ..." for a message it then leaves (4xx) or, despite
    // softbounce, deletes (5xx after DATA): neither went into a ticket
    const std::size_t refused = count_containing(err, "LMTP error");
    r.fetched = delivered > refused ? delivered - refused : 0;
    r.oversized = count_containing(out, "(oversized)");
    r.ok = (exit_code == 0 || exit_code == 1) && refused == 0;  // 1: no mail
    if (!r.ok) {
        std::vector<std::string_view> all = err;
        all.insert(all.end(), out.begin(), out.end());
        r.error = error_line(all, exit_code);
    }
    return r;
}

}  // namespace

FetchReport read_fetch_output(Fetcher fetcher, int exit_code, std::string_view out, std::string_view err) {
    const std::vector<std::string_view> out_lines = lines_of(out), err_lines = lines_of(err);
    return fetcher == Fetcher::Getmail ? read_getmail(exit_code, out_lines, err_lines)
                                       : read_fetchmail(exit_code, out_lines, err_lines);
}

}  // namespace deskgate::config
