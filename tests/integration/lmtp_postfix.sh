#!/usr/bin/env bash
# deskgate-lmtpd behind a real Postfix on loopback: a new ticket; a reply joined by
# In-Reply-To; a not-enabled customer's mail bounced by Postfix with the admin's text in the
# DSN; an inactive queue deferred (kept in Postfix's queue) and delivered after the queue is
# re-activated by a config reload (SIGHUP); every answer, RCPT refusals too, in deskgate stats.
set -euo pipefail
: "${DESKGATE_BIN_DIR:?}" "${DESKGATE_SOURCE_DIR:?}"
export PYTHONPATH="$DESKGATE_SOURCE_DIR/tests/integration${PYTHONPATH:+:$PYTHONPATH}"
exec python3 - "$DESKGATE_BIN_DIR/bin" "$DESKGATE_SOURCE_DIR" <<'PY'
import json, os, shutil, signal, smtplib, subprocess, sys, tempfile
from mta import Postfix, Sink, Lmtpd, free_port, wait_for

bindir, src = sys.argv[1:3]
deskgate = os.path.join(bindir, "deskgate")
base = tempfile.mkdtemp(prefix="deskgate-lmtp-postfix-")
os.chmod(base, 0o755)
cfg = os.path.join(base, "cfg")
shutil.copytree(os.path.join(src, "config/examples"), cfg)
store = os.path.join(base, "store")
failures = []

def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)

def tickets():
    r = subprocess.run([deskgate, "tickets", "--json", "--store", store], capture_output=True, text=True)
    return json.loads(r.stdout) if r.returncode == 0 else []

def show(t):
    return json.loads(subprocess.run([deskgate, "show", t, "--json", "--store", store], capture_output=True, text=True).stdout)

def send(sender, rcpts, body):
    with smtplib.SMTP("127.0.0.1", smtp_port, timeout=30) as s:
        s.sendmail(sender, rcpts, body)

