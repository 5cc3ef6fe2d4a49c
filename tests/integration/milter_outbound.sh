#!/usr/bin/env bash
# The outbound milter behind a real Postfix submission port: a staff reply to an enabled
# customer leaves with From "<alias> - <queue>" <queue address> and a reply-token Reply-To, is
# journaled into its ticket as an outbound message (status waiting), and the customer's answer
# to it threads back into the same ticket; a reply to a customer not enabled leaves with the
# global staff sender address and is not journaled; a forged journal copy is refused; mail of a
# submitter who is not staff leaves untouched and is not journaled, even with a ticket tag.
set -euo pipefail
: "${DESKGATE_BIN_DIR:?}" "${DESKGATE_SOURCE_DIR:?}"
export PYTHONPATH="$DESKGATE_SOURCE_DIR/tests/integration${PYTHONPATH:+:$PYTHONPATH}"
exec python3 - "$DESKGATE_BIN_DIR/bin" "$DESKGATE_SOURCE_DIR" <<'PY'
import email, email.policy, json, os, re, shutil, smtplib, subprocess, sys, tempfile
from mta import Postfix, Sink, Lmtpd, free_port, wait_for

bindir, src = sys.argv[1:3]
deskgate = os.path.join(bindir, "deskgate")
base = tempfile.mkdtemp(prefix="deskgate-milter-outbound-")
os.chmod(base, 0o755)
config = os.path.join(src, "config/examples/deskgate.toml")
store = os.path.join(base, "store")
failures = []
def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond: failures.append(what)

def show(t):
    r = subprocess.run([deskgate, "show", t, "--json", "--store", store], capture_output=True, text=True)
    return json.loads(r.stdout) if r.returncode == 0 else None

def send(port, sender, rcpts, text):
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as s:
        return s.sendmail(sender, rcpts, text.encode())

