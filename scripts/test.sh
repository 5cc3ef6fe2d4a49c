#!/usr/bin/env bash
# Installs the build and test dependencies, builds with the `ci` preset (ASan+UBSan, -Werror)
# and runs every test (unit, integration, benchmark smoke runs), then builds the libFuzzer
# targets (preset `fuzz`, clang) and runs each over its seeds plus a few seconds of mutations,
# and replays every kept regression input (tests/fuzz). Exit status 0 = all passed.
# The Debian package is built from a separate release build (preset `package`, no tests) and
# handed to tests/integration/package_install.sh through DESKGATE_PACKAGE: the ASan build is
# never what gets packaged, and the test does not build it a second time.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
jobs="$(nproc 2>/dev/null || echo 2)"
cmake --preset ci
cmake --build --preset ci -j"$jobs"
cmake --preset package >/dev/null
cmake --build --preset package -j"$jobs"
rm -f build/package/deskgate_*.deb
cpack --preset package >/dev/null
DESKGATE_PACKAGE="$(ls "$PWD"/build/package/deskgate_*.deb)"
export DESKGATE_PACKAGE
echo "test.sh: package $DESKGATE_PACKAGE"
ctest --preset ci -j"$jobs"
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j"$jobs"
ctest --preset fuzz -j"$jobs"
