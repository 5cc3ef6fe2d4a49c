# targets.sh - sourced by ctest.sh and scripts/fuzz.sh: the fuzz targets and the seed folders
# of each, relative to the project root. ../shared/corpus (real-world and broken mail, kept
# beside the project, never copied into it) is used when it is there.
DESKGATE_FUZZ_TARGETS=(lmtp_protocol message config template html_text address authentication_results
                       subject_tag date header_encoding)

# Prints the seed folders of target $1 that exist, one per line, as absolute paths.
deskgate_fuzz_seeds() {
  local root dirs=()
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  dirs+=("tests/fuzz/corpus/$1")
  case "$1" in
    message) dirs+=(tests/data/message tests/data/charsets tests/data/engine ../shared/corpus/mail-gem) ;;
    config) dirs+=(config/examples tests/data/config tests/data/engine tests/data/integration) ;;
    html_text) dirs+=(tests/data/replies) ;;
    address|authentication_results|date) dirs+=(../shared/corpus/mail-gem/rfc2822) ;;
  esac
  local d
  for d in "${dirs[@]}"; do
    [ -d "$root/$d" ] && (cd "$root/$d" && pwd)
  done
  return 0
}

# Prints the libFuzzer -dict= option for target $1, if it has a dictionary.
deskgate_fuzz_dict() {
  local f
  f="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/dict/$1.dict"
  if [ -f "$f" ]; then echo "-dict=$f"; fi
  return 0
}
