#!/usr/bin/env bash
# The `deskgate` tool end to end on the shipped example config: check-config (good and with
# five mistakes), ingest (stored, dry run, refused, deferred, exit statuses), tickets, show,
# raw, parse --json; the ticket operations (assign, status, note from stdin, merge, close --as),
# their refusals and exit statuses, show's events, attachment -o byte for byte, and search;
# --as STAFF refusing what that staff member may not see (show, raw, attachment, note, close,
# reply).
set -euo pipefail
: "${DESKGATE_BIN_DIR:?}" "${DESKGATE_TEST_DATA:?}" "${DESKGATE_SOURCE_DIR:?}"
exec python3 - "$DESKGATE_BIN_DIR/bin/deskgate" "$DESKGATE_SOURCE_DIR" "$DESKGATE_TEST_DATA" <<'PY'
import base64, json, os, re, subprocess, sys, tempfile

deskgate, src, data = sys.argv[1:4]
config = os.path.join(src, "config/examples/deskgate.toml")
sample = os.path.join(src, "config/examples/sample-mail.eml")
failures = []

def run(*args, stdin=None):
    r = subprocess.run([deskgate, *args], capture_output=True, timeout=60, input=stdin)
    return r.returncode, r.stdout.decode(), r.stderr.decode()

def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL", what)

rc, out, err = run("check-config", config)
check(rc == 0 and out.strip() == "OK: 3 customers, 3 queues, 3 rules", f"check-config example: {rc} {out!r} {err!r}")

rc, out, err = run("check-config", os.path.join(data, "config/five-mistakes.toml"))
located = [l for l in out.splitlines() if re.match(r"^.*five-mistakes\.toml:\d+:\d+: ", l)]
check(rc == 1 and len(located) == 5, f"five mistakes: rc {rc}, {len(located)} located errors:\n{out}")

