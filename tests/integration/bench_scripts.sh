#!/usr/bin/env bash
# Every bench/*.sh started with a BIN_DIR that lacks its binaries stops before starting
# anything: exit status not 0, one message naming the missing targets and the command that
# builds them (the preset read off BIN_DIR), and no Python traceback.
set -euo pipefail
: "${DESKGATE_SOURCE_DIR:?}"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/deskgate-bench-scripts.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
bindir="$tmp/build/ci/bin"
mkdir -p "$bindir"
failed=0
passed=0
for script in "$DESKGATE_SOURCE_DIR"/bench/*.sh; do
    name="$(basename "$script")"
    [ "$name" = require.sh ] && continue
    rc=0
    timeout 60 bash "$script" --smoke "$bindir" >"$tmp/out" 2>"$tmp/err" || rc=$?
    if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && grep -q "cmake --build --preset ci --target " "$tmp/err" &&
       ! grep -q Traceback "$tmp/err" "$tmp/out"; then
        echo "ok   $name: $(tail -n 1 "$tmp/err")"
        passed=$((passed + 1))
    else
        echo "FAIL $name: exit $rc"
        sed 's/^/    /' "$tmp/err" | tail -n 5
        failed=$((failed + 1))
    fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
