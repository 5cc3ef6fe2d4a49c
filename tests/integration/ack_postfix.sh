#!/usr/bin/env bash
# Acknowledgements through a real Postfix: a new ticket's acknowledgement reaches the sink with
# the right headers; with the daemon's clock shifted into the evening, the after-hours text;
# no acknowledgement to list mail; and a SIGKILL between the commit and the send leaves exactly
# one acknowledgement after the restart (once the killed sender's claim on it has expired).
set -euo pipefail
: "${DESKGATE_BIN_DIR:?}" "${DESKGATE_SOURCE_DIR:?}"
export PYTHONPATH="$DESKGATE_SOURCE_DIR/tests/integration${PYTHONPATH:+:$PYTHONPATH}"
exec python3 - "$DESKGATE_BIN_DIR/bin" "$DESKGATE_SOURCE_DIR" <<'PY'
import email, email.policy, json, os, shutil, smtplib, subprocess, sys, tempfile, time
from mta import Postfix, Sink, Lmtpd, free_port, wait_for

bindir, src = sys.argv[1:3]
deskgate = os.path.join(bindir, "deskgate")
base = tempfile.mkdtemp(prefix="deskgate-ack-postfix-")
os.chmod(base, 0o755)
cfg = os.path.join(base, "cfg")
shutil.copytree(os.path.join(src, "config/examples"), cfg)
store = os.path.join(base, "store")
failures = []
def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond: failures.append(what)

TUE_1000, TUE_2000 = 1796115600, 1796151600  # 2026-12-01 10:00 and 20:00 in Prague
smtp_port, sink_port = free_port(), free_port()
pf_base = os.path.join(base, "postfix")
# sendmail(1) of the private instance; a hold file makes it wait, for the crash test
wrapper = os.path.join(base, "sendmail")
with open(wrapper, "w") as f:
    f.write(f"#!/bin/sh\nwhile [ -e {base}/hold ]; do sleep 0.2; done\nexec /usr/sbin/sendmail -C {pf_base}/etc \"$@\"\n")
os.chmod(wrapper, 0o755)
path = os.path.join(cfg, "deskgate.toml")
text = open(path).read().replace('generated_mail_limit = 3', f'generated_mail_limit = 10\nsendmail_command = ["{wrapper}"]')
open(path, "w").write(text)

def acks():
    out = []
    for m in sink.messages():
        msg = email.message_from_bytes(m, policy=email.policy.default)
        if msg["Auto-Submitted"] == "auto-replied":
            out.append(msg)
    return out

def send(subject, mid, extra=""):
    with smtplib.SMTP("127.0.0.1", smtp_port, timeout=30) as s:
        s.sendmail("alice@acme.example", ["support@helpdesk.example.com"],
                   f"From: Alice <alice@acme.example>\r\nTo: support@helpdesk.example.com\r\nSubject: {subject}\r\n"
                   f"Message-ID: <{mid}>\r\n{extra}\r\nhello\r\n".encode())

