#!/usr/bin/env bash
# ctest.sh - what CTest runs for one fuzz target (tests/fuzz/CMakeLists.txt):
#   ctest.sh smoke  TARGET BINARY BUILD_DIR   the seeds, then a bounded number of mutations
#   ctest.sh replay TARGET BINARY BUILD_DIR   every regression input once, each with a time limit
# Regression inputs: tests/fuzz/regressions/TARGET/* (kept in git) and
# BUILD_DIR/regressions/TARGET/* (large ones, made by generate_regressions.py).
set -euo pipefail
mode="$1" target="$2" binary="$3" build="$4"
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=targets.sh
source "$here/targets.sh"
case "$mode" in
  smoke)
    # Mutations go to a scratch corpus in the build tree; the seed folders stay untouched (libFuzzer
    # writes new inputs into the first folder only). Fixed seed: the same mutations every run.
    work="$build/smoke/$target"
    rm -rf "$work" "$build/smoke-artifacts/$target"
    mkdir -p "$work" "$build/smoke-artifacts/$target"
    mapfile -t seeds < <(deskgate_fuzz_seeds "$target")
    dict="$(deskgate_fuzz_dict "$target")"
    exec "$binary" -seed=1 -runs="${DESKGATE_FUZZ_SMOKE_RUNS:-30000}" \
      -max_total_time="${DESKGATE_FUZZ_SMOKE_SECONDS:-8}" -timeout=10 -rss_limit_mb=2048 \
      -max_len=65536 -print_final_stats=1 -artifact_prefix="$build/smoke-artifacts/$target/" \
      ${dict:+"$dict"} "$work" "${seeds[@]}"
    ;;
  replay)
    inputs=()
    for d in "$here/regressions/$target" "$build/regressions/$target"; do
      [ -d "$d" ] || continue
      while IFS= read -r -d '' f; do inputs+=("$f"); done < <(find "$d" -type f -print0 | sort -z)
    done
    if [ ${#inputs[@]} -eq 0 ]; then
      echo "replay $target: no regression inputs"
      exit 0
    fi
    echo "replay $target: ${#inputs[@]} inputs"
    # Given files, libFuzzer runs each once; -timeout=5 fails any that takes longer.
    exec "$binary" -timeout=5 -rss_limit_mb=2048 -runs=1 "${inputs[@]}"
    ;;
  *)
    echo "usage: ctest.sh smoke|replay TARGET BINARY BUILD_DIR" >&2
    exit 2
    ;;
esac
