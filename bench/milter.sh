#!/usr/bin/env bash
# Milter benchmark: one Postfix instance with four smtpd listeners - no milter, a trivial
# accept-all libmilter filter (null_milter), deskgate-milter inbound, deskgate-milter outbound -
# every message discarded after the queue (discard transport), driven by smtp-source at 16
# sessions (2 KB). Prints messages/s and the ratios to the trivial filter.
#   bench/milter.sh [--smoke] [BIN_DIR]
set -euo pipefail
smoke=0
if [ "${1:-}" = "--smoke" ]; then smoke=1; shift; fi
here="$(cd "$(dirname "$0")/.." && pwd)"
bindir="${1:-$here/build/release/bin}"
. "$here/bench/require.sh" && require_built "$bindir" deskgate-milter null_milter
export PYTHONPATH="$here/tests/integration${PYTHONPATH:+:$PYTHONPATH}"
exec python3 - "$bindir" "$here" "$smoke" <<'PY'
import os, shutil, subprocess, sys, tempfile, time
from mta import Postfix, free_port, wait_for

bindir, src, smoke = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
count, sessions = (20, 2) if smoke else (3000, 16)
base = tempfile.mkdtemp(prefix="deskgate-bench-milter-")
os.chmod(base, 0o755)
shutil.copytree(os.path.join(src, "config/examples"), os.path.join(base, "cfg"))
config = os.path.join(base, "cfg", "deskgate.toml")
# one sender sends everything: the per-sender rate limit would (rightly) stop it
text = open(config).read().replace("sender_rate_limit = 60", "sender_rate_limit = 0")
open(config, "w").write(text)
procs, postfix = [], None
cases = [("no milter", None), ("null_milter (trivial)", "null"), ("deskgate-milter inbound", "inbound"),
         ("deskgate-milter outbound", "outbound")]
ports = {name: free_port() for name, _ in cases}
socks = {kind: os.path.join(base, f"{kind}.sock") for _, kind in cases if kind}
try:
    procs.append(subprocess.Popen([os.path.join(bindir, "null_milter"), "unix:" + socks["null"]],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    for mode in ("inbound", "outbound"):
        procs.append(subprocess.Popen([os.path.join(bindir, "deskgate-milter"), "--config", config, "--socket",
                                       "unix:" + socks[mode], "--mode", mode, "--socket-mode", "0666", "--foreground"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    for s in socks.values():
        wait_for(lambda: os.path.exists(s), 20, s)
    os.chmod(socks["null"], 0o666)
    master = ""
    for name, kind in cases[1:]:
        master += (f"127.0.0.1:{ports[name]} inet n - n - - smtpd\n"
                   f"  -o smtpd_milters=unix:{socks[kind]}\n")
    postfix = Postfix(os.path.join(base, "postfix"), ports["no milter"], free_port(), "", "helpdesk.example.com",
                      {"default_transport": "discard:", "relay_transport": "discard:", "transport_maps": "",
                       "milter_default_action": "tempfail", "smtpd_client_connection_count_limit": "0",
                       "default_process_limit": "100"}, master)
    postfix.start()
    rows = []
    for name, kind in cases:
        t0 = time.monotonic()
        r = subprocess.run(["smtp-source", "-s", str(sessions), "-m", str(count), "-l", "2048", "-d",
                            "-f", "alice@acme.example", "-t", "support@helpdesk.example.com",
                            f"127.0.0.1:{ports[name]}"], capture_output=True, text=True, timeout=900)
        elapsed = time.monotonic() - t0
        if r.returncode != 0:
            raise RuntimeError(f"smtp-source against {name}: {r.stderr}")
        rows.append((name, count / elapsed))
finally:
    if postfix: postfix.stop()
    for p in procs:
        p.terminate()
        try: p.wait(20)
        except subprocess.TimeoutExpired: p.kill()
    shutil.rmtree(base, ignore_errors=True)
null = dict(rows)["null_milter (trivial)"]
print(f"{'smtpd with':<28} {'msg/s':>8} {'ratio to null_milter':>21}   ({count} messages, {sessions} sessions, 2 KB)")
for name, rate in rows:
    print(f"{name:<28} {rate:>8.0f} {rate / null:>21.2f}")
PY
