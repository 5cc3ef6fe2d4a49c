#!/usr/bin/env bash
# Backup benchmark, in one run on one store: `deskgate backup` (compacting copy, fsync, read
# back and checked) against LMDB's own `mdb_copy -c` (lmdb-utils; the peer) and a plain
# `cp` + sync of data.mdb (not consistent while a writer runs: the floor). Then deskgate-lmtpd's
# throughput (smtp-source -L, 8 sessions) alone and while backups run back to back: what a
# nightly backup costs the mail flow. Prints seconds, MB/s and the ratios.
#   bench/backup.sh [--smoke] [BIN_DIR]      (BIN_DIR defaults to build/release/bin)
set -euo pipefail
smoke=0
if [ "${1:-}" = "--smoke" ]; then smoke=1; shift; fi
here="$(cd "$(dirname "$0")/.." && pwd)"
bindir="${1:-$here/build/release/bin}"
. "$here/bench/require.sh" && require_built "$bindir" deskgate deskgate-lmtpd
export PYTHONPATH="$here/tests/integration${PYTHONPATH:+:$PYTHONPATH}"
exec python3 - "$bindir" "$here" "$smoke" <<'PY'
import os, shutil, statistics, subprocess, sys, tempfile, threading, time
from mta import Lmtpd, wait_for

bindir, src, smoke = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
deskgate = os.path.join(bindir, "deskgate")
base = tempfile.mkdtemp(prefix="deskgate-bench-backup-")
os.chmod(base, 0o755)
config = os.path.join(src, "config/examples/deskgate.toml")
store = os.path.join(base, "store")
fill, load, rounds = (200, 200, 1) if smoke else (20000, 30000, 3)

def smtp_source(sock, count, size=4096, sessions=8):
    t0 = time.monotonic()
    subprocess.run(["smtp-source", "-L", "-d", "-s", str(sessions), "-m", str(count), "-l", str(size),
                    "-f", "alice@acme.example", "-t", "support@helpdesk.example.com", "unix:" + sock],
                   check=True, capture_output=True, timeout=1800)
    return count / (time.monotonic() - t0)

def timed(argv):
    t0 = time.monotonic()
    subprocess.run(argv, check=True, capture_output=True, timeout=1800)
    return time.monotonic() - t0

def fresh(name):
    d = os.path.join(base, name)
    shutil.rmtree(d, ignore_errors=True)
    return d

lmtpd = None
try:
    sock = os.path.join(base, "lmtp.sock")
    lmtpd = Lmtpd(os.path.join(bindir, "deskgate-lmtpd"), config, store, sock)
    smtp_source(sock, fill, size=8192)
    size = os.path.getsize(os.path.join(store, "data.mdb"))

    results = {"deskgate backup": [], "mdb_copy -c": [], "cp + sync": []}
    for _ in range(rounds):
        d = fresh("b-deskgate")
        results["deskgate backup"].append(timed([deskgate, "backup", d, "--store", store]))
        d = fresh("b-mdb")
        os.makedirs(d)
        results["mdb_copy -c"].append(timed(["mdb_copy", "-c", store, d]))
        d = fresh("b-cp")
        os.makedirs(d)
        results["cp + sync"].append(timed(["bash", "-c", f"cp {store}/data.mdb {d}/ && sync -f {d}/data.mdb"]))
    copy = os.path.getsize(os.path.join(base, "b-deskgate", "data.mdb"))
    peer = statistics.median(results["mdb_copy -c"])
    print(f"store: {fill} messages of 8 KB, data.mdb {size / 1e6:.1f} MB, compacted backup {copy / 1e6:.1f} MB")
    print()
    print("| copy | median s | MB/s (of data.mdb) | vs mdb_copy -c |")
    print("|---|---|---|---|")
    for name, times in results.items():
        m = statistics.median(times)
        print(f"| {name} | {m:.3f} | {size / 1e6 / m:.0f} | {m / peer:.2f} |")

    # the mail flow with and without backups running
    alone = smtp_source(sock, load)
    stop = threading.Event()
    done = []
    def backups():
        i = 0
        while not stop.is_set() and i < 1000:
            d = fresh(f"live{i % 2}")
            r = subprocess.run([deskgate, "backup", d, "--store", store], capture_output=True, text=True, timeout=600)
            if r.returncode != 0:
                raise RuntimeError(r.stderr)
            done.append(d)
            i += 1
    t = threading.Thread(target=backups)
    t.start()
    try:
        during = smtp_source(sock, load)
    finally:
        stop.set()
        t.join()
    print()
    print(f"| deskgate-lmtpd, {load} x 4 KB, 8 sessions | msg/s | ratio |")
    print("|---|---|---|")
    print(f"| alone | {alone:.0f} | 1.00 |")
    print(f"| while {len(done)} backup(s) ran back to back | {during:.0f} | {during / alone:.2f} |")
    r = subprocess.run([deskgate, "stats", "--store", done[-1], "--config", config], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("the last live backup does not read back: " + r.stderr)
finally:
    if lmtpd:
        lmtpd.close()
    shutil.rmtree(base, ignore_errors=True)
PY
