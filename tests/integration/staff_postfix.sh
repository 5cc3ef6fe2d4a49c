#!/usr/bin/env bash
# The staff's side through a real Postfix, deskgate-milter in front and deskgate-lmtpd behind,
# with the shipped example config: alice writes -> jana and petr get a notification -> jana
# answers from "her mail client" (SMTP, quoting the notification) -> alice gets it From "jana -
# Support" with a reply token, the tag, the signature and no quoted notification -> alice
# answers -> only jana (now the assignee) is told -> jana sends #close -> the ticket is closed
# and the summary goes out. Also: jana's out-of-office to a notification sends nothing to alice;
# petr answering a billing ticket he may not see is refused; a forged token, or jana's token
# used by petr, does nothing.
set -euo pipefail
: "${DESKGATE_BIN_DIR:?}" "${DESKGATE_SOURCE_DIR:?}"
export PYTHONPATH="$DESKGATE_SOURCE_DIR/tests/integration${PYTHONPATH:+:$PYTHONPATH}"
exec python3 - "$DESKGATE_BIN_DIR/bin" "$DESKGATE_SOURCE_DIR" <<'PY'
import email, email.policy, hashlib, hmac, json, os, shutil, smtplib, subprocess, sys, tempfile, time
from mta import Postfix, Sink, Lmtpd, free_port, wait_for

bindir, src = sys.argv[1:3]
deskgate = os.path.join(bindir, "deskgate")
base = tempfile.mkdtemp(prefix="deskgate-staff-postfix-")
os.chmod(base, 0o755)
cfg = os.path.join(base, "cfg")
shutil.copytree(os.path.join(src, "config/examples"), cfg)
config = os.path.join(cfg, "deskgate.toml")
store = os.path.join(base, "store")
pf_base = os.path.join(base, "postfix")
text = open(config).read().replace('generated_mail_limit = 3',
                                   f'generated_mail_limit = 20\nsendmail_command = ["/usr/sbin/sendmail", "-C", "{pf_base}/etc"]')
open(config, "w").write(text)
secret = open(os.path.join(cfg, "secret")).read().rstrip("\r\n ")
failures = []
def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond: failures.append(what)

AR = "Authentication-Results: mx.example.com; dkim=pass header.d=example.com; dmarc=pass header.from=example.com\r\n"
TUE_1000 = 1796115600  # 2026-12-01 10:00 in Prague: in office hours

def mails():
    return [email.message_from_bytes(m, policy=email.policy.default) for m in sink.messages()]
def to(addr, event=None):
    return [m for m in mails() if m["To"] and any(a.addr_spec == addr for a in m["To"].addresses)
            and (event is None or m["X-Deskgate-Event"] == event)]
def ticket(key):
    r = subprocess.run([deskgate, "show", key, "--json", "--config", config, "--store", store], capture_output=True, text=True)
    return json.loads(r.stdout)["ticket"] if r.returncode == 0 else {}
def smtp(sender, rcpt, body):
    with smtplib.SMTP("127.0.0.1", smtp_port, timeout=30) as s:
        s.sendmail(sender, [rcpt], body.encode())
def quoted(msg):
    return "".join("> " + line + "\r\n" for line in msg.get_body(("plain",)).get_content().splitlines())
def answer(notification, frm, body, mid, extra=AR, rcpt=None):
    """An answer from a staff member's mail client: top-posted text over the quoted notification."""
    rcpt = rcpt or notification["Reply-To"].addresses[0].addr_spec
    smtp(frm, rcpt, f"From: {frm}\r\nTo: {rcpt}\r\nSubject: Re: {notification['Subject']}\r\nMessage-ID: <{mid}>\r\n"
                    f"In-Reply-To: {notification['Message-ID']}\r\n{extra}Content-Type: text/plain; charset=utf-8\r\n\r\n"
                    f"{body}\r\n\r\nOn Tue, 1 Dec 2026 at 10:00, {notification['From']} wrote:\r\n{quoted(notification)}")
def staff_token(key, alias):
    sig = hmac.new(secret.encode(), f"staff-token:{key}:{alias}".encode(), hashlib.sha256).hexdigest()[:16]
    return f"s{key}-{alias}-{sig}"

