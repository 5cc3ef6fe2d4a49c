#!/usr/bin/env bash
# The sendmail hookup through a real sendmail 8.17 (Debian's sendmail-bin, unpacked by
# scripts/install-deps.sh into /opt/deskgate-test/sendmail, never installed: it conflicts with
# postfix). Its sendmail.cf is built with sendmail-cf's m4 macros from `deskgate sendmail-config`'s
# lines as printed, only the two daemons moved to free loopback ports, plus the test's own
# environment (files under a temp dir, SASL for the submission daemon, everything leaving the
# machine relayed to an smtp-sink). deskgate-milter and deskgate-lmtpd listen on unix sockets laid
# out like the package's /run/deskgate (a directory 0750 and sockets 0660 of another user).
#  1. A customer not enabled is refused at RCPT with 550 5.7.1 by deskgate-milter (and mail for a
#     foreign domain is not relayed: the client is not localhost).
#  2. An enabled customer's mail, from a client that is not localhost, is accepted and delivered by
#     sendmail over LMTP (mailer flag z) to deskgate-lmtpd: ticket 10-1, received by sendmail.
#  3. A staff reply submitted on the OUTBOUND-MSA daemon (refused without SMTP AUTH; sent after
#     AUTH as jana) reaches the smtp-sink with From and Reply-To rewritten by deskgate-milter, and
#     the journal recipient the milter adds is delivered into ticket 10-1 as an outbound message.
# Runs in private network, UTS and mount namespaces (unshare): loopback only, so none of sendmail's
# DNS lookups leaves the machine (they fail at once); a host name with a dot, so sendmail does not
# sleep a minute trying to qualify it; and Cyrus SASL's Sendmail.conf bind-mounted over
# /usr/lib/sasl2, where the library looks for it (sendmail drops SASL_CONF_PATH with the rest of
# its environment). KEEP=1 keeps the temp dir.
set -euo pipefail
: "${DESKGATE_BIN_DIR:?}" "${DESKGATE_SOURCE_DIR:?}"
sm_root="${DESKGATE_SENDMAIL_ROOT:-/opt/deskgate-test/sendmail}"

if [ -z "${DESKGATE_SENDMAIL_NS:-}" ]; then
  [ -x "$sm_root/usr/libexec/sendmail/sendmail" ] ||
    { echo "FAIL: no sendmail in $sm_root (scripts/install-deps.sh unpacks sendmail-bin there)"; exit 1; }
  if ldd "$sm_root/usr/libexec/sendmail/sendmail" | grep -q "not found"; then
    ldd "$sm_root/usr/libexec/sendmail/sendmail" | grep "not found"
    echo "FAIL: sendmail's libraries are missing (scripts/install-deps.sh installs them)"; exit 1
  fi
  for tool in m4 unshare mount saslpasswd2 smtp-sink python3; do
    command -v "$tool" >/dev/null || { echo "FAIL: $tool is missing (scripts/install-deps.sh installs it)"; exit 1; }
  done
  [ -f /usr/share/sendmail/cf/m4/cf.m4 ] || { echo "FAIL: sendmail-cf's m4 macros are missing"; exit 1; }
  [ -d /usr/lib/sasl2 ] || { echo "FAIL: /usr/lib/sasl2 is missing (libsasl2-2)"; exit 1; }
  # the whole test, bounded, in namespaces of its own (gone with its last process)
  exec env DESKGATE_SENDMAIL_NS=1 timeout -k 10 150 unshare --net --uts --mount bash "$0" "$@"
fi

hostname mx.test.example
export PYTHONPATH="$DESKGATE_SOURCE_DIR/tests/integration${PYTHONPATH:+:$PYTHONPATH}"
exec python3 - "$DESKGATE_BIN_DIR/bin" "$DESKGATE_SOURCE_DIR" "$sm_root" <<'PY'
import email, email.policy, fcntl, hashlib, hmac, json, os, pwd, grp, re, shutil, signal, smtplib, socket
import struct, subprocess, sys, tempfile, time
from mta import Sink, free_port, wait_for

