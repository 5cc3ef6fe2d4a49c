#!/usr/bin/env bash
# `deskgate postfix-config` for real: its printed postconf lines are run against a private
# Postfix (which already has a transport table of its own), the daemons start with the sockets
# named only in the config (no --listen / --socket), and then: a customer's mail becomes a
# ticket (transport + LMTP), a customer not enabled is refused in the SMTP dialogue
# (smtpd_milters), a staff reply on the submission port and one submitted with sendmail(1)
# (non_smtpd_milters through the printed pickup/cleanup entries) leave rewritten and are
# journaled, while deskgate's own acknowledgement passes the same milter untouched. Running the
# lines a second time changes nothing. Finally `deskgate tickets --view --as`: two staff
# members see different tickets in the same view.
set -euo pipefail
: "${DESKGATE_BIN_DIR:?}" "${DESKGATE_SOURCE_DIR:?}"
export PYTHONPATH="$DESKGATE_SOURCE_DIR/tests/integration${PYTHONPATH:+:$PYTHONPATH}"
exec python3 - "$DESKGATE_BIN_DIR/bin" "$DESKGATE_SOURCE_DIR" <<'PY'
import email, email.policy, json, os, re, shutil, smtplib, subprocess, sys, tempfile, time
from mta import Postfix, Sink, free_port, wait_for

bindir, src = sys.argv[1:3]
deskgate = os.path.join(bindir, "deskgate")
base = tempfile.mkdtemp(prefix="deskgate-postfix-config-")
os.chmod(base, 0o755)
cfg = os.path.join(base, "cfg")
shutil.copytree(os.path.join(src, "config/examples"), cfg)
store = os.path.join(base, "store")
pf_base = os.path.join(base, "postfix")
etc = os.path.join(pf_base, "etc")
config = os.path.join(cfg, "deskgate.toml")
text = open(config).read()
text = text.replace('lmtp_listen = ["unix:/run/deskgate/lmtp.sock"]', f'lmtp_listen = ["unix:{base}/lmtp.sock"]')
text = text.replace('milter_socket = "unix:/run/deskgate/milter.sock"', f'milter_socket = "unix:{base}/milter.sock"')
text = text.replace('store = "/var/lib/deskgate/store"', f'store = "{store}"')
text = text.replace('generated_mail_limit = 3', f'generated_mail_limit = 10\nsendmail_command = ["/usr/sbin/sendmail", "-C", "{etc}"]')
assert f"unix:{base}/lmtp.sock" in text and f"unix:{base}/milter.sock" in text
open(config, "w").write(text)

failures = []
def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond: failures.append(what)

def run(*args, **kw):
    return subprocess.run(list(args), capture_output=True, text=True, timeout=60, **kw)

def show(t):
    r = run(deskgate, "show", t, "--json", "--config", config)
    return json.loads(r.stdout) if r.returncode == 0 else None

def parsed(raw):
    return email.message_from_bytes(raw, policy=email.policy.default)