smtp_port, sink_port = free_port(), free_port()
sink = lmtpd = postfix = None
try:
    sink = Sink(sink_port, os.path.join(base, "sink"))
    lmtpd = Lmtpd(os.path.join(bindir, "deskgate-lmtpd"), os.path.join(cfg, "deskgate.toml"), store,
                  os.path.join(base, "lmtp.sock"))
    postfix = Postfix(os.path.join(base, "postfix"), smtp_port, sink_port,
                      f"helpdesk.example.com lmtp:unix:{base}/lmtp.sock\n", "helpdesk.example.com")
    postfix.start()

    # 1. a new ticket
    sample = open(os.path.join(src, "config/examples/sample-mail.eml"), "rb").read()
    send("alice@acme.example", ["support@helpdesk.example.com"], sample)
    t = wait_for(lambda: tickets(), 30, "the first ticket")
    check(len(t) == 1 and t[0]["ticket"] == "10-1" and t[0]["customer"] == "acme", f"new ticket via Postfix: {t}")
    # the ticket is committed before the 250 goes out, so Postfix logs it a moment later
    logged = wait_for(lambda: "status=sent (250 2.0.0 ticket 10-1 created)" in postfix.log(), 20, "Postfix's log line")
    check(logged, "Postfix logged the LMTP 250 with the ticket number")

    # 2. a reply by In-Reply-To from another contact of the same customer
    reply = (b"From: Bob Builder <bob@acme.example>\r\nTo: support@helpdesk.example.com\r\n"
             b"Subject: Re: printer\r\nMessage-ID: <reply-1@acme.example>\r\n"
             b"In-Reply-To: <20261124091200.4711@acme.example>\r\n\r\nIt works again.\r\n")
    send("bob@acme.example", ["support@helpdesk.example.com"], reply)
    wait_for(lambda: show("10-1")["ticket"]["entries"] == 2, 30, "the reply to join 10-1")
    check(len(tickets()) == 1, "the reply joined ticket 10-1 (no new ticket)")

    # 3. a customer not enabled: Postfix bounces with the admin's text in the DSN
    globex = (b"From: Carol <carol@globex.example>\r\nTo: support@helpdesk.example.com\r\n"
              b"Subject: help\r\nMessage-ID: <g-1@globex.example>\r\n\r\nplease\r\n")
    send("carol@globex.example", ["support@helpdesk.example.com"], globex)
    dsn = wait_for(lambda: [m for m in sink.messages() if b"carol@globex.example" in m and b"5.7.1" in m], 30,
                   "the bounce to carol")[0].decode(errors="replace")
    check("not enabled for e-mail tickets" in dsn and "Please use the customer portal" in dsn,
          "the DSN carries the admin's refusal text")
    check("Status: 5.7.1" in dsn, "the DSN says 5.7.1")

    # 4. an inactive queue: deferred, kept in Postfix's queue ...
    archive = (b"From: Alice <alice@acme.example>\r\nTo: archive@helpdesk.example.com\r\n"
               b"Subject: old stuff\r\nMessage-ID: <arch-1@acme.example>\r\n\r\nkeep me\r\n")
    send("alice@acme.example", ["archive@helpdesk.example.com"], archive)
    q = wait_for(lambda: [m for m in postfix.queue() if any("4.2.1" in r.get("delay_reason", "") for r in m["recipients"])],
                 30, "the archive mail to be deferred")
    check(len(q) == 1, "the mail to the inactive queue stays in Postfix's queue with 4.2.1")
    check(not any(x["queue"] == 30 for x in tickets()), "no ticket while the queue is inactive")
    # ... and delivered once the queue is re-activated by a config reload
    path = os.path.join(cfg, "deskgate.toml")
    text = open(path).read()
    open(path, "w").write(text.replace("active = false", "active = true"))
    lmtpd.signal(signal.SIGHUP)
    wait_for(lambda: "config reloaded" in lmtpd.log(), 10, "the reload")
    postfix.flush()
    wait_for(lambda: any(x["queue"] == 30 for x in tickets()), 30, "the archive ticket after the reload")
    wait_for(lambda: postfix.queue() == [], 30, "Postfix's queue to empty")
    check(True, "the deferred mail became ticket 30-1 after SIGHUP and a queue flush")

    # 5. a broken config on SIGHUP is reported and the old one stays in force
    open(path, "w").write(text.replace("active = false", "active = \"maybe\""))
    lmtpd.signal(signal.SIGHUP)
    wait_for(lambda: "config reload failed" in lmtpd.log(), 10, "the failed reload")
    check("deskgate.toml:" in lmtpd.log() and "expected" in lmtpd.log(), "the reload error names file:line:column")
    send("alice@acme.example", ["archive@helpdesk.example.com"],
         archive.replace(b"arch-1", b"arch-2").replace(b"old stuff", b"still active"))
    wait_for(lambda: sum(1 for x in tickets() if x["queue"] == 30) == 2, 30, "delivery under the old config")
    check(True, "after a failed reload the previous config stays in force")

    # every answer of the session is counted, its RCPT refusals too (the inactive queue's 451)
    stats = json.loads(subprocess.run([deskgate, "stats", "--json", "--store", store], capture_output=True, text=True).stdout)
    v = stats["verdicts"]
    check(v["queue-inactive"] >= 1 and v["refused"] >= 1 and v["new-ticket"] >= 3,
          f"deskgate stats counts the LMTP session's refusals: {v}")
    log = lmtpd.log()
    check("to=<support@helpdesk.example.com>" in log and "verdict=new-ticket" in log and "ticket=10-1" in log,
          "one log line per recipient decision")
    qid_lines = [l for l in log.splitlines() if "verdict=new-ticket" in l]
    check(qid_lines and not qid_lines[0].split(": ")[1].startswith("NOQUEUE"), f"log lines carry the Postfix queue id: {qid_lines[:1]}")
except Exception as e:
    check(False, f"exception: {e!r}")
finally:
    if postfix: postfix.stop()
    rc = lmtpd.close() if lmtpd else None
    if sink: sink.close()
    if failures:
        print("--- postfix log ---\n" + (postfix.log()[-4000:] if postfix else ""))
        print("--- lmtpd log ---\n" + (lmtpd.log()[-4000:] if lmtpd else ""))
    shutil.rmtree(base, ignore_errors=True)
check(rc == 0, f"deskgate-lmtpd stopped cleanly on SIGTERM (exit {rc})")
sys.exit(1 if failures else 0)
PY
