#!/usr/bin/env bash
# The main job, end to end on this machine: installs what is needed, builds deskgate, checks
# the shipped example config, and turns a sample mail into a ticket with `deskgate ingest`,
# then shows the ticket. The store lives in build/example-store (recreated on every run).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
jobs="$(nproc 2>/dev/null || echo 2)"
cmake --preset release >/dev/null
cmake --build --preset release -j"$jobs" --target deskgate
bin=build/release/bin/deskgate
config=config/examples/deskgate.toml
store=build/example-store
rm -rf "$store"

echo "== deskgate check-config $config"
"$bin" check-config "$config"
echo
echo "== deskgate ingest config/examples/sample-mail.eml --to support@helpdesk.example.com"
"$bin" ingest config/examples/sample-mail.eml --to support@helpdesk.example.com \
    --config "$config" --store "$store"
echo
echo "== deskgate tickets"
"$bin" tickets --config "$config" --store "$store"
echo
echo "== deskgate show 10-1"
"$bin" show 10-1 --config "$config" --store "$store"