sink = lmtpd = postfix = None
try:
    sink = Sink(sink_port, os.path.join(base, "sink"))
    postfix = Postfix(pf_base, smtp_port, sink_port, f"helpdesk.example.com lmtp:unix:{base}/lmtp.sock\n",
                      "helpdesk.example.com")
    postfix.start()
    offset = lambda target: str(target - int(time.time()))
    lmtpd = Lmtpd(os.path.join(bindir, "deskgate-lmtpd"), path, store, os.path.join(base, "lmtp.sock"),
                  extra=["--time-offset", offset(TUE_1000)])

    send("Printer on fire", "a1@acme.example")
    a = wait_for(lambda: acks(), 30, "the first acknowledgement")[0]
    check(a["To"].addresses[0].addr_spec == "alice@acme.example", f"to the requester: {a['To']}")
    check(a["In-Reply-To"] == "<a1@acme.example>", f"In-Reply-To the request: {a['In-Reply-To']}")
    check(a["From"].addresses[0].addr_spec == "support@helpdesk.example.com", f"From the queue: {a['From']}")
    check(str(a["Subject"]) == "Re: Printer on fire [Support#10-1]", f"subject with the tag: {a['Subject']}")
    check(a["X-Deskgate-Loop"] == "helpdesk.example.com", "carries our loop header")
    check("we received your request" in a.get_content() and "filed it as [Support#10-1]" in a.get_content(),
          "the in-hours template")

    # after hours: the daemon's clock in the evening
    lmtpd.close()
    lmtpd = Lmtpd(os.path.join(bindir, "deskgate-lmtpd"), path, store, os.path.join(base, "lmtp.sock"),
                  extra=["--time-offset", offset(TUE_2000)])
    send("Evening question", "a2@acme.example")
    b = wait_for(lambda: [m for m in acks() if m["In-Reply-To"] == "<a2@acme.example>"], 30, "the after-hours acknowledgement")[0]
    check("outside our office hours" in b.get_content(), "the after-hours template")

    # no acknowledgement to list mail
    send("List digest", "a3@acme.example", "List-Id: <digest.lists.example>\r\n")
    wait_for(lambda: "no acknowledgement: List-Id present" in lmtpd.log(), 30, "the list mail decision")
    time.sleep(3)
    check(not [m for m in acks() if m["In-Reply-To"] == "<a3@acme.example>"], "no acknowledgement to list mail")

    # SIGKILL between commit and send: exactly one acknowledgement after the restart
    open(os.path.join(base, "hold"), "w").close()
    send("Crash me", "a4@acme.example")
    wait_for(lambda: "verdict=new-ticket" in lmtpd.log() and "a4@acme.example" in lmtpd.log(), 30, "the commit")
    time.sleep(3)  # the worker is now waiting inside sendmail
    lmtpd.kill9()
    subprocess.run(["pkill", "-f", wrapper], check=False)
    os.unlink(os.path.join(base, "hold"))
    check(not [m for m in acks() if m["In-Reply-To"] == "<a4@acme.example>"], "nothing was sent before the crash")
    # The killed worker had claimed the item: it goes out once the claim (5 minutes) has expired.
    # The restarted daemon's clock is 10 minutes later.
    lmtpd.args[lmtpd.args.index("--time-offset") + 1] = offset(TUE_2000 + 600)
    lmtpd.start()
    wait_for(lambda: [m for m in acks() if m["In-Reply-To"] == "<a4@acme.example>"], 30, "the acknowledgement after the restart")
    time.sleep(5)
    n = len([m for m in acks() if m["In-Reply-To"] == "<a4@acme.example>"])
    check(n == 1, f"exactly one acknowledgement after the restart ({n})")
    out = json.loads(subprocess.run([deskgate, "outbox", "--json", "--config", path, "--store", store],
                                    capture_output=True, text=True).stdout)
    acks_out = [i for i in out if i["kind"] == "ack"]
    check(len(acks_out) == 3 and all(i["state"] == "sent" for i in out),
          f"deskgate outbox: three acknowledgements (and the staff's notifications) sent: {[(i['id'], i['kind'], i['state']) for i in out]}")
except Exception as e:
    check(False, f"exception: {e!r}")
finally:
    if os.path.exists(os.path.join(base, "hold")): os.unlink(os.path.join(base, "hold"))
    if postfix: postfix.stop()
    if lmtpd: lmtpd.close()
    if sink: sink.close()
    subprocess.run(["pkill", "-f", wrapper], check=False)
    if failures:
        print("--- postfix log ---\n" + (postfix.log()[-3000:] if postfix else ""))
        print("--- lmtpd log ---\n" + (lmtpd.log()[-4000:] if lmtpd else ""))
    shutil.rmtree(base, ignore_errors=True)
sys.exit(1 if failures else 0)
PY
