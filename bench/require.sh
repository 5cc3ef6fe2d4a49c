# require.sh - sourced by the bench scripts: before anything starts, every binary a benchmark
# runs must be built in BIN_DIR; else one message names what is missing and the command that
# builds it (the preset read off BIN_DIR, build/<preset>/bin), and the script exits 1.
#   require_built BIN_DIR TARGET...
require_built() {
    local bindir="${1%/}" preset=release missing=() t
    shift
    case "$bindir" in *build/*/bin) preset="$(basename "$(dirname "$bindir")")" ;; esac
    for t in "$@"; do
        [ -x "$bindir/$t" ] || missing+=("$t")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        echo "$(basename "$0"): not built in $bindir: ${missing[*]}" >&2
        echo "build it first: cmake --preset $preset && cmake --build --preset $preset --target ${missing[*]}" >&2
        exit 1
    fi
}
