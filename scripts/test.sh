#!/usr/bin/env bash
# Installs the build and test dependencies, builds with the `ci` preset (ASan+UBSan, -Werror)
# and runs every test (unit, integration, benchmark smoke runs). Exit status 0 = all passed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
jobs="$(nproc 2>/dev/null || echo 2)"
cmake --preset ci
cmake --build --preset ci -j"$jobs"
ctest --preset ci -j"$jobs"
