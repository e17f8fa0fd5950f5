#!/usr/bin/env bash
# The vault benchmark (issue 5): a city-scale journal backed up and restored, beside restic doing the same for
# the same events exported as files, and a measured ransomware drill for the work lost (RPO).
#
# 1. Journal: bench_journalgen founds a city on a new node and writes --events events (default 10,000,000, a
#    large city's decade) through the node's own writer: bill payments, residents, changes of address, pets
#    with their rabies certificates, licenses issued and renewed at the counter (bench/journalgen.cc).
#    With --keep-journal DIR the node is kept in DIR (with the generator's summary in DIR/journalgen.json), and
#    --journal DIR runs the rest on such a node instead of writing a new one (the script only reads it).
# 2. `holdfast verify --data DIR`, timed: every hash, chain link, seal and the node log, then all state
#    refolded and compared. Its rate is the events' stored bytes (the journal proper) over its seconds. A verify
#    still running after --verify-deadline seconds (default 3600) is stopped and reported as unfinished, with
#    the stages it had reached, and the run goes on.
# 3. `holdfast backup --data DIR --vault VDIR` (a local directory vault), timed; the vault's size on disk (du).
#    Then `holdfast backup --image` to the same vault, timed: an image of the whole database (vault/image.h),
#    and what it added to the vault on disk.
# 4. `holdfast restore --vault VDIR --key KEY --data NEWDIR`, timed, with the time of each of its stages (from
#    its progress lines: manifests; fetching the image; checking the image's journal (hashes, chains, the node
#    log); storing and folding the packs after it; the seals and the log against the checkpoint; the state
#    digest; committing and moving the database into place); then `holdfast serve --data NEWDIR` until GET
#    /readyz answers 200. The goal figure is the time from the start of the restore to that answer. Then
#    `holdfast restore --refold` of the same vault, timed: every event stored and folded, ignoring the image.
# 5. restic (Debian's), in the same run: the same events exported as JSON Lines (one event's stored bytes per
#    line, in log order) in files of 100,000 events each, the shape of a nightly export a city would back up
#    with a general tool; `restic init` (repository format 2: compressed), `restic backup` timed, the
#    repository's size on disk, `restic restore latest --target` timed, and the restored files compared with
#    the export. Its password comes from RESTIC_PASSWORD_FILE (a file made in the run's directory).
# 6. RPO drill, --rpo-runs times: a new node serves with `--vault VDIR --backup-every 2` (the default push
#    interval) under bench_loadgen's write load (--rpo-clients connections posting new parties, each answer 201
#    logged with its time). At a random moment 10-20 s into the load, every file of the data directory is
#    overwritten in place with random bytes (shred) and the server is killed (SIGKILL) right after. The node is
#    restored from the vault with a copy of its backup key taken beforehand (the recovery sheet), and the
#    acknowledged parties missing from the restored node are counted. RPO = the moment the overwrite began
#    minus the acknowledgement time of the earliest acknowledged write that is missing (0 when none is).
#    Then one more drill on a copy of the city-scale node of step 1, its vault seeded by step 3's backup, with the
#    attack 60-120 s into the load (the node's first push digests all its state; later ones take the digest
#    its digest thread computes beside them, see docs/backup.md); skipped with --no-city-drill.
#
# Every wait has a deadline; the data directories, vaults and processes are removed on exit, also on failure
# or Ctrl-C. The page cache is left warm (the machine has the memory to keep what it wrote): both sides read
# their input from memory. Prints a summary, writes bench/out/latest-vault.json and the vault section of
# bench/RESULTS.md.
#
# Usage: bench/vault.sh [--events 10000000] [--rpo-runs 3] [--rpo-clients 16] [--no-restic] [--no-city-drill] [--verify-deadline 3600] [--keep-journal DIR | --journal DIR]
# Environment: BUILD (build directory, default build), TMPDIR (where the data goes: at the peak about 2 KB per
# event, 20 GB for 10,000,000).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
source bench/lib.sh

BUILD=${BUILD:-build}
OUT_DIR=bench/out
RESULTS=bench/RESULTS.md
events=10000000
rpo_runs=3
rpo_clients=16
restic=1
verify_deadline=3600
city_drill=1
keep_journal=""
journal=""
if (($#)); then invocation="bench/vault.sh $*"; else invocation="bench/vault.sh"; fi

while (($#)); do
  case "$1" in
    --events) events=${2:-}; shift 2 || usage ;;
    --rpo-runs) rpo_runs=${2:-}; shift 2 || usage ;;
    --rpo-clients) rpo_clients=${2:-}; shift 2 || usage ;;
    --no-restic) restic=0; shift ;;
    --no-city-drill) city_drill=0; shift ;;
    --verify-deadline) verify_deadline=${2:-}; shift 2 || usage ;;
    --keep-journal) keep_journal=${2:-}; shift 2 || usage ;;
    --journal) journal=${2:-}; shift 2 || usage ;;
    -h | --help) usage ;;
    *) echo "unknown argument: $1" >&2; usage ;;
  esac
