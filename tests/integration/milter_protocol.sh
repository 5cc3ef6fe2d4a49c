#!/usr/bin/env bash
# deskgate-milter at the milter protocol level (the way sendmail and Postfix talk to it),
# without an MTA: header edge cases (folded and encoded From, several From headers, missing
# Subject, header injection attempts, forged control headers), inbound refusals with exact
# replies, outbound rewriting (and the envelope sender of a queue with its own outgoing
# server), and 200 concurrent connections.
set -euo pipefail
: "${DESKGATE_BIN_DIR:?}" "${DESKGATE_SOURCE_DIR:?}"
export PYTHONPATH="$DESKGATE_SOURCE_DIR/tests/integration${PYTHONPATH:+:$PYTHONPATH}"
exec python3 - "$DESKGATE_BIN_DIR/bin" "$DESKGATE_SOURCE_DIR" <<'PY'
import os, shutil, subprocess, sys, tempfile, threading
from milter_client import Session, final, modifications
from mta import wait_for

bindir, src = sys.argv[1:3]
base = tempfile.mkdtemp(prefix="deskgate-milter-protocol-")
config = os.path.join(src, "config/examples/deskgate.toml")
# the same, with queue 10 sending through its own server ([queues.outgoing])
cfg = os.path.join(base, "cfg")
shutil.copytree(os.path.join(src, "config/examples"), cfg)
with open(os.path.join(cfg, "q10.pass"), "w") as f:
    f.write("pw\n")
os.chmod(os.path.join(cfg, "q10.pass"), 0o600)
outgoing_config = os.path.join(cfg, "deskgate.toml")
text = open(outgoing_config).read().replace("\n[[queues]]\nnumber = 20\n", '\n[queues.outgoing]\nserver = "smtp.provider.example"\n'
                                            'user = "login10"\npassword_file = "q10.pass"\n\n[[queues]]\nnumber = 20\n')
open(outgoing_config, "w").write(text)
failures = []
def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond: failures.append(what)

