#!/usr/bin/env bash
# deskgate-milter (inbound) in front of a real Postfix, deskgate-lmtpd behind it: refusals
# happen during the SMTP dialogue (asserted from the client's side), enabled customers' mail
# passes and becomes a ticket, other recipients are untouched. A routing rule's refuse is
# answered in the SMTP dialogue (no bounce in Postfix's queue); a forged sender of a customer
# that requires authentication, mixed with another recipient, passes the door without our
# signed mark and gets no ticket rights at the LMTP agent (held, not bounced).
set -euo pipefail
: "${DESKGATE_BIN_DIR:?}" "${DESKGATE_SOURCE_DIR:?}"
export PYTHONPATH="$DESKGATE_SOURCE_DIR/tests/integration${PYTHONPATH:+:$PYTHONPATH}"
exec python3 - "$DESKGATE_BIN_DIR/bin" "$DESKGATE_SOURCE_DIR" <<'PY'
import json, os, shutil, signal, smtplib, subprocess, sys, tempfile
from mta import Postfix, Sink, Lmtpd, free_port, wait_for

bindir, src = sys.argv[1:3]
deskgate = os.path.join(bindir, "deskgate")
base = tempfile.mkdtemp(prefix="deskgate-milter-postfix-")
os.chmod(base, 0o755)
shutil.copytree(os.path.join(src, "config/examples"), os.path.join(base, "cfg"))
with open(os.path.join(base, "cfg", "conf.d", "customers.toml"), "a") as f:
    f.write('\n[[customers]]\nid = "secure"\nname = "Secure Ltd"\ndomains = ["secure.example"]\n'
            'email_tickets = true\nrequire_authentication = true\nunauthenticated = "refuse"\n'
            '\n[[rules]]\nname = "no lottery"\nconditions = [{ field = "body", kind = "contains", value = "lottery winner" }]\n'
            'refuse = "We do not accept this kind of mail."\n')
config = os.path.join(base, "cfg", "deskgate.toml")
store = os.path.join(base, "store")
failures = []
def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond: failures.append(what)

def tickets():
    r = subprocess.run([deskgate, "tickets", "--json", "--store", store], capture_output=True, text=True)
    return json.loads(r.stdout) if r.returncode == 0 else []

def smtp(sender, rcpts, body):
    """(recipient refusals, data reply) as the SMTP client sees them."""
    with smtplib.SMTP("127.0.0.1", smtp_port, timeout=30) as s:
        s.ehlo("client.example")
        s.mail(sender)
        refused = {}
        accepted = []
        for r in rcpts:
            code, text = s.rcpt(r)
            if code >= 400: refused[r] = (code, text.decode())
            else: accepted.append(r)
        data = None
        if accepted:
            code, text = s.data(body)
            data = (code, text.decode())
        return refused, data

