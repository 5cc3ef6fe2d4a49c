#!/usr/bin/env bash
# Memory under large mail: 16 sessions each send one 20 MB message to deskgate-lmtpd at once
# (smtp-source -L); prints the daemon's peak RSS (VmHWM) next to the bytes in flight. Large
# messages are spooled to unlinked files, not held on the heap.
#   bench/lmtp_memory.sh [--smoke] [BIN_DIR]
set -euo pipefail
smoke=0
if [ "${1:-}" = "--smoke" ]; then smoke=1; shift; fi
here="$(cd "$(dirname "$0")/.." && pwd)"
bindir="${1:-$here/build/release/bin}"
. "$here/bench/require.sh" && require_built "$bindir" deskgate deskgate-lmtpd
export PYTHONPATH="$here/tests/integration${PYTHONPATH:+:$PYTHONPATH}"
exec python3 - "$bindir" "$here" "$smoke" <<'PY'
import os, shutil, subprocess, sys, tempfile, time
from mta import free_port, wait_for

bindir, src, smoke = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
sessions, size_mb = (2, 2) if smoke else (16, 20)
base = tempfile.mkdtemp(prefix="deskgate-bench-mem-")
cfg = os.path.join(base, "cfg")
shutil.copytree(os.path.join(src, "config/examples"), cfg)
port = free_port()
log = open(os.path.join(base, "log"), "w")
p = subprocess.Popen([os.path.join(bindir, "deskgate-lmtpd"), "--config", os.path.join(cfg, "deskgate.toml"),
                      "--store", os.path.join(base, "store"), "--listen", f"inet:127.0.0.1:{port}",
                      "--foreground", "--spool-dir", base], stdout=log, stderr=log)
peak = {"RssAnon": 0, "RssFile": 0}
def sample():
    try:
        with open(f"/proc/{p.pid}/status") as f:
            for line in f:
                key = line.split(":")[0]
                if key in peak:
                    peak[key] = max(peak[key], int(line.split()[1]) // 1024)
    except OSError:
        pass
def hwm():
    with open(f"/proc/{p.pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) // 1024
    return 0
try:
    import socket
    def up():
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            return False
    wait_for(up, 20, "deskgate-lmtpd")
    idle = hwm()
    t0 = time.monotonic()
    src_proc = subprocess.Popen(["smtp-source", "-L", "-s", str(sessions), "-m", str(sessions), "-l", str(size_mb << 20),
                                 "-f", "alice@acme.example", "-t", "support@helpdesk.example.com", f"127.0.0.1:{port}"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while src_proc.poll() is None and time.monotonic() - t0 < 600:
        sample()
        time.sleep(0.02)
    r = src_proc
    r.wait(60)
    elapsed = time.monotonic() - t0
    peak_total = hwm()
    out = subprocess.run([os.path.join(bindir, "deskgate"), "tickets", "--json", "--store", os.path.join(base, "store")],
                         capture_output=True, text=True).stdout
    stored = out.count('"ticket":')
    print(f"{sessions} sessions x {size_mb} MB ({sessions * size_mb} MB in flight) in {elapsed:.1f}s: "
          f"{stored} tickets, deskgate-lmtpd peak RSS {peak_total} MiB (idle {idle} MiB); sampled peaks: "
          f"anonymous {peak['RssAnon']} MiB, file-backed (spool and store mappings) {peak['RssFile']} MiB")
    ok = r.returncode == 0 and stored == sessions
finally:
    p.terminate()
    p.wait(60)
    shutil.rmtree(base, ignore_errors=True)
sys.exit(0 if ok else 1)
PY