procs = {}
log = open(os.path.join(base, "milter.log"), "w")
try:
    for name, mode, c in (("inbound", "inbound", config), ("outbound", "outbound", config),
                          ("outgoing", "outbound", outgoing_config)):
        sock = os.path.join(base, f"{name}.sock")
        procs[name] = subprocess.Popen([os.path.join(bindir, "deskgate-milter"), "--config", c, "--socket", "unix:" + sock,
                                        "--mode", mode, "--foreground"], stdout=log, stderr=log)
        wait_for(lambda: os.path.exists(sock), 20, f"{name} milter")
    inbound, outbound = os.path.join(base, "inbound.sock"), os.path.join(base, "outbound.sock")
    outgoing = os.path.join(base, "outgoing.sock")

    def transaction(path, sender, rcpts, headers, body=b"hello\r\n", macros=None):
        s = Session(path, macros)
        s.connect(); s.helo()
        s.mail(sender)
        rr = [final(s.rcpt(r)) for r in rcpts]
        if not any(r[0] == "continue" for r in rr):
            s.close()
            return rr, None, []
        for n, v in headers:
            s.header(n, v)
        s.eoh(); s.body(body)
        e = s.eom()
        s.close()
        return rr, final(e), modifications(e)

    rr, eom, _ = transaction(inbound, "carol@globex.example", ["support@helpdesk.example.com"], [])
    check(rr[0] == ("reply", "550 5.7.1 Your company is not enabled for e-mail tickets. Please use the customer portal or call +1 555 0100."),
          f"RCPT: customer not enabled: {rr[0]}")
    rr, eom, _ = transaction(inbound, "a@b.example", ["nobody@helpdesk.example.com", "x@elsewhere.example"], [("From", "a@b.example")])
    check(rr[0] == ("reply", "550 5.1.1 <nobody@helpdesk.example.com>: no such helpdesk address") and rr[1][0] == "continue",
          f"RCPT: unknown helpdesk address refused, other recipient untouched: {rr}")
    rr, eom, _ = transaction(inbound, "a@b.example", ["archive@helpdesk.example.com"], [])
    check(rr[0][0] == "reply" and rr[0][1].startswith("451 4.2.1"), f"RCPT: inactive queue: {rr[0]}")

    # folded and encoded From of a customer not enabled
    rr, eom, _ = transaction(inbound, "bounces@list.example", ["support@helpdesk.example.com"],
                             [("From", "=?UTF-8?Q?Car=C3=B6l?=\r\n\t<carol@globex.example>"), ("Subject", "x")])
    check(eom and eom[0] == "reply" and eom[1].startswith("550 5.7.1"), f"EOM: folded, encoded From of globex refused: {eom}")
    # several From headers: the first decides (as in the LMTP agent)
    rr, eom, _ = transaction(inbound, "bounces@list.example", ["support@helpdesk.example.com"],
                             [("From", "alice@acme.example"), ("From", "carol@globex.example")])
    check(eom == ("continue", ""), f"EOM: several From, the first (enabled) decides: {eom}")
    # missing Subject and missing From: the envelope sender decides
    rr, eom, _ = transaction(inbound, "alice@acme.example", ["support@helpdesk.example.com"], [("To", "support@helpdesk.example.com")])
    check(eom == ("continue", ""), f"EOM: missing Subject and From accepted for an enabled sender: {eom}")
    # our loop header
    rr, eom, _ = transaction(inbound, "alice@acme.example", ["support@helpdesk.example.com"],
                             [("From", "alice@acme.example"), ("X-Deskgate-Loop", "helpdesk.example.com")])
    check(eom and eom[1].startswith("554 5.4.6"), f"EOM: our loop header: {eom}")

    # outbound: rewrite, injection attempts neutralised, client control headers replaced
    rr, eom, mods = transaction(outbound, "jana@example.com", ["alice@acme.example"],
                                [("From", "Jana <jana@example.com>"),
                                 ("Subject", "=?UTF-8?Q?Re:_x=0D=0ABcc:_victim@evil.example?= [Support#10-3]"),
                                 ("X-Deskgate-Ticket", "10-3"), ("X-Deskgate-Direction", "inbound"),
                                 ("X-Deskgate-Signature", "forged"), ("Message-ID", "<r@example.com>")])
    changes = {m[1]: m for m in mods if m[0] == "change" and m[3]}
    adds = [m for m in mods if m[0] == "add"]
    removed = sorted(m[1] for m in mods if m[0] == "change" and not m[3])
    check("From" in changes and changes["From"][3] == '"jana - Support" <support@helpdesk.example.com>', f"outbound From: {changes.get('From')}")
    check(any(a[1] == "Reply-To" and a[2].startswith("support+t10-3-") for a in adds), f"outbound Reply-To added: {adds}")
    check(removed == ["X-Deskgate-Direction", "X-Deskgate-Signature", "X-Deskgate-Ticket"], f"client control headers removed: {removed}")
    check(any(m[0] == "addrcpt" and m[1].startswith("<journal+j") for m in mods), f"journal recipient added: {mods}")
    check(all("\r" not in str(m) and "\n" not in str(m) for m in mods), "no CR/LF in any header value we set")
    check(eom == ("continue", ""), f"outbound mail continues: {eom}")
    check(not any(m[0] == "chgfrom" for m in mods), "the envelope sender stays without [queues.outgoing]")
    rr, eom, mods = transaction(outbound, "jana@example.com", ["friend@elsewhere.example"], [("From", "jana@example.com"), ("Subject", "lunch")])
    check(mods == [], f"outbound mail to no customer and no ticket is untouched: {mods}")
    # a queue with its own outgoing server: the reply takes the queue's envelope sender
    rr, eom, mods = transaction(outgoing, "jana@example.com", ["alice@acme.example"],
                                [("From", "Jana <jana@example.com>"), ("Subject", "Re: x [Support#10-3]")])
    check([m for m in mods if m[0] == "chgfrom"] == [("chgfrom", "<support@helpdesk.example.com>")],
          f"[queues.outgoing]: the envelope sender becomes the queue's sender_address: {mods}")
    check(any(m[0] == "add" and m[1] == "X-Deskgate-Staff" and m[2] == "jana" for m in mods),
          "the journal copy names the staff member by alias")

    # 200 concurrent connections
    results, lock = [], threading.Lock()
    def one(i):
        try:
            r = transaction(inbound, f"user{i}@acme.example", ["support@helpdesk.example.com"], [("From", f"user{i}@acme.example")])
            ok = r[1] == ("continue", "")
        except Exception as e:
            ok = False
        with lock:
            results.append(ok)
    threads = [threading.Thread(target=one, args=(i,)) for i in range(200)]
    for t in threads: t.start()
    for t in threads: t.join(60)
    check(len(results) == 200 and all(results), f"200 concurrent connections all answered: {sum(results)}/200")
except Exception as e:
    check(False, f"exception: {e!r}")
finally:
    for p in procs.values():
        p.terminate()
        try: p.wait(20)
        except subprocess.TimeoutExpired: p.kill()
    if failures:
        print(open(os.path.join(base, "milter.log")).read()[-3000:])
    shutil.rmtree(base, ignore_errors=True)
sys.exit(1 if failures else 0)
PY
