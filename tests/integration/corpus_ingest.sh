#!/usr/bin/env bash
# Every message of ../shared/corpus/mail-gem goes through `deskgate ingest` (the whole decision
# and the store write) without a crash, hang or sanitizer report, becomes a ticket (or a
# duplicate of one), and its raw bytes read back identical with `deskgate raw`.
set -euo pipefail
: "${DESKGATE_BIN_DIR:?}" "${DESKGATE_TEST_DATA:?}" "${DESKGATE_CORPUS:?}"
exec python3 - "$DESKGATE_BIN_DIR/bin/deskgate" "$DESKGATE_TEST_DATA/integration/corpus.toml" \
    "$DESKGATE_CORPUS/mail-gem" <<'PY'
import json, os, subprocess, sys, tempfile

deskgate, config, corpus = sys.argv[1:4]
if not os.path.isdir(corpus):
    print(f"corpus folder {corpus} missing", file=sys.stderr)
    sys.exit(1)
env = dict(os.environ, ASAN_OPTIONS="exitcode=86:detect_leaks=1",
           UBSAN_OPTIONS="halt_on_error=1:exitcode=86:print_stacktrace=1")
files = []
for root, dirs, names in os.walk(corpus):
    dirs[:] = sorted(d for d in dirs if not d.startswith("."))
    for n in sorted(names):
        if n.startswith(".") or n.startswith("LICENSE") or n.startswith("README"):
            continue
        files.append(os.path.join(root, n))

failures = []
def run(args, **kw):
    return subprocess.run([deskgate, *args], env=env, capture_output=True, timeout=60, **kw)

def body(raw):
    for sep in (b"\r\n\r\n", b"\n\n"):
        i = raw.find(sep)
        if i >= 0:
            return raw[i + len(sep):]
    return raw

with tempfile.TemporaryDirectory(prefix="deskgate-corpus-") as tmp:
    store = os.path.join(tmp, "store")
    counts = {}
    for path in files:
        name = os.path.relpath(path, corpus)
        raw = open(path, "rb").read()
        try:
            r = run(["ingest", path, "--to", "support@helpdesk.example.com",
                     "--from", "corpus@example.net", "--config", config, "--store", store, "--json"])
        except subprocess.TimeoutExpired:
            failures.append(f"{name}: ingest hung"); continue
        err = r.stderr.decode(errors="replace")
        if r.returncode == 86 or "runtime error" in err or "Sanitizer" in err or r.returncode < 0:
            failures.append(f"{name}: crash or sanitizer report (rc {r.returncode}): {err[-2000:]}"); continue
        try:
            out = json.loads(r.stdout)
        except ValueError as e:
            failures.append(f"{name}: ingest output is not JSON ({e}): {r.stdout[:300]!r}"); continue
        d = out["recipients"][0]
        counts[d["verdict"]] = counts.get(d["verdict"], 0) + 1
        if d["verdict"] not in ("new-ticket", "appended", "duplicate") or not d["ticket"]:
            failures.append(f"{name}: expected a ticket, got {d['verdict']}: {d['explanation']}"); continue
        shown = json.loads(run(["show", d["ticket"], "--store", store, "--json"]).stdout)
        index = None
        for e in shown["entries"]:
            if e["kind"] == "message" and e["message_id"] == out["message_id"]:
                index = e["index"]
        if index is None:
            failures.append(f"{name}: no entry with Message-ID {out['message_id']} in {d['ticket']}"); continue
        back = run(["raw", d["ticket"], str(index), "--store", store])
        if back.returncode != 0:
            failures.append(f"{name}: raw failed: {back.stderr!r}"); continue
        if d["verdict"] == "duplicate":
            if body(back.stdout) != body(raw):
                failures.append(f"{name}: duplicate of a message with another body")
        elif back.stdout != raw:
            failures.append(f"{name}: raw bytes differ ({len(back.stdout)} vs {len(raw)} bytes)")
    print(f"{len(files)} corpus messages: {counts}")
for f in failures:
    print("FAIL", f)
sys.exit(1 if failures or len(files) < 50 else 0)
PY
