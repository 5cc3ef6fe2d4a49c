#!/usr/bin/env bash
# Pathological mail benchmark (issue 16): parse time must grow at most linearly in the input
# size for the mails that used to stall deskgate (input caps before the third-party parsers).
# Generated inputs (python3), each at 1x, 2x, 4x, 8x of a base size (8x: about 2 MB):
#   html-attrs    HTML-only mail, one element with N attributes (html_bounds: 256/tag before libxml2)
#   ct-params     one Content-Type with N parameters, plus parts with 256 parameters each
#                 (mime_bounds: 128 per header)
#   from-dots     From address whose domain has N dots (over RFC 5321 lengths: normalised to nothing)
#   to-comments   To with N entries `a (b), ` (bound_address_lists: 1000 addresses)
#   subject-tags  subject with N distinct tags [#10-1] [#10-2] ... (16 considered)
# Measures the wall time of `deskgate parse FILE --json >/dev/null` (best of 3) and, in the
# same run, the peer: a python3 process running the standard `email` package over the same
# file (message_from_bytes with policy.default, get_content() of every text part, the From
# and To addresses), best of 3. Both are whole processes, so the 1x times include start-up
# (printed on the first line). Prints per input and size: bytes, deskgate s, python s, ratio
# python/deskgate, deskgate s per MB; then per input whether deskgate's time at 8x is at most
# ~12x its time at 1x (linear growth with slack). Every process has a timeout (deskgate 20 s,
# python 10 s); after a timeout, or a run over a third of it, larger sizes are skipped (best of
# 3 becomes one run over 1 s). `--smoke` (CTest) parses each input once at a tiny
# size and only checks that `deskgate parse` exits 0; no timing is asserted.
#   bench/pathological.sh [--smoke] [BIN_DIR]      (BIN_DIR defaults to build/release/bin)
set -euo pipefail
smoke=0
if [ "${1:-}" = "--smoke" ]; then smoke=1; shift; fi
here="$(cd "$(dirname "$0")/.." && pwd)"
bindir="${1:-$here/build/release/bin}"
. "$here/bench/require.sh" && require_built "$bindir" deskgate
tmp="$(mktemp -d "${TMPDIR:-/tmp}/deskgate-bench-pathological.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

cat >"$tmp/peer.py" <<'PY'
import email, email.policy, sys
with open(sys.argv[1], "rb") as f:
    msg = email.message_from_bytes(f.read(), policy=email.policy.default)
n = 0
for part in msg.walk():
    if part.get_content_maintype() == "text":
        n += len(part.get_content())
for h in ("From", "To"):
    v = msg[h]
    if v is not None:
        n += sum(len(a.addr_spec) for a in getattr(v, "addresses", ()))
n += len(str(msg["Subject"] or ""))
PY

python3 - "$bindir/deskgate" "$tmp" "$smoke" <<'PY'
import os, subprocess, sys, time

deskgate, tmp, smoke = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
peer = [sys.executable, os.path.join(tmp, "peer.py")]
HEAD = "Message-ID: <bench@example.org>\r\nDate: Mon, 1 Dec 2025 10:00:00 +0000\r\n"

def fold(items, per_line):
    return "\r\n ".join(" ".join(items[i:i + per_line]) for i in range(0, len(items), per_line))

