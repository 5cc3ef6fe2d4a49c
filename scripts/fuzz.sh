#!/usr/bin/env bash
# Long fuzz campaigns: scripts/fuzz.sh [TARGET] [SECONDS] (default: every target in turn, 600 s
# each). Builds the `fuzz` preset (clang, libFuzzer, ASan+UBSan) unless DESKGATE_FUZZ_NO_BUILD=1,
# then runs each target with a persistent working corpus outside the tree
# (build/fuzz/corpus/TARGET, seeded from tests/fuzz/corpus/TARGET and the other seed folders of
# tests/fuzz/targets.sh). Every crash, timeout, out-of-memory or leak input libFuzzer writes is
# copied to tests/fuzz/regressions/TARGET/, which CTest replays (tests/fuzz/ctest.sh): fix the
# defect, keep the input, commit both. Exit status 1 when any target found something.
# Two campaigns may run side by side (one target each); run them with `nice` on a shared machine.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
# shellcheck source=../tests/fuzz/targets.sh
source tests/fuzz/targets.sh

targets=("${DESKGATE_FUZZ_TARGETS[@]}")
if [ $# -ge 1 ] && [ "$1" != "all" ]; then targets=("$1"); fi
seconds="${2:-600}"
for t in "${targets[@]}"; do
  [[ " ${DESKGATE_FUZZ_TARGETS[*]} " == *" $t "* ]] || { echo "fuzz.sh: unknown target $t (one of: ${DESKGATE_FUZZ_TARGETS[*]})" >&2; exit 2; }
done

if [ "${DESKGATE_FUZZ_NO_BUILD:-0}" != 1 ]; then
  cmake --preset fuzz >/dev/null
  cmake --build --preset fuzz -j"$(nproc 2>/dev/null || echo 2)" --target "${targets[@]/#/fuzz_}"
fi

found=0
for t in "${targets[@]}"; do
  corpus="$root/build/fuzz/corpus/$t"
  artifacts="$root/build/fuzz/artifacts/$t"
  log="$root/build/fuzz/logs/$t.log"
  mkdir -p "$corpus" "$artifacts" "$(dirname "$log")"
  mapfile -t seeds < <(deskgate_fuzz_seeds "$t")
  dict="$(deskgate_fuzz_dict "$t")"
  before="$(find "$artifacts" -type f | sort)"
  echo "fuzz.sh: $t for ${seconds}s (corpus $corpus, log $log)"
  status=0
  "$root/build/fuzz/bin/fuzz_$t" -max_len=1048576 -timeout=5 -rss_limit_mb=2048 \
    -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$artifacts/" \
    ${dict:+"$dict"} "$corpus" "${seeds[@]}" >"$log" 2>&1 || status=$?
  grep -E '^#[0-9]+[[:space:]]+DONE|^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' "$log" || true
  # New crash/timeout/oom/leak inputs become regressions (named by libFuzzer's content hash).
  while IFS= read -r f; do
    [ -n "$f" ] || continue
    grep -qxF "$f" <<<"$before" && continue
    case "$(basename "$f")" in crash-*|timeout-*|oom-*|leak-*) ;; *) continue ;; esac
    mkdir -p "tests/fuzz/regressions/$t"
    cp "$f" "tests/fuzz/regressions/$t/"
    echo "fuzz.sh: $t: NEW $(basename "$f") -> tests/fuzz/regressions/$t/ (see $log)"
    found=1
  done < <(find "$artifacts" -type f | sort)
  if [ "$status" -ne 0 ] && [ "$found" -eq 0 ]; then
    echo "fuzz.sh: $t exited with $status without an input (see $log)" >&2
    found=1
  fi
done
exit "$found"
