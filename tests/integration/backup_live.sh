#!/usr/bin/env bash
# Backups of a live store: while smtp-source pushes a bounded load (count- and time-bounded)
# over LMTP into deskgate-lmtpd, `deskgate backup` runs several times; every backup opens and
# is consistent (`deskgate stats` / `tickets` / `raw` / `search` on it: as many new-ticket
# verdicts as tickets, every ticket's first message readable, every ticket in the word index). `deskgate restore` is refused while the
# daemon runs (exit 75); once it is stopped, restore needs --force over a store with data,
# keeps the old store aside, and `deskgate stats` then shows verdict counts matching what was
# sent.
set -euo pipefail
: "${DESKGATE_BIN_DIR:?}" "${DESKGATE_SOURCE_DIR:?}"
export PYTHONPATH="$DESKGATE_SOURCE_DIR/tests/integration${PYTHONPATH:+:$PYTHONPATH}"
exec python3 - "$DESKGATE_BIN_DIR/bin" "$DESKGATE_SOURCE_DIR" "${DESKGATE_BACKUP_MESSAGES:-300}" <<'PY'
import json, os, shutil, socket, subprocess, sys, tempfile, time
from mta import Lmtpd, wait_for

bindir, src, total = sys.argv[1], sys.argv[2], int(sys.argv[3])
deskgate = os.path.join(bindir, "deskgate")
base = tempfile.mkdtemp(prefix="deskgate-backup-live-")
cfg = os.path.join(base, "cfg")
shutil.copytree(os.path.join(src, "config/examples"), cfg)
config = os.path.join(cfg, "deskgate.toml")
with open(config) as f:
    text = f.read()
# The outbox worker must not hand acknowledgements to the machine's real sendmail.
text = text.replace("generated_mail_limit = 3", 'generated_mail_limit = 3\nsendmail_command = ["/bin/true"]')
with open(config, "w") as f:
    f.write(text)
store = os.path.join(base, "store")
sock = os.path.join(base, "lmtp.sock")
failures = []
lmtpd = source = None

def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)

def run(*args):
    r = subprocess.run([deskgate, *args, "--config", config], capture_output=True, text=True, timeout=120)
    return r.returncode, r.stdout, r.stderr

def stats(path):
    rc, out, err = run("stats", "--json", "--store", path)
    if rc != 0:
        raise RuntimeError(f"deskgate stats --store {path}: {rc} {err}")
    return json.loads(out)

class Lmtp:
    """A minimal LMTP client: one message, the per-recipient replies after DATA."""
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX)
        self.s.settimeout(30)
        self.s.connect(path)
        self.f = self.s.makefile("rb")
        self.reply()
        self.cmd(b"LHLO test.example")
    def reply(self):
        line = self.f.readline().decode()
        while len(line) > 3 and line[3] == "-":
            line = self.f.readline().decode()
        return line.rstrip("\r\n")
    def cmd(self, line):
        self.s.sendall(line + b"\r\n")
        return self.reply()
    def send(self, sender, rcpt, body):
        self.cmd(b"MAIL FROM:<" + sender.encode() + b">")
        self.cmd(b"RCPT TO:<" + rcpt.encode() + b">")
        self.cmd(b"DATA")
        self.s.sendall(body.replace(b"\n", b"\r\n") + b"\r\n.\r\n")
        return self.reply()
    def close(self):
        self.cmd(b"QUIT")
        self.s.close()

