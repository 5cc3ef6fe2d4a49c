#!/usr/bin/env bash
# Queues with their own outgoing server ([queues.outgoing]) through a real Postfix: a second
# Postfix on loopback stands in for the provider (a submission port with STARTTLS and one in TLS
# wrapper mode, SASL through a Dovecot auth socket, each login allowed to send only as its own
# queue's address) and relays what it accepts to an smtp-sink of its own. deskgate's Postfix is
# set up by running the printed `deskgate postfix-config` script. Then: queue 10's
# acknowledgement reaches the provider over STARTTLS authenticated as login10, queue 20's over
# the wrapper-mode port as login20, queue 30's (no [queues.outgoing]) goes the ordinary way; a
# staff reply for queue 10 rewritten by the milter leaves through the provider as login10 with
# the queue's envelope sender and is journaled under the staff member's name; queue 40, whose
# login may not send as its address, is refused and deskgate-lmtpd logs the bounce with queue,
# server, login and the provider's words; queue 50 verifies the certificate, which the provider's
# self-signed one fails: Postfix defers it. The password map is root's alone, no password printed.
set -euo pipefail
: "${DESKGATE_BIN_DIR:?}" "${DESKGATE_SOURCE_DIR:?}"
export PYTHONPATH="$DESKGATE_SOURCE_DIR/tests/integration${PYTHONPATH:+:$PYTHONPATH}"
exec python3 - "$DESKGATE_BIN_DIR/bin" "$DESKGATE_SOURCE_DIR" <<'PY'
import email, email.policy, json, os, re, shutil, smtplib, stat, subprocess, sys, tempfile, time
from mta import DovecotAuth, Lmtpd, Postfix, Sink, free_port, self_signed_cert, wait_for

started = time.monotonic()
bindir, src = sys.argv[1:3]
deskgate = os.path.join(bindir, "deskgate")
base = tempfile.mkdtemp(prefix="deskgate-outgoing-")
os.chmod(base, 0o755)
cfg = os.path.join(base, "cfg")
shutil.copytree(os.path.join(src, "config/examples"), cfg)
store = os.path.join(base, "store")
pf_base = os.path.join(base, "postfix")
etc = os.path.join(pf_base, "etc")
config = os.path.join(cfg, "deskgate.toml")
TUE_1000 = 1796115600  # 2026-12-01 10:00 in Prague: in office hours (queue 20 acknowledges only then)
smtp_port, sub_port, sink_port = free_port(), free_port(), free_port()
prov_smtp, prov_smtps, prov_sink_port = free_port(), free_port(), free_port()
submission = f"127.0.0.1:{sub_port}"

for login, pw in (("login10", "pw10 with 'quotes' $HOME"), ("login20", "pw20")):
    with open(os.path.join(cfg, login + ".pass"), "w") as f:
        f.write(pw + "\n")
    os.chmod(os.path.join(cfg, login + ".pass"), 0o600)

def outgoing(port, login, tls="starttls", server="127.0.0.1", verify="false"):
    return (f'\n[queues.outgoing]\nserver = "{server}"\nport = {port}\ntls = "{tls}"\nuser = "{login}"\n'
            f'password_file = "{login}.pass"\nverify_certificate = {verify}\n\n')

text = open(config).read()
text = text.replace('lmtp_listen = ["unix:/run/deskgate/lmtp.sock"]', f'lmtp_listen = ["unix:{base}/lmtp.sock"]')
text = text.replace('milter_socket = "unix:/run/deskgate/milter.sock"', f'milter_socket = "unix:{base}/milter.sock"')
text = text.replace('store = "/var/lib/deskgate/store"', f'store = "{store}"')
text = text.replace('generated_mail_limit = 3', f'generated_mail_limit = 20\nsendmail_command = ["/usr/sbin/sendmail", "-C", "{etc}"]')
# queue 10 through the STARTTLS port, 20 through the wrapper-mode port, 30 the ordinary way
text = text.replace("\n[[queues]]\nnumber = 20\n", outgoing(prov_smtp, "login10") + "[[queues]]\nnumber = 20\n")
text = text.replace("\n[[queues]]\nnumber = 30", outgoing(prov_smtps, "login20", "implicit") + "[[queues]]\nnumber = 30")
text = text.replace("active = false                             # inactive: the MTA keeps retrying",
                    'active = true\nack_in_hours = "We received {{ticket.tag}}."')
