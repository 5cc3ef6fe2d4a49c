#!/usr/bin/env bash
# The daemons' start-up: numeric options are parsed strictly (a value that is not a number in
# range is a usage error, exit 64, naming the option - never a silent 0 or default), and
# deskgate-lmtpd started without --foreground opens the store after it forked into the
# background (LMDB forbids carrying an environment across fork(): the child would hold no lock
# on it, so `deskgate restore` would replace the store under the running daemon). The daemon in
# the background takes a mail over LMTP, and `deskgate restore` is refused (75) while it runs.
set -euo pipefail
: "${DESKGATE_BIN_DIR:?}" "${DESKGATE_SOURCE_DIR:?}"
exec python3 - "$DESKGATE_BIN_DIR/bin" "$DESKGATE_SOURCE_DIR" <<'PY'
import os, shutil, signal, socket, subprocess, sys, tempfile, time

bindir, src = sys.argv[1], sys.argv[2]
deskgate, lmtpd, milter = (os.path.join(bindir, n) for n in ("deskgate", "deskgate-lmtpd", "deskgate-milter"))
base = tempfile.mkdtemp(prefix="deskgate-startup-")
cfg = os.path.join(base, "cfg")
shutil.copytree(os.path.join(src, "config/examples"), cfg)
config = os.path.join(cfg, "deskgate.toml")
with open(config) as f:
    text = f.read()
with open(config, "w") as f:  # acknowledgements must not reach the machine's real sendmail
    f.write(text.replace("generated_mail_limit = 3", 'generated_mail_limit = 3\nsendmail_command = ["/bin/true"]'))
store = os.path.join(base, "store")
sock = os.path.join(base, "lmtp.sock")
failures = []

def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)

def refused(binary, args, option):
    """The daemon exits 64 at once and names the option (a lax parser would start serving)."""
    try:
        r = subprocess.run([binary, *args], capture_output=True, text=True, timeout=15)
    except subprocess.TimeoutExpired:
        check(False, f"{os.path.basename(binary)} {' '.join(args)}: started instead of refusing")
        return
    check(r.returncode == 64 and option in r.stderr and "usage:" in r.stderr,
          f"{os.path.basename(binary)} {option} {args[args.index(option) + 1]!r}: exit {r.returncode}, {r.stderr.strip()[:120]!r}")

lmtpd_base = ["--config", config, "--store", store, "--listen", "unix:" + os.path.join(base, "bad.sock"), "--foreground"]
for option, value in [("--threads", "abc"), ("--threads", "0"), ("--threads", "4x"), ("--max-sessions", "-5"),
                      ("--max-sessions", "99999999999999999999999"), ("--socket-mode", "0999"), ("--socket-mode", "rw"),
                      ("--socket-mode", ""), ("--time-offset", "1h")]:
    refused(lmtpd, [*lmtpd_base, option, value], option)
milter_base = ["--config", config, "--socket", "unix:" + os.path.join(base, "milter.sock"), "--foreground"]
for value in ["0999", "660x", "-1"]:
    refused(milter, [*milter_base, "--socket-mode", value], "--socket-mode")
check(not os.path.exists(store), "no store was created by a refused start")

def daemon_pid():
    """The background deskgate-lmtpd started below: the process whose command line names our config."""
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if argv and argv[0].endswith(b"deskgate-lmtpd") and config.encode() in argv:
            return int(pid)
    return None

def lmtp_deliver(path, mail):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(30)
    s.connect(path)
    f = s.makefile("rwb")
    def cmd(line):
        if line is not None:
            f.write(line.encode() + b"\r\n")
            f.flush()
        reply = []
        while True:
            l = f.readline().decode().rstrip("\r\n")
            reply.append(l)
            if len(l) < 4 or l[3] != "-":
                return reply
    cmd(None)
    cmd("LHLO test")
    cmd("MAIL FROM:<alice@acme.example>")
    cmd("RCPT TO:<support@helpdesk.example.com>")
    cmd("DATA")
    f.write(mail.replace("\n", "\r\n").encode() + b"\r\n.\r\n")
    f.flush()
    reply = cmd(None)
    cmd("QUIT")
    s.close()
    return reply[-1]

pid = None
try:
    r = subprocess.run([lmtpd, "--config", config, "--store", store, "--listen", "unix:" + sock, "--socket-mode", "0666"],
                       capture_output=True, text=True, timeout=30)
    check(r.returncode == 0, f"deskgate-lmtpd goes to the background: exit {r.returncode} {r.stderr.strip()!r}")
    deadline = time.time() + 20
    while time.time() < deadline and not os.path.exists(sock):
        time.sleep(0.1)
    pid = daemon_pid()
    check(pid is not None and os.path.exists(sock), f"the daemon runs in the background (pid {pid})")
    reply = lmtp_deliver(sock, "From: Alice <alice@acme.example>\nSubject: background\nMessage-ID: <bg1@acme.example>\n\nhello")
    check(reply.startswith("250 2.0.0 ticket 10-1"), f"a mail to the background daemon: {reply!r}")
    r = subprocess.run([deskgate, "backup", os.path.join(base, "backup"), "--store", store], capture_output=True, text=True, timeout=60)
    check(r.returncode == 0, f"backup while it runs: {r.returncode} {r.stderr.strip()!r}")
    r = subprocess.run([deskgate, "restore", os.path.join(base, "backup"), "--store", store, "--force"],
                       capture_output=True, text=True, timeout=60)
    check(r.returncode == 75, f"restore refused while the background daemon has the store open: exit {r.returncode} {r.stderr.strip()!r}")
finally:
    if pid:
        os.kill(pid, signal.SIGTERM)
        def running():
            try:
                with open(f"/proc/{pid}/stat") as f:
                    return f.read().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has stopped
            except OSError:
                return False
        deadline = time.time() + 40
        while time.time() < deadline and running():
            time.sleep(0.1)
        if running():
            os.kill(pid, signal.SIGKILL)
    shutil.rmtree(base, ignore_errors=True)

print(f"{0 if failures else 1} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
PY