done
[[ "$events" =~ ^[1-9][0-9]*$ && "$rpo_runs" =~ ^[0-9]+$ && "$rpo_clients" =~ ^[1-9][0-9]*$ ]] || usage
((events >= 1000)) || usage
[[ "$verify_deadline" =~ ^[1-9][0-9]*$ ]] || usage
[[ -z "$journal" || -z "$keep_journal" ]] || usage
[[ -z "$keep_journal" || ! -e "$keep_journal" ]] || { echo "$keep_journal exists already" >&2; exit 2; }
if [[ -n "$journal" ]]; then
  [[ -f "$journal/node.db" ]] || { echo "no node in $journal" >&2; exit 2; }
  journal=$(cd "$journal" && pwd)
fi


holdfast="$BUILD/holdfast"
for b in "$holdfast" "$BUILD/bench_journalgen" "$BUILD/bench_loadgen"; do
  [[ -x "$b" ]] || die "$b not found; build first (make build)"
done
command -v curl >/dev/null || die "curl not found"
command -v sqlite3 >/dev/null || die "sqlite3 not found (make deps)"
((restic == 0)) || command -v restic >/dev/null || die "restic not found (make deps)"

# Deadlines grow with the journal: a second per 2,000 events, at least 10 minutes.
long_deadline=$((events / 2000 > 600 ? events / 2000 : 600))

# --- temporary state and cleanup ---------------------------------------------------------------------------------

work=$(mktemp -d "${TMPDIR:-/tmp}/holdfast-vault-bench.XXXXXX")
pids=()

