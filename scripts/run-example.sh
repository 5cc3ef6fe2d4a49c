#!/usr/bin/env bash
# The main job, end to end on this machine: installs what is needed, builds deskgate, checks
# the shipped example config, starts deskgate-lmtpd and a private Postfix on loopback in front
# of it, sends a sample mail through Postfix's SMTP port, and shows the ticket it became.
# Everything it starts is stopped again; the store stays in build/example-store.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
jobs="$(nproc 2>/dev/null || echo 2)"
cmake --preset release >/dev/null
cmake --build --preset release -j"$jobs" --target deskgate deskgate-lmtpd
bin="$PWD/build/release/bin"
store="$PWD/build/example-store"
rm -rf "$store"

echo "== deskgate check-config config/examples/deskgate.toml"
"$bin/deskgate" check-config config/examples/deskgate.toml
echo
PYTHONPATH="$PWD/tests/integration" python3 - "$bin" "$PWD" "$store" <<'PY'
import os, shutil, smtplib, subprocess, sys, tempfile
from mta import Postfix, Sink, Lmtpd, free_port, wait_for

bindir, src, store = sys.argv[1:4]
base = tempfile.mkdtemp(prefix="deskgate-example-")
os.chmod(base, 0o755)
smtp_port, sink_port = free_port(), free_port()
# The example config, with generated mail (acknowledgements) handed to this private Postfix.
cfg = os.path.join(base, "cfg")
shutil.copytree(os.path.join(src, "config/examples"), cfg)
config = os.path.join(cfg, "deskgate.toml")
with open(config) as f:
    text = f.read()
with open(config, "w") as f:
    f.write(text.replace('generated_mail_limit = 3', 'generated_mail_limit = 3\nsendmail_command = ["/usr/sbin/sendmail", "-C", "'
                         + os.path.join(base, "postfix", "etc") + '"]'))
sink = lmtpd = postfix = None
try:
    sink = Sink(sink_port, os.path.join(base, "sink"))
    lmtpd = Lmtpd(os.path.join(bindir, "deskgate-lmtpd"), config, store, os.path.join(base, "lmtp.sock"))
    postfix = Postfix(os.path.join(base, "postfix"), smtp_port, sink_port,
                      f"helpdesk.example.com lmtp:unix:{base}/lmtp.sock\n", "helpdesk.example.com")
    postfix.start()
    print(f"== Postfix listens on 127.0.0.1:{smtp_port}; helpdesk.example.com goes to deskgate-lmtpd "
          f"over lmtp:unix:{base}/lmtp.sock")
    print("== sending config/examples/sample-mail.eml from alice@acme.example to support@helpdesk.example.com")
    with smtplib.SMTP("127.0.0.1", smtp_port, timeout=30) as s:
        s.sendmail("alice@acme.example", ["support@helpdesk.example.com"],
                   open(os.path.join(src, "config/examples/sample-mail.eml"), "rb").read())
    wait_for(lambda: "status=sent" in postfix.log(), 30, "Postfix to deliver the mail")
    print("\n== Postfix's log")
    print("\n".join(l for l in postfix.log().splitlines() if "lmtp[" in l or "cleanup[" in l))
    find = lambda marker: [m for m in sink.messages() if marker in m]
    wait_for(lambda: find(b"Auto-Submitted: auto-replied") and find(b"X-Deskgate-Event: new_ticket"), 30,
             "the acknowledgement and the staff's notifications at the sink")
    print("\n== deskgate-lmtpd's log")
    print("\n".join(l for l in lmtpd.log().splitlines() if "verdict=" in l or "outbox:" in l))
    print("\n== the acknowledgement, as it left through Postfix (caught by smtp-sink)")
    ack = find(b"Auto-Submitted: auto-replied")[0].decode(errors="replace")
    print("\n".join(l for l in ack.splitlines() if not l.startswith("X-") or l.startswith("X-Deskgate"))[:1500])
    print("\n== the notification to the queue's staff (jana and petr each get one; answering it answers alice)")
    note = find(b"X-Deskgate-Event: new_ticket")[0].decode(errors="replace")
    print("\n".join(l for l in note.splitlines() if not l.startswith("X-") or l.startswith("X-Deskgate"))[:1800])
finally:
    if postfix: postfix.stop()
    if lmtpd: lmtpd.close()
    if sink: sink.close()
    shutil.rmtree(base, ignore_errors=True)
PY
echo
echo "== deskgate tickets --store build/example-store"
"$bin/deskgate" tickets --store "$store"
echo
echo "== deskgate show 10-1 --store build/example-store"
"$bin/deskgate" show 10-1 --store "$store"
