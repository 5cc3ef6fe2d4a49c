#!/usr/bin/env bash
# LMTP benchmark: in one run, on the same loopback, Postfix smtp-sink in LMTP mode (the
# protocol ceiling), Dovecot's LMTP server delivering to Maildir (the peer) and
# deskgate-lmtpd (parse + decide + durable LMDB commit), each driven by Postfix
# `smtp-source -L` with 2 KB and 50 KB messages at 1 and 16 sessions. Prints messages/s and
# the ratios deskgate/sink and deskgate/dovecot. `--smoke` runs a tiny version (CTest).
#   bench/lmtp.sh [--smoke] [BIN_DIR]      (BIN_DIR defaults to build/release/bin)
set -euo pipefail
smoke=0
if [ "${1:-}" = "--smoke" ]; then smoke=1; shift; fi
here="$(cd "$(dirname "$0")/.." && pwd)"
bindir="${1:-$here/build/release/bin}"
. "$here/bench/require.sh" && require_built "$bindir" deskgate-lmtpd
export PYTHONPATH="$here/tests/integration${PYTHONPATH:+:$PYTHONPATH}"
exec python3 - "$bindir" "$here" "$smoke" <<'PY'
import os, shutil, subprocess, sys, tempfile, time
from mta import free_port, wait_for, Lmtpd

bindir, src, smoke = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
base = tempfile.mkdtemp(prefix="deskgate-bench-lmtp-")
os.chmod(base, 0o755)
cases = [(2, 1, 20), (2, 2, 20)] if smoke else [(2, 1, 1000), (2, 16, 4000), (50, 1, 400), (50, 16, 1500)]
procs = []

def connectable(port):
    import socket
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False

def drive(port, size_kb, sessions, count, rcpt):
    t0 = time.monotonic()
    r = subprocess.run(["smtp-source", "-L", "-d", "-s", str(sessions), "-m", str(count), "-l", str(size_kb * 1024),
                        "-f", "alice@acme.example", "-t", rcpt, f"127.0.0.1:{port}"],
                       capture_output=True, text=True, timeout=900)
    elapsed = time.monotonic() - t0
    if r.returncode != 0:
        raise RuntimeError(f"smtp-source failed: {r.stderr}")
    return count / elapsed

def start_sink():
    port = free_port()
    p = subprocess.Popen(["smtp-sink", "-u", "postfix", "-L", "-c", f"127.0.0.1:{port}", "256"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    procs.append(p)
    wait_for(lambda: connectable(port), 10, "smtp-sink")
    return port, p

def start_dovecot(run):
    d = os.path.join(base, f"dovecot{run}")
    os.makedirs(os.path.join(d, "mail"))
    os.chmod(d, 0o755)
    os.chmod(os.path.join(d, "mail"), 0o777)
    port = free_port()
    conf = os.path.join(d, "dovecot.conf")
    with open(conf, "w") as f:
        f.write(f"""
base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
protocols = lmtp
ssl = no
listen = 127.0.0.1
mail_location = maildir:{d}/mail/%n
first_valid_uid = 8
mail_fsync = optimized
passdb {{
  driver = static
  args = nopassword=y
}}
userdb {{
  driver = static
  args = uid=8 gid=8 home={d}/mail/%n
}}
service lmtp {{
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {port}
  }}
  process_min_avail = 4
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
""")
    p = subprocess.Popen(["dovecot", "-F", "-c", conf], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    procs.append(p)
    wait_for(lambda: connectable(port), 20, "dovecot lmtp")
    return port, p

def start_deskgate(run):
    d = os.path.join(base, f"deskgate{run}")
    os.makedirs(d)
    cfg = os.path.join(d, "cfg")
    shutil.copytree(os.path.join(src, "config/examples"), cfg)
    port = free_port()
    binary = os.path.join(bindir, "deskgate-lmtpd")
    log = open(os.path.join(d, "log"), "w")
    p = subprocess.Popen([binary, "--config", os.path.join(cfg, "deskgate.toml"), "--store", os.path.join(d, "store"),
                          "--listen", f"inet:127.0.0.1:{port}", "--foreground", "--max-sessions", "64",
                          "--spool-dir", d], stdout=log, stderr=log)
    procs.append(p)
    wait_for(lambda: connectable(port), 20, "deskgate-lmtpd")
    return port, p

def stop(p):
    p.terminate()
    try:
        p.wait(60)
    except subprocess.TimeoutExpired:
        p.kill()

rows = []
try:
    for i, (kb, sessions, count) in enumerate(cases):
        port, p = start_sink()
        sink = drive(port, kb, sessions, count, "support@helpdesk.example.com")
        stop(p)
        port, p = start_dovecot(i)
        dovecot = drive(port, kb, sessions, count, "bench@helpdesk.example.com")
        stop(p)
        port, p = start_deskgate(i)
        deskgate = drive(port, kb, sessions, count, "support@helpdesk.example.com")
        stop(p)
        rows.append((kb, sessions, count, sink, dovecot, deskgate))
finally:
    for p in procs:
        if p.poll() is None:
            p.kill()
    shutil.rmtree(base, ignore_errors=True)

print(f"{'size':>5} {'sessions':>8} {'messages':>8} {'sink msg/s':>11} {'dovecot msg/s':>14} {'deskgate msg/s':>15} {'deskgate/sink':>14} {'deskgate/dovecot':>17}")
for kb, s, n, sink, dov, dg in rows:
    print(f"{kb:>4}K {s:>8} {n:>8} {sink:>11.0f} {dov:>14.0f} {dg:>15.0f} {dg / sink:>14.2f} {dg / dov:>17.2f}")
PY
