#!/usr/bin/env bash
# Crash test: while smtp-source pushes mail through a real Postfix into deskgate-lmtpd, the
# daemon is killed with SIGKILL and restarted. After Postfix's retries every message is in
# the store exactly once (counted by Message-ID): none lost, none doubled.
set -euo pipefail
: "${DESKGATE_BIN_DIR:?}" "${DESKGATE_SOURCE_DIR:?}"
export PYTHONPATH="$DESKGATE_SOURCE_DIR/tests/integration${PYTHONPATH:+:$PYTHONPATH}"
exec python3 - "$DESKGATE_BIN_DIR/bin" "$DESKGATE_SOURCE_DIR" "${DESKGATE_CRASH_MESSAGES:-300}" <<'PY'
import collections, json, os, shutil, subprocess, sys, tempfile, time
from mta import Postfix, Sink, Lmtpd, free_port, wait_for

bindir, src, total = sys.argv[1], sys.argv[2], int(sys.argv[3])
deskgate = os.path.join(bindir, "deskgate")
base = tempfile.mkdtemp(prefix="deskgate-lmtp-crash-")
os.chmod(base, 0o755)
cfg = os.path.join(base, "cfg")
shutil.copytree(os.path.join(src, "config/examples"), cfg)
store = os.path.join(base, "store")
smtp_port, sink_port = free_port(), free_port()
sink = lmtpd = postfix = source = None
ok = False

def tickets():
    r = subprocess.run([deskgate, "tickets", "--json", "--store", store], capture_output=True, text=True)
    return json.loads(r.stdout) if r.returncode == 0 else []

try:
    sink = Sink(sink_port, os.path.join(base, "sink"))
    lmtpd = Lmtpd(os.path.join(bindir, "deskgate-lmtpd"), os.path.join(cfg, "deskgate.toml"), store,
                  os.path.join(base, "lmtp.sock"))
    postfix = Postfix(os.path.join(base, "postfix"), smtp_port, sink_port,
                      f"helpdesk.example.com lmtp:unix:{base}/lmtp.sock\n", "helpdesk.example.com")
    postfix.start()
    source = subprocess.Popen(["smtp-source", "-s", "4", "-m", str(total), "-l", "2048", "-c",
                               "-f", "alice@acme.example", "-t", "support@helpdesk.example.com",
                               "-S", "load test", f"127.0.0.1:{smtp_port}"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    # Kill the daemon in the middle of the stream, twice.
    for threshold in (total // 4, total // 2):
        wait_for(lambda: len(tickets()) >= threshold, 120, f"{threshold} tickets")
        lmtpd.kill9()
        print(f"killed deskgate-lmtpd with SIGKILL at {len(tickets())} tickets")
        time.sleep(1)
        lmtpd.start()
    source.wait(300)
    print("smtp-source done:", source.returncode)
    def settled():
        postfix.flush()
        return postfix.queue() == [] and len(tickets()) >= total
    wait_for(settled, 240, "Postfix to deliver everything", interval=1)
    ts = tickets()
    ids = collections.Counter()
    for t in ts:
        shown = json.loads(subprocess.run([deskgate, "show", t["ticket"], "--json", "--store", store],
                                          capture_output=True, text=True).stdout)
        for e in shown["entries"]:
            if e["kind"] == "message":
                ids[e["message_id"]] += 1
    doubled = [i for i, n in ids.items() if n > 1]
    print(f"{total} sent, {len(ts)} tickets, {len(ids)} distinct Message-IDs, {len(doubled)} doubled")
    ok = len(ids) == total and not doubled and len(ts) == total
finally:
    if source and source.poll() is None: source.kill()
    if postfix: postfix.stop()
    if lmtpd: lmtpd.close()
    if sink: sink.close()
    if not ok:
        print("--- postfix log (tail) ---\n" + (postfix.log()[-3000:] if postfix else ""))
        print("--- lmtpd log (tail) ---\n" + (lmtpd.log()[-3000:] if lmtpd else ""))
    shutil.rmtree(base, ignore_errors=True)
sys.exit(0 if ok else 1)
PY