try:
    lmtpd = Lmtpd(os.path.join(bindir, "deskgate-lmtpd"), config, store, sock)
    deadline = time.monotonic() + 300
    source = subprocess.Popen(["smtp-source", "-L", "-s", "4", "-m", str(total), "-l", "2048", "-c",
                               "-f", "alice@acme.example", "-t", "support@helpdesk.example.com", "-S", "load test",
                               "unix:" + sock], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    # Backups while the load runs: at a fifth, two fifths, ... of the messages.
    backups = []
    for k in range(1, 5):
        wait_for(lambda: stats(store)["tickets"]["total"] >= k * total // 5 or source.poll() is not None,
                 120, f"{k * total // 5} tickets")
        dest = os.path.join(base, f"backup-{k}")
        rc, out, err = run("backup", dest, "--store", store)
        check(rc == 0 and out.startswith("backup: ") and out.rstrip().endswith("-> " + dest)
              and os.listdir(dest) == ["data.mdb"],
              f"backup {k} while the daemon writes: {rc} {out.strip()} {err.strip()}")
        backups.append(dest)
    rc, out, err = run("restore", backups[0], "--store", store)
    check(rc == 75 and "is in use (stop deskgate-lmtpd and deskgate-milter first)" in err,
          f"restore refused while deskgate-lmtpd runs: {rc} {err.strip()}")
    check(rc == 75 and not os.path.exists(store + ".before-restore") and os.path.exists(os.path.join(store, "data.mdb")),
          "the refused restore left the store alone")

    source.wait(max(1, deadline - time.monotonic()))
    check(source.returncode == 0, f"smtp-source delivered everything: {source.returncode} {source.stderr.read().decode()[-300:]}")

    # A few decisions of other kinds: refusals and a duplicate.
    c = Lmtp(sock)
    refused = [c.send("carol@globex.example", "support@helpdesk.example.com",
                      f"From: carol@globex.example\nSubject: hi {i}\nMessage-ID: <g{i}@globex.example>\n\nx\n".encode())
               for i in range(5)]
    dup = b"From: alice@acme.example\nSubject: twice\nMessage-ID: <twice@acme.example>\n\nsame body\n"
    first = c.send("alice@acme.example", "support@helpdesk.example.com", dup)
    second = c.send("alice@acme.example", "support@helpdesk.example.com", dup)
    c.close()
    check(all(r.startswith("550 5.7.1") for r in refused), f"5 refused: {refused}")
    check(first.startswith("250 2.0.0 ticket") and second.startswith("250"), f"duplicate accepted once: {first} / {second}")

    final = os.path.join(base, "backup-final")
    rc, out, err = run("backup", final, "--store", store)
    check(rc == 0, f"final backup: {rc} {out.strip()} {err.strip()}")
    backups.append(final)

    # Every backup opens and agrees with itself.
    last = 0
    for b in backups:
        s = stats(b)
        n = s["tickets"]["total"]
        v = s["verdicts"]
        rc, out, err = run("tickets", "--json", "--store", b)
        listed = json.loads(out) if rc == 0 else []
        ok = s["schema"] == 3 and v["new-ticket"] == n and len(listed) == n and n >= last
        # the copy's word index holds every ticket too (all of them opened by alice)
        rc, out, err = run("search", "alice@acme.example", "--limit", "0", "--json", "--store", b)
        found = json.loads(out) if rc == 0 else []
        ok = ok and len(found) == n
        if listed:
            for t in (listed[0], listed[-1]):
                r = subprocess.run([deskgate, "raw", t["ticket"], "0", "--store", b], capture_output=True, timeout=60)
                ok = ok and r.returncode == 0 and (b"load test" in r.stdout or b"twice" in r.stdout)
        check(ok, f"{os.path.basename(b)}: {n} tickets, new-ticket {v['new-ticket']}, refused {v['refused']}, listed {len(listed)}, "
                  f"found by search {len(found)}")
        last = n
    check(last == total + 1, f"the final backup holds all {total + 1} tickets (has {last})")

    rc = lmtpd.close()
    lmtpd = None
    check(rc == 0, f"deskgate-lmtpd stopped (exit {rc})")

    # Stopped: a restore over a store with data needs --force, then keeps the old one.
    rc, out, err = run("restore", backups[0], "--store", store)
    check(rc == 1 and "--force" in err, f"restore without --force over a store with data: {rc} {err.strip()}")
    rc, out, err = run("restore", final, "--store", store, "--force")
    kept = [d for d in os.listdir(base) if d.startswith("store.before-restore-")]
    check(rc == 0 and out.startswith(f"restore: {total + 1} tickets") and len(kept) == 1
          and "previous store is kept as" in out, f"restore --force: {rc} {out.strip()} {err.strip()} {kept}")
    s = stats(store)
    v = s["verdicts"]
    check(s["tickets"]["total"] == total + 1 and v["new-ticket"] == total + 1 and v["refused"] == 5
          and v["duplicate"] == 1 and sum(v.values()) == total + 7,
          f"stats after the restore: {s['tickets']['total']} tickets, verdicts {dict((k, n) for k, n in v.items() if n)}")
    old = stats(os.path.join(base, kept[0])) if kept else {"verdicts": {}}
    check(old["verdicts"] == v, "the store kept aside has the same counts")
except Exception as e:
    check(False, f"exception: {e!r}")
finally:
    if source and source.poll() is None:
        source.kill()
    if lmtpd:
        lmtpd.close()
    if failures and os.path.exists(os.path.join(base, "lmtpd.log")):
        print("--- lmtpd log (tail) ---\n" + open(os.path.join(base, "lmtpd.log"), errors="replace").read()[-3000:])
    shutil.rmtree(base, ignore_errors=True)
sys.exit(1 if failures else 0)
PY