# 40: login10 may not send as sales@; 50: the provider's certificate is verified (and fails)
text = text.replace("\n[[views]]", '\n[[queues]]\nnumber = 40\nname = "Sales"\naddress = "sales@helpdesk.example.com"\n'
                    'ack_in_hours = "We received {{ticket.tag}}."\n' + outgoing(prov_smtp, "login10") +
                    '[[queues]]\nnumber = 50\nname = "Secure"\naddress = "secure@helpdesk.example.com"\n'
                    'ack_in_hours = "We received {{ticket.tag}}."\n' +
                    outgoing(prov_smtp, "login10", server="localhost", verify="true") + "[[views]]", 1)
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

def mails(sink, subject_part, auto=None):
    out = []
    for raw in sink.messages():
        m = parsed(raw)
        if subject_part in str(m["Subject"] or "") and (auto is None or (m["Auto-Submitted"] == "auto-replied") == auto):
            out.append((m, raw))
    return out

def authenticated_as(raw):
    """The SASL login the provider's smtpd recorded in its Received: line."""
    m = re.search(rb"\(Authenticated sender: ([^)\s]+)\)", raw)
    return m.group(1).decode() if m else None

sink = prov_sink = dovecot = provider = postfix = lmtpd = milter = None
milter_log = open(os.path.join(base, "milter.log"), "w")
ok = False
try:
    # the provider: Dovecot's auth socket, a certificate, two smtpd ports, its own sink
    dovecot = DovecotAuth(os.path.join(base, "dovecot"), {"login10": "pw10 with 'quotes' $HOME", "login20": "pw20"})
    cert, key = self_signed_cert(base, "smtp.provider.test")
    with open(os.path.join(base, "sender_logins"), "w") as f:
        f.write("support@helpdesk.example.com login10\nbilling@helpdesk.example.com login20\n")
    prov_sink = Sink(prov_sink_port, os.path.join(base, "provider-sink"))
    provider = Postfix(os.path.join(base, "provider"), prov_smtp, prov_sink_port, "", "", {
        "myhostname": "smtp.provider.test",  # not deskgate's Postfix's name: no "loops back to myself"
        "smtpd_tls_security_level": "encrypt", "smtpd_tls_cert_file": cert, "smtpd_tls_key_file": key,
        "smtpd_tls_auth_only": "yes",
        "smtpd_sasl_auth_enable": "yes", "smtpd_sasl_type": "dovecot", "smtpd_sasl_path": dovecot.socket,
        "smtpd_sasl_authenticated_header": "yes",
        "recipient_delimiter": "+",  # support+b7-sig@ is support@'s
        "smtpd_sender_login_maps": "texthash:" + os.path.join(base, "sender_logins"),
        "smtpd_sender_restrictions": "reject_sender_login_mismatch",
        "smtpd_relay_restrictions": "permit_sasl_authenticated, reject",
    }, f"127.0.0.1:{prov_smtps} inet n - n - - smtpd\n  -o smtpd_tls_wrappermode=yes\n  -o syslog_name=provider/smtps\n")
    provider.start()

    # deskgate's Postfix: everything else leaves through its relayhost, the ordinary sink
    sink = Sink(sink_port, os.path.join(base, "sink"))
    postfix = Postfix(pf_base, smtp_port, sink_port, "", "")
    postfix.start()
    r = run(deskgate, "postfix-config", "--config", config, "--postfix-dir", etc, "--submission", submission)
    check(r.returncode == 0, f"postfix-config ran: {r.stderr.strip()}")
    script = r.stdout
    print(script[script.find("# 5."):])
    check("pw10" not in script and "pw20" not in script, "no password in the printed script")
    check(f"support@helpdesk.example.com [127.0.0.1]:{prov_smtp}\n" in script and
          f"billing@helpdesk.example.com deskgate-smtps\n" in script, "the maps name queue 10's and 20's senders")

    lmtpd = Lmtpd(os.path.join(bindir, "deskgate-lmtpd"), config, store, os.path.join(base, "lmtp.sock"),
                  extra=["--time-offset", str(TUE_1000 - int(time.time()))])
    milter = subprocess.Popen([os.path.join(bindir, "deskgate-milter"), "--config", config, "--socket-mode", "0666",
                               "--store", store, "--foreground"], stdout=milter_log, stderr=milter_log)
    wait_for(lambda: os.path.exists(f"{base}/milter.sock"), 20, "deskgate-milter")
    r = run("bash", "-euo", "pipefail", "-c", script)
    check(r.returncode == 0, f"the printed lines run cleanly: {r.stderr.strip()}")
    # test-only: this submission port has neither TLS certificates nor SASL here
    for p in ("smtpd_tls_security_level=none", "smtpd_sasl_auth_enable=no", "smtpd_client_restrictions=permit_mynetworks,reject"):
        run("postconf", "-c", etc, "-P", f"{submission}/inet/{p}", check=True)
    postfix.postfix("reload")
    wait_for(lambda: subprocess.run(["bash", "-c", f"exec 3<>/dev/tcp/127.0.0.1/{sub_port}"]).returncode == 0, 20, "submission port")
    passwd = os.path.join(etc, "deskgate_sasl_passwd")
    modes = {n: os.stat(n) for n in (passwd, passwd + ".db")}
    check(all(st.st_uid == 0 and stat.S_IMODE(st.st_mode) == 0o600 for st in modes.values()),
          "the password map and its .db: root's, mode 0600: " +
          ", ".join(f"{os.path.basename(n)} {stat.S_IMODE(st.st_mode):o}" for n, st in modes.items()))
    check(open(passwd).read() == "support@helpdesk.example.com login10:pw10 with 'quotes' $HOME\n"
          "billing@helpdesk.example.com login20:pw20\nsales@helpdesk.example.com login10:pw10 with 'quotes' $HOME\n"
          "secure@helpdesk.example.com login10:pw10 with 'quotes' $HOME\n",
          "passwords read from the password files, quotes and $ kept")

    # a customer writes to every queue
    for n, address in ((10, "support"), (20, "billing"), (30, "archive"), (40, "sales"), (50, "secure")):
        with smtplib.SMTP("127.0.0.1", smtp_port, timeout=30) as s:
            s.sendmail("alice@acme.example", [f"{address}@helpdesk.example.com"],
                       f"From: Alice <alice@acme.example>\r\nTo: {address}@helpdesk.example.com\r\n"
                       f"Subject: question for {n}\r\nMessage-ID: <q{n}@acme.example>\r\n\r\nHello {n}\r\n".encode())
    for t in ("10-1", "20-1", "30-1", "40-1", "50-1"):
        wait_for(lambda: show(t), 30, "ticket " + t)

    m, raw = wait_for(lambda: mails(prov_sink, "#10-1]", auto=True), 30, "queue 10's acknowledgement at the provider")[0]
    check(authenticated_as(raw) == "login10", f"queue 10's acknowledgement reached the provider as login10: {authenticated_as(raw)}")
    check(re.search(rb"X-Mail-Args: <?support\+b\d+-[0-9a-f]{16}@helpdesk\.example\.com", raw) is not None,
          "with the queue's VERP return path as envelope sender")
    m, raw = wait_for(lambda: mails(prov_sink, "#20-1]", auto=True), 30, "queue 20's acknowledgement at the provider")[0]
    check(authenticated_as(raw) == "login20", f"queue 20's acknowledgement reached the provider as login20: {authenticated_as(raw)}")
    plog = provider.log()
    check(re.search(r"provider/smtps/smtpd\[\d+\]: \w+: client=\S+, sasl_method=PLAIN, sasl_username=login20", plog) is not None,
          "... through the provider's wrapper-mode port")
    wait_for(lambda: mails(sink, "#30-1]", auto=True), 30, "queue 30's acknowledgement at the ordinary sink")
    check(not mails(prov_sink, "#30-1]"), "queue 30's acknowledgement went the ordinary way, not to the provider")
    check(not mails(sink, "#10-1]", auto=True) and not mails(sink, "#20-1]", auto=True),
          "nothing of queues 10 and 20 went the ordinary way")
    dlog = postfix.log()
    check(re.search(rf"postfix/deskgate-smtps/smtp\[\d+\]: \w+: to=<alice@acme\.example>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:{prov_smtps},", dlog)
          is not None, "deskgate's Postfix used the deskgate-smtps transport for queue 20")

    # queue 40: login10 may not send as sales@; the bounce comes back and is logged
    line = wait_for(lambda: [l for l in lmtpd.log().splitlines() if "queue 40 sends through" in l], 30,
                    "the refused relay's log line")[0]
    print(line)
    check(re.search(rf"delivery failure report for ticket 40-1 \(VERP token of outbox item \d+\), alice@acme\.example not "
                    rf"marked undeliverable; queue 40 sends through 127\.0\.0\.1:{prov_smtp} as login login10: refused by "
                    rf"127\.0\.0\.1: 553 5\.7\.1 <sales\+b\d+-[0-9a-f]+@helpdesk\.example\.com>: Sender address rejected: "
                    rf"not owned by user login10", line) is not None, "the log line names queue, server, login and the refusal")
    # queue 50: the self-signed certificate fails verification: deferred, not sent
    wait_for(lambda: re.search(r"(certificate verification failed|Server certificate not trusted).*localhost", postfix.log()),
             30, "the TLS verification failure")
    check(any(any(r["address"] == "alice@acme.example" for r in q["recipients"]) and q["sender"].startswith("secure+")
              for q in postfix.queue()), "queue 50's acknowledgement waits in the queue (verify_certificate)")

    # a staff reply through the milter for ticket 10-1: the queue's envelope sender, through the provider
    with smtplib.SMTP("127.0.0.1", sub_port, timeout=30) as s:
        s.sendmail("jana@example.com", ["alice@acme.example"],
                   b"From: Jana Novak <jana@example.com>\r\nTo: alice@acme.example\r\n"
                   b"Subject: Re: [Support#10-1] question for 10\r\n\r\nThe answer is 42.\r\n")
    m, raw = wait_for(lambda: mails(prov_sink, "Re: [Support#10-1]", auto=False), 30, "the staff reply at the provider")[0]
    check(authenticated_as(raw) == "login10", f"the staff reply left through the provider as login10: {authenticated_as(raw)}")
    check(re.search(rb"X-Mail-Args: <?support@helpdesk\.example\.com", raw) is not None,
          "with the queue's sender_address as envelope sender (smfi_chgfrom)")
    check(m["From"].addresses[0].addr_spec == "support@helpdesk.example.com", f"From rewritten: {m['From']}")
    t = wait_for(lambda: (lambda x: x if x and any(e["direction"] == "outbound" for e in x["entries"]) else None)(show("10-1")),
                 30, "the journal copy")
    out = [e for e in t["entries"] if e["direction"] == "outbound"]
    check(out[0]["from"] == "jana@example.com", f"journaled under the staff member's name: {out[0]['from']}")
    ok = True
finally:
    for p in (milter,):
        if p and p.poll() is None:
            p.terminate()
            try: p.wait(40)
            except subprocess.TimeoutExpired: p.kill()
    if lmtpd: lmtpd.close()
    for x in (postfix, provider):
        if x: x.stop()
    for x in (sink, prov_sink, dovecot):
        if x: x.close()
    if failures or not ok:
        print(open(os.path.join(base, "milter.log")).read()[-3000:])
        if lmtpd: print(lmtpd.log()[-4000:])
        if postfix: print(postfix.log()[-5000:])
        if provider: print(provider.log()[-4000:])
        if dovecot: print(dovecot.log()[-2000:])
shutil.rmtree(base, ignore_errors=True)
print(f"took {time.monotonic() - started:.1f} s")
if failures:
    print(f"{len(failures)} check(s) failed")
    sys.exit(1)
print("all checks passed")
PY