signal.signal(signal.SIGTERM, lambda *_: sys.exit("FAIL: terminated (timeout)"))
bindir, src, sm_root = sys.argv[1:4]
deskgate = os.path.join(bindir, "deskgate")
sendmail = os.path.join(sm_root, "usr/libexec/sendmail/sendmail")
makemap = os.path.join(sm_root, "usr/libexec/sendmail/makemap")
started = time.monotonic()

# the loopback interface of the new network namespace is down: up it (SIOCGIFFLAGS, SIOCSIFFLAGS)
with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
    flags = struct.unpack("16sH", fcntl.ioctl(s, 0x8913, struct.pack("16sH", b"lo", 0)))[1]
    fcntl.ioctl(s, 0x8914, struct.pack("16sH", b"lo", flags | 1))

base = tempfile.mkdtemp(prefix="deskgate-sendmail-real-")
os.chmod(base, 0o755)
failures = []
def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)

def show(t):
    r = subprocess.run([deskgate, "show", t, "--json", "--store", store], capture_output=True, text=True, timeout=30)
    return json.loads(r.stdout) if r.returncode == 0 else None

def entries(t, n):
    s = show(t)
    return s if s and s["ticket"]["entries"] >= n else None

def log(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return ""

# deskgate's config: the examples, with the store and the sockets under base
cfg = os.path.join(base, "cfg")
shutil.copytree(os.path.join(src, "config/examples"), cfg)
config = os.path.join(cfg, "deskgate.toml")
run = os.path.join(base, "run")        # as the package's /run/deskgate
store = os.path.join(base, "store")
os.mkdir(run)
cf = os.path.join(base, "sendmail.cf")
text = open(config).read()
# the outbox (acknowledgements, notifications) hands its mail to this sendmail's sendmail(1)
for old, new in (("unix:/run/deskgate/", f"unix:{run}/"), ("/var/lib/deskgate/store", store),
                 ("[global]\n", f'[global]\nsendmail_command = ["{sendmail}", "-C", "{cf}"]\n')):
    assert old in text, old
    text = text.replace(old, new)
open(config, "w").write(text)
secret = open(os.path.join(cfg, "secret")).read().strip().encode()
sig = lambda m: hmac.new(secret, m.encode(), hashlib.sha256).hexdigest()

smtp_port, sub_port, sink_port = free_port(), free_port(), free_port()
procs = {}
sink = None
try:
    # 0. `deskgate sendmail-config` -> sendmail.mc -> sendmail.cf
    printed = subprocess.run([deskgate, "sendmail-config", "--config", config], capture_output=True,
                             text=True, timeout=30, check=True).stdout
    print(printed, end="")
    mc_lines = printed
    for old, new in (("DAEMON_OPTIONS(`Port=smtp, ", f"DAEMON_OPTIONS(`Port={smtp_port}, Addr=127.0.0.1, "),
                     ("DAEMON_OPTIONS(`Port=submission, ", f"DAEMON_OPTIONS(`Port={sub_port}, Addr=127.0.0.1, ")):
        check(mc_lines.count(old) == 1, f"the printed lines have one {old}...")
        mc_lines = mc_lines.replace(old, new)
    etc = os.path.join(base, "etc")
    os.mkdir(etc)
    os.mkdir(os.path.join(base, "mqueue"), 0o700)
    shutil.copy(os.path.join(sm_root, "etc/mail/helpfile"), etc)
    open(os.path.join(etc, "local-host-names"), "w").close()
    with open(os.path.join(etc, "service.switch"), "w") as f:
        f.write("hosts files\naliases files\n")
    env_lines = f"""dnl the test's environment: its files under {base}, no DNS, SASL logins, mail that would leave the
dnl machine relayed to the smtp-sink on port {sink_port}; then the printed lines, ports moved
define(`MAIL_SETTINGS_DIR', `{etc}/')dnl
define(`QUEUE_DIR', `{base}/mqueue')dnl
define(`confPID_FILE', `{base}/sendmail.pid')dnl
define(`ALIAS_FILE', `')dnl
define(`confDOMAIN_NAME', `mx.test.example')dnl
define(`confSERVICE_SWITCH_FILE', `{etc}/service.switch')dnl
define(`confDONT_PROBE_INTERFACES', `True')dnl
define(`confTO_IDENT', `0')dnl
define(`confDONT_BLAME_SENDMAIL', `TrustStickyBit')dnl  {base} is under /tmp
FEATURE(`accept_unresolvable_domains')dnl
define(`confAUTH_MECHANISMS', `PLAIN LOGIN')dnl
TRUST_AUTH_MECH(`PLAIN LOGIN')dnl
define(`SMART_HOST', `esmtp:[127.0.0.1]')dnl
define(`ESMTP_MAILER_ARGS', `TCP $h {sink_port}')dnl
"""
    mc = os.path.join(base, "sendmail.mc")
    with open(mc, "w") as f:
        f.write("divert(-1)\ninclude(`/usr/share/sendmail/cf/m4/cf.m4')\ndivert(0)dnl\n"
                "VERSIONID(`deskgate tests/integration/sendmail_real.sh')dnl\nOSTYPE(`linux')dnl\n"
                "DOMAIN(`generic')dnl\n" + env_lines + mc_lines + "MAILER(`local')dnl\nMAILER(`smtp')dnl\n")
    with open(cf, "w") as out:
        r = subprocess.run(["m4", mc], stdout=out, stderr=subprocess.PIPE, text=True, timeout=30)
    check(r.returncode == 0 and not r.stderr, f"m4 builds sendmail.cf without errors {r.stderr.strip()}")

    # the mailertable, from the printed entries
    table = [l[len("dnl   "):] for l in printed.splitlines() if re.match(r"dnl   \S+\t\S+:\S+$", l)]
    check(table == ["helpdesk.example.com\tdeskgate:localhost"], f"the printed mailertable entries: {table}")
    subprocess.run([makemap, "-C", cf, "hash", os.path.join(etc, "mailertable")], input="\n".join(table) + "\n",
                   text=True, capture_output=True, timeout=30, check=True)

    # SASL: jana's login in a sasldb, Sendmail.conf where Cyrus SASL looks for it
    sasl = os.path.join(base, "sasl")
    os.mkdir(sasl)
    with open(os.path.join(sasl, "Sendmail.conf"), "w") as f:
        f.write(f"pwcheck_method: auxprop\nauxprop_plugin: sasldb\nsasldb_path: {sasl}/sasldb2\nmech_list: PLAIN LOGIN\n")
    subprocess.run(["saslpasswd2", "-p", "-c", "-f", os.path.join(sasl, "sasldb2"), "-u", "mx.test.example", "jana"],
                   input="jana-secret", text=True, timeout=30, check=True)
    subprocess.run(["mount", "--bind", sasl, "/usr/lib/sasl2"], timeout=30, check=True)

    # deskgate's daemons, as the package runs them, then their directory as the package has it
    for name in ("deskgate-lmtpd", "deskgate-milter"):
        out = open(os.path.join(base, name + ".log"), "w")
        procs[name] = subprocess.Popen([os.path.join(bindir, name), "--config", config, "--socket-mode", "0660",
                                        "--foreground"], stdout=out, stderr=out, stdin=subprocess.DEVNULL)
    wait_for(lambda: os.path.exists(f"{run}/lmtp.sock") and os.path.exists(f"{run}/milter.sock"), 20, "the sockets")
    wait_for(lambda: "ready" in log(os.path.join(base, "deskgate-lmtpd.log")), 20, "deskgate-lmtpd")
    nobody, nogroup = pwd.getpwnam("nobody").pw_uid, grp.getgrnam("nogroup").gr_gid
    for path, mode in ((run, 0o750), (f"{run}/lmtp.sock", 0o660), (f"{run}/milter.sock", 0o660)):
        os.chown(path, nobody, nogroup)
        os.chmod(path, mode)

    sink = Sink(sink_port, os.path.join(base, "sink"))
    sm_log = open(os.path.join(base, "sendmail.log"), "w")
    procs["sendmail"] = subprocess.Popen([sendmail, "-C", cf, "-bD"], stdout=sm_log, stderr=sm_log,
                                         stdin=subprocess.DEVNULL, start_new_session=True)
    def greets(port):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as c:
                return c.recv(200).startswith(b"220")
        except OSError:
            return False
    wait_for(lambda: greets(smtp_port) and greets(sub_port), 20, "sendmail's daemons")
    banner = socket.create_connection(("127.0.0.1", smtp_port), timeout=5).recv(200).decode()
    check(re.match(r"220 mx\.test\.example ESMTP Sendmail 8\.17", banner) is not None, f"a real sendmail answers: {banner.strip()}")

    # 1. inbound from a client that is not localhost: a customer not enabled is refused at RCPT
    def customer():
        s = smtplib.SMTP("127.0.0.1", smtp_port, timeout=30, source_address=("127.0.0.2", 0))
        s.ehlo("mail.customer.example")
        return s
    with customer() as s:
        code, msg = s.mail("carol@globex.example")
        check(code == 250, f"MAIL from a customer not enabled: {code} {msg.decode()}")
        code, msg = s.rcpt("support@helpdesk.example.com")
        check(code == 550 and msg.startswith(b"5.7.1 ") and b"not enabled for e-mail tickets" in msg,
              f"RCPT of a customer not enabled refused by deskgate-milter: {code} {msg.decode()}")
        s.rset()
        code, msg = s.mail("alice@acme.example")
        code, msg = s.rcpt("someone@elsewhere.example")
        # 450 here (its PTR cannot be resolved without DNS), 550 for a client that resolves
        check(code in (450, 550) and b"Relaying" in msg and b"denied" in msg,
              f"no relaying elsewhere for that client: {code} {msg.decode()}")

    # 2. an enabled customer: delivered over LMTP into a new ticket
    with customer() as s:
        refused = s.sendmail("alice@acme.example", ["support@helpdesk.example.com"],
                             b"From: Alice <alice@acme.example>\r\nTo: support@helpdesk.example.com\r\n"
                             b"Subject: Printer on fire\r\nMessage-ID: <p1@acme.example>\r\n\r\nHelp!\r\n")
        check(refused == {}, "sendmail accepts the enabled customer's mail")
    t = wait_for(lambda: show("10-1"), 30, "ticket 10-1")
    e = t["entries"][0]
    check(t["ticket"]["subject"] == "Printer on fire" and e["from"] == "alice@acme.example" and e["direction"] == "inbound",
          f"sendmail delivered it to deskgate-lmtpd: ticket 10-1 {t['ticket']['subject']!r} from {e['from']}")
    raw = subprocess.run([deskgate, "raw", "10-1", "--store", store], capture_output=True, timeout=30).stdout
    check(re.search(rb"Received: from mail\.customer\.example \([^)]*\[127\.0\.0\.2\]\)\s+by mx\.test\.example \(8\.17", raw) is not None,
          "the stored message was received by sendmail")

    # 3. a staff reply on the OUTBOUND-MSA daemon: refused without SMTP AUTH, rewritten with it
    reply = (b"From: Jana Novak <jana@example.com>\r\nTo: alice@acme.example\r\n"
             b"Subject: Re: [Support#10-1] Printer on fire\r\nMessage-ID: <r1@example.com>\r\n\r\n"
             b"The technician is on his way.\r\n")
    with smtplib.SMTP("127.0.0.1", sub_port, timeout=30) as s:
        s.ehlo("desk.example.com")
        code, msg = s.mail("jana@example.com")
        check(code == 530, f"the submission daemon wants SMTP AUTH (M=a): {code} {msg.decode()}")
        s.login("jana", "jana-secret")
        check(s.sendmail("jana@example.com", ["alice@acme.example"], reply) == {}, "the staff reply is accepted after AUTH")
    copy = wait_for(lambda: [m for m in sink.messages() if b"technician" in m], 30, "the staff reply at the sink")[0]
    msg = email.message_from_bytes(copy, policy=email.policy.default)
    frm = msg["From"].addresses[0]
    check((frm.display_name, frm.addr_spec) == ("jana - Support", "support@helpdesk.example.com"),
          f"From rewritten by deskgate-milter: {msg['From']}")
    want = f"support+t10-1-{sig('reply-token:10-1')[:16]}@helpdesk.example.com"
    check(str(msg["Reply-To"]) == want, f"Reply-To is the signed reply-token address: {msg['Reply-To']}")
    check(str(msg["Subject"]) == "Re: [Support#10-1] Printer on fire" and msg["X-Deskgate-Direction"] == "outbound",
          f"subject kept, control header set: {msg['Subject']} / {msg['X-Deskgate-Direction']}")
    rcpts = re.findall(rb"^X-Rcpt-Args: <([^>]*)>", copy, re.M)
    check(rcpts == [b"alice@acme.example"], f"the journal recipient the milter added did not leave the machine: {rcpts}")
    t = wait_for(lambda: entries("10-1", 2), 30, "the journal copy in 10-1")
    e = t["entries"][1]
    check(e["direction"] == "outbound" and e["from"] == "jana@example.com" and t["ticket"]["status"] == "waiting",
          f"the journal copy, delivered by sendmail over LMTP, is in 10-1: {e['direction']} {e['from']} {t['ticket']['status']}")
    # the acknowledgement of ticket 10-1, handed by deskgate-lmtpd's outbox to sendmail(1)
    ack = wait_for(lambda: [m for m in sink.messages() if re.search(rb"^X-Rcpt-Args: <alice@acme\.example>", m, re.M)
                            and b"technician" not in m], 30, "the acknowledgement at the sink")[0]
    mail_args = re.search(rb"^X-Mail-Args: (.*)$", ack, re.M).group(1).decode().strip()
    rcpt_args = re.search(rb"^X-Rcpt-Args: (.*)$", ack, re.M).group(1).decode().strip()
    check(re.match(r"<bounces\+b\d+-[0-9a-f]+@helpdesk\.example\.com> ENVID=deskgate-\d+ ", mail_args) is not None
          and rcpt_args == "<alice@acme.example> NOTIFY=FAILURE,DELAY",
          f"the outbox's acknowledgement left through sendmail(1) with VERP return path and DSN options: {mail_args} / {rcpt_args}")
    q = subprocess.run([sendmail, "-C", cf, "-bp"], capture_output=True, text=True, timeout=30).stdout
    check("is empty" in q, f"sendmail's queue is empty: {q.strip()}")
except Exception as ex:
    check(False, f"{type(ex).__name__}: {ex}")
finally:
    sm = procs.pop("sendmail", None)
    if sm:
        os.killpg(sm.pid, signal.SIGTERM)
        try:
            sm.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(sm.pid, signal.SIGKILL)
    for p in procs.values():
        p.terminate()
        try:
            p.wait(20)
        except subprocess.TimeoutExpired:
            p.kill()
    if sink:
        sink.close()
    if failures:
        for name in ("deskgate-milter.log", "deskgate-lmtpd.log", "sendmail.log"):
            print(f"--- {name}\n{log(os.path.join(base, name))}")
        print("--- sendmail's queue\n" + subprocess.run([sendmail, "-C", os.path.join(base, "sendmail.cf"), "-bp"],
                                                      capture_output=True, text=True, timeout=30).stdout)
    if not os.environ.get("KEEP"):
        subprocess.run(["umount", "/usr/lib/sasl2"], capture_output=True, timeout=30)
        shutil.rmtree(base, ignore_errors=True)
    else:
        print("kept", base)

print(f"{time.monotonic() - started:.1f}s")
if failures:
    print(f"{len(failures)} check(s) failed")
    sys.exit(1)
print("all checks passed")
PY