smtp_port, sub_port, sink_port = free_port(), free_port(), free_port()
submission = f"127.0.0.1:{sub_port}"
sink = postfix = lmtpd = milter = None
logs = {n: open(os.path.join(base, n + ".log"), "w") for n in ("lmtpd", "milter")}
ok = False
try:
    sink = Sink(sink_port, os.path.join(base, "sink"))
    # the admin's Postfix already routes another domain with a table of its own
    postfix = Postfix(pf_base, smtp_port, sink_port, "legacy.example smtp:[127.0.0.1]:9\n", "other.example")
    postfix.start()
    before = run("postconf", "-c", etc, "-h", "transport_maps").stdout.strip()

    r = run(deskgate, "postfix-config", "--config", config, "--postfix-dir", etc, "--submission", submission)
    check(r.returncode == 0, f"postfix-config ran: {r.stderr.strip()}")
    script = r.stdout
    print(script)
    check(f"inline:{{ helpdesk.example.com=lmtp:unix:{base}/lmtp.sock }}, {before}" in script,
          "the helpdesk domain goes to the LMTP socket from the config, the admin's table is kept")
    check(f"smtpd_milters = unix:{base}/milter.sock'" in script, "smtpd_milters names the config's milter socket")

    # the daemons find their sockets in the config alone
    lmtpd = subprocess.Popen([os.path.join(bindir, "deskgate-lmtpd"), "--config", config, "--socket-mode", "0666",
                              "--foreground"], stdout=logs["lmtpd"], stderr=logs["lmtpd"])
    wait_for(lambda: os.path.exists(f"{base}/lmtp.sock"), 20, "deskgate-lmtpd's socket")  # it creates the store
    milter = subprocess.Popen([os.path.join(bindir, "deskgate-milter"), "--config", config, "--socket-mode", "0666",
                               "--store", store, "--foreground"], stdout=logs["milter"], stderr=logs["milter"])
    wait_for(lambda: os.path.exists(f"{base}/lmtp.sock") and os.path.exists(f"{base}/milter.sock"), 20, "both sockets")

    r = run("bash", "-euo", "pipefail", "-c", script)
    check(r.returncode == 0, f"the printed lines run cleanly: {r.stderr.strip()}")
    # test-only: this submission port has neither TLS certificates nor SASL here
    for p in ("smtpd_tls_security_level=none", "smtpd_sasl_auth_enable=no", "smtpd_client_restrictions=permit_mynetworks,reject"):
        run("postconf", "-c", etc, "-P", f"{submission}/inet/{p}", check=True)
    postfix.postfix("reload")
    wait_for(lambda: subprocess.run(["bash", "-c", f"exec 3<>/dev/tcp/127.0.0.1/{sub_port}"]).returncode == 0, 20, "submission port")
    settings = run("postconf", "-c", etc, "-n").stdout + run("postconf", "-c", etc, "-M").stdout + run("postconf", "-c", etc, "-P").stdout
    again = run(deskgate, "postfix-config", "--config", config, "--postfix-dir", etc, "--submission", submission).stdout
    run("bash", "-euo", "pipefail", "-c", again.replace(f"postfix -c '{etc}' reload", ""))
    for p in ("smtpd_tls_security_level=none", "smtpd_sasl_auth_enable=no", "smtpd_client_restrictions=permit_mynetworks,reject"):
        run("postconf", "-c", etc, "-P", f"{submission}/inet/{p}", check=True)
    settings2 = run("postconf", "-c", etc, "-n").stdout + run("postconf", "-c", etc, "-M").stdout + run("postconf", "-c", etc, "-P").stdout
    check(settings == settings2, "running the printed lines a second time changes nothing")

    # inbound: a customer's mail becomes a ticket
    with smtplib.SMTP("127.0.0.1", smtp_port, timeout=30) as s:
        s.sendmail("alice@acme.example", ["support@helpdesk.example.com"],
                   b"From: Alice <alice@acme.example>\r\nTo: support@helpdesk.example.com\r\nSubject: Printer on fire\r\n"
                   b"Message-ID: <pc1@acme.example>\r\n\r\nHelp!\r\n")
    t = wait_for(lambda: show("10-1"), 30, "ticket 10-1")
    check(t["ticket"]["customer"] == "acme", "a mail through the printed transport became ticket 10-1 of acme")
    # the acknowledgement leaves through sendmail(1) -> pickup -> deskgate-cleanup -> the milter
    ack = wait_for(lambda: [parsed(m) for m in sink.messages() if b"Auto-Submitted: auto-replied" in m], 30, "the acknowledgement")[0]
    check(ack["From"].addresses[0].addr_spec == "support@helpdesk.example.com", f"acknowledgement at the sink: {ack['From']}")

    # the SMTP door: a customer not enabled is refused in the dialogue
    try:
        with smtplib.SMTP("127.0.0.1", smtp_port, timeout=30) as s:
            s.sendmail("carol@globex.example", ["support@helpdesk.example.com"],
                       b"From: Carol <carol@globex.example>\r\nSubject: hi\r\n\r\nhi\r\n")
        check(False, "globex was refused at the SMTP door")
    except smtplib.SMTPRecipientsRefused as e:
        code, msg = e.recipients["support@helpdesk.example.com"]
        check(code == 550 and b"5.7.1" in msg, f"globex refused at RCPT by smtpd_milters: {code} {msg.decode()}")

    # outbound on the submission port
    with smtplib.SMTP("127.0.0.1", sub_port, timeout=30) as s:
        s.sendmail("jana@example.com", ["alice@acme.example"],
                   b"From: Jana Novak <jana@example.com>\r\nTo: alice@acme.example\r\n"
                   b"Subject: Re: [Support#10-1] Printer on fire\r\n\r\nThe technician is on his way.\r\n")
    m = parsed(wait_for(lambda: [m for m in sink.messages() if b"technician" in m], 30, "the submission reply")[0])
    check(m["From"].addresses[0].addr_spec == "support@helpdesk.example.com", f"submission reply rewritten: {m['From']}")

    # outbound through sendmail(1): the printed pickup -> deskgate-cleanup entries make it OUTBOUND
    r = subprocess.run(["/usr/sbin/sendmail", "-C", etc, "-f", "petr@example.com", "-t"], timeout=60, input=
                       b"From: Petr Svoboda <petr@example.com>\r\nTo: alice@acme.example\r\n"
                       b"Subject: Re: [Support#10-1] Printer on fire\r\n\r\nSpare parts ordered.\r\n")
    check(r.returncode == 0, "sendmail(1) took the staff reply")
    m = parsed(wait_for(lambda: [m for m in sink.messages() if b"Spare parts" in m], 30, "the sendmail(1) reply")[0])
    check(m["From"].addresses[0].addr_spec == "support@helpdesk.example.com" and
          re.match(r"support\+t10-1-", str(m["Reply-To"])) is not None,
          f"sendmail(1) reply rewritten by non_smtpd_milters: From {m['From']}, Reply-To {m['Reply-To']}")

    t = wait_for(lambda: (lambda s: s if s and s["ticket"]["entries"] >= 3 else None)(show("10-1")), 30, "both journal copies")
    time.sleep(2)  # would a journaled acknowledgement still arrive?
    t = show("10-1")
    kinds = [(e["direction"], e["from"]) for e in t["entries"]]
    check(kinds == [("inbound", "alice@acme.example"), ("outbound", "jana@example.com"), ("outbound", "petr@example.com")],
          f"both staff replies journaled, the acknowledgement not: {kinds}")

    # views: jana sees general and billing tickets, petr only general ones
    with smtplib.SMTP("127.0.0.1", smtp_port, timeout=30) as s:
        s.sendmail("bob@acme.example", ["support@helpdesk.example.com"],
                   b"From: Bob <bob@acme.example>\r\nTo: support@helpdesk.example.com\r\nSubject: invoice 42 is wrong\r\n"
                   b"Message-ID: <pc2@acme.example>\r\n\r\nPlease fix the invoice.\r\n")
    t2 = wait_for(lambda: show("10-2"), 30, "ticket 10-2")
    check(t2["ticket"]["category"] == "billing", f"the invoice ticket is a billing ticket: {t2['ticket']['category']}")
    later = str(int(time.time()) + 3 * 86400)
    def view(*who):
        r = run(deskgate, "tickets", "--config", config, "--view", "stale", "--now", later, "--json", *who)
        return [x["ticket"] for x in json.loads(r.stdout)] if r.returncode == 0 else r.stderr
    print("view stale: admin", view(), "jana", view("--as", "jana"), "petr", view("--as", "petr"))
    # 10-1 is waiting (staff replied): not "stale"; 10-2 is new
    check(view() == ["10-2"], "the stale view, three days later, shows the untouched new ticket")
    check(view("--as", "jana") == ["10-2"], "jana (general, billing) sees it")
    check(view("--as", "petr") == [], "petr (general only) does not")
    r = run(deskgate, "tickets", "--config", config, "--view", "nope")
    check(r.returncode == 64 and "views: stale, urgent" in r.stderr, f"an unknown view names the defined ones: {r.stderr.strip()}")
    ok = True
finally:
    for p in (milter, lmtpd):
        if p and p.poll() is None:
            p.terminate()
            try: p.wait(40)
            except subprocess.TimeoutExpired: p.kill()
    if postfix: postfix.stop()
    if sink: sink.close()
    if failures or not ok:
        for n in logs: print(open(os.path.join(base, n + ".log")).read()[-3000:])
        if postfix: print(postfix.log()[-4000:])
shutil.rmtree(base, ignore_errors=True)
if failures:
    print(f"{len(failures)} check(s) failed")
    sys.exit(1)
print("all checks passed")
PY
