#!/usr/bin/env bash
# Mailboxes at a provider ([[queues.mailboxes]], `deskgate fetch`) against a real Dovecot on
# loopback (ssl = required, self-signed certificate): IMAP and POP3 over implicit TLS by
# getmail6, IMAP over STARTTLS by fetchmail, OAuth2 (XOAUTH2, the token checked by Dovecot
# against a local introspection endpoint). Tickets and acknowledgements made; keep = false
# empties a mailbox, keep = true leaves it; mail larger than max_message_size stays; a second
# run fetches nothing; a message fetched again (lost getmail state) is a duplicate, no second
# ticket; mail from a customer not enabled is held (250, to the redirect mailbox), not refused; with deskgate-lmtpd stopped nothing leaves the provider and the next run takes it;
# verify_certificate = true against the self-signed certificate fetches nothing and says why;
# a wrong token fetches nothing. Needs root (Dovecot), getmail6, fetchmail, Dovecot; else skipped.
set -euo pipefail
: "${DESKGATE_BIN_DIR:?}" "${DESKGATE_SOURCE_DIR:?}"
if [ "$(id -u)" -ne 0 ]; then echo "SKIP: needs root (Dovecot)"; exit 77; fi
for tool in dovecot doveadm getmail fetchmail openssl; do
    command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed (scripts/install-deps.sh)"; exit 77; }
done
export PYTHONPATH="$DESKGATE_SOURCE_DIR/tests/integration${PYTHONPATH:+:$PYTHONPATH}"
exec timeout 240 python3 - "$DESKGATE_BIN_DIR/bin" "$DESKGATE_SOURCE_DIR" <<'PY'
import fcntl, glob, http.server, json, os, shutil, subprocess, sys, tempfile, threading, time
from mta import Dovecot, Lmtpd, free_port, wait_for

bindir, src = sys.argv[1:3]
deskgate = os.path.join(bindir, "deskgate")
started = time.monotonic()
base = tempfile.mkdtemp(prefix="deskgate-fetch-")
os.chmod(base, 0o755)
cfg = os.path.join(base, "cfg")
shutil.copytree(os.path.join(src, "config/examples"), cfg)
store, fetch_dir, sent = (os.path.join(base, d) for d in ("store", "fetch", "sent"))
os.makedirs(sent)
failures = []
def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond: failures.append(what)

TUE_1000 = 1796115600  # 2026-12-01 10:00 in Prague: in working hours, both queues acknowledge
MAX_SIZE = 64 * 1024
STARTTLS_PASSWORD = 'p"a\\ss w'  # quoted for fetchmail's lexer in its rc file