def html_attrs(n):
    attrs = [f"a{i}=x" for i in range(n)]
    body = "<html><body><div " + "\r\n".join(" ".join(attrs[i:i + 64]) for i in range(0, n, 64)) + ">hi</div></body></html>\r\n"
    return (HEAD + "From: a@example.org\r\nTo: help@example.com\r\nSubject: html\r\n"
            "MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + body)

def ct_params(n):
    top = fold([f'p{i}="v{i}";' for i in range(n)], 16)
    parts = []
    for k in range(max(1, n // 256)):
        ps = fold([f'q{i}="v{i}";' for i in range(256)], 16)
        parts.append(f"--b\r\nContent-Type: text/plain; charset=utf-8; {ps} x=y\r\n\r\npart {k}\r\n")
    return (HEAD + "From: a@example.org\r\nTo: help@example.com\r\nSubject: params\r\nMIME-Version: 1.0\r\n"
            f"Content-Type: multipart/mixed; boundary=b; {top} x=y\r\n\r\n" + "".join(parts) + "--b--\r\n")

def from_dots(n):
    return (HEAD + "From: x@" + "a." * n + "example.org\r\nTo: help@example.com\r\n"
            "Subject: dots\r\n\r\nbody\r\n")

def to_comments(n):
    return (HEAD + "From: a@example.org\r\nTo: " + fold(["a (b),"] * n, 16) + " help@example.com\r\n"
            "Subject: comments\r\n\r\nbody\r\n")

def subject_tags(n):
    return (HEAD + "From: a@example.org\r\nTo: help@example.com\r\nSubject: " +
            fold([f"[#10-{i}]" for i in range(1, n + 1)], 16) + " help\r\n\r\nbody\r\n")

# (name, generator, base N for the full run: about 256 KB at 1x)
inputs = [("html-attrs", html_attrs, 30000), ("ct-params", ct_params, 16000),
          ("from-dots", from_dots, 128000), ("to-comments", to_comments, 36000),
          ("subject-tags", subject_tags, 26000)]
scales = [1] if smoke else [1, 2, 4, 8]
TIMEOUT, PEER_TIMEOUT = 20, 10   # seconds per process

def run(cmd, timeout):
    """Wall time of one process, or None on timeout; raises on a non-zero exit."""
    t0 = time.perf_counter()
    try:
        p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    dt = time.perf_counter() - t0
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: exit {p.returncode}: {p.stderr.decode(errors='replace')[:300]}")
    return dt

def best(cmd, timeout):
    """Best of 3 (one run when the first takes over 1 s); None on timeout."""
    times = []
    for _ in range(3):
        t = run(cmd, timeout)
        if t is None:
            return None
        times.append(t)
        if t > 1:
            break
    return min(times)

def write(name, scale, text):
    path = os.path.join(tmp, f"{name}-{scale}x.eml")
    with open(path, "wb") as f:
        f.write(text.encode())
    return path

if smoke:
    failed = 0
    for name, gen, _ in inputs:
        path = write(name, 1, gen(200))
        try:
            if run([deskgate, "parse", path, "--json"], TIMEOUT) is None:
                raise RuntimeError(f"timeout after {TIMEOUT} s")
            print(f"ok   {name} ({os.path.getsize(path)} bytes)")
        except RuntimeError as e:
            print(f"FAIL {name}: {e}")
            failed += 1
    sys.exit(1 if failed else 0)

minimal = write("minimal", 1, from_dots(1))
print(f"start-up (a minimal mail): deskgate {best([deskgate, 'parse', minimal, '--json'], TIMEOUT):.4f} s, "
      f"python {best(peer + [minimal], PEER_TIMEOUT):.4f} s")
print(f"{'input':<13} {'size':>4} {'bytes':>9} {'deskgate s':>11} {'python s':>10} {'py/dg':>7} {'dg s/MB':>8}")
verdicts = []
for name, gen, base in inputs:
    ours = {}
    ours_on = peer_on = True   # off after a timeout, or a run so slow the next size would time out
    for scale in scales:
        path = write(name, scale, gen(base * scale))
        size = os.path.getsize(path)
        t = best([deskgate, "parse", path, "--json"], TIMEOUT) if ours_on else None
        dt = "skipped" if not ours_on else f"{t:.4f}" if t is not None else f">{TIMEOUT}"
        ours_on = t is not None and t < TIMEOUT / 3
        if t is not None:
            ours[scale] = t
        p = best(peer + [path], PEER_TIMEOUT) if peer_on else None
        pt = "skipped" if not peer_on else f"{p:.4f}" if p is not None else f">{PEER_TIMEOUT}"
        peer_on = p is not None and p < PEER_TIMEOUT / 3
        ratio = f"{p / t:.2f}" if p is not None and t else "-"
        per_mb = f"{t / (size / 1048576):.4f}" if t is not None else "-"
        print(f"{name:<13} {str(scale) + 'x':>4} {size:>9} {dt:>11} {pt:>10} {ratio:>7} {per_mb:>8}")
        os.remove(path)
    top = scales[-1]
    if top in ours:
        g = ours[top] / ours[1]
        verdicts.append(f"{name}: deskgate time {top}x/1x = {g:.2f} -> " + ("at most ~linear" if g <= 1.5 * top else "NOT linear"))
    else:
        last = max(ours) if ours else None
        verdicts.append(f"{name}: deskgate NOT linear: " + (f"{ours[last]:.2f} s at {last}x, " if last else "")
                        + f"over {TIMEOUT} s or skipped beyond")
for v in verdicts:
    print(v)
PY