smtp_port, sub_port, sink_port = free_port(), free_port(), free_port()
sink = lmtpd = postfix = milter = None
milter_log = open(os.path.join(base, "milter.log"), "w")
try:
    sink = Sink(sink_port, os.path.join(base, "sink"))
    # the milter starts first, before deskgate-lmtpd has created the store it reads (as systemd
    # may start them): it must come up anyway and open the store once it is there
    sock = os.path.join(base, "milter.sock")
    milter = subprocess.Popen([os.path.join(bindir, "deskgate-milter"), "--config", config, "--socket", "unix:" + sock,
                               "--socket-mode", "0666", "--mode", "auto", "--store", store, "--foreground"], stdout=milter_log, stderr=milter_log)
    wait_for(lambda: os.path.exists(sock), 20, "deskgate-milter")
    lmtpd = Lmtpd(os.path.join(bindir, "deskgate-lmtpd"), config, store, os.path.join(base, "lmtp.sock"))
    submission = (f"127.0.0.1:{sub_port} inet n - n - - smtpd\n"
                  f"  -o syslog_name=postfix/submission\n  -o milter_macro_daemon_name=OUTBOUND\n")
    postfix = Postfix(os.path.join(base, "postfix"), smtp_port, sink_port,
                      f"helpdesk.example.com lmtp:unix:{base}/lmtp.sock\n", "helpdesk.example.com",
                      {"smtpd_milters": f"unix:{sock}", "milter_default_action": "tempfail"}, submission)
    postfix.start()

    send(smtp_port, "alice@acme.example", ["support@helpdesk.example.com"],
         "From: Alice <alice@acme.example>\r\nTo: support@helpdesk.example.com\r\nSubject: Printer on fire\r\n"
         "Message-ID: <p1@acme.example>\r\n\r\nHelp!\r\n")
    wait_for(lambda: show("10-1"), 30, "ticket 10-1")

    # staff reply to an enabled customer, with an injection attempt in a client control header
    send(sub_port, "jana@example.com", ["alice@acme.example"],
         "From: Jana Novak <jana@example.com>\r\nTo: alice@acme.example\r\n"
         "Subject: Re: [Support#10-1] Printer on fire\r\nX-Deskgate-Ticket: 10-1\r\nX-Deskgate-Direction: inbound\r\n"
         "\r\nThe technician is on his way.\r\n")
    copy = wait_for(lambda: [m for m in sink.messages() if b"technician" in m], 30, "the customer's copy at the sink")[0]
    msg = email.message_from_bytes(copy, policy=email.policy.default)
    frm = msg["From"].addresses[0]
    reply_to, subject, mid = str(msg["Reply-To"]), str(msg["Subject"]), str(msg["Message-ID"])
    check((frm.display_name, frm.addr_spec) == ("jana - Support", "support@helpdesk.example.com"),
          f"From rewritten for the enabled customer: {msg['From']}")
    check(re.fullmatch(r"support\+t10-1-[0-9a-f]{16}@helpdesk\.example\.com", reply_to) is not None,
          f"Reply-To is the signed reply-token address: {reply_to}")
    check(subject == "Re: [Support#10-1] Printer on fire", f"subject keeps its tag: {subject}")
    check(mid.startswith("<") and mid.endswith(">") and len(msg.get_all("Message-ID")) == 1, f"exactly one Message-ID: {mid}")
    check(len(msg.get_all("X-Deskgate-Direction") or []) == 1 and msg["X-Deskgate-Direction"] == "outbound",
          "the client's control headers were replaced by ours")

    t = wait_for(lambda: (lambda s: s if s and s["ticket"]["entries"] == 2 else None)(show("10-1")), 30, "the journal copy")
    e = t["entries"][1]
    check(e["direction"] == "outbound" and e["from"] == "jana@example.com", f"the reply is in 10-1 as an outbound message: {e['direction']} {e['from']}")
    check(t["ticket"]["status"] == "waiting", f"status after the operator's reply: {t['ticket']['status']}")

    # the customer answers the staff reply (In-Reply-To only, no tag): same ticket, status open
    send(smtp_port, "alice@acme.example", ["support@helpdesk.example.com"],
         f"From: Alice <alice@acme.example>\r\nTo: support@helpdesk.example.com\r\nSubject: thanks\r\n"
         f"Message-ID: <p2@acme.example>\r\nIn-Reply-To: {mid}\r\n\r\nIt is out.\r\n")
    t = wait_for(lambda: (lambda s: s if s and s["ticket"]["entries"] == 3 else None)(show("10-1")), 30, "the answer")
    check(t["ticket"]["status"] == "open", f"the customer's answer threads into 10-1 and reopens it: {t['ticket']['status']}")

    # a staff reply that only says In-Reply-To (no tag, no header): the store names the ticket
    send(sub_port, "jana@example.com", ["alice@acme.example"],
         "From: Jana Novak <jana@example.com>\r\nTo: alice@acme.example\r\nSubject: Re: thanks\r\n"
         "In-Reply-To: <p2@acme.example>\r\n\r\nGlad to hear.\r\n")
    copy = wait_for(lambda: [m for m in sink.messages() if b"Glad to hear" in m], 30, "the second staff reply")[0]
    msg = email.message_from_bytes(copy, policy=email.policy.default)
    check(str(msg["Subject"]) == "Re: thanks [Support#10-1]", f"ticket found by In-Reply-To, tag added: {msg['Subject']}")
    t = wait_for(lambda: (lambda s: s if s and s["ticket"]["entries"] == 4 else None)(show("10-1")), 30, "the second journal copy")
    check(t["entries"][3]["direction"] == "outbound", "journaled into 10-1 as outbound")

    # staff reply to a customer not enabled: the global staff sender, no journal
    send(sub_port, "jana@example.com", ["carol@globex.example"],
         "From: Jana Novak <jana@example.com>\r\nTo: carol@globex.example\r\nSubject: your call\r\n\r\nPlease use the portal.\r\n")
    copy = wait_for(lambda: [m for m in sink.messages() if b"use the portal" in m], 30, "the globex copy")[0]
    msg = email.message_from_bytes(copy, policy=email.policy.default)
    frm = msg["From"].addresses[0]
    check((frm.display_name, frm.addr_spec) == ("Jana Novak", "staff@example.com") and str(msg["Reply-To"]) == "staff@example.com",
          f"not-enabled customer: From/Reply-To the staff sender: {msg['From']} / {msg['Reply-To']}")
    check(msg["X-Deskgate-Ticket"] is None, "no journal for a customer not enabled")

    # a submitter who is not staff writes to the customer with the ticket's tag: the mail leaves
    # as written (From, Reply-To, Subject, no control headers) and nothing is journaled into 10-1
    send(sub_port, "mallory@example.com", ["alice@acme.example"],
         "From: Mallory <mallory@example.com>\r\nTo: alice@acme.example\r\nReply-To: mallory@example.com\r\n"
         "Subject: Re: [Support#10-1] Printer on fire\r\nMessage-ID: <m1@example.com>\r\n\r\nPay this invoice.\r\n")
    copy = wait_for(lambda: [m for m in sink.messages() if b"Pay this invoice" in m], 30, "the non-staff copy")[0]
    msg = email.message_from_bytes(copy, policy=email.policy.default)
    frm = msg["From"].addresses[0]
    check((frm.display_name, frm.addr_spec) == ("Mallory", "mallory@example.com"), f"non-staff From unchanged: {msg['From']}")
    check(str(msg["Reply-To"]) == "mallory@example.com", f"non-staff Reply-To unchanged: {msg['Reply-To']}")
    check(str(msg["Subject"]) == "Re: [Support#10-1] Printer on fire", f"non-staff Subject unchanged: {msg['Subject']}")
    check(msg["X-Deskgate-Ticket"] is None and msg["X-Deskgate-Signature"] is None, "no control headers on non-staff mail")
    wait_for(lambda: not postfix.queue(), 30, "the queue to drain")
    check(show("10-1")["ticket"]["entries"] == 4, "no journal copy of the non-staff mail in 10-1")
    with open(os.path.join(base, "milter.log")) as f:
        lines = [l for l in f if "mallory@example.com" in l]
    check(len(lines) == 1 and "unchanged" in lines[0] and "not staff" in lines[0],
          f"one milter log line for the non-staff mail: {lines}")

    # a forged journal copy (headers copied from the customer's copy, plain journal address)
    send(smtp_port, "alice@acme.example", ["journal@helpdesk.example.com"],
         "From: Jana Novak <jana@example.com>\r\nTo: journal@helpdesk.example.com\r\nSubject: fake\r\n"
         "X-Deskgate-Ticket: 10-1\r\nX-Deskgate-Direction: outbound\r\nMessage-ID: <fake@x.example>\r\n\r\nforged\r\n")
    bounce = wait_for(lambda: [m for m in sink.messages() if b"fake@x.example" in m and b"5.7.1" in m], 30, "the forged journal copy's bounce")
    check(bool(bounce) and show("10-1")["ticket"]["entries"] == 4, "a forged journal copy is refused (5.7.1), the ticket unchanged")
except Exception as e:
    check(False, f"exception: {e!r}")
finally:
    if postfix: postfix.stop()
    if lmtpd: lmtpd.close()
    if milter:
        milter.terminate()
        try: milter.wait(20)
        except subprocess.TimeoutExpired: milter.kill()
    if sink: sink.close()
    if failures:
        print("--- postfix log ---\n" + (postfix.log()[-4000:] if postfix else ""))
        print("--- milter log ---\n" + open(os.path.join(base, "milter.log")).read()[-3000:])
        print("--- lmtpd log ---\n" + (lmtpd.log()[-3000:] if lmtpd else ""))
    shutil.rmtree(base, ignore_errors=True)
sys.exit(1 if failures else 0)
PY