# --- the OAuth2 provider: the token endpoint Dovecot asks (introspection_mode = auth) ----------
GOOD_TOKEN = "tok-" + os.urandom(6).hex()
presented = []
class Introspection(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        bearer = self.headers.get("Authorization", "")
        presented.append(bearer)
        # RFC 7662: an unknown token is "not active", answered 200
        body = json.dumps({"username": "oauth", "active": "true" if bearer == "Bearer " + GOOD_TOKEN else "false"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Introspection)
threading.Thread(target=httpd.serve_forever, daemon=True).start()

# --- files the config points to -----------------------------------------------------------------
def private(name, text, mode=0o600):
    path = os.path.join(cfg, name)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)
    return path
private("support.pass", "support-secret\n")
private("billing.pass", "  billing-secret  \n")
private("starttls.pass", STARTTLS_PASSWORD + "\n")
private("keeper.pass", "keeper-secret\n")
token_file = private("token", GOOD_TOKEN + "\n")
token_ran = os.path.join(base, "token.ran")
token_command = private("token.sh", f"#!/bin/sh\necho ran >> {token_ran}\ncat {token_file}\n", 0o755)
# the outbox's sendmail: keeps each message with its arguments
capture = private("sendmail", f"#!/bin/sh\nf={sent}/$$\nprintf '%s\\n' \"$*\" > $f.args\ncat > $f.tmp && mv $f.tmp $f.eml\n", 0o755)

def mailbox(protocol, port, user, password_file=None, tls="implicit", keep=False, oauth2=False, verify=False):
    lines = ["[[queues.mailboxes]]", f'protocol = "{protocol}"', 'server = "127.0.0.1"', f"port = {port}",
             f'user = "{user}"', f'tls = "{tls}"', f"keep = {str(keep).lower()}",
             f"verify_certificate = {str(verify).lower()}"]
    if oauth2: lines += ['auth = "oauth2"', f'token_command = ["{token_command}"]']
    else: lines.append(f'password_file = "{password_file}"')
    return "\n".join(lines) + "\n\n"

def write_config(name, dovecot, verify=False):
    text = open(os.path.join(src, "config/examples/deskgate.toml")).read()
    text = text.replace("generated_mail_limit = 3",
                        f'generated_mail_limit = 50\nsendmail_command = ["{capture}"]\n'
                        f'fetch_listen = "unix:{base}/fetch.sock"\nfetch_dir = "{fetch_dir}"')
    text = text.replace('max_message_size = "50M"', f"max_message_size = {MAX_SIZE}")
    q10 = (mailbox("imap", dovecot.imaps_port, "support", "support.pass", verify=verify) +
           mailbox("imap", dovecot.imap_port, "starttls", "starttls.pass", tls="starttls", verify=verify) +
           mailbox("imap", dovecot.imaps_port, "oauth", oauth2=True, verify=verify))
    q20 = (mailbox("pop3", dovecot.pop3s_port, "billing", "billing.pass", verify=verify) +
           mailbox("imap", dovecot.imaps_port, "keeper", "keeper.pass", keep=True, verify=verify))
    text = text.replace("[[queues]]\nnumber = 20", q10 + "[[queues]]\nnumber = 20")
    text = text.replace("[[queues]]\nnumber = 30", q20 + "[[queues]]\nnumber = 30")
    path = os.path.join(cfg, name)
    open(path, "w").write(text)
    return path

def message(mid, subject, sender="alice@acme.example", body="hello\n"):
    return (f"Return-Path: <{sender}>\nFrom: {sender}\nTo: helpdesk@provider.example\nSubject: {subject}\n"
            f"Message-ID: <{mid}@acme.example>\nDate: Tue, 01 Dec 2026 09:00:00 +0100\n\n{body}").encode()

def fetch(config, *extra):
    r = subprocess.run([deskgate, "fetch", "--config", config, "--timeout", "60", *extra],
                       capture_output=True, text=True, timeout=120)
    print("  deskgate fetch" + "".join(" " + e for e in extra) + f": exit {r.returncode}\n" +
          "".join("    " + l + "\n" for l in r.stderr.splitlines()), end="", flush=True)
    return r

def line_of(log, stem):
    """The mailbox's outcome line in deskgate fetch's log."""
    return next((l for l in log.splitlines() if f"mailbox={stem} " in l and "warning:" not in l), "")

def cli_json(*args):
    r = subprocess.run([deskgate, *args, "--json", "--config", path, "--store", store],
                       capture_output=True, text=True, timeout=60)
    return json.loads(r.stdout)

def tickets():
    return {t["subject"]: t for t in cli_json("tickets")}

def acks():
    out = {}
    for f in glob.glob(os.path.join(sent, "*.eml")):
        text = open(f, errors="replace").read()
        if "Auto-Submitted: auto-replied" in text:
            irt = next((l.split(":", 1)[1].strip() for l in text.splitlines() if l.lower().startswith("in-reply-to:")), "")
            out[irt] = text
    return out

dovecot = lmtpd = None
try:
    dovecot = Dovecot(os.path.join(base, "dovecot"),
                      {"support": "support-secret", "billing": "billing-secret", "starttls": STARTTLS_PASSWORD,
                       "keeper": "keeper-secret"},
                      oauth2_introspection_url=f"http://127.0.0.1:{httpd.server_address[1]}/introspect")
    path = write_config("deskgate.toml", dovecot)
    verify_path = write_config("verify.toml", dovecot, verify=True)
    r = subprocess.run([deskgate, "check-config", path], capture_output=True, text=True)
    check(r.returncode == 0, f"the config with five mailboxes is valid: {r.stdout.strip()} {r.stderr.strip()}")
    offset = str(TUE_1000 - int(time.time()))
    lmtpd_args = (os.path.join(bindir, "deskgate-lmtpd"), path, store, os.path.join(base, "lmtp.sock"))
    # it listens on fetch_listen by itself: the config has [[queues.mailboxes]]
    lmtpd_extra = ["--time-offset", offset]
    lmtpd = Lmtpd(*lmtpd_args, extra=lmtpd_extra)

    # --- fetch-config: every file, no password -------------------------------------------------
    r = subprocess.run([deskgate, "fetch-config", "--config", path], capture_output=True, text=True, timeout=60)
    out = r.stdout
    check(r.returncode == 0 and all(f"# ==> {fetch_dir}/{n}" in out for n in
                                    ("q10-1.getmailrc", "q10-2.fetchmailrc", "q10-3.getmailrc", "q20-1.getmailrc", "q20-2.getmailrc")),
          "deskgate fetch-config prints the five files under their paths")
    check("support-secret" not in out and STARTTLS_PASSWORD not in out and GOOD_TOKEN not in out and
          f"# password: the contents of {cfg}/starttls.pass" in out,
          "fetch-config prints no password (the fetchmail file says where it comes from)")

    # --- the first run: five mailboxes, five tickets ----------------------------------------------
    dovecot.save("support", message("s1", "Printer on fire (IMAP)"))
    dovecot.save("support", message("big", "Huge attachment", body="x" * 80 + "\n" * 1 + ("y" * 76 + "\n") * 1200))
    dovecot.save("starttls", message("t1", "Over STARTTLS", sender="bob@acme.example"))
    dovecot.save("oauth", message("o1", "Over OAuth2"))
    dovecot.save("billing", message("b1", "Invoice question (POP3)"))
    dovecot.save("keeper", message("k1", "Kept at the provider", sender="bob@acme.example"))
    r = fetch(path)
    log = r.stderr
    check(r.returncode == 0, "deskgate fetch exits 0")
    for stem, n in (("q10-1", 1), ("q10-2", 1), ("q10-3", 1), ("q20-1", 1), ("q20-2", 1)):
        check(f"fetched={n} " in line_of(log, stem), f"{stem}: fetched={n} ({line_of(log, stem)})")
    check("mailbox=q10-1 queue=10 imaps://127.0.0.1:" in log and "warning: mailbox=q10-1" in log and
          "1 message larger than max_message_size (65536 bytes) left on the server" in log,
          "the oversized message is logged as left on the server")
    t = tickets()
    expected = {"Printer on fire (IMAP)": "10", "Over STARTTLS": "10", "Over OAuth2": "10",
                "Invoice question (POP3)": "20", "Kept at the provider": "20"}
    for subject, queue in expected.items():
        check(subject in t and t[subject]["ticket"].startswith(queue + "-"),
              f"ticket in queue {queue} for '{subject}': {t.get(subject, {}).get('ticket')}")
    check(len(t) == 5 and "Huge attachment" not in t, f"five tickets, none for the oversized mail ({sorted(t)})")
    got = wait_for(lambda: (lambda a: a if all(f"<{m}@acme.example>" in a for m in ("s1", "t1", "o1", "b1", "k1")) else None)(acks()),
                   30, "five acknowledgements")
    check(all("filed it as" in got[f"<{m}@acme.example>"] or "We received your billing question" in got[f"<{m}@acme.example>"]
              for m in ("s1", "t1", "o1", "b1", "k1")), "an acknowledgement for each fetched request")
    check([dovecot.count(u) for u in ("support", "starttls", "oauth", "billing", "keeper")] == [1, 0, 0, 0, 1],
          "keep = false empties the mailboxes (the oversized message stays), keep = true leaves its message")
    check(dovecot.subjects("support") == ["Huge attachment"], f"what stays in support: {dovecot.subjects('support')}")
    check(os.path.exists(token_ran) and presented and presented[-1] == "Bearer " + GOOD_TOKEN,
          f"the token command ran and Dovecot was shown its token ({presented[-1:] if presented else None})")
    rc_modes = {os.path.basename(f): oct(os.stat(f).st_mode & 0o777) for f in glob.glob(os.path.join(fetch_dir, "q*rc"))}
    check(len(rc_modes) == 5 and set(rc_modes.values()) == {"0o600"}, f"the fetchers' files are 0600: {rc_modes}")
    fm = open(os.path.join(fetch_dir, "q10-2.fetchmailrc")).read()
    check('  password "p\\x22a\\\\ss w"\n' in fm, "the fetchmailrc in fetch_dir holds the password, quoted")
    check(not any("secret" in open(f).read() or GOOD_TOKEN in open(f).read()
                  for f in glob.glob(os.path.join(fetch_dir, "*.getmailrc"))), "no getmail file holds a password or token")

    # --- a second run takes nothing new -----------------------------------------------------------
    r = fetch(path)
    check(r.returncode == 0 and r.stderr.count("fetched=0 ") == 5, "a second run fetches nothing")
    check(len(tickets()) == 5, "and makes no ticket")
    with open(os.path.join(fetch_dir, "fetch.lock"), "a") as lock:  # as a run in progress holds it
        fcntl.flock(lock, fcntl.LOCK_EX)
        r = fetch(path)
        check(r.returncode == 75 and "another deskgate fetch is running" in r.stderr and "mailbox=" not in r.stderr,
              "while another run holds fetch_dir's lock, deskgate fetch leaves the mailboxes alone (exit 75)")
    os.chown(fetch_dir, os.stat(os.path.join(dovecot.base, "mail")).st_uid, -1)  # as if the timer's user made it
    r = fetch(path)
    check(r.returncode == 1 and "belongs to uid" in r.stderr and "runuser -u deskgate" in r.stderr,
          "deskgate fetch refuses a fetch_dir that belongs to another user, saying as whom to run it")
    os.chown(fetch_dir, 0, -1)

    # --- fetched twice (a crash between 250 and the deletion, simulated: keeper's state lost) -----
    before = cli_json("stats")["verdicts"]
    oldmail = glob.glob(os.path.join(fetch_dir, "oldmail-127.0.0.1-*-keeper-INBOX"))
    check(len(oldmail) == 1, f"getmail's record of keeper's seen messages: {oldmail}")
    for f in oldmail: os.unlink(f)
    r = fetch(path)
    check("fetched=1 " in line_of(r.stderr, "q20-2"), "without its record getmail fetches keeper's message again")
    check(len(tickets()) == 5, "no second ticket for it")
    after = cli_json("stats")["verdicts"]
    check(after.get("duplicate", 0) == before.get("duplicate", 0) + 1,
          f"deskgate stats counts one more duplicate ({before.get('duplicate', 0)} -> {after.get('duplicate', 0)})")
    check(dovecot.count("keeper") == 1, "and keep = true still leaves it at the provider")

    # --- refused mail: the provider took it already, so it is held and answered 250 ------------
    held_before = after.get("held", 0)
    dovecot.save("billing", message("g1", "From a customer not enabled", sender="carol@globex.example"))
    r = fetch(path, "--queue", "20")
    check(r.returncode == 0 and "fetched=1 " in line_of(r.stderr, "q20-1"), "mail from a customer not enabled is taken (250)")
    check(dovecot.count("billing") == 0 and "From a customer not enabled" not in tickets(),
          "it left the provider and made no ticket")
    check("verdict=held" in lmtpd.log() and "fetched from a provider's mailbox" in lmtpd.log(),
          "deskgate-lmtpd held it, saying why")
    check(cli_json("stats")["verdicts"].get("held", 0) == held_before + 1, "deskgate stats counts it as held")
    to_triage = wait_for(lambda: [f for f in glob.glob(os.path.join(sent, "*.args")) if "desk-triage@example.com" in open(f).read()],
                         30, "the held mail handed to the redirect mailbox")
    check(len(to_triage) == 1, "the held mail went to the staff's redirect_mailbox (desk-triage@example.com)")

    # --- deskgate-lmtpd stopped: nothing leaves the provider; the next run takes it ---------------
    lmtpd.close()
    dovecot.save("support", message("s2", "While the daemon was down"))
    r = fetch(path)
    check(r.returncode == 75, f"deskgate fetch exits 75 while deskgate-lmtpd is stopped ({r.returncode})")
    check(r.stderr.count("deskgate-lmtpd does not answer on fetch_listen") == 5, "every mailbox logged as not fetched, and why")
    check(dovecot.count("support") == 2, "the message stays at the provider")
    lmtpd = Lmtpd(*lmtpd_args, extra=lmtpd_extra)
    r = fetch(path)
    check(r.returncode == 0 and "fetched=1 " in line_of(r.stderr, "q10-1"), "after the start the next run fetches it")
    check("While the daemon was down" in tickets() and dovecot.count("support") == 1, "it became a ticket and left the provider")

    # --- verify_certificate = true against the self-signed certificate ---------------------------
    dovecot.save("billing", message("b2", "Never fetched unverified"))
    dovecot.save("starttls", message("t2", "Never fetched unverified either"))
    r = fetch(verify_path)
    check(r.returncode == 75, f"with verify_certificate = true deskgate fetch exits 75 ({r.returncode})")
    for stem in ("q10-1", "q10-2", "q10-3", "q20-1", "q20-2"):
        check("certificate verify failed" in line_of(r.stderr, stem) and "fetched=0 oversized=0 failed: " in line_of(r.stderr, stem),
              f"{stem}: the log says why (certificate verify failed)")
    check(dovecot.count("billing") == 1 and dovecot.count("starttls") == 1 and
          "Never fetched unverified" not in tickets(), "nothing was fetched")

    # --- OAuth2 with a wrong token ----------------------------------------------------------------
    open(token_file, "w").write("wrong-token\n")
    dovecot.save("oauth", message("o2", "Wrong token"))
    r = fetch(path, "--queue", "10")
    check(r.returncode == 75 and "fetched=0 oversized=0 failed: credential/login error" in line_of(r.stderr, "q10-3"),
          f"a wrong token: the login fails ({line_of(r.stderr, 'q10-3')})")
    check(presented[-1] == "Bearer wrong-token", "the token shown to Dovecot is the command's output")
    check(dovecot.count("oauth") == 1 and "Wrong token" not in tickets(), "nothing fetched with it")
    check("mailbox=q20" not in r.stderr, "--queue 10 runs queue 10's mailboxes only")
except Exception as e:
    import traceback
    traceback.print_exc()
    check(False, f"exception: {e!r}")
finally:
    if lmtpd: lmtpd.close()
    if dovecot: dovecot.close()
    httpd.shutdown()
    if failures:
        print("--- dovecot log ---\n" + (dovecot.log()[-4000:] if dovecot else ""))
        print("--- lmtpd log ---\n" + (lmtpd.log()[-4000:] if lmtpd else ""))
    shutil.rmtree(base, ignore_errors=True)
    print(f"fetch_dovecot: {len(failures)} failure(s) in {time.monotonic() - started:.1f} s")
sys.exit(1 if failures else 0)
PY