smtp_port, sink_port = free_port(), free_port()
sink = lmtpd = postfix = milter = None
milter_log = open(os.path.join(base, "milter.log"), "w")
try:
    sink = Sink(sink_port, os.path.join(base, "sink"))
    lmtpd = Lmtpd(os.path.join(bindir, "deskgate-lmtpd"), config, store, os.path.join(base, "lmtp.sock"))
    milter_sock = os.path.join(base, "milter.sock")
    milter = subprocess.Popen([os.path.join(bindir, "deskgate-milter"), "--config", config, "--socket", "unix:" + milter_sock,
                               "--socket-mode", "0666", "--foreground"], stdout=milter_log, stderr=milter_log)
    wait_for(lambda: os.path.exists(milter_sock), 20, "deskgate-milter")
    postfix = Postfix(os.path.join(base, "postfix"), smtp_port, sink_port,
                      f"helpdesk.example.com lmtp:unix:{base}/lmtp.sock\n", "helpdesk.example.com",
                      {"smtpd_milters": f"unix:{milter_sock}", "milter_default_action": "tempfail"})
    postfix.start()

    body = lambda frm, subj, mid: (f"From: {frm}\r\nTo: support@helpdesk.example.com\r\nSubject: {subj}\r\n"
                                   f"Message-ID: <{mid}>\r\n\r\nhello\r\n").encode()

    refused, data = smtp("carol@globex.example", ["support@helpdesk.example.com"], body("carol@globex.example", "hi", "m1@globex.example"))
    r = refused.get("support@helpdesk.example.com")
    check(r is not None and r[0] == 550 and r[1].startswith("5.7.1 Your company is not enabled for e-mail tickets"),
          f"not-enabled customer refused at RCPT with the admin's text: {r}")

    refused, data = smtp("bounce@mailer.example", ["support@helpdesk.example.com"], body("Carol <carol@globex.example>", "hi", "m2@globex.example"))
    check(not refused and data and data[0] == 550 and data[1].startswith("5.7.1 Your company"),
          f"header From of a not-enabled customer refused at end of DATA: {data}")

    refused, data = smtp("alice@acme.example", ["nobody@helpdesk.example.com"], body("alice@acme.example", "x", "m3@acme.example"))
    r = refused.get("nobody@helpdesk.example.com")
    check(r is not None and r[0] == 550 and r[1].startswith("5.1.1"), f"unknown helpdesk address: 550 5.1.1 at RCPT: {r}")

    refused, data = smtp("carol@globex.example", ["support@helpdesk.example.com", "friend@elsewhere.example"],
                         body("carol@globex.example", "mixed", "m4@globex.example"))
    check("support@helpdesk.example.com" in refused and "friend@elsewhere.example" not in refused and data and data[0] == 250,
          f"mixed recipients: only the helpdesk recipient refused: {refused} {data}")
    wait_for(lambda: any(b"m4@globex.example" in m for m in sink.messages()), 30, "the mixed mail at the sink")
    check(True, "the other recipient's copy was delivered")

    refused, data = smtp("alice@acme.example", ["support@helpdesk.example.com"], body("Alice <alice@acme.example>", "printer", "m5@acme.example"))
    check(not refused and data and data[0] == 250, f"enabled customer accepted: {data}")
    t = wait_for(lambda: tickets(), 30, "the ticket via LMTP")
    check(len(t) == 1 and t[0]["customer"] == "acme", f"it became a ticket via LMTP: {t}")
    check(not any(b"globex" in m and b"5.7.1" in m for m in sink.messages()), "no bounce (backscatter) was generated")

    # SIGHUP reloads: enable globex, and carol's mail passes the door
    customers = os.path.join(base, "cfg", "conf.d", "customers.toml")
    text = open(customers).read()
    open(customers, "w").write(text.replace("email_tickets = false", "email_tickets = true"))
    milter.send_signal(signal.SIGHUP)
    wait_for(lambda: "config reloaded" in open(os.path.join(base, "milter.log")).read(), 10, "the milter reload")
    refused, data = smtp("carol@globex.example", ["support@helpdesk.example.com"], body("carol@globex.example", "now", "m6@globex.example"))
    check(not refused and data and data[0] == 250, f"after SIGHUP the re-enabled customer passes: {refused} {data}")
    log = open(os.path.join(base, "milter.log")).read()
    check("reject: RCPT from=<carol@globex.example> to=<support@helpdesk.example.com>: 550 5.7.1" in log,
          "the milter logs its decision")

    # A routing rule's refuse (here on the body) is answered at the end of DATA: the client
    # hears 550, Postfix never takes the mail, so it can bounce nothing.
    lottery = (b"From: Alice <alice@acme.example>\r\nTo: support@helpdesk.example.com\r\nSubject: news\r\n"
               b"Message-ID: <m7@acme.example>\r\n\r\nYou are our lottery winner!\r\n")
    refused, data = smtp("alice@acme.example", ["support@helpdesk.example.com"], lottery)
    check(not refused and data and data[0] == 550 and data[1].startswith("5.7.1 We do not accept"),
          f"a rule's refuse is answered 5xx in the SMTP dialogue: {data}")
    postfix.flush()
    try:  # carol's accepted mail (m6) may still be on its way to the LMTP agent on a busy machine
        wait_for(lambda: postfix.queue() == [], 30, "Postfix's queue to drain")
    except Exception:
        pass
    check(postfix.queue() == [] and not any(b"m7@acme.example" in m for m in sink.messages()),
          f"Postfix's queue holds no bounce for it: {postfix.queue()!r}")

    # A forged sender of a customer that requires authentication, with one non-helpdesk
    # recipient: the door may not reject the whole mail, adds no mark, and deskgate-lmtpd gives
    # it no ticket rights (held for staff, counted), no contact, and no bounce.
    forged = (b"From: Bob <bob@secure.example>\r\nTo: support@helpdesk.example.com, friend@elsewhere.example\r\n"
              b"Subject: wire the money\r\nMessage-ID: <m8@secure.example>\r\n"
              b"X-Deskgate-Auth: pass; from=<bob@secure.example>; msgid=<m8@secure.example>\r\n\r\nurgent\r\n")
    before = len(tickets())
    refused, data = smtp("bob@secure.example", ["support@helpdesk.example.com", "friend@elsewhere.example"], forged)
    check(not refused and data and data[0] == 250, f"the mixed forged mail passes the door: {refused} {data}")
    def held():
        r = subprocess.run([deskgate, "stats", "--json", "--store", store], capture_output=True, text=True)
        return json.loads(r.stdout)["verdicts"].get("held", 0) if r.returncode == 0 else 0
    wait_for(lambda: held() >= 1, 30, "the held verdict")
    t = tickets()
    check(len(t) == before and not any(x["customer"] == "secure" for x in t), f"no ticket for the forged sender: {t}")
    wait_for(lambda: any(b"m8@secure.example" in m for m in sink.messages()), 30, "the other recipient's copy")
    check(not any(b"bob@secure.example" in m and b"5.7.1" in m for m in sink.messages()), "no bounce to the forged sender")
    log = open(os.path.join(base, "milter.log")).read()
    check("no mark: from=<bob@secure.example>" in log, "the milter logs that it vouched for nothing")
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
    if milter and milter.poll() is not None:
        mlog = open(os.path.join(base, "milter.log")).read()
        line = next((l for l in mlog.splitlines() if "verdicts: " in l), "")
        check("refused=4" in line and "unknown-recipient=1" in line,
              f"the milter counts its refusals under the names of deskgate stats (logged at stop): {line!r}")
    if failures:
        print("--- postfix log ---\n" + (postfix.log()[-3000:] if postfix else ""))
        print("--- milter log ---\n" + open(os.path.join(base, "milter.log")).read()[-3000:])
    shutil.rmtree(base, ignore_errors=True)
sys.exit(1 if failures else 0)
PY
