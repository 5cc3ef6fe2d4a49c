#!/usr/bin/env bash
# core/'s folders follow the data flow (core/README.md): a file includes only from its own
# folder and the folders above it (base, mail, model, store, policy, compose, decision), never
# from lmtp/, milter/, cli/, config/ or common/; and no core source file passes 600 lines.
set -euo pipefail
: "${DESKGATE_SOURCE_DIR:?}"
exec python3 - "$DESKGATE_SOURCE_DIR" <<'PY'
import os, re, sys
src = sys.argv[1]
order = ["base", "mail", "model", "store", "policy", "compose", "decision"]
failures = []
for root, _, files in os.walk(os.path.join(src, "core")):
    for f in files:
        if not f.endswith((".cpp", ".hpp")): continue
        path = os.path.join(root, f)
        rel = os.path.relpath(path, os.path.join(src, "core"))
        folder = rel.split(os.sep)[0]
        if folder not in order:
            failures.append(f"core/{rel}: not in one of the layer folders"); continue
        text = open(path, encoding="utf-8").read()
        if text.count("\n") > 600: failures.append(f"core/{rel}: {text.count(chr(10))} lines (over 600)")
        for inc in re.findall(r'#include "([^"]+)"', text):
            top = inc.split("/")[0]
            if top in ("lmtp", "milter", "cli", "config", "common"):
                failures.append(f"core/{rel}: includes {inc} (outside core)")
            elif top == "core":
                other = inc.split("/")[1]
                if other not in order or order.index(other) > order.index(folder):
                    failures.append(f"core/{rel}: includes {inc} (a layer above {folder})")
for f in failures: print("FAIL " + f)
print(f"{0 if failures else 1} passed, {1 if failures else 0} failed")
sys.exit(1 if failures else 0)
PY
