#!/usr/bin/env bash
# Fetch benchmark (issue 15): how fast mail at a provider becomes tickets. A real Dovecot on
# loopback (implicit-TLS IMAP, a self-signed certificate) holds N messages; `deskgate fetch`
# runs getmail6 over them twice in the same script, delivering over LMTP to (1) Postfix's
# smtp-sink in LMTP mode, the ceiling of what the fetcher can deliver, and (2) deskgate-lmtpd
# (parse, decide, durable LMDB commit, acknowledgement queued). Prints messages/s and the ratio
# deskgate/sink: near 1.00 means the fetcher, not deskgate, sets the pace. Every message is
# checked to have left the mailbox. `--smoke` runs a tiny version (CTest).
#   bench/fetch.sh [--smoke] [BIN_DIR]      (BIN_DIR defaults to build/release/bin)
set -euo pipefail
smoke=0
if [ "${1:-}" = "--smoke" ]; then smoke=1; shift; fi
here="$(cd "$(dirname "$0")/.." && pwd)"
bindir="${1:-$here/build/release/bin}"
. "$here/bench/require.sh" && require_built "$bindir" deskgate deskgate-lmtpd
if [ "$(id -u)" -ne 0 ]; then echo "SKIP: needs root (Dovecot)"; exit 77; fi
for tool in dovecot doveadm getmail smtp-sink openssl; do
    command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed (scripts/install-deps.sh)"; exit 77; }
done
export PYTHONPATH="$here/tests/integration${PYTHONPATH:+:$PYTHONPATH}"
exec timeout 1800 python3 - "$bindir" "$here" "$smoke" <<'PY'
import os, shutil, subprocess, sys, tempfile, time
from mta import Dovecot, free_port, wait_for

bindir, src, smoke = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
counts = [(2, 10)] if smoke else [(2, 1000), (50, 300)]  # (KiB per message, messages)
base = tempfile.mkdtemp(prefix="deskgate-bench-fetch-")
os.chmod(base, 0o755)
cfg = os.path.join(base, "cfg")
shutil.copytree(os.path.join(src, "config/examples"), cfg)
port = free_port()
procs = []

def connectable():
    import socket
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False

def seed(dovecot, kb, n, run):
    """Writes n messages straight into the user's Maildir (as a delivery would leave them)."""
    new = os.path.join(dovecot.base, "mail", "bench", "new")
    os.makedirs(new, exist_ok=True)
    line = "All work and no play makes a helpdesk a dull place to work in.\n"
    body = line * max(1, kb * 1024 // len(line))
    for i in range(n):
        path = os.path.join(new, f"{time.time():.0f}.bench{run}-{i}.localhost")
        with open(path, "w") as f:
            f.write(f"Return-Path: <alice@acme.example>\nFrom: Alice <alice@acme.example>\n"
                    f"To: support@helpdesk.example.com\nSubject: fetched {run}-{i}\n"
                    f"Message-ID: <bench-{run}-{i}@acme.example>\nDate: Tue, 01 Dec 2026 09:00:00 +0100\n\n{body}")
    for root, dirs, files in os.walk(os.path.join(dovecot.base, "mail")):
        for name in dirs + files:
            shutil.chown(os.path.join(root, name), "mail", "mail")
    if dovecot.count("bench") != n:
        raise RuntimeError("seeding the mailbox failed")

def fetch(config):
    t0 = time.monotonic()
    r = subprocess.run([os.path.join(bindir, "deskgate"), "fetch", "--config", config, "--timeout", "1200"],
                       capture_output=True, text=True, timeout=1500)
    elapsed = time.monotonic() - t0
    if r.returncode != 0:
        raise RuntimeError(f"deskgate fetch failed ({r.returncode}): {r.stderr}")
    return elapsed

def stop(p):
    p.terminate()
    try:
        p.wait(60)
    except subprocess.TimeoutExpired:
        p.kill()

rows = []
dovecot = None
try:
    dovecot = Dovecot(os.path.join(base, "dovecot"), {"bench": "bench-secret"})
    with open(os.path.join(cfg, "bench.pass"), "w") as f:
        f.write("bench-secret\n")
    os.chmod(os.path.join(cfg, "bench.pass"), 0o600)
    text = open(os.path.join(cfg, "deskgate.toml")).read()
    text = text.replace("generated_mail_limit = 3", "generated_mail_limit = 3\nsendmail_command = [\"/bin/true\"]\n"
                        f'fetch_listen = "inet:127.0.0.1:{port}"\nfetch_dir = "{base}/fetch"')
    text = text.replace("[[queues]]\nnumber = 20",
                        '[[queues.mailboxes]]\nprotocol = "imap"\nserver = "127.0.0.1"\n'
                        f'port = {dovecot.imaps_port}\nuser = "bench"\npassword_file = "bench.pass"\n'
                        "verify_certificate = false\n\n[[queues]]\nnumber = 20")
    config = os.path.join(cfg, "deskgate.toml")
    open(config, "w").write(text)
    for run, (kb, n) in enumerate(counts):
        seed(dovecot, kb, n, f"s{run}")
        sink = subprocess.Popen(["smtp-sink", "-u", "postfix", "-L", f"127.0.0.1:{port}", "256"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(sink)
        wait_for(connectable, 10, "smtp-sink")
        sink_s = fetch(config)
        stop(sink)
        left = dovecot.count("bench")
        seed(dovecot, kb, n, f"d{run}")
        log = open(os.path.join(base, f"lmtpd{run}.log"), "w")
        lmtpd = subprocess.Popen([os.path.join(bindir, "deskgate-lmtpd"), "--config", config, "--store",
                                  os.path.join(base, f"store{run}"), "--listen", "unix:" + os.path.join(base, "lmtp.sock"),
                                  "--foreground", "--spool-dir", base], stdout=log, stderr=log)
        procs.append(lmtpd)
        wait_for(connectable, 20, "deskgate-lmtpd on fetch_listen")
        deskgate_s = fetch(config)
        stop(lmtpd)
        if left or dovecot.count("bench"):
            raise RuntimeError(f"mail left on the server: {left} after the sink run, {dovecot.count('bench')} after deskgate's")
        rows.append((kb, n, n / sink_s, n / deskgate_s))
finally:
    for p in procs:
        if p.poll() is None:
            p.kill()
    if dovecot:
        dovecot.close()
    shutil.rmtree(base, ignore_errors=True)

print(f"{'size':>5} {'messages':>8} {'getmail->sink msg/s':>20} {'getmail->deskgate msg/s':>24} {'deskgate/sink':>14}")
for kb, n, sink, dg in rows:
    print(f"{kb:>4}K {n:>8} {sink:>20.1f} {dg:>24.1f} {dg / sink:>14.2f}")
PY
