#!/usr/bin/env bash
# SIGTERM drains deskgate-lmtpd: a transaction in flight finishes with its 250, new
# connections get 421 4.3.2, the idle session is closed with 421, the daemon exits 0 - and
# past --max-sessions new connections get 421 4.3.2 too.
set -euo pipefail
: "${DESKGATE_BIN_DIR:?}" "${DESKGATE_SOURCE_DIR:?}"
export PYTHONPATH="$DESKGATE_SOURCE_DIR/tests/integration${PYTHONPATH:+:$PYTHONPATH}"
exec python3 - "$DESKGATE_BIN_DIR/bin" "$DESKGATE_SOURCE_DIR" <<'PY'
import os, shutil, signal, socket, subprocess, sys, tempfile
from mta import Lmtpd, wait_for

bindir, src = sys.argv[1:3]
base = tempfile.mkdtemp(prefix="deskgate-lmtp-drain-")
failures = []
def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond: failures.append(what)

class Client:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX)
        self.s.settimeout(20)
        self.s.connect(path)
        self.f = self.s.makefile("rb")
    def line(self):
        return self.f.readline().decode().rstrip("\r\n")
    def send(self, data):
        self.s.sendall(data)
    def reply(self):
        lines = [self.line()]
        while len(lines[-1]) > 3 and lines[-1][3] == "-":
            lines.append(self.line())
        return lines[-1]

sock = os.path.join(base, "lmtp.sock")
lmtpd = Lmtpd(os.path.join(bindir, "deskgate-lmtpd"), os.path.join(src, "config/examples/deskgate.toml"),
              os.path.join(base, "store"), sock, extra=["--max-sessions", "2"])
try:
    a = Client(sock); check(a.line().startswith("220 "), "greeting")
    b = Client(sock); b.line()
    c = Client(sock)
    check(c.line().startswith("421 4.3.2"), "past --max-sessions: 421 4.3.2")
    a.send(b"LHLO t\r\n"); a.reply()
    a.send(b"MAIL FROM:<alice@acme.example>\r\n"); check(a.reply().startswith("250"), "MAIL")
    a.send(b"RCPT TO:<support@helpdesk.example.com>\r\n"); check(a.reply().startswith("250"), "RCPT")
    a.send(b"DATA\r\n"); check(a.reply().startswith("354"), "DATA")
    a.send(b"From: alice@acme.example\r\nSubject: in flight\r\nMessage-ID: <drain@acme.example>\r\n\r\nbody\r\n")
    b.send(b"LHLO t\r\n"); b.reply()
    lmtpd.signal(signal.SIGTERM)
    wait_for(lambda: "draining" in lmtpd.log(), 10, "the drain to start")
    check(b.reply().startswith("421 4.3.2"), "the idle session is closed with 421 4.3.2")
    d = Client(sock)
    check(d.line().startswith("421 4.3.2"), "a new connection while draining gets 421 4.3.2")
    a.send(b".\r\n")
    check(a.reply().startswith("250 2.0.0 ticket 10-1"), "the transaction in flight finishes with its 250")
    check(a.reply().startswith("421 4.3.2"), "then that session is closed with 421")
    rc = lmtpd.proc.wait(30)
    check(rc == 0, f"the daemon exits 0 after draining (got {rc})")
    out = subprocess.run([os.path.join(bindir, "deskgate"), "tickets", "--json", "--store", os.path.join(base, "store")],
                         capture_output=True, text=True).stdout
    check('"ticket": "10-1"' in out, "the in-flight message is stored")
except Exception as e:
    check(False, f"exception: {e!r}")
finally:
    lmtpd.close()
    if failures: print(lmtpd.log())
    shutil.rmtree(base, ignore_errors=True)
sys.exit(1 if failures else 0)
PY