with tempfile.TemporaryDirectory(prefix="deskgate-cli-") as tmp:
    store = os.path.join(tmp, "store")
    common = ["--config", config, "--store", store]

    rc, out, err = run("ingest", sample, "--to", "support@helpdesk.example.com", "--dry-run", "--json", *common)
    j = json.loads(out)
    check(rc == 0 and j["dry_run"] and j["recipients"][0]["verdict"] == "new-ticket", f"dry run: {out}")
    check(not os.path.exists(store), f"dry run created the store: {os.listdir(tmp)}")

    rc, out, err = run("ingest", sample, "--to", "support@helpdesk.example.com", "--json", *common)
    j = json.loads(out)
    d = j["recipients"][0]
    check(rc == 0 and d["verdict"] == "new-ticket" and d["ticket"] == "10-1" and d["code"] == 250
          and d["status"] == "2.0.0" and j["customer"] == "acme", f"ingest: {out}")
    check(j["subject"] == "Tiskárna ve 2. patře nefunguje", f"decoded subject: {j['subject']!r}")

    rc, out, err = run("ingest", sample, "--to", "support@helpdesk.example.com", "--dry-run", "--json", *common)
    check(rc == 0 and json.loads(out)["recipients"][0]["verdict"] == "duplicate", f"dry run on the store: {out}")

    rc, out, err = run("tickets", "--json", "--status", "new", *common)
    t = json.loads(out)
    check(len(t) == 1 and t[0]["ticket"] == "10-1" and t[0]["participants"] == ["bob@acme.example"], f"tickets: {out}")
    rc, out, err = run("tickets", "--json", "--queue", "20", *common)
    check(json.loads(out) == [], f"tickets --queue 20: {out}")

    rc, out, err = run("show", "10-1", "--json", *common)
    s = json.loads(out)
    e = s["entries"][0]
    check(e["attachments"][0]["filename"] == "printer-error.log" and "second floor" in e["text_body"], f"show: {out}")
    rc, out, err = run("show", "10-1", *common)
    check(rc == 0 and "Ticket 10-1" in out and "printer-error.log" in out, f"show text: {out}")

    r = subprocess.run([deskgate, "raw", "10-1", "0", *common], capture_output=True)
    check(r.stdout == open(sample, "rb").read(), "raw bytes differ from the sample")

    rc, out, err = run("show", "10-9", *common)
    check(rc == 1 and "no ticket 10-9" in err, f"show missing: {rc} {err}")

    globex = b"From: carol@globex.example\nSubject: hi\nMessage-ID: <g1@globex.example>\n\nx\n"
    rc, out, err = run("ingest", "-", "--to", "support@helpdesk.example.com", "--json", *common, stdin=globex)
    d = json.loads(out)["recipients"][0]
    check(rc == 1 and d["code"] == 550 and d["status"] == "5.7.1" and "not enabled" in d["text"], f"globex: {out}")

    rc, out, err = run("ingest", sample, "--to", "archive@helpdesk.example.com", *common)
    check(rc == 75 and "451 4.2.1" in out, f"inactive queue: {rc} {out}")

    rc, out, err = run("ingest", sample, "--to", "nobody@helpdesk.example.com", *common)
    check(rc == 1 and "550 5.1.1" in out, f"unknown recipient: {rc} {out}")

    rc, out, err = run("parse", sample, "--json")
    p = json.loads(out)
    check(p["from"] == {"name": "Alice Example", "address": "alice@acme.example"}
          and p["attachments"][0]["size"] == 68 and p["defects"] == [], f"parse: {out}")

    dave = b"From: Dave <dave@acme.example>\nSubject: new person\nMessage-ID: <dave1@acme.example>\n\nhi\n"
    rc, out, err = run("ingest", "-", "--to", "support@helpdesk.example.com", "--json", *common, stdin=dave)
    rc, out, err = run("contacts", "--json", *common)
    c = json.loads(out)
    check(rc == 0 and len(c) == 1 and c[0]["address"] == "dave@acme.example" and c[0]["customer"] == "acme"
          and c[0]["name"] == "Dave", f"contacts: {out}")
    rc, out, err = run("outbox", "--json", *common)
    o = json.loads(out)
    check(rc == 0 and any(i["kind"] == "ack" and i["recipients"] == ["alice@acme.example"] and i["state"] == "pending" for i in o),
          f"outbox lists the pending acknowledgement: {out[:400]}")

    # An unmatched bounce opens no ticket: it is in `deskgate bounces`, its raw bytes by its id
    dsn = b"From: MAILER-DAEMON@mx.example.org\nSubject: Undelivered Mail\nMessage-ID: <dsn9@mx.example.org>\n\nUser unknown\n"
    rc, out, err = run("ingest", "-", "--to", "bounces+b99-0000000000000000@helpdesk.example.com", "--from", "", "--json",
                       *common, stdin=dsn)
    d = json.loads(out)["recipients"][0] if rc == 0 else {}
    check(rc == 0 and d.get("verdict") == "bounce" and d.get("code") == 250 and d.get("ticket") is None, f"bounce: {rc} {out} {err}")
    rc, out, err = run("bounces", "--json", *common)
    b = json.loads(out) if rc == 0 else []
    check(len(b) == 1 and b[0]["from"] == "mailer-daemon@mx.example.org" and b[0]["recipients"] ==
          ["bounces+b99-0000000000000000@helpdesk.example.com"] and "bad signature" in b[0]["reason"], f"bounces --json: {out}")
    r = subprocess.run([deskgate, "bounces", str(b[0]["id"] if b else 0), *common], capture_output=True)
    check(r.returncode == 0 and r.stdout == dsn, f"bounces ID: {r.returncode} {r.stderr!r}")
    rc, out, err = run("bounces", *common)
    check(rc == 0 and out.splitlines()[0].startswith("ID") and "mailer-daemon@mx.example.org" in out, f"bounces: {out}")
    rc, out, err = run("tickets", "--json", *common)
    check([t["ticket"] for t in json.loads(out)] == ["10-1", "10-2"], f"the bounce opened no ticket: {out[:300]}")

    # Ticket operations (core/decision/ticket_ops): 10-1 is Alice's, 10-2 Dave's (both acme, general).
    now = ["--now", "1795510000"]
    rc, out, err = run("assign", "10-1", "petr", "--json", *now, *common)
    j = json.loads(out) if rc == 0 else {}
    check(rc == 0 and j["ticket"]["assignee"] == "petr" and j["ticket"]["status"] == "open"
          and j["ticket"]["first_reaction"] == "2026-11-24T08:46:40Z" and j["entry"]["kind"] == "event"
          and j["entry"]["from_name"] == "admin" and j["entry"]["text_body"] == "assigned to petr, status new → open",
          f"assign: {rc} {out} {err}")
    rc, out, err = run("assign", "10-1", "nobody", *common)
    check(rc == 1 and "no staff member 'nobody'" in err, f"assign unknown: {rc} {err}")
    rc, out, err = run("assign", "10-1", "--none", "--as", "petr", *common)
    check(rc == 0 and out.strip() == "ticket 10-1: unassigned (was petr)", f"assign --none: {rc} {out} {err}")
    rc, out, err = run("assign", "10-1", "petr", "--as", "nobody", *common)
    check(rc == 64 and "no staff member 'nobody'" in err, f"--as unknown: {rc} {err}")
    rc, out, err = run("status", "10-1", "waiting", "--as", "jana", *common)
    check(rc == 0 and out.strip() == "ticket 10-1: status open → waiting", f"status: {rc} {out} {err}")
    rc, out, err = run("status", "10-1", "closed", *common)
    check(rc == 1 and "closed with close" in err, f"status closed: {rc} {err}")
    rc, out, err = run("move", "10-1", "20", "--as", "petr", *common)
    check(rc == 1 and "petr does not work in queue 20 (Billing)" in err, f"move as petr: {rc} {err}")
    rc, out, err = run("priority", "10-1", "extreme", *common)
    check(rc == 1 and "unknown priority 'extreme'" in err, f"priority: {rc} {err}")
    rc, out, err = run("status", "10-x", "open", *common)
    check(rc == 64 and "not a ticket number" in err, f"bad ticket number: {rc} {err}")

    rc, out, err = run("outbox", "--json", *common)
    told_before = [i["recipients"] for i in json.loads(out) if i["kind"] == "notify" and i["ticket"] == "10-1"]
    rc, out, err = run("note", "10-1", "--as", "jana", "--json", *common, stdin="Called Alice.\nPaper jam.\n".encode())
    j = json.loads(out) if rc == 0 else {}
    check(rc == 0 and j["entry"]["kind"] == "note" and j["entry"]["text_body"] == "Called Alice.\nPaper jam."
          and j["entry"]["from"] == "jana@example.com", f"note from stdin: {rc} {out} {err}")
    rc, out, err = run("outbox", "--json", *common)
    told = [i["recipients"] for i in json.loads(out) if i["kind"] == "notify" and i["ticket"] == "10-1"]
    check(told[len(told_before):] == [["petr@example.com"]], f"jana's note tells petr, not jana: {told} after {told_before}")
    rc, out, err = run("note", "10-1", "-", *common, stdin=b"  \n")
    check(rc == 64 and "empty" in err, f"empty note: {rc} {err}")

    rc, out, err = run("merge", "10-2", "10-1", "--as", "petr", "--json", *common)
    j = json.loads(out) if rc == 0 else {}
    check(rc == 0 and j["from"]["merged_into"] == "10-1" and j["from"]["status"] == "closed"
          and "dave@acme.example" in j["into"]["participants"], f"merge: {rc} {out} {err}")
    rc, out, err = run("merge", "10-2", "10-1", *common)
    check(rc == 1 and "already merged into 10-1" in err, f"merge twice: {rc} {err}")
    dave2 = b"From: Dave <dave@acme.example>\nSubject: Re: new person\nMessage-ID: <dave2@acme.example>\nIn-Reply-To: <dave1@acme.example>\n\nagain\n"
    rc, out, err = run("ingest", "-", "--to", "support@helpdesk.example.com", "--json", *common, stdin=dave2)
    d = json.loads(out)["recipients"][0]
    check(rc == 0 and d["verdict"] == "appended" and d["ticket"] == "10-1", f"reply to the merged ticket: {out}")

    rc, out, err = run("show", "10-1", "--json", *common)
    ev = [(e["by"], e["what"]) for e in json.loads(out)["events"]]
    check(ev == [("admin", "assigned to petr, status new → open"), ("petr", "unassigned (was petr)"),
                 ("jana", "status open → waiting"),
                 ("petr", "ticket 10-2 merged into this one; participants added: dave@acme.example")], f"events: {ev}")
    rc, out, err = run("show", "10-1", *common)
    check(rc == 0 and "event" in out and "by jana <jana@example.com>: status open → waiting" in out
          and "Attachment 1: printer-error.log" in out, f"show text events: {out}")

    attachment = os.path.join(tmp, "out.log")
    rc, out, err = run("attachment", "10-1", "0", "1", "-o", attachment, *common)
    raw = open(sample, "rb").read().decode()
    encoded = raw.split('filename="printer-error.log"')[1].split("\n\n", 1)[1].split("--sample-boundary--")[0]
    check(rc == 0 and open(attachment, "rb").read() == base64.b64decode(encoded), f"attachment -o: {rc} {out} {err}")
    r = subprocess.run([deskgate, "attachment", "10-1", "0", "1", *common], capture_output=True)
    check(r.returncode == 0 and r.stdout == base64.b64decode(encoded), "attachment to stdout")
    rc, out, err = run("attachment", "10-1", "0", "2", *common)
    check(rc == 1 and "has 1 attachment(s)" in err, f"attachment out of range: {rc} {err}")

    rc, out, err = run("close", "10-1", "--as", "petr", *now, *common)
    check(rc == 0 and "ticket 10-1 closed" in out, f"close --as: {rc} {out} {err}")
    rc, out, err = run("close", "10-1", *common)
    check(rc == 1 and "closed already" in err, f"close twice: {rc} {err}")
    rc, out, err = run("reopen", "10-1", "--json", *common)
    check(rc == 0 and json.loads(out)["ticket"]["status"] == "open", f"reopen: {rc} {out} {err}")
    # search: the word index finds the ingested tickets by subject, body, attachment name, address
    def search(*words):
        rc, out, err = run("search", *words, "--json", *common)
        return rc, [t["ticket"] for t in json.loads(out)] if rc == 0 else err
    for q in (["TISKÁRNA"], ["tiskárna", "printer"], ["printer-error.log"], ["stopped", "print*"],
              ["bob@acme.example"], ["printer", "--as", "petr"], ["printer", "--status", "open", "--queue", "10"]):
        got = search(*q)
        check(got == (0, ["10-1"]), f"search {q}: {got}")
    # dave opened 10-2, merged into 10-1 above, where his later mail landed: both know him
    check(search("dave@acme.example") == (0, ["10-2", "10-1"]), f"search dave: {search('dave@acme.example')}")
    check(search("@acme.example") == (0, ["10-2", "10-1"]), f"search domain: {search('@acme.example')}")
    check(search("@acme.example", "--limit", "1") == (0, ["10-2"]), "search --limit 1")
    check(search("printer", "--status", "closed") == (0, []), "search --status closed")
    check(search("printer", "nowhere") == (0, []), "search AND")
    rc, out, err = run("search", "tiskárna", *common)
    check(rc == 0 and out.splitlines()[0].startswith("TICKET") and out.splitlines()[1].startswith("10-1 "),
          f"search text: {out}")
    rc, out, err = run("search", "a", *common)
    check(rc == 64 and "no word to search for" in err, f"search without a word: {rc} {err}")
    rc, out, err = run("search", "printer", "--limit", "x", *common)
    check(rc == 64 and "--limit" in err, f"search --limit x: {rc} {err}")

    # --as is access control wherever the tool takes it: petr (category general) sees nothing of
    # the billing ticket, jana (general and billing) does
    bill = b"From: Alice <alice@acme.example>\nSubject: invoice\nMessage-ID: <bill1@acme.example>\n\nwrong amount\n"
    rc, out, err = run("ingest", "-", "--to", "billing@helpdesk.example.com", "--json", *common, stdin=bill)
    check(rc == 0 and json.loads(out)["recipients"][0]["ticket"] == "20-1", f"billing ticket: {rc} {out}")
    for cmd in (["show", "20-1"], ["show", "20-1", "--json"], ["raw", "20-1"], ["raw", "20-1", "0"],
                ["attachment", "20-1", "0", "1"], ["note", "20-1", "-"], ["close", "20-1"], ["reply", "20-1", "-"]):
        rc, out, err = run(*cmd, "--as", "petr", *common, stdin=b"peeking\n")
        check(rc == 1 and "petr may not see ticket 20-1" in err and out == "", f"{' '.join(cmd)} --as petr: {rc} {out!r} {err!r}")
    rc, out, err = run("show", "20-1", "--as", "jana", *common)
    check(rc == 0 and "Ticket 20-1" in out, f"show --as jana: {rc} {err}")
    r = subprocess.run([deskgate, "raw", "20-1", "--as", "jana", *common], capture_output=True)
    check(r.returncode == 0 and r.stdout == bill, f"raw --as jana: {r.returncode} {r.stderr!r}")
    rc, out, err = run("show", "10-1", "--as", "petr", *common)
    check(rc == 0 and "Ticket 10-1" in out, f"show --as petr of his category: {rc} {err}")
    rc, out, err = run("show", "20-1", "--as", "nobody", *common)
    check(rc == 64 and "no staff member 'nobody'" in err, f"show --as unknown: {rc} {err}")

    rc, out, err = run("ingest", sample, "--bogus")
    check(rc == 64 and "unknown option --bogus" in err, f"usage error: {rc} {err}")

sys.exit(1 if failures else 0)
PY
