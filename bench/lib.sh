# Helpers shared by the benchmark scripts (bench/run.sh, bench/vault.sh); sourced, not run.

usage() { sed -n 's/^# Usage: //p' "$0" >&2; exit 2; }
log() { printf '== %s\n' "$*" >&2; }
die() { printf 'bench: error: %s\n' "$*" >&2; exit 1; }

json_escape() {
  local s=$1
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  s=${s//$'\t'/\\t}
  s=${s//$'\n'/\\n}
  s=${s//$'\r'/\\r}
  printf '%s' "$s"
}

# Prints the value of a top-level number or string field of a one-line JSON object (our own, flat output).
json_field() {
  sed -n "s/.*\"$2\":\(\"[^\"]*\"\|[-0-9.eE+]*\).*/\1/p" <<<"$1" | head -1 | tr -d '"'
}

calc() { awk "BEGIN { printf \"%.${2:-1}f\", $1 }"; }

# Sets date_utc, cpus, cpu_model, mem_gib, fs_type (of the file system holding $1, default $TMPDIR) and commit
# for the report.
describe_run() {
  date_utc=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  cpus=$(nproc)
  cpu_model=$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo | head -1)
  # The mount's type (stat -f names every ext filesystem "ext2/ext3").
  fs_type=$(findmnt -n -o FSTYPE -T "${1:-${TMPDIR:-/tmp}}" 2>/dev/null || stat -f -c %T "${1:-${TMPDIR:-/tmp}}")
  mem_gib=$(awk '/^MemTotal:/ { printf "%.0f", $2 / 1048576 }' /proc/meminfo)
  commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
  if [[ -n "$(git status --porcelain --untracked-files=no -- . ':!bench/RESULTS.md' 2>/dev/null)" ]]; then
    commit="$commit+dirty"
  fi
}

# replace_results_section NAME SECTION FILE: puts the text of file SECTION between the markers
# <!-- results:NAME --> and <!-- /results:NAME --> of FILE, in place of what was there (or, without those markers,
# at the end). Everything outside the markers (notes written by hand among them) is kept.
replace_results_section() {
  local begin="<!-- results:$1 -->" end="<!-- /results:$1 -->"
  if [[ -f "$3" ]] && grep -qxF "$begin" "$3"; then
    awk -v b="$begin" -v e="$end" -v f="$2" '
      $0 == b { print; while ((getline line < f) > 0) print line; skip = 1; next }
      $0 == e { skip = 0 }
      !skip { print }' "$3" >"$3.new"
  else
    { [[ ! -f "$3" ]] || cat "$3"; echo "$begin"; cat "$2"; echo "$end"; echo; } >"$3.new"
  fi
  mv "$3.new" "$3"
}
