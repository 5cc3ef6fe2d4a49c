#!/usr/bin/env bash
# Search benchmark, in one run on one generated data set: `deskgate search` (the store's word
# index, schema 3) against the peer an admin has without it, `grep -rli` over the same mails as
# .eml files (Maildir-like, page cache warm for both), for a rare word, a word in every ticket,
# both together, a prefix and an address. Each is a whole command (process start, store open,
# query, output), median and p95 over up to 30 runs (5 for grep), each loop bounded in runs and
# seconds. Also: the matches found by both (they must agree), the store size with and without
# the index (compacted copies by `deskgate backup`), and how long the migration that builds the
# index takes on the same store. bench_search_store (bench/search_store.cpp) builds the store
# through the Store API: 100 000 tickets (smoke: 1 000), about 2 mails each.
#   bench/search.sh [--smoke] [BIN_DIR]      (BIN_DIR defaults to build/release/bin)
set -euo pipefail
smoke=0
if [ "${1:-}" = "--smoke" ]; then smoke=1; shift; fi
here="$(cd "$(dirname "$0")/.." && pwd)"
bindir="${1:-$here/build/release/bin}"
. "$here/bench/require.sh" && require_built "$bindir" deskgate bench_search_store
exec python3 - "$bindir" "$smoke" <<'PY'
import json, math, os, shutil, statistics, subprocess, sys, tempfile, time

bindir, smoke = os.path.abspath(sys.argv[1]), sys.argv[2] == "1"
deskgate = os.path.join(bindir, "deskgate")
gen = os.path.join(bindir, "bench_search_store")
tickets = 1000 if smoke else 100000
runs, peer_runs = (3, 1) if smoke else (30, 5)
budget = 10 if smoke else 60  # seconds per measured loop, whatever the run count
base = tempfile.mkdtemp(prefix="deskgate-bench-search-")
store, eml = os.path.join(base, "store"), os.path.join(base, "eml")
env = dict(os.environ, LC_ALL="C")  # grep's fastest mode; every query word is ASCII
target = "jana.dvorakova@firma-17.cz"

def run(argv, timeout=1800):
    r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=env)
    if r.returncode != 0:
        raise RuntimeError(f"{argv}: {r.returncode} {r.stderr}")
    return r.stdout

def shell(cmd):
    # grep exits 1 when nothing matches: not an error here
    r = subprocess.run(["bash", "-c", "set -o pipefail; " + cmd], capture_output=True, text=True, timeout=600, env=env)
    if r.returncode not in (0, 1):
        raise RuntimeError(f"{cmd}: {r.returncode} {r.stderr}")
    return r.stdout

def measure(fn, n):
    fn()  # warm-up, not counted
    times, t_end = [], time.monotonic() + budget
    while len(times) < n and time.monotonic() < t_end:
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    times.sort()
    return statistics.median(times) * 1000, times[math.ceil(0.95 * len(times)) - 1] * 1000, len(times)

def search(words, limit):
    return [t["ticket"] for t in json.loads(run([deskgate, "search", *words, "--store", store, "--limit", str(limit), "--json"]))]

def grep_tickets(out):
    # eml/<queue>/<seq / 1000>/<queue>-<seq>-<n>.eml -> "<queue>-<seq>"
    return {"-".join(os.path.basename(l).split("-")[:2]) for l in out.splitlines() if l}

def ratio(x):
    return f"{x:.1f}x" if x < 10 else f"{x:.0f}x"

def size(path):
    return os.path.getsize(os.path.join(path, "data.mdb"))

def du(path):
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(path) for f in fs)

queries = [
    ("rare word", ["zeppelin"], "grep -rli zeppelin eml"),
    ("common word", ["regards"], "grep -rli regards eml"),
    ("rare AND common", ["zeppelin", "regards"], "grep -rliZ zeppelin eml | xargs -0r grep -li regards"),
    ("prefix", ["invoic*"], "grep -rliE '\\binvoic' eml"),
    ("address", [target], f"grep -rliF {target} eml"),
]

try:
    print(run([gen, "build", store, eml, "--tickets", str(tickets)], timeout=3600).strip())
    os.chdir(base)
    rows, mismatches = [], []
    for name, words, grep in queries:
        found = search(words, 0)
        grepped = grep_tickets(shell(grep))
        if set(found) != grepped:
            mismatches.append(f"{name}: index {len(found)}, grep {len(grepped)}")
        s_med, s_p95, s_n = measure(lambda: search(words, 50), runs)
        alone = json.loads(run([gen, "query", store, *words]))
        g_med, g_p95, g_n = measure(lambda: shell(grep), peer_runs)
        rows.append((name, " ".join(words), len(found), len(grepped), alone, s_med, s_p95, s_n, g_med, g_p95, g_n))
    help_med, _, _ = measure(lambda: run([deskgate, "--help"]), runs)
    scan_med, _, scan_n = measure(lambda: shell(f"{deskgate} tickets --json --store {store} | grep -c -F {target}"), peer_runs)

    print(f"\n{tickets} tickets; `deskgate search ... --limit 50 --json` vs. `grep -rli` over the mails (LC_ALL=C):\n")
    print("| query | words | tickets (index / grep) | ReadTxn::search alone median / p95 µs | deskgate search median ms "
          "| p95 ms | grep -rli median ms | p95 ms | grep / deskgate search |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, words, n_idx, n_grep, alone, s_med, s_p95, s_n, g_med, g_p95, g_n in rows:
        print(f"| {name} | `{words}` | {n_idx} / {n_grep} | {alone['median_ms'] * 1000:.1f} / {alone['p95_ms'] * 1000:.1f} "
              f"(n={alone['n']}) | {s_med:.1f} | {s_p95:.1f} (n={s_n}) | {g_med:.0f} | {g_p95:.0f} (n={g_n}) | "
              f"{ratio(g_med / s_med)} |")
    addr = next(r for r in rows if r[0] == "address")
    print(f"\n(`deskgate search` is a whole process: `deskgate --help` alone takes {help_med:.1f} ms here.)")
    print(f"full scan of the ticket records, `deskgate tickets --json | grep -c -F {target}`: median "
          f"{scan_med:.0f} ms (n={scan_n}), {ratio(scan_med / addr[5])} the address search")

    # The index's cost: compacted copies with and without it; the migration that builds it.
    with_idx, without = os.path.join(base, "b-with"), os.path.join(base, "b-without")
    run([deskgate, "backup", with_idx, "--store", store])
    stripped = os.path.join(base, "stripped")
    shutil.copytree(with_idx, stripped)
    run([gen, "strip", stripped])
    run([deskgate, "backup", without, "--store", stripped])
    a, b = size(with_idx), size(without)
    print(f"\nstore data.mdb as written {size(store) / 1e6:.1f} MB; compacted: {a / 1e6:.1f} MB with the index, "
          f"{b / 1e6:.1f} MB without: the index is {(a - b) / 1e6:.1f} MB, +{100 * (a - b) / b:.0f}% "
          f"(the mails as .eml files: {du(eml) / 1e6:.1f} MB)")
    print(run([gen, "migrate", stripped], timeout=3600).strip(), "(schema-2 copy of this store)")
    if mismatches:
        raise SystemExit("index and grep disagree: " + "; ".join(mismatches))
finally:
    shutil.rmtree(base, ignore_errors=True)
PY
