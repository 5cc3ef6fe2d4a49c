// fetch_config.hpp - what fetches the mailboxes at a provider ([[queues.mailboxes]]) into
// deskgate-lmtpd's fetch_listen socket: a getmail6 rc file for each implicit-TLS mailbox
// (IMAP or POP3, password or OAuth2), a fetchmailrc for each STARTTLS one, and the command line
// that runs it once. Pure: `deskgate fetch-config` prints what this returns, `deskgate fetch`
// writes it into global.fetch_dir and runs it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/model/config.hpp"

namespace deskgate::config {

enum class Fetcher { Getmail, Fetchmail };

// One mailbox's fetcher run. Every path is in global.fetch_dir and named after `stem`, so a
// mailbox keeps its files (and the fetcher its record of seen messages) from run to run.
struct FetchJob {
    const Queue* queue = nullptr;
    const FetchedMailbox* mailbox = nullptr;
    std::size_t index = 0;          // 1-based, among the queue's mailboxes
    Fetcher fetcher = Fetcher::Getmail;
    std::string stem;               // "q10-1"
    std::string rc_file;            // ".../q10-1.getmailrc" or ".../q10-1.fetchmailrc"
    std::string id_file;            // fetchmail: its seen UIDs (getmail keeps oldmail-* files itself)
    std::string pid_file;           // fetchmail: its lock file
    std::vector<std::string> argv;  // the fetcher, one run in the foreground
};

// Every mailbox of every queue, in config order.
std::vector<FetchJob> fetch_jobs(const Config& config);

// The rc file of `job`. A fetchmailrc holds the password itself (fetchmail cannot run a
// command for it): pass it in `password`; without it the file says where the password is read
// from instead, for printing. A getmail rc never holds a secret: getmail runs `cat FILE` or the
// token command itself.
std::string fetch_rc_text(const Config& config, const FetchJob& job,
                          const std::optional<std::string>& password = std::nullopt);

// The mailbox for log lines: "imaps://imap.example.com:993/INBOX user=support@example.com"
// (also "pop3s://...", "imap+starttls://...", "pop3+starttls://...").
std::string mailbox_label(const FetchedMailbox& mailbox);

}  // namespace deskgate::config