smtp_port, sink_port = free_port(), free_port()
sink = lmtpd = postfix = milter = None
milter_log = open(os.path.join(base, "milter.log"), "w")
try:
    sink = Sink(sink_port, os.path.join(base, "sink"))
    offset = str(TUE_1000 - int(time.time()))
    lmtpd = Lmtpd(os.path.join(bindir, "deskgate-lmtpd"), config, store, os.path.join(base, "lmtp.sock"),
                  extra=["--time-offset", offset])
    milter_sock = os.path.join(base, "milter.sock")
    milter = subprocess.Popen([os.path.join(bindir, "deskgate-milter"), "--config", config, "--socket", "unix:" + milter_sock,
                               "--socket-mode", "0666", "--foreground"], stdout=milter_log, stderr=milter_log)
    wait_for(lambda: os.path.exists(milter_sock), 20, "deskgate-milter")
    postfix = Postfix(pf_base, smtp_port, sink_port, f"helpdesk.example.com lmtp:unix:{base}/lmtp.sock\n",
                      "helpdesk.example.com", {"smtpd_milters": f"unix:{milter_sock}", "milter_default_action": "tempfail"})
    postfix.start()

    # 1. alice writes; jana and petr are told
    smtp("alice@acme.example", "support@helpdesk.example.com",
         "From: Alice Example <alice@acme.example>\r\nTo: support@helpdesk.example.com\r\nSubject: Printer on fire\r\n"
         "Message-ID: <p1@acme.example>\r\n\r\nThe printer in room 4 is on fire.\r\n")
    n_jana = wait_for(lambda: to("jana@example.com", "new_ticket"), 40, "jana's notification")[0]
    n_petr = wait_for(lambda: to("petr@example.com", "new_ticket"), 40, "petr's notification")[0]
    check(n_jana["From"].addresses[0].display_name == "Alice Example via Support"
          and n_jana["From"].addresses[0].addr_spec == "support@helpdesk.example.com", f"From: {n_jana['From']}")
    check("[Support#10-1]" in str(n_jana["Subject"]), f"tag in the subject: {n_jana['Subject']}")
    check(n_jana["Auto-Submitted"] == "auto-generated", "Auto-Submitted: auto-generated")
    rj, rp = n_jana["Reply-To"].addresses[0].addr_spec, n_petr["Reply-To"].addresses[0].addr_spec
    check(rj.startswith("support+s10-1-jana-") and rp.startswith("support+s10-1-petr-"), f"tokens bound to each: {rj} {rp}")
    body = n_jana.get_body(("plain",)).get_content()
    check("##- Please type your reply above this line -##" in body and "room 4 is on fire" in body, "marker and the text")

    # 2. jana answers from her mail client
    answer(n_jana, "jana@example.com", "Please switch it off and open a window.\r\n\r\n-- \r\nJana Novak\r\nSent from my iPhone",
           "j1@example.com")
    r1 = wait_for(lambda: to("alice@acme.example") and [m for m in to("alice@acme.example") if m["From"].addresses[0].display_name == "jana - Support"], 40, "jana's reply at alice")[0]
    check(r1["From"].addresses[0].addr_spec == "support@helpdesk.example.com", f"From the queue: {r1['From']}")
    check(r1["Reply-To"].addresses[0].addr_spec.startswith("support+t10-1-"), f"the customer's reply token: {r1['Reply-To']}")
    check("[Support#10-1]" in str(r1["Subject"]), f"tag: {r1['Subject']}")
    check(r1["In-Reply-To"] == "<p1@acme.example>", f"In-Reply-To alice's mail: {r1['In-Reply-To']}")
    rbody = r1.get_body(("plain",)).get_content()
    check("open a window" in rbody, "jana's text")
    check("Support team, Example Ltd." in rbody, "the queue's signature")
    check("Please type your reply" not in rbody and "New ticket" not in rbody and "Sent from my iPhone" not in rbody,
          "no quoted notification, no client signature")
    check("> The printer in room 4 is on fire." in rbody, "alice's message quoted (the default template)")
    t = ticket("10-1")
    check(t.get("status") == "waiting" and t.get("assignee") == "jana", f"waiting, assigned to jana: {t.get('status')} {t.get('assignee')}")

    # 3. alice answers: only jana (the assignee) is told
    petr_before = len(to("petr@example.com"))
    smtp("alice@acme.example", "support@helpdesk.example.com",
         f"From: Alice Example <alice@acme.example>\r\nTo: {r1['Reply-To']}\r\nSubject: Re: {r1['Subject']}\r\n"
         f"Message-ID: <p2@acme.example>\r\nIn-Reply-To: {r1['Message-ID']}\r\n\r\nDone, it is out. Now what?\r\n")
    n2 = wait_for(lambda: to("jana@example.com", "customer_reply"), 40, "jana told of alice's answer")[0]
    check("Now what?" in n2.get_body(("plain",)).get_content(), "the notification holds alice's answer")
    time.sleep(2)
    check(len(to("petr@example.com")) == petr_before, "petr is not told")

    # 4. jana's out-of-office to the notification: nothing reaches alice
    alice_10_1 = lambda: [m for m in to("alice@acme.example") if m["X-Deskgate-Ticket"] == "10-1"]
    alice_before = len(alice_10_1())
    answer(n2, "jana@example.com", "I am out of the office until Monday.", "ooo1@example.com",
           extra=AR + "Auto-Submitted: auto-replied\r\n")
    wait_for(lambda: "automated mail from staff jana" in lmtpd.log(), 40, "the out-of-office decision")
    # 5. a forged token and jana's token used by petr: nothing done
    forged = "support+s10-1-jana-0000000000000000@helpdesk.example.com"
    answer(n2, "jana@example.com", "#close", "f1@example.com", rcpt=forged)
    answer(n2, "petr@example.com", "#close", "f2@example.com",
           extra=AR)
    wait_for(lambda: lmtpd.log().count("held, nothing done") >= 2, 40, "forged and misused tokens held")
    check(ticket("10-1").get("status") == "open", f"the ticket is still open after the forged commands: {ticket('10-1').get('status')}")
    # 6. petr answering a billing ticket he may not see is refused
    smtp("alice@acme.example", "billing@helpdesk.example.com",
         "From: Alice Example <alice@acme.example>\r\nTo: billing@helpdesk.example.com\r\nSubject: Invoice\r\n"
         "Message-ID: <b1@acme.example>\r\n\r\nWrong invoice.\r\n")
    wait_for(lambda: ticket("20-1"), 40, "the billing ticket")
    check(not to("petr@example.com", None) or all("20-1" not in str(m["Subject"]) for m in to("petr@example.com")),
          "petr is not told of the billing ticket")
    billing_rcpt = f"billing+{staff_token('20-1', 'petr')}@helpdesk.example.com"
    try:
        with smtplib.SMTP("127.0.0.1", smtp_port, timeout=30) as s:
            s.sendmail("petr@example.com", [billing_rcpt],
                       f"From: petr@example.com\r\nTo: {billing_rcpt}\r\nSubject: Re: Invoice\r\nMessage-ID: <pb1@example.com>\r\n"
                       f"{AR}\r\nPaid already.\r\n".encode())
    except smtplib.SMTPException:
        pass
    wait_for(lambda: "staff petr may not see ticket 20-1" in lmtpd.log(), 40, "petr refused on the billing ticket")
    time.sleep(2)
    check(len(alice_10_1()) == alice_before, "nothing from the out-of-office, the forgeries or petr reached alice")

    # 7. jana sends #close: closed, the summary goes out
    answer(n2, "jana@example.com", "#close\r\nSwitch it on again tomorrow.", "j2@example.com")
    wait_for(lambda: ticket("10-1").get("status") == "closed", 40, "the ticket closed")
    summary = wait_for(lambda: [m for m in to("alice@acme.example") if "How did we do?" in m.get_body(("plain",)).get_content()],
                       40, "the close summary")[0]
    check("Switch it on again tomorrow." in summary.get_body(("plain",)).get_content(), "the summary holds the last reply")
    check(len([m for m in to("alice@acme.example") if "Switch it on again" in m.get_body(("plain",)).get_content()]) == 2,
          "the last reply went out, then the summary")
except Exception as e:
    check(False, f"exception: {e!r}")
finally:
    if postfix: postfix.stop()
    if lmtpd: lmtpd.close()
    if milter:
        milter.terminate()
        milter.wait(timeout=20)
    if sink: sink.close()
    if failures:
        print("--- postfix log ---\n" + (postfix.log()[-3000:] if postfix else ""))
        print("--- lmtpd log ---\n" + (lmtpd.log()[-6000:] if lmtpd else ""))
        print("--- milter log ---\n" + open(os.path.join(base, "milter.log")).read()[-2000:])
    shutil.rmtree(base, ignore_errors=True)
sys.exit(1 if failures else 0)
PY
