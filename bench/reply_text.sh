#!/usr/bin/env bash
# Reply text benchmark: in one run, over every fixture in tests/data/replies (NAME.txt or
# NAME.eml with NAME.expected), deskgate's extract_reply_text (bench/reply_text_tool) and the
# open-source peer `email-reply-parser` from the npm registry (installed into a temporary
# directory; "peer unavailable" when npm cannot fetch it). Both read the same body (the .eml's
# text_body as parse_message gives it). Prints exact matches with the expected text per client
# style (outlook, gmail, thunderbird, apple, plain, marker, and github: the peer's own kind of
# reply), the time for one pass over all bodies, and for one large body of staff text with no
# quote, which every recogniser must scan to the end. Before comparing, trailing whitespace
# of lines, blank lines at both ends and runs of blank lines are normalised for both sides.
# `--smoke` runs a tiny version (CTest): one timing pass, a 256 KB large body instead of 4 MB,
# a short npm timeout.
#   bench/reply_text.sh [--smoke] [BIN_DIR]      (BIN_DIR defaults to build/release/bin)
set -euo pipefail
smoke=0
if [ "${1:-}" = "--smoke" ]; then smoke=1; shift; fi
here="$(cd "$(dirname "$0")/.." && pwd)"
bindir="${1:-$here/build/release/bin}"
. "$here/bench/require.sh" && require_built "$bindir" reply_text_tool
fixtures="$here/tests/data/replies"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/deskgate-bench-reply.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
if [ "$smoke" = 1 ]; then passes=1; large_kb=256; npm_timeout=20; else passes=200; large_kb=4096; npm_timeout=180; fi

mkdir -p "$tmp/out" "$tmp/peer"
"$bindir/reply_text_tool" --repeat "$passes" --large-kb "$large_kb" "$fixtures" "$tmp/out" >"$tmp/ours.tsv"

peer=1
if ! command -v node >/dev/null || ! command -v npm >/dev/null ||
   ! timeout "$npm_timeout" npm install --prefix "$tmp/peer" --prefer-offline --no-audit --no-fund \
       --loglevel=error email-reply-parser >"$tmp/npm.log" 2>&1; then
    peer=0
fi
if [ "$peer" = 1 ]; then
    cat >"$tmp/peer/run.mjs" <<'JS'
import fs from "node:fs";
import path from "node:path";
import EmailReplyParser from "email-reply-parser";
const [dir, passes] = [process.argv[2], Number(process.argv[3])];
const bodies = fs.readdirSync(dir).filter((f) => f.endsWith(".body")).sort()
    .map((f) => [f.slice(0, -5), fs.readFileSync(path.join(dir, f), "utf8")]);
for (const [name, body] of bodies)
    fs.writeFileSync(path.join(dir, name + ".peer"), new EmailReplyParser().parseReply(body));
const t0 = process.hrtime.bigint();
let sink = 0;
for (let i = 0; i < passes; ++i)
    for (const [, body] of bodies) sink += new EmailReplyParser().parseReply(body).length;
const ms = Number(process.hrtime.bigint() - t0) / 1e6;
console.log(`time_ms ${ms.toFixed(1)} passes ${passes} (checksum ${sink})`);
const big = fs.readFileSync(path.join(dir, "large.big"), "utf8");
let best = Infinity;
for (let i = 0; i < 3; ++i) {
    const t1 = process.hrtime.bigint();
    sink += new EmailReplyParser().parseReply(big).length;
    best = Math.min(best, Number(process.hrtime.bigint() - t1) / 1e6);
}
console.log(`large_ms ${best.toFixed(1)}`);
JS
    if ! node "$tmp/peer/run.mjs" "$tmp/out" "$passes" >"$tmp/peer.txt" 2>"$tmp/peer.err"; then
        peer=0
        sed 's/^/peer error: /' "$tmp/peer.err" | head -5
    fi
fi

exec python3 - "$fixtures" "$tmp" "$peer" <<'PY'
import os, re, sys

fixtures, tmp, peer = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
out = os.path.join(tmp, "out")
styles = ["outlook", "gmail", "thunderbird", "apple", "plain", "marker", "github"]

def norm(s):
    lines = [l.rstrip() for l in s.replace("\r\n", "\n").split("\n")]
    text = "\n".join(lines).strip("\n")
    return re.sub(r"\n{3,}", "\n\n", text)

def read(p):
    with open(p, encoding="utf-8") as f:
        return f.read()

names = sorted(f[:-5] for f in os.listdir(out) if f.endswith(".ours"))
rows = {s: [0, 0, 0] for s in styles + ["html (.eml)", "all"]}
ours_missed, peer_missed = [], []
for n in names:
    expected = norm(read(os.path.join(fixtures, n + ".expected")))
    ours = norm(read(os.path.join(out, n + ".ours"))) == expected
    theirs = peer and norm(read(os.path.join(out, n + ".peer"))) == expected
    keys = [n.split("-")[0], "all"] + (["html (.eml)"] if os.path.exists(os.path.join(fixtures, n + ".eml")) else [])
    for k in keys:
        r = rows.setdefault(k, [0, 0, 0])
        r[0] += 1
        r[1] += ours
        r[2] += theirs
    if not ours: ours_missed.append(n)
    if peer and not theirs: peer_missed.append(n)

def timing(path):
    for line in open(path):
        if line.startswith("time_ms"):
            parts = line.split()
            return float(parts[1]) / int(parts[3])
    return None

def large(path):
    for line in open(path):
        if line.startswith("large_ms"):
            return float(line.split()[1])
    return None

peer_col = "email-reply-parser" if peer else "peer unavailable"
print(f"{'style':<12} {'fixtures':>8} {'deskgate':>9} {peer_col:>18}")
for k, (n, o, t) in rows.items():
    if n:
        print(f"{k:<12} {n:>8} {o:>9} {(str(t) if peer else '-'):>18}")
ours_ms = timing(os.path.join(tmp, "ours.tsv"))
size = sum(os.path.getsize(os.path.join(out, n + ".body")) for n in names)
line = f"one pass over {len(names)} bodies ({size / 1024:.0f} KB): deskgate {ours_ms:.3f} ms"
if peer:
    line += f", email-reply-parser {timing(os.path.join(tmp, 'peer.txt')):.3f} ms"
print(line)
big = os.path.getsize(os.path.join(out, "large.big"))
line = f"one large body ({big / 1048576:.1f} MB, no quote): deskgate {large(os.path.join(tmp, 'ours.tsv')):.1f} ms"
if peer:
    line += f", email-reply-parser {large(os.path.join(tmp, 'peer.txt')):.1f} ms"
print(line)
if ours_missed:
    print("deskgate missed: " + " ".join(ours_missed))
if peer:
    print("email-reply-parser missed: " + (" ".join(peer_missed) or "none"))
    worse = [k for k, (n, o, t) in rows.items() if n and o < t]
    print("deskgate >= peer in every style: " + ("yes" if not worse else "NO (" + ", ".join(worse) + ")"))
else:
    print("peer unavailable: npm could not install email-reply-parser")
PY