stop_pid() {  # pid: SIGTERM, up to 20 s, then SIGKILL
  local pid=$1 i
  kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 200; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local rc=$? pid
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do stop_pid "$pid"; done
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- small helpers -----------------------------------------------------------------------------------------------

now() { printf '%s' "${EPOCHREALTIME/./}"; }  # microseconds since the epoch
since() { calc "($(now) - $1) / 1e6" 3; }     # seconds since a now()
du_bytes() { du -sb "$1" | cut -f1; }
mib() { calc "$1 / 1048576" 1; }
gb() { calc "$1 / 1e9" 2; }

# Runs a command with a deadline; each line it writes to stderr goes to $1 prefixed with the time it was read
# (seconds since the epoch, microseconds), so the stages of its progress can be timed.
stamped() {  # file deadline command...
  local file=$1 deadline=$2 rc
  shift 2
  set +e
  {
    timeout --kill-after=10 "$deadline" "$@" 2>&1 1>&3 3>&- | while IFS= read -r line; do
      printf '%s %s\n' "$EPOCHREALTIME" "$line"
    done >"$file"
    rc=${PIPESTATUS[0]}
  } 3>&1
  set -e
  return "$rc"
}

# The time (seconds since the epoch) of the first stamped line matching a pattern, or of the last with -l.
stamp_of() {  # file pattern [-l]
  if [[ "${3:-}" == -l ]]; then
    grep -E "^[0-9.]+ .*$2" "$1" | tail -1 | cut -d' ' -f1 || true
  else
    grep -E "^[0-9.]+ .*$2" "$1" | head -1 | cut -d' ' -f1 || true
  fi
}
span() { calc "${2:-0} - ${1:-0}" 3; }  # from to (seconds since the epoch)

# Starts `holdfast serve` with the given arguments; sets serve_pid and serve_port.
serve_pid=""
serve_port=""
start_serve() {  # out-prefix args...
  local out=$1 i
  shift
  "$holdfast" serve --listen 127.0.0.1:0 "$@" >"$out.out" 2>"$out.err" &
  serve_pid=$!
  pids+=("$serve_pid")
  serve_port=""
  for ((i = 0; i < 1200; i++)); do  # up to 60 s
    serve_port=$(sed -n 's#.*listening on http://127\.0\.0\.1:\([0-9][0-9]*\).*#\1#p' "$out.out" | head -1)
    [[ -z "$serve_port" ]] || return 0
    kill -0 "$serve_pid" 2>/dev/null || die "holdfast serve exited: $(cat "$out.out" "$out.err")"
    sleep 0.05
  done
  die "holdfast serve did not print 'listening on http://127.0.0.1:PORT' within 60 s"
}

wait_ready() {  # port: waits up to 60 s for GET /readyz to answer 200
  local i status
  for ((i = 0; i < 6000; i++)); do
    status=$(curl -s --noproxy '*' --max-time 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/readyz" || true)
    [[ "$status" != 200 ]] || return 0
    sleep 0.01
  done
  die "GET /readyz did not answer 200 within 60 s (last: $status)"
}

# Signs in as the first administrator (from the init output in $1) and chooses a new password; prints the
# session token.
sign_in() {  # init-output port
  local username password body status token dir
  dir=$(dirname "$1")
  username=$(sed -n 's/^[[:space:]]*username:[[:space:]]*//p' "$1" | head -1)
  password=$(sed -n 's/^[[:space:]]*password:[[:space:]]*//p' "$1" | head -1)
  [[ -n "$username" && -n "$password" ]] || die "no 'username:' and 'password:' lines in $(cat "$1")"
  body=$(printf '{"username":"%s","password":"%s"}' "$(json_escape "$username")" "$(json_escape "$password")")
  status=$(curl -sS --noproxy '*' --max-time 10 -o "$dir/session.json" -w '%{http_code}' \
    -H 'Content-Type: application/json' --data-binary "$body" "http://127.0.0.1:$2/api/v1/sessions") ||
    die "sign-in request failed"
  [[ "$status" == 201 ]] || die "sign-in answered $status: $(cat "$dir/session.json")"
  token=$(sed -n 's/.*"token"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' "$dir/session.json" | head -1)
  [[ -n "$token" ]] || die "no token in the sign-in answer: $(cat "$dir/session.json")"
  body=$(printf '{"current_password":"%s","new_password":"bench-password-%s"}' "$(json_escape "$password")" "$$")
  status=$(curl -sS --noproxy '*' --max-time 10 -o "$dir/passwd.json" -w '%{http_code}' -X PUT \
    -H 'Content-Type: application/json' -H "Authorization: Bearer $token" --data-binary "$body" \
    "http://127.0.0.1:$2/api/v1/users/me/password") || die "password change request failed"
  [[ "$status" == 200 ]] || die "password change answered $status: $(cat "$dir/passwd.json")"
  printf '%s' "$token"
}

load_begin=$(cut -d' ' -f1 /proc/loadavg)
node="$work/node"
vault="$work/vault"

# --- 1. the journal ----------------------------------------------------------------------------------------------

if [[ -n "$journal" ]]; then
  node=$journal
  log "journal: the node in $node"
  events=$(sqlite3 -readonly "$node/node.db" 'SELECT COUNT(*) FROM events') || die "cannot read $node/node.db"
  long_deadline=$((events / 2000 > 600 ? events / 2000 : 600))
  gen=$(cat "$node/journalgen.json" 2>/dev/null || true)
  [[ -z "$gen" || "$(json_field "$gen" events)" == "$events" ]] ||
    die "$node/journalgen.json is not the summary of the journal in $node"
  body_bytes=$(sqlite3 -readonly "$node/node.db" 'SELECT SUM(LENGTH(body)) FROM events')
else
  log "journal: bench_journalgen --events $events"
  timeout --kill-after=10 "$long_deadline" "$BUILD/bench_journalgen" --data "$node" --events "$events" \
    >"$work/gen.out" 2> >(tee "$work/gen.err" | awk 'NR % 10 == 1 { print; fflush() }' >&2) ||
    die "bench_journalgen failed: $(tail -5 "$work/gen.err")"
  gen=$(grep '^{"events"' "$work/gen.out" | tail -1)
  [[ "$(json_field "$gen" events)" == "$events" ]] || die "bench_journalgen did not write $events events: $gen"
  body_bytes=$(json_field "$gen" body_bytes)
fi
node_bytes=$(du_bytes "$node")
[[ -n "$gen" ]] || gen=null
printf 'journal: %s events written in %s s (%s events/s); %s MiB of event bytes; data directory %s MiB\n' "$events" \
  "$(json_field "$gen" seconds)" "$(json_field "$gen" events_per_s)" "$(mib "$body_bytes")" "$(mib "$node_bytes")" >&2

# --- 2. verify ---------------------------------------------------------------------------------------------------

log "holdfast verify"
sync
t=$(now)
verify_start=$(calc "$t / 1e6" 6)
verify_finished=true
if stamped "$work/verify.err" "$verify_deadline" "$holdfast" verify --data "$node" >"$work/verify.out"; then
  verify_s=$(since "$t")
  grep -q '^intact: ' "$work/verify.out" || die "holdfast verify did not say intact: $(cat "$work/verify.out")"
else
  rc=$?
  ((rc == 124 || rc == 137)) || die "holdfast verify failed: $(cat "$work/verify.out" "$work/verify.err")"
  verify_finished=false
  verify_s=$(since "$t")
  printf 'verify: stopped after %s s, unfinished (--verify-deadline %s)\n' "$verify_s" "$verify_deadline" >&2
fi
verify_end=$(calc "$(now) / 1e6" 6)
# The journal's checks run on a thread of their own beside the refold: the checks' stages follow one another
# from the start, the refold runs from the start to its last progress line.
v_begin=$(stamp_of "$work/verify.err" 'checking event hashes, chains')
v_events=$(stamp_of "$work/verify.err" 'checked event hashes and chains')
v_seals=$(stamp_of "$work/verify.err" 'checked node certificates and seals')
v_log=$(stamp_of "$work/verify.err" 'checked the node log')
v_refold=$(stamp_of "$work/verify.err" 'refolded [0-9]* of' -l)
v_compare=$(stamp_of "$work/verify.err" 'comparing state tables')
# A stage not reached has no time; the one running when verify was stopped ran until then.
stage() { [[ -z "$1" ]] && echo null || span "$1" "${2:-$verify_end}"; }
verify_gbps=$(calc "$body_bytes / 1e9 / $verify_s" 3)
verify_stages=$(printf '{"open_s":%s,"events_s":%s,"seals_s":%s,"node_log_s":%s,"refold_s":%s,"compare_s":%s}' \
  "$(stage "$verify_start" "$v_begin")" "$(stage "$v_begin" "$v_events")" "$(stage "$v_events" "$v_seals")" \
  "$(stage "$v_seals" "$v_log")" "$(stage "$v_begin" "$v_refold")" "$(stage "$v_compare")")
checks_s=$(span "$v_begin" "${v_log:-$verify_end}")
checks_gbps=$(calc "$body_bytes / 1e9 / ($checks_s > 0 ? $checks_s : 0.001)" 3)
printf 'verify: %s s%s, %s GB/s of journal (hashes, chains, seals and node log alone: %s s, %s GB/s); stages %s\n' \
  "$verify_s" "$([[ "$verify_finished" == true ]] || echo ' (unfinished)')" "$verify_gbps" "$checks_s" \
  "$checks_gbps" "$verify_stages" >&2

# --- 3. backup ---------------------------------------------------------------------------------------------------

log "holdfast backup"
sync
t=$(now)
timeout --kill-after=10 "$long_deadline" "$holdfast" backup --data "$node" --vault "$vault" >"$work/backup.out" \
  2>"$work/backup.err" || die "holdfast backup failed: $(cat "$work/backup.out" "$work/backup.err")"
backup_s=$(since "$t")
sync
vault_bytes=$(du_bytes "$vault")
backup_packs=$(sed -n 's/.*, \([0-9]*\) packs, .*/\1/p' "$work/backup.out" | head -1)
printf 'backup: %s s; %s packs; vault %s MiB on disk (%s of the event bytes)\n' "$backup_s" "$backup_packs" \
  "$(mib "$vault_bytes")" "$(calc "$vault_bytes / $body_bytes" 2)" >&2
log "holdfast backup --image"
t=$(now)
timeout --kill-after=10 "$long_deadline" "$holdfast" backup --data "$node" --vault "$vault" --image \
  >"$work/image.out" 2>"$work/image.err" ||
  die "holdfast backup --image failed: $(cat "$work/image.out" "$work/image.err")"
image_backup_s=$(since "$t")
sync
image_bytes=$(($(du_bytes "$vault") - vault_bytes))
image_chunks=$(sed -n 's/.*image: the database at [0-9]* events, \([0-9]*\) chunks.*/\1/p' "$work/image.out" | head -1)
printf 'backup --image: %s s; %s chunks; %s MiB more on disk\n' "$image_backup_s" "${image_chunks:-?}" \
  "$(mib "$image_bytes")" >&2

# --- 4. restore and serve ----------------------------------------------------------------------------------------

log "holdfast restore, then serve until /readyz answers"
restored="$work/restored"
cp "$node/vault.key" "$work/vault.key"  # the recovery sheet's copy
sync
t=$(now)
r_start=$(calc "$t / 1e6" 6)
stamped "$work/restore.err" "$long_deadline" "$holdfast" restore --vault "$vault" --key "$work/vault.key" \
  --data "$restored" >"$work/restore.out" || die "holdfast restore failed: $(cat "$work/restore.out" "$work/restore.err")"
restore_s=$(since "$t")
r_end=$(calc "$(now) / 1e6" 6)
start_serve "$work/restored-serve" --data "$restored"
wait_ready "$serve_port"
serving_s=$(since "$t")
serve_s=$(calc "$serving_s - $restore_s" 3)
stop_pid "$serve_pid"
r_packs=$(stamp_of "$work/restore.err" 'storing and folding [0-9]* packs')
r_fetch=$(stamp_of "$work/restore.err" 'fetching the image')
r_image_check=$(stamp_of "$work/restore.err" "checking the image's")
r_check=$(stamp_of "$work/restore.err" 'checking the seals and the restored log')
r_digest=$(stamp_of "$work/restore.err" 'computing the state digest')
r_commit=$(stamp_of "$work/restore.err" 'committing the restored database')
[[ -n "$r_fetch" ]] || r_fetch=$r_packs
[[ -n "$r_image_check" ]] || r_image_check=$r_packs
[[ -n "$r_digest" ]] || r_digest=$r_commit
restore_stages=$(printf '{"manifests_s":%s,"image_fetch_s":%s,"image_check_s":%s,"packs_s":%s,"seals_and_log_check_s":%s,"digest_s":%s,"commit_s":%s}' \
  "$(span "$r_start" "$r_fetch")" "$(span "$r_fetch" "$r_image_check")" "$(span "$r_image_check" "$r_packs")" \
  "$(span "$r_packs" "$r_check")" "$(span "$r_check" "$r_digest")" "$(span "$r_digest" "$r_commit")" \
  "$(span "$r_commit" "$r_end")")
restored_bytes=$(du_bytes "$restored")
node_digest=$("$holdfast" digest --data "$node") || die "holdfast digest failed on the node"
restored_digest=$("$holdfast" digest --data "$restored") || die "holdfast digest failed on the restored node"
[[ "$node_digest" == "$restored_digest" ]] || die "the restored node's digest $restored_digest is not $node_digest"
goal_met=$(awk -v s="$serving_s" 'BEGIN { print (s <= 60) ? "true" : "false" }')
printf 'restore: %s s, serving %s s after the restore began (serve start %s s); stages %s\n' "$restore_s" \
  "$serving_s" "$serve_s" "$restore_stages" >&2
rm -rf "$restored"
log "holdfast restore --refold (every event stored and folded)"
sync
t=$(now)
timeout --kill-after=10 "$long_deadline" "$holdfast" restore --refold --vault "$vault" --key "$work/vault.key" \
  --data "$restored" >"$work/refold.out" 2>"$work/refold.err" ||
  die "holdfast restore --refold failed: $(cat "$work/refold.out" "$work/refold.err")"
refold_s=$(since "$t")
refolded_digest=$("$holdfast" digest --data "$restored") || die "holdfast digest failed on the refolded node"
[[ "$node_digest" == "$refolded_digest" ]] || die "the refolded node's digest $refolded_digest is not $node_digest"
printf 'restore --refold: %s s\n' "$refold_s" >&2
rm -rf "$restored"

# --- 5. restic ---------------------------------------------------------------------------------------------------

restic_json=null
if ((restic)); then
  log "restic: export the events as JSON Lines files of 100,000 events"
  export_dir="$work/export"
  mkdir -p "$export_dir"
  t=$(now)
  sqlite3 -readonly "$node/node.db" 'SELECT body FROM events ORDER BY stored' |
    split -l 100000 -d -a 5 --additional-suffix=.jsonl - "$export_dir/events-" ||
    die "exporting the events failed"
  export_s=$(since "$t")
  export_files=$(find "$export_dir" -type f | wc -l)
  export_bytes=$(du_bytes "$export_dir")
  export_lines=$(cat "$export_dir"/*.jsonl | wc -l)
  ((export_lines == events)) || die "the export holds $export_lines lines, not $events"
  printf 'export: %s files, %s MiB, %s s\n' "$export_files" "$(mib "$export_bytes")" "$export_s" >&2

  export RESTIC_PASSWORD_FILE="$work/restic.password"
  export RESTIC_CACHE_DIR="$work/restic-cache"
  head -c 32 /dev/urandom | base64 >"$RESTIC_PASSWORD_FILE"
  repo="$work/restic-repo"
  log "restic init, backup"
  timeout --kill-after=10 120 restic init --repository-version 2 -r "$repo" >"$work/restic-init.out" 2>&1 ||
    die "restic init failed: $(cat "$work/restic-init.out")"
  sync
  t=$(now)
  timeout --kill-after=10 "$long_deadline" restic -r "$repo" backup --json "$export_dir" >"$work/restic-backup.out" \
    2>"$work/restic-backup.err" || die "restic backup failed: $(tail -5 "$work/restic-backup.err")"
  restic_backup_s=$(since "$t")
  sync
  repo_bytes=$(du_bytes "$repo")
  printf 'restic backup: %s s; repository %s MiB on disk\n' "$restic_backup_s" "$(mib "$repo_bytes")" >&2
  log "restic restore"
  sync
  t=$(now)
  timeout --kill-after=10 "$long_deadline" restic -r "$repo" restore latest --target "$work/restic-restore" \
    >"$work/restic-restore.out" 2>&1 || die "restic restore failed: $(tail -5 "$work/restic-restore.out")"
  restic_restore_s=$(since "$t")
  diff -r "$export_dir" "$work/restic-restore$export_dir" >/dev/null ||
    die "restic restored other files than the export"
  printf 'restic restore: %s s (files identical to the export)\n' "$restic_restore_s" >&2
  restic_version=$(restic version | cut -d' ' -f2)
  restic_json=$(printf '{"version":"%s","export_s":%s,"files":%d,"export_bytes":%d,"backup_s":%s,"repo_bytes":%d,"restore_s":%s}' \
    "$restic_version" "$export_s" "$export_files" "$export_bytes" "$restic_backup_s" "$repo_bytes" "$restic_restore_s")
  rm -rf "$export_dir" "$work/restic-restore" "$repo" "$RESTIC_CACHE_DIR"
fi
# --- 6. RPO drill ------------------------------------------------------------------------------------------------

rpo_rows=()
rpo_max=""
rpo_drill() {  # run-number [city]
  local k=$1 city=${2:-} dir="$work/rpo-$1" token attack_ms kill_ms attack_after load_s acks acked_before missing
  local first_missing rpo_ms restore_s load_pid f last_ack node_events=0
  mkdir -p "$dir"
  if [[ -n "$city" ]]; then
    # A copy of the city-scale node and of its vault (which holds its backup already); a new one-time
    # password for its administrator.
    cp -a "$node" "$dir/node"
    rm -f "$dir/node/journalgen.json"
    cp -a "$vault" "$dir/vault"
    "$holdfast" user passwd --data "$dir/node" --username admin >"$dir/init.out" 2>&1 ||
      die "holdfast user passwd failed: $(cat "$dir/init.out")"
    node_events=$events
  else
    "$holdfast" init --data "$dir/node" --city "Drill City" --node central >"$dir/init.out" 2>&1 ||
      die "holdfast init failed: $(cat "$dir/init.out")"
  fi
  cp "$dir/node/vault.key" "$dir/vault.key"  # the recovery sheet's copy, kept off the node
  start_serve "$dir/serve" --data "$dir/node" --vault "$dir/vault" --backup-every 2
  token=$(sign_in "$dir/init.out" "$serve_port")
  if [[ -n "$city" ]]; then
    attack_after=$(calc "60 + $RANDOM % 60001 / 1000" 3)  # 60 to 120 s: several pushes of a large node
    load_s=125
  else
    attack_after=$(calc "10 + $RANDOM % 10001 / 1000" 3)  # 10 to 20 s into the load
    load_s=25
  fi
  log "RPO drill $k${city:+ (city-scale node)}: $rpo_clients clients posting parties; the attack ${attack_after} s into the load"
  timeout --kill-after=10 $((load_s + 60)) "$BUILD/bench_loadgen" --host 127.0.0.1 --port "$serve_port" \
    --token "$token" --clients "$rpo_clients" --seconds "$load_s" --acks "$dir/acks" >"$dir/load.out" \
    2>"$dir/load.err" &
  load_pid=$!
  pids+=("$load_pid")
  sleep "$attack_after"
  kill -0 "$serve_pid" 2>/dev/null || die "the node died before the attack: $(tail -5 "$dir/serve.err")"
  # The attack: every file of the data directory overwritten in place, then the server killed.
  attack_ms=$(date +%s%3N)
  # shred's closing fdatasync can fail (EIO) on node.db-shm, which the server has mapped; the bytes are
  # overwritten by then, so that failure does not stop the drill.
  for f in "$dir/node"/*; do
    if [[ -f "$f" && -s "$f" ]]; then shred -n 1 "$f" 2>>"$dir/shred.err" || true; fi
  done
  kill -KILL "$serve_pid"
  kill_ms=$(date +%s%3N)
  wait "$serve_pid" 2>/dev/null || true
  wait "$load_pid" || true  # the load runs to its end, failing to connect once the node is gone
  [[ -s "$dir/acks" ]] || die "bench_loadgen logged no acknowledged write: $(cat "$dir/load.out" "$dir/load.err")"

  t=$(now)
  timeout --kill-after=10 "$long_deadline" "$holdfast" restore --vault "$dir/vault" --key "$dir/vault.key" \
    --data "$dir/restored" >"$dir/restore.out" 2>"$dir/restore.err" ||
    die "restoring after the attack failed: $(cat "$dir/restore.out" "$dir/restore.err")"
  restore_s=$(since "$t")
  sqlite3 -readonly "$dir/restored/node.db" 'SELECT id FROM parties' | sort >"$dir/restored-ids"
  sort -k2,2 "$dir/acks" >"$dir/acks-by-id"
  # Acknowledged writes the restored node lacks, with their acknowledgement times.
  join -1 2 -2 1 -v 1 -o 1.1,1.2 "$dir/acks-by-id" "$dir/restored-ids" | sort -n >"$dir/missing"
  acks=$(wc -l <"$dir/acks")
  acked_before=$(awk -v a="$attack_ms" '$1 <= a' "$dir/acks" | wc -l)
  missing=$(wc -l <"$dir/missing")
  last_ack=$(sort -n "$dir/acks" | tail -1 | cut -d' ' -f1)
  if ((missing > 0)); then
    first_missing=$(head -1 "$dir/missing" | cut -d' ' -f1)
    rpo_ms=$((attack_ms - first_missing))
    ((rpo_ms > 0)) || rpo_ms=0
  else
    first_missing=null
    rpo_ms=0
  fi
  printf 'drill %d: %d writes acknowledged (%d before the attack, the last %d ms after it); %d missing after the restore; RPO %d ms (restore %s s)\n' \
    "$k" "$acks" "$acked_before" "$((last_ack - attack_ms))" "$missing" "$rpo_ms" "$restore_s" >&2
  rpo_rows+=("$(printf '{"run":%d,"node_events":%d,"attack_after_s":%s,"kill_after_attack_ms":%d,"acked":%d,"acked_before_attack":%d,"missing":%d,"first_missing_ack_ms":%s,"attack_ms":%d,"rpo_ms":%d,"restore_s":%s}' \
    "$k" "$node_events" "$attack_after" "$((kill_ms - attack_ms))" "$acks" "$acked_before" "$missing" "$first_missing" "$attack_ms" \
    "$rpo_ms" "$restore_s")")
  if [[ -z "$rpo_max" ]] || ((rpo_ms > rpo_max)); then rpo_max=$rpo_ms; fi
  rm -rf "$dir"
}
for ((k = 1; k <= rpo_runs; k++)); do rpo_drill "$k"; done
((city_drill == 0)) || rpo_drill $((rpo_runs + 1)) city

if [[ -n "$keep_journal" ]]; then
  printf '%s\n' "$gen" >"$node/journalgen.json"
  mv "$node" "$keep_journal"
  log "kept the journal's node in $keep_journal"
elif [[ -z "$journal" ]]; then
  rm -rf "$node"
fi
rm -rf "$vault"


# --- report ------------------------------------------------------------------------------------------------------

describe_run "$work"
load_end=$(cut -d' ' -f1 /proc/loadavg)
rpo_goal_met=null
[[ -z "$rpo_max" ]] || rpo_goal_met=$(awk -v r="$rpo_max" 'BEGIN { print (r <= 5000) ? "true" : "false" }')
verify_goal_met=$(awk -v g="$verify_gbps" -v f="$verify_finished" 'BEGIN { print (f == "true" && g >= 1) ? "true" : "false" }')
rpo_json=$(IFS=,; printf '[%s]' "${rpo_rows[*]:-}")
mkdir -p "$OUT_DIR"
printf '{"date":"%s","commit":"%s","nproc":%d,"cpu":"%s","mem_gib":%s,"tmp_fs":"%s","load_begin":%s,"load_end":%s,"events":%d,"generate":%s,"body_bytes":%d,"node_bytes":%d,"verify_finished":%s,"verify_s":%s,"verify_gb_per_s":%s,"verify_stages":%s,"backup_s":%s,"backup_packs":%s,"vault_bytes":%d,"image_backup_s":%s,"image_chunks":%s,"image_bytes":%d,"restore_s":%s,"refold_restore_s":%s,"restore_stages":%s,"serve_s":%s,"serving_s":%s,"restored_bytes":%d,"goal_serving_met":%s,"goal_verify_met":%s,"restic":%s,"rpo_runs":%s,"rpo_max_ms":%s,"goal_rpo_met":%s}\n' \
  "$date_utc" "$commit" "$cpus" "$(json_escape "$cpu_model")" "$mem_gib" "$fs_type" "$load_begin" "$load_end" \
  "$events" "$gen" "$body_bytes" "$node_bytes" "$verify_finished" "$verify_s" "$verify_gbps" "$verify_stages" "$backup_s" \
  "${backup_packs:-null}" "$vault_bytes" "$image_backup_s" "${image_chunks:-null}" "$image_bytes" "$restore_s" \
  "$refold_s" "$restore_stages" "$serve_s" "$serving_s" "$restored_bytes" \
  "$goal_met" "$verify_goal_met" "$restic_json" "$rpo_json" "${rpo_max:-null}" "$rpo_goal_met" >"$OUT_DIR/latest-vault.json"
log "wrote $OUT_DIR/latest-vault.json"

met() { [[ "$1" == true ]] && echo met || echo 'not met'; }
rf() { json_field "$restic_json" "$1"; }
{
  echo "## Latest run: vault"
  echo
  echo "- Date: $date_utc"
  echo "- Commit: $commit"
  echo "- Machine: $cpus CPUs (\`nproc\`), $cpu_model, $mem_gib GiB of memory; data on $fs_type; 1-minute load" \
    "average $load_begin when the run began, $load_end at its end (the machine is shared)"
  echo "- Command: \`$invocation\`"
  echo
  if [[ "$gen" == null ]]; then
    echo "Journal: $events events (the node given with \`--journal\`, not written in this run);" \
      "$(mib "$body_bytes") MiB of event bytes, data directory $(mib "$node_bytes") MiB."
  else
    echo "Journal: $events events written by \`bench_journalgen\`$([[ -z "$journal" ]] || echo ' in an earlier run') in" \
      "$(json_field "$gen" seconds) s ($(json_field "$gen" events_per_s) events/s, $(json_field "$gen" commands)" \
      "commands in $(json_field "$gen" batches) writer batches); $(mib "$body_bytes") MiB of event bytes, data" \
      "directory $(mib "$node_bytes") MiB."
  fi
  echo
  echo "| | Holdfast | restic $( [[ "$restic_json" == null ]] || rf version) |"
  echo "|---|---:|---:|"
  if [[ "$restic_json" == null ]]; then
    echo "| Input | node data directory, $(mib "$node_bytes") MiB | not run (\`--no-restic\`) |"
    echo "| Backup | $backup_s s | |"
    echo "| Backup on disk | $(mib "$vault_bytes") MiB ($backup_packs packs) | |"
    echo "| Image (\`backup --image\`) | $image_backup_s s, $(mib "$image_bytes") MiB more on disk ($image_chunks chunks) | |"
    echo "| Restore | $restore_s s (from the image; journal verified) | |"
    echo "| Restore with \`--refold\` | $refold_s s (every event stored and folded) | |"
  else
    echo "| Input | node data directory, $(mib "$node_bytes") MiB | JSON Lines export, $(rf files) files," \
      "$(mib "$(rf export_bytes)") MiB (exported in $(rf export_s) s) |"
    echo "| Backup | $backup_s s | $(rf backup_s) s |"
    echo "| Backup on disk | $(mib "$vault_bytes") MiB ($backup_packs packs) | $(mib "$(rf repo_bytes)") MiB |"
    echo "| Image (\`backup --image\`) | $image_backup_s s, $(mib "$image_bytes") MiB more on disk ($image_chunks chunks) | — |"
    echo "| Restore | $restore_s s (from the image; journal verified) | $(rf restore_s) s (files only) |"
    echo "| Restore with \`--refold\` | $refold_s s (every event stored and folded) | — |"
  fi
  echo "| Restore start to serving (\`/readyz\` 200) | **$serving_s s** | — |"
  echo
  echo "Goals: restored, verified and serving in ≤ 60 s: **$(met "$goal_met")** ($serving_s s)." \
    "\`holdfast verify\` ≥ 1 GB/s of journal: **$(met "$verify_goal_met")**" \
    "($([[ "$verify_finished" == true ]] || echo 'less than ')$verify_gbps GB/s:" \
    "$([[ "$verify_finished" == true ]] || echo 'stopped unfinished after ')$verify_s s for" \
    "$(gb "$body_bytes") GB of event bytes; its checks of hashes, chains, seals and the node log alone took" \
    "$checks_s s, $checks_gbps GB/s, on a thread of their own beside the refold of all state, which with the" \
    "comparison of the tables is the rest)." \
    "RPO ≤ 5 s: **$([[ "$rpo_goal_met" == null ]] && echo 'not run' || met "$rpo_goal_met")**" \
    "(worst of ${#rpo_rows[@]} drills: ${rpo_max:-—} ms)."
  echo
  echo "Stages of \`holdfast restore\` (s, from its progress lines): manifests $(json_field "$restore_stages" manifests_s)," \
    "fetching and opening the image $(json_field "$restore_stages" image_fetch_s), checking its journal (hashes," \
    "chains, the node log's root) $(json_field "$restore_stages" image_check_s)," \
    "fetching, opening, checking, storing and folding the packs after it" \
    "$(json_field "$restore_stages" packs_s), the seals and the log against the checkpoint" \
    "$(json_field "$restore_stages" seals_and_log_check_s), the state digest $(json_field "$restore_stages" digest_s)," \
    "committing, key files and moving the database into place $(json_field "$restore_stages" commit_s); then" \
    "\`holdfast serve\` answered \`/readyz\` $serve_s s after the restore ended."
  echo
  vs() { local v; v=$(json_field "$verify_stages" "$1"); echo "${v:-not reached}"; }
  echo "Stages of \`holdfast verify\` (s): opening $(vs open_s); on one thread, event hashes and chains" \
    "$(vs events_s), certificates and seals $(vs seals_s), node log $(vs node_log_s); beside them, refolding every" \
    "aggregate $(vs refold_s)$([[ "$verify_finished" == true ]] || echo ' (stopped there)'); then comparing state" \
    "tables $(vs compare_s)."
  if ((${#rpo_rows[@]} > 0)); then
    echo
    echo "RPO drills (\`serve --backup-every 2\` to a directory vault, $rpo_clients clients posting new parties; data" \
      "directory overwritten with random bytes, then SIGKILL; restore from the vault):"
    echo
    echo "| Drill | Node's events before | Attack after s | SIGKILL after the attack ms | Acknowledged |" \
      "Before the attack | Missing after restore | RPO ms | Restore s |"
    echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    for row in "${rpo_rows[@]}"; do
      printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$(json_field "$row" run)" \
        "$(json_field "$row" node_events | sed 's/^0$/new node/')" \
        "$(json_field "$row" attack_after_s)" "$(json_field "$row" kill_after_attack_ms)" "$(json_field "$row" acked)" \
        "$(json_field "$row" acked_before_attack)" "$(json_field "$row" missing)" "$(json_field "$row" rpo_ms)" \
        "$(json_field "$row" restore_s)"
    done
    echo
    echo "RPO = the moment the overwrite began minus the acknowledgement time of the earliest acknowledged write" \
      "missing after the restore (writes acknowledged while the files were being overwritten count as missing" \
      "too, but they are later than the attack, so they never make the RPO larger)."
  fi
} >"$work/section.md"
cat "$work/section.md" >&2

replace_results_section vault "$work/section.md" "$RESULTS"
log "wrote $RESULTS"
