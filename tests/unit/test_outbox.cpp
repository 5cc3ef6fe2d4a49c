// test_outbox.cpp - outbox retry policy, and run_sendmail() against a real program standing
// in for sendmail(1) (/bin/sh): arguments without a shell in between, the message on stdin,
// exit codes mapped to sent / retry / failed, a hung sender bounded by its timeout.
#include <doctest/doctest.h>

#include "common/sendmail.hpp"
#include "core/store/outbox_policy.hpp"
#include "test_support.hpp"

using namespace deskgate;
using deskgate::test::read_file;
using deskgate::test::TempDir;

TEST_CASE("retry policy: backoff doubles to an hour, permanent errors and too many attempts fail") {
    OutboxItem item;
    item.next_attempt = 100;
    CHECK(outbox_due(item, 100));
    CHECK_FALSE(outbox_due(item, 99));
    auto a = after_attempt(item, SendOutcome::Temporary, "exit 75", 100);
    CHECK(a.state == "pending");
    CHECK(a.attempts == 1);
    CHECK(a.next_attempt == 160);
    CHECK(a.last_error == "exit 75");
    a = after_attempt(a, SendOutcome::Temporary, "exit 75", 160);
    CHECK(a.next_attempt == 160 + 120);
    for (int i = 0; i < 7; ++i) a = after_attempt(a, SendOutcome::Temporary, "x", 1000);
    CHECK(a.next_attempt == 1000 + 3600);  // capped
    for (int i = 0; i < 3; ++i) a = after_attempt(a, SendOutcome::Temporary, "x", 2000);
    CHECK(a.attempts == kMaxSendAttempts);
    CHECK(a.state == "failed");
    CHECK_FALSE(outbox_due(a, 1'000'000));
    CHECK(after_attempt(item, SendOutcome::Permanent, "exit 67", 5).state == "failed");
    const auto sent = after_attempt(item, SendOutcome::Sent, "", 5);
    CHECK(sent.state == "sent");
    CHECK(sent.last_error.empty());
}

TEST_CASE("run_sendmail: argv, stdin, exit codes, timeout") {
    TempDir dir;
    const std::string out = (dir.path() / "out").string();
    // "$@" after the script are the arguments sendmail would get.
    const std::vector<std::string> ok{"/bin/sh", "-c", "printf '%s|' \"$@\" > " + out + ".args; cat > " + out, "sh"};
    const auto r = run_sendmail(ok, "bounces@h.example", {"a@x.example", "-oi; rm -rf /"}, "Subject: hi\r\n\r\nbody\r\n");
    CHECK(r.outcome == SendOutcome::Sent);
    CHECK(read_file(out) == "Subject: hi\r\n\r\nbody\r\n");
    CHECK(read_file(out + ".args") == "-i|-f|bounces@h.example|--|a@x.example|-oi; rm -rf /|");  // no shell in between, no envid given

    CHECK(run_sendmail({"/bin/sh", "-c", "cat >/dev/null; exit 75", "sh"}, "s@h.example", {"a@x.example"}, "m").outcome ==
          SendOutcome::Temporary);
    const auto nouser = run_sendmail({"/bin/sh", "-c", "cat >/dev/null; exit 67", "sh"}, "s@h.example", {"a@x.example"}, "m");
    CHECK(nouser.outcome == SendOutcome::Permanent);
    CHECK(nouser.message == "/bin/sh exited with 67");
    CHECK(run_sendmail({"/nonexistent/sendmail"}, "s@h.example", {"a@x.example"}, "m").outcome != SendOutcome::Sent);
    const auto hung = run_sendmail({"/bin/sh", "-c", "sleep 30", "sh"}, "s@h.example", {"a@x.example"}, std::string(1 << 20, 'x'),
                                   std::chrono::seconds(1));
    CHECK(hung.outcome == SendOutcome::Temporary);
    CHECK(hung.message.find("timed out") != std::string::npos);
}
