#!/usr/bin/env bash
# The Holdfast benchmark (`make bench`): a node against PostgreSQL 15 doing the equivalent durable write.
#
# 1. Node: `holdfast init` a fresh data directory, `holdfast serve` it on 127.0.0.1 (port chosen by the kernel) and
#    sign in. Load: bench_loadgen (POST /api/v1/parties, one keep-alive connection per client) for the measured
#    time after a warm-up.
# 2. PostgreSQL 15 (Debian packages, default settings: fsync=on, synchronous_commit=on) in a temporary cluster on
#    127.0.0.1 and a free port, run as the `postgres` user when we are root. The same write as one transaction:
#    insert an event row (300-byte body, its sha256), insert a party row, insert the event's aggregate-index row
#    (three statements, as the node's command writes them; no shared hot row, so PostgreSQL is not serialised on
#    a row lock and gets its best group-commit rate).
#    Load: pgbench for the measured time after a warm-up run, with a per-transaction log for percentiles.
# 3. Both systems are started once and stay up for the whole run (the idle one costs almost nothing). The speed of
#    a small VM drifts from minute to minute, so the two are measured in alternation: each of the R rounds runs,
#    at each client count in order, the node and then PostgreSQL back to back, so the two sides of a comparison
#    are measured within seconds of each other.
# 4. Per system and client count the median round by rate is reported (for an even R the lower of the two middle
#    ones), with that round's latencies and errors, and the lowest and highest rate of all rounds. The ratio at the
#    last client count is the median node rate over the median PostgreSQL rate; the ratio of each round (node rate
#    over PostgreSQL rate in that round) and the median of those are reported beside it.
# 5. Prints a table, writes bench/out/latest.json and rewrites bench/RESULTS.md from this run.
#
# Workloads (--workload): `parties` (the default; the write above) and `counter`: a license renewal, its payment
# and its receipt as one command (POST /api/v1/counter/sales), against PostgreSQL doing the same reads and writes
# in one transaction (read the license and pet, the fee schedule and the drawer; update the license; insert two
# events with their aggregate rows, the receipt, its item and its tender: twelve statements). The node is first
# given a fee schedule, tag ranges, and as many pets and licenses as the rounds will renew (each license renews
# once), through its own API; PostgreSQL gets a million licenses.
#
# Workload `catchup` (no PostgreSQL): how long an office node takes to catch up after missing --events events.
# The central node is initialised, served and signed in to as above; R offices (one per round) are enrolled with
# `holdfast node invite` and `holdfast join` and stay stopped; bench_loadgen then writes the events at the central
# node (new parties, --clients connections, --count). Each round one office catches up with one `holdfast sync
# --peer` (wall clock from start to exit; the command's own report gives the time it waited for the peer and
# the time spent verifying and storing, stages that overlap), then `holdfast rebuild` folds the same office's
# whole journal from scratch, and its state digest must equal the central node's. Baselines: the central node's
# write rate, and the rebuild. The median round is the one with the median catch-up time (of an even R the
# slower middle one); the goal is <= 3 s. Writes bench/out/latest-catchup.json and the catchup section of
# bench/RESULTS.md.
#
# Usage: bench/run.sh [--workload parties|counter|catchup] [--only node|postgres] [--clients "16 64"] [--rounds 3] [--seconds 10] [--warmup 2] [--events 100000]
# Environment: BUILD (build directory, default build), TMPDIR (where the data directories go).
# Everything runs on 127.0.0.1; every wait has a deadline; temporary directories and processes are removed on
# exit, also on failure or Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
source bench/lib.sh

BUILD=${BUILD:-build}
PG_BIN=/usr/lib/postgresql/15/bin
OUT_DIR=bench/out
RESULTS=bench/RESULTS.md
only=""
workload=parties
clients_list=""
rounds=3
run_seconds=10
warmup=2
catchup_events=100000
if (($#)); then invocation="bench/run.sh $*"; else invocation="make bench"; fi

while (($#)); do
  case "$1" in
    --only) only=${2:-}; shift 2 || usage ;;
    --workload) workload=${2:-}; shift 2 || usage ;;
    --clients) clients_list=${2:-}; shift 2 || usage ;;
    --rounds) rounds=${2:-}; shift 2 || usage ;;
    --seconds) run_seconds=${2:-}; shift 2 || usage ;;
    --warmup) warmup=${2:-}; shift 2 || usage ;;
    --events) catchup_events=${2:-}; shift 2 || usage ;;
    -h | --help) usage ;;
    *) echo "unknown argument: $1" >&2; usage ;;
  esac
done
case "$only" in "" | node | postgres) ;; *) usage ;; esac
case "$workload" in
  parties) : "${clients_list:=16 64}" ;;
  counter) : "${clients_list:=64}" ;;
  catchup) : "${clients_list:=64}"; [[ -z "$only" && "$clients_list" =~ ^[1-9][0-9]*$ ]] || usage ;;
  *) usage ;;
esac
[[ "$catchup_events" =~ ^[1-9][0-9]*$ ]] || usage
[[ "$run_seconds" =~ ^[0-9]+$ && "$warmup" =~ ^[0-9]+$ && "$clients_list" =~ ^[0-9\ ]+$ ]] || usage
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || usage  # at least one round
# Counter: each measurement renews licenses from its own block of numbers, so no license is renewed twice.
counter_block=${COUNTER_BLOCK:-200000}
n_clients=$(wc -w <<<"$clients_list")
counter_total=$((counter_block * rounds * n_clients))
counter_body=""
pg_licenses=1000000


# --- temporary state and cleanup ---------------------------------------------------------------------------------

work=$(mktemp -d "${TMPDIR:-/tmp}/holdfast-bench.XXXXXX")
pg_work=""
server_pid=""
pg_started=0

as_postgres() {
  if ((EUID == 0)); then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

stop_server() {
  [[ -n "$server_pid" ]] || return 0
  if kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for ((i = 0; i < 200; i++)); do  # up to 20 s for a clean shutdown
      kill -0 "$server_pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$server_pid" 2>/dev/null; then
      echo "bench: the node did not stop within 20 s; killing it" >&2
      kill -KILL "$server_pid" 2>/dev/null || true
    fi
  fi
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}

stop_postgres() {
  ((pg_started)) || return 0
  as_postgres "$PG_BIN/pg_ctl" -D "$pg_work/data" -m fast -w -t 60 stop >/dev/null 2>&1 ||
    as_postgres "$PG_BIN/pg_ctl" -D "$pg_work/data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
  pg_started=0
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_server
  stop_postgres
  rm -rf "$work"
  [[ -z "$pg_work" ]] || rm -rf "$pg_work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- small helpers -----------------------------------------------------------------------------------------------

# Nearest-rank percentile of numbers, one per line, on stdin.
percentile() {
  sort -n | awk -v p="$1" '{ v[NR] = $1 } END {
    if (NR == 0) { print 0; exit }
    r = int(p / 100 * NR); if (r < p / 100 * NR) r++; if (r < 1) r = 1; if (r > NR) r = NR
    print v[r] }'
}

# The median of numbers, one per line, on stdin; of an even count the lower of the two middle ones.
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'; }


# --- the node ----------------------------------------------------------------------------------------------------

declare -A node_runs  # "round:clients" -> the loadgen's JSON line
node_port=""
node_token=""

start_node() {
  local holdfast="$BUILD/holdfast" loadgen="$BUILD/bench_loadgen"
  [[ -x "$holdfast" ]] || die "$holdfast not found; build first (make build)"
  [[ -x "$loadgen" ]] || die "$loadgen not found; build first (make build)"
  local data="$work/node"

  log "node: init $data"
  "$holdfast" init --data "$data" --city Bench --node central >"$work/init.out" 2>&1 ||
    die "holdfast init failed: $(cat "$work/init.out")"
  local username password
  username=$(sed -n 's/^[[:space:]]*username:[[:space:]]*//p' "$work/init.out" | head -1)
  password=$(sed -n 's/^[[:space:]]*password:[[:space:]]*//p' "$work/init.out" | head -1)
  [[ -n "$username" && -n "$password" ]] ||
    die "could not find 'username:' and 'password:' lines in the output of holdfast init: $(cat "$work/init.out")"

  log "node: serve"
  "$holdfast" serve --data "$data" --listen 127.0.0.1:0 >"$work/serve.out" 2>"$work/serve.err" &
  server_pid=$!
  local port=""
  for ((i = 0; i < 300; i++)); do  # up to 30 s
    port=$(sed -n 's#.*listening on http://127\.0\.0\.1:\([0-9][0-9]*\).*#\1#p' "$work/serve.out" | head -1)
    [[ -z "$port" ]] || break
    kill -0 "$server_pid" 2>/dev/null || die "holdfast serve exited: $(cat "$work/serve.out" "$work/serve.err")"
    sleep 0.1
  done
  [[ -n "$port" ]] || die "holdfast serve did not print 'listening on http://127.0.0.1:PORT' within 30 s"
  log "node: listening on 127.0.0.1:$port"

  local body status token
  body=$(printf '{"username":"%s","password":"%s"}' "$(json_escape "$username")" "$(json_escape "$password")")
  status=$(curl -sS --noproxy '*' --max-time 10 -o "$work/session.json" -w '%{http_code}' \
    -H 'Content-Type: application/json' --data-binary "$body" "http://127.0.0.1:$port/api/v1/sessions") ||
    die "sign-in request failed"
  [[ "$status" == 201 ]] || die "sign-in answered $status: $(cat "$work/session.json")"
  token=$(sed -n 's/.*"token"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' "$work/session.json" | head -1)
  [[ -n "$token" ]] || die "no token in the sign-in answer: $(cat "$work/session.json")"
  # The first administrator's password works once: choose a new one (the session stays valid).
  body=$(printf '{"current_password":"%s","new_password":"bench-password-%s"}' "$(json_escape "$password")" "$$")
  status=$(curl -sS --noproxy '*' --max-time 10 -o "$work/passwd.json" -w '%{http_code}' -X PUT \
    -H 'Content-Type: application/json' -H "Authorization: Bearer $token" --data-binary "$body" \
    "http://127.0.0.1:$port/api/v1/users/me/password") || die "password change request failed"
  [[ "$status" == 200 ]] || die "password change answered $status: $(cat "$work/passwd.json")"
  node_port=$port
  node_token=$token
}

api_post() {  # path body expected-status: prints the answer
  local status
  status=$(curl -sS --noproxy '*' --max-time 30 -o "$work/api.json" -w '%{http_code}' \
    -H 'Content-Type: application/json' -H "Authorization: Bearer $node_token" --data-binary "$2" \
    "http://127.0.0.1:$node_port/api/v1/$1") || die "POST /api/v1/$1 failed"
  [[ "$status" == "$3" ]] || die "POST /api/v1/$1 answered $status: $(cat "$work/api.json")"
  cat "$work/api.json"
}

loadgen_setup() {  # path body: sends counter_total requests numbered 1, 2, … and requires every answer 201
  local out="$work/setup-${1//\//-}.out" line
  log "node: setup: $counter_total × POST /api/v1/$1"
  timeout --kill-after=10 3600 "$BUILD/bench_loadgen" --host 127.0.0.1 --port "$node_port" --token "$node_token" \
    --clients 64 --seconds 3000 --first 1 --count "$counter_total" --target "/api/v1/$1" --body "$2" >"$out" ||
    die "setting up /api/v1/$1 failed: $(cat "$out")"
  line=$(grep '^{"clients"' "$out" | tail -1)
  [[ "$(json_field "$line" commands)" == "$counter_total" && "$(json_field "$line" errors)" == 0 ]] ||
    die "setting up /api/v1/$1: expected $counter_total answers 201: $(cat "$out")"
}

# A fee schedule whose renewal window (365 days) opens on the day of issue, tag ranges, one owner, a drawer,
# then counter_total pets (with rabies certificates valid for three years) and their licenses L-central-1, 2, …
setup_node_counter() {
  local schedule first last owner drawer given expires
  schedule=$("$BUILD/holdfast" fees show --example |
    sed -e 's/"effective_from":"[0-9-]*"/"effective_from":"2020-01-01"/' -e 's/"renewal_window_days":[0-9]*/"renewal_window_days":365/')
  api_post fee-schedules "$schedule" 201 >/dev/null
  for ((first = 1; first <= counter_total; first += 100000)); do
    last=$((first + 99999))
    ((last <= counter_total)) || last=$counter_total
    api_post tag-ranges "{\"first\":$first,\"last\":$last}" 201 >/dev/null
  done
  owner=$(json_field "$(api_post parties '{"kind":"person","name":"Bench Owner"}' 201)" id)
  drawer=$(json_field "$(api_post drawers '{"float_cents":0}' 201)" id)
  [[ -n "$owner" && -n "$drawer" ]] || die "no owner or drawer id in the node's answers"
  given=$(date -u -d '-1 day' +%F)
  expires=$(date -u -d '+3 years -2 days' +%F)
  loadgen_setup pets "{\"owner_party_id\":\"$owner\",\"species\":\"dog\",\"name\":\"Dog {n}\",\"altered\":true,\"rabies\":{\"certificate\":\"RV-{n}\",\"veterinarian\":\"Bench Vet\",\"given_on\":\"$given\",\"expires_on\":\"$expires\"}}"
  loadgen_setup counter/sales "{\"drawer_id\":\"$drawer\",\"items\":[{\"action\":\"issue\",\"pet_id\":\"pet-central-{n}\",\"term_years\":1,\"tag\":{n}}],\"tenders\":[{\"kind\":\"cash\",\"amount_cents\":1500}]}"
  counter_body="{\"drawer_id\":\"$drawer\",\"items\":[{\"action\":\"renew\",\"license\":\"L-central-{n}\",\"term_years\":1}],\"tenders\":[{\"kind\":\"cash\",\"amount_cents\":1500}]}"
}

measure_node() {  # round clients index-of-clients
  local r=$1 n=$2 out="$work/loadgen-$1-$2.out" line extra=()
  kill -0 "$server_pid" 2>/dev/null || die "the node died during the run: $(tail -20 "$work/serve.err")"
  if [[ "$workload" == counter ]]; then
    local block=$(((r - 1) * n_clients + $3))
    extra=(--target /api/v1/counter/sales --body "$counter_body" --first $((1 + block * counter_block))
      --count "$counter_block")
  fi
  log "round $r/$rounds: node: $workload, $n clients, ${warmup} s warm-up + ${run_seconds} s"
  timeout --kill-after=10 $((warmup + run_seconds + 60)) \
    "$BUILD/bench_loadgen" --host 127.0.0.1 --port "$node_port" --token "$node_token" --clients "$n" \
    --seconds "$run_seconds" --warmup "$warmup" "${extra[@]}" >"$out" ||
    die "bench_loadgen failed at $n clients: $(cat "$out")"
  line=$(grep '^{"clients"' "$out" | tail -1)
  [[ -n "$line" ]] || die "no JSON line from bench_loadgen"
  head -n -1 "$out" >&2
  node_runs[$r:$n]=$line
}

# --- PostgreSQL --------------------------------------------------------------------------------------------------

declare -A pg_runs  # "round:clients" -> {"clients":..,"tps":..,...}
pg_conn=()

# A TCP port on 127.0.0.1 that nothing listens on now (PostgreSQL cannot take port 0).
free_port() {
  local p
  for ((i = 0; i < 100; i++)); do
    p=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "$p"
      return 0
    fi
  done
  return 1
}

pg_sql() { timeout --kill-after=10 120 psql "${pg_conn[@]}" -v ON_ERROR_STOP=1 "$@"; }

start_postgres() {
  [[ -x "$PG_BIN/initdb" && -x "$PG_BIN/pg_ctl" ]] || die "PostgreSQL 15 not found in $PG_BIN (make deps)"
  command -v pgbench >/dev/null || die "pgbench not found"
  pg_work=$(mktemp -d "${TMPDIR:-/tmp}/holdfast-bench-pg.XXXXXX")
  if ((EUID == 0)); then
    id postgres >/dev/null 2>&1 || die "running as root, but there is no 'postgres' user to run PostgreSQL as"
    chown postgres: "$pg_work"
  fi

  log "postgres: initdb"
  as_postgres "$PG_BIN/initdb" -D "$pg_work/data" -U bench --auth=trust -E UTF8 --no-locale \
    >"$pg_work/initdb.log" 2>&1 || die "initdb failed: $(cat "$pg_work/initdb.log")"

  local pg_port="" attempt
  for ((attempt = 0; attempt < 5; attempt++)); do
    pg_port=$(free_port) || die "no free port found"
    if as_postgres "$PG_BIN/pg_ctl" -D "$pg_work/data" -l "$pg_work/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -c port=$pg_port -c unix_socket_directories=$pg_work" \
      start >/dev/null 2>&1; then
      pg_started=1
      break
    fi
  done
  ((pg_started)) || die "PostgreSQL did not start: $(tail -20 "$pg_work/server.log")"
  log "postgres: listening on 127.0.0.1:$pg_port"
  pg_conn=(-h 127.0.0.1 -p "$pg_port" -U bench)

  local fsync sync_commit
  fsync=$(pg_sql -d postgres -Atqc 'SHOW fsync')
  sync_commit=$(pg_sql -d postgres -Atqc 'SHOW synchronous_commit')
  [[ "$fsync" == on && "$sync_commit" == on ]] || die "expected fsync=on synchronous_commit=on, got $fsync/$sync_commit"

  cat >"$work/schema.sql" <<'SQL'
CREATE TABLE events (feed text, seq bigint, hash bytea, body bytea, time bigint, tick bigint, type text,
                     stored bigserial, PRIMARY KEY (feed, seq));
CREATE SEQUENCE feed_seq;
CREATE TABLE parties (id text PRIMARY KEY, kind text, name text, email text, phone text, address jsonb,
                      created_at bigint);
CREATE TABLE event_aggregates (aggregate text, time bigint, tick bigint, feed text, seq bigint,
                               PRIMARY KEY (aggregate, time, tick, feed, seq));
SQL
  # One command as the node does it: append the event (300-byte body and its hash), write the party, index the
  # event under its aggregate.
  cat >"$work/write.sql" <<'SQL'
\set n random(1, 1000000000)
BEGIN;
INSERT INTO events (feed, seq, hash, body, time, tick, type)
  SELECT 'central', nextval('feed_seq'), sha256(b), b, (extract(epoch FROM clock_timestamp()) * 1000)::bigint, 0,
         'party.registered'
  FROM (SELECT convert_to(rpad('{"kind":"person","name":"Load Test ' || :n || '","email":"lt' || :n ||
                               '@example.org","phone":"555-0100"}', 300, ' '), 'UTF8') AS b) AS e;
INSERT INTO parties (id, kind, name, email, phone, address, created_at)
  VALUES ('p-' || currval('feed_seq'), 'person', 'Load Test ' || :n, 'lt' || :n || '@example.org', '555-0100',
          '{"line1":"1 Main St","city":"Springfield","state":"IL","postal_code":"62701"}',
          (extract(epoch FROM clock_timestamp()) * 1000)::bigint);
INSERT INTO event_aggregates (aggregate, time, tick, feed, seq)
  VALUES ('party-p-' || currval('feed_seq'), (extract(epoch FROM clock_timestamp()) * 1000)::bigint, 0, 'central',
          currval('feed_seq'));
END;
SQL
  if [[ "$workload" == counter ]]; then write_counter_sql; fi
  pg_sql -d postgres -q -c 'CREATE DATABASE bench' >/dev/null || die "CREATE DATABASE failed"
  pg_sql -d bench -q -f "$work/schema.sql" >/dev/null || die "creating the schema failed"
}

# The counter workload's schema, data and transaction (replacing the parties ones).
write_counter_sql() {
  cat >"$work/schema.sql" <<SQL
CREATE TABLE events (feed text, seq bigint, hash bytea, body bytea, time bigint, tick bigint, type text,
                     stored bigserial, PRIMARY KEY (feed, seq));
CREATE SEQUENCE feed_seq;
CREATE TABLE event_aggregates (aggregate text, time bigint, tick bigint, feed text, seq bigint,
                               PRIMARY KEY (aggregate, time, tick, feed, seq));
CREATE TABLE pets (id text PRIMARY KEY, owner_party_id text, species text, altered boolean, rabies_expires_on date);
CREATE TABLE licenses (number text PRIMARY KEY, pet_id text, owner_party_id text, tag bigint, term_years int,
                       starts_on date, expires_on date, status text, renewals int, updated_at bigint);
CREATE TABLE fee_schedules (id text PRIMARY KEY, effective_from date, body jsonb);
CREATE TABLE drawers (id text PRIMARY KEY, clerk text, status text);
CREATE TABLE receipts (number bigserial PRIMARY KEY, drawer_id text, payer_party_id text, total_cents bigint,
                       change_cents bigint, status text, taken_at bigint);
CREATE TABLE receipt_items (receipt bigint, line int, code text, amount_cents bigint, ref text,
                            PRIMARY KEY (receipt, line));
CREATE TABLE receipt_tenders (receipt bigint, line int, kind text, amount_cents bigint, PRIMARY KEY (receipt, line));
INSERT INTO pets SELECT 'pet-' || i, 'p-1', 'dog', true, current_date + 1000 FROM generate_series(1, $pg_licenses) i;
INSERT INTO licenses SELECT 'L-' || i, 'pet-' || i, 'p-1', i, 1, current_date, current_date + 365, 'active', 0, 0
  FROM generate_series(1, $pg_licenses) i;
INSERT INTO fee_schedules VALUES ('fs-1', '2020-01-01', '{"licenses":[],"renewal_window_days":365}');
INSERT INTO drawers VALUES ('d-1', 'admin', 'open');
ANALYZE;
SQL
  cat >"$work/write.sql" <<SQL
\\set n random(1, $pg_licenses)
BEGIN;
SELECT l.expires_on, l.tag, p.species, p.altered, p.rabies_expires_on FROM licenses l JOIN pets p ON p.id = l.pet_id
  WHERE l.number = 'L-' || CAST(:n AS bigint) FOR UPDATE OF l;
SELECT body FROM fee_schedules WHERE effective_from <= current_date ORDER BY effective_from DESC LIMIT 1;
SELECT status FROM drawers WHERE id = 'd-1';
UPDATE licenses SET starts_on = expires_on, expires_on = expires_on + 365, renewals = renewals + 1,
  updated_at = (extract(epoch FROM clock_timestamp()) * 1000)::bigint WHERE number = 'L-' || CAST(:n AS bigint);
INSERT INTO events (feed, seq, hash, body, time, tick, type)
  SELECT 'central', nextval('feed_seq'), sha256(b), b, (extract(epoch FROM clock_timestamp()) * 1000)::bigint, 0,
         'license.renewed'
  FROM (SELECT convert_to(rpad('{"number":"L-' || CAST(:n AS bigint) || '","term_years":1,"fees":[{"code":"DOG-ALT-1"}]}', 400, ' '),
                          'UTF8') AS b) AS e;
INSERT INTO event_aggregates VALUES ('license-L-' || CAST(:n AS bigint), (extract(epoch FROM clock_timestamp()) * 1000)::bigint, 0,
  'central', currval('feed_seq'));
INSERT INTO receipts (drawer_id, payer_party_id, total_cents, change_cents, status, taken_at)
  VALUES ('d-1', 'p-1', 1500, 0, 'paid', (extract(epoch FROM clock_timestamp()) * 1000)::bigint);
INSERT INTO receipt_items VALUES (currval('receipts_number_seq'), 1, 'DOG-ALT-1', 1500, 'L-' || CAST(:n AS bigint));
INSERT INTO receipt_tenders VALUES (currval('receipts_number_seq'), 1, 'cash', 1500);
INSERT INTO events (feed, seq, hash, body, time, tick, type)
  SELECT 'central', nextval('feed_seq'), sha256(b), b, (extract(epoch FROM clock_timestamp()) * 1000)::bigint, 0,
         'payment.taken'
  FROM (SELECT convert_to(rpad('{"receipt":' || currval('receipts_number_seq') || ',"total_cents":1500}', 500, ' '),
                          'UTF8') AS b) AS e;
INSERT INTO event_aggregates VALUES ('receipt-' || currval('receipts_number_seq'),
  (extract(epoch FROM clock_timestamp()) * 1000)::bigint, 0, 'central', currval('feed_seq'));
END;
SQL
}

measure_postgres() {  # round clients
  local r=$1 n=$2 dir="$work/pgbench-$1-$2" tps lat_avg p50 p99 count failed
  mkdir -p "$dir"
  log "round $r/$rounds: postgres: $workload, $n clients, ${warmup} s warm-up + ${run_seconds} s"
  if ((warmup > 0)); then
    timeout --kill-after=10 $((warmup + 60)) pgbench "${pg_conn[@]}" -n -M prepared -c "$n" -j 2 -T "$warmup" \
      -f "$work/write.sql" bench >"$dir/warmup.out" 2>&1 || die "pgbench warm-up failed: $(tail -20 "$dir/warmup.out")"
  fi
  (cd "$dir" && timeout --kill-after=10 $((run_seconds + 60)) pgbench "${pg_conn[@]}" -n -M prepared -c "$n" -j 2 \
    -T "$run_seconds" -f "$work/write.sql" --log --log-prefix=tx bench >run.out 2>&1) ||
    die "pgbench failed: $(tail -20 "$dir/run.out")"
  tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$dir/run.out" | head -1)
  lat_avg=$(sed -n 's/^latency average = \([0-9.]*\) ms.*/\1/p' "$dir/run.out" | head -1)
  failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$dir/run.out" | head -1)
  [[ -n "$tps" && -n "$lat_avg" ]] || die "could not read tps and latency from pgbench: $(cat "$dir/run.out")"
  # Per-transaction log lines: client_id transaction_no latency_us script_no epoch_s epoch_us.
  awk '$3 ~ /^[0-9]+$/ { print $3 }' "$dir"/tx.* >"$dir/latencies"
  count=$(wc -l <"$dir/latencies")
  p50=$(percentile 50 <"$dir/latencies")
  p99=$(percentile 99 <"$dir/latencies")
  pg_runs[$r:$n]=$(printf '{"clients":%d,"seconds":%d,"transactions":%d,"tps":%s,"latency_avg_ms":%s,"p50_ms":%s,"p99_ms":%s,"errors":%d}' \
    "$n" "$run_seconds" "$count" "$(calc "$tps")" "$lat_avg" "$(calc "$p50 / 1000" 3)" "$(calc "$p99 / 1000" 3)" \
    "${failed:-0}")
  printf '%d clients, %d s: %d transactions, %s tps, avg %s ms, p50 %s ms, p99 %s ms\n' "$n" "$run_seconds" \
    "$count" "$(calc "$tps")" "$lat_avg" "$(calc "$p50 / 1000" 3)" "$(calc "$p99 / 1000" 3)" >&2
}

# --- catch-up ----------------------------------------------------------------------------------------------------

declare -A catchup_runs  # round -> {"round":..,"events":..,"seconds":..,...}
catchup_write=""         # the loadgen's JSON line for writing the events at the central node
catchup_load=""          # the 1-minute load average when the run began

# Enrolls office-N (N = $1) with the serving central node; the office stays stopped.
join_office() {
  local dir="$work/office-$1" out="$work/office-$1.join" token
  "$BUILD/holdfast" node invite --data "$work/node" --node "office-$1" >"$out" 2>&1 ||
    die "holdfast node invite failed: $(cat "$out")"
  token=$(grep -o 'hfi-[0-9A-Za-z_-]*' "$out" | head -1)
  [[ -n "$token" ]] || die "no token hfi-... in the output of holdfast node invite: $(cat "$out")"
  timeout --kill-after=10 120 "$BUILD/holdfast" join --data "$dir" --central "http://127.0.0.1:$node_port" \
    --token "$token" >"$out" 2>&1 || die "holdfast join failed: $(cat "$out")"
}

seconds_since() { calc "($(date +%s%N) - $1) / 1e9" 3; }  # start in ns

measure_catchup() {  # round
  local r=$1 dir="$work/office-$1" out="$work/office-$1.sync" start seconds received bundles fetch verify store
  local rebuild_s rebuild_events central_digest office_digest
  kill -0 "$server_pid" 2>/dev/null || die "the central node died during the run: $(tail -20 "$work/serve.err")"
  log "round $r/$rounds: office-$r catches up: holdfast sync"
  sync  # the dirty pages of the steps before are written back now, not during the measurement
  start=$(date +%s%N)
  timeout --kill-after=10 600 "$BUILD/holdfast" sync --data "$dir" --peer "http://127.0.0.1:$node_port" \
    >"$out" 2>"$out.err" || die "holdfast sync failed: $(cat "$out" "$out.err")"
  seconds=$(seconds_since "$start")
  # "URL (central): received N events, sent M (S s)" and "  pull: B bundles; waiting for the peer F s,
  # verifying V s, storing T s".
  received=$(sed -n 's/.*: received \([0-9]*\) events.*/\1/p' "$out" | head -1)
  bundles=$(sed -n 's/^ *pull: \([0-9]*\) bundles\{0,1\};.*/\1/p' "$out" | head -1)
  fetch=$(sed -n 's/.*waiting for the peer \([0-9.]*\) s.*/\1/p' "$out" | head -1)
  verify=$(sed -n 's/.*verifying \([0-9.]*\) s.*/\1/p' "$out" | head -1)
  store=$(sed -n 's/.*storing \([0-9.]*\) s.*/\1/p' "$out" | head -1)
  [[ -n "$received" && -n "$bundles" && -n "$fetch" && -n "$verify" && -n "$store" ]] ||
    die "could not read the events received and the pull's times from holdfast sync: $(cat "$out")"
  ((received >= catchup_events)) || die "office-$r received $received events, fewer than the $catchup_events written"
  printf 'office-%d: %d events in %s s (%s events/s); %d bundles; waiting for the peer %s s, verifying %s s, storing %s s\n' \
    "$r" "$received" "$seconds" "$(calc "$received / $seconds" 0)" "$bundles" "$fetch" "$verify" "$store" >&2

  log "round $r/$rounds: office-$r: holdfast rebuild (baseline)"
  sync
  start=$(date +%s%N)
  timeout --kill-after=10 600 "$BUILD/holdfast" rebuild --data "$dir" >"$out.rebuild" 2>&1 ||
    die "holdfast rebuild failed: $(cat "$out.rebuild")"
  rebuild_s=$(seconds_since "$start")
  rebuild_events=$(sed -n 's/^rebuild: \([0-9]*\) of \([0-9]*\) events.*/\2/p' "$out.rebuild" | tail -1)
  [[ -n "$rebuild_events" ]] || die "could not read the number of events from holdfast rebuild: $(cat "$out.rebuild")"
  printf 'office-%d: rebuild of %d events in %s s (%s events/s)\n' "$r" "$rebuild_events" "$rebuild_s" \
    "$(calc "$rebuild_events / $rebuild_s" 0)" >&2

  central_digest=$("$BUILD/holdfast" digest --data "$work/node") || die "holdfast digest failed on the central node"
  office_digest=$("$BUILD/holdfast" digest --data "$dir") || die "holdfast digest failed on office-$r"
  [[ "$central_digest" == "$office_digest" ]] ||
    die "office-$r's state digest $office_digest differs from the central node's $central_digest after catching up"

  catchup_runs[$r]=$(printf '{"round":%d,"events":%d,"seconds":%s,"events_per_s":%s,"bundles":%d,"fetch_s":%s,"verify_s":%s,"store_s":%s,"verify_events_per_s":%s,"store_events_per_s":%s,"rebuild_events":%d,"rebuild_s":%s,"rebuild_events_per_s":%s}' \
    "$r" "$received" "$seconds" "$(calc "$received / $seconds" 0)" "$bundles" "$fetch" "$verify" "$store" \
    "$(calc "$received / ($verify > 0 ? $verify : 0.001)" 0)" "$(calc "$received / ($store > 0 ? $store : 0.001)" 0)" \
    "$rebuild_events" "$rebuild_s" "$(calc "$rebuild_events / $rebuild_s" 0)")
}

run_catchup() {
  local clients=$clients_list r out="$work/write.out" line
  catchup_load=$(cut -d' ' -f1 /proc/loadavg)
  start_node
  for ((r = 1; r <= rounds; r++)); do
    log "central: enroll office-$r (holdfast node invite, holdfast join)"
    join_office "$r"
  done
  log "central: $catchup_events × POST /api/v1/parties from $clients clients while the offices are stopped"
  timeout --kill-after=10 3600 "$BUILD/bench_loadgen" --host 127.0.0.1 --port "$node_port" --token "$node_token" \
    --clients "$clients" --seconds 3000 --count "$catchup_events" >"$out" || die "bench_loadgen failed: $(cat "$out")"
  line=$(grep '^{"clients"' "$out" | tail -1)
  [[ "$(json_field "$line" commands)" == "$catchup_events" && "$(json_field "$line" errors)" == 0 ]] ||
    die "expected $catchup_events answers 201: $(cat "$out")"
  head -n -1 "$out" >&2
  catchup_write=$line
  for ((r = 1; r <= rounds; r++)); do measure_catchup "$r"; done
  stop_server
  report_catchup
}

report_catchup() {
  local r sorted median_r j write_rate write_s goal_met json_out="$OUT_DIR/latest-catchup.json" rounds_json=""
  local min_s max_s seconds rebuild_s
  describe_run
  # The median round by catch-up time (of an even count the slower middle one).
  sorted=$(for ((r = 1; r <= rounds; r++)); do
    printf '%s %d\n' "$(json_field "${catchup_runs[$r]}" seconds)" "$r"
  done | sort -g -k1,1 -k2,2n)
  median_r=$(sed -n "$((rounds / 2 + 1))p" <<<"$sorted" | cut -d' ' -f2)
  min_s=$(head -1 <<<"$sorted" | cut -d' ' -f1)
  max_s=$(tail -1 <<<"$sorted" | cut -d' ' -f1)
  j=${catchup_runs[$median_r]}
  seconds=$(json_field "$j" seconds)
  rebuild_s=$(json_field "$j" rebuild_s)
  write_rate=$(json_field "$catchup_write" commands_per_s)
  write_s=$(calc "$catchup_events / $write_rate" 2)
  goal_met=$(awk -v s="$seconds" 'BEGIN { print (s <= 3) ? "true" : "false" }')
  for ((r = 1; r <= rounds; r++)); do rounds_json+="${rounds_json:+,}${catchup_runs[$r]}"; done

  {
    printf '\n%d offices each caught up on %d events written at the central node; median round %d\n' "$rounds" \
      "$catchup_events" "$median_r"
    printf '%-6s %8s %8s %9s %8s %8s %8s %10s %8s %10s %9s %10s\n' round events seconds events/s bundles \
      'fetch s' 'verify s' 'verify e/s' 'store s' 'store e/s' 'rebuild s' 'rebuild e/s'
    for ((r = 1; r <= rounds; r++)); do
      local k=${catchup_runs[$r]}
      printf '%-6d %8s %8s %9s %8s %8s %8s %10s %8s %10s %9s %10s\n' "$r" "$(json_field "$k" events)" \
        "$(json_field "$k" seconds)" "$(json_field "$k" events_per_s)" "$(json_field "$k" bundles)" \
        "$(json_field "$k" fetch_s)" "$(json_field "$k" verify_s)" "$(json_field "$k" verify_events_per_s)" \
        "$(json_field "$k" store_s)" "$(json_field "$k" store_events_per_s)" "$(json_field "$k" rebuild_s)" \
        "$(json_field "$k" rebuild_events_per_s)"
    done
    printf '\ncatch-up: %s s in the median round (min-max %s-%s s; goal <= 3 s: %s)\n' "$seconds" "$min_s" "$max_s" \
      "$([[ "$goal_met" == true ]] && echo met || echo NOT met)"
    printf 'baselines: the central node wrote the %d events in %s s (%s commands/s at %s clients); rebuild %s s\n\n' \
      "$catchup_events" "$write_s" "$write_rate" "$clients_list" "$rebuild_s"
  }

  mkdir -p "$OUT_DIR"
  printf '{"date":"%s","commit":"%s","nproc":%d,"cpu":"%s","tmp_fs":"%s","load_begin":%s,"load_end":%s,"events":%d,"clients":%d,"rounds":%d,"write":%s,"write_s":%s,"median_round":%d,"median":%s,"seconds_min":%s,"seconds_max":%s,"goal_s":3,"goal_met":%s,"catchup_rounds":[%s]}\n' \
    "$date_utc" "$commit" "$cpus" "$(json_escape "$cpu_model")" "$fs_type" "$catchup_load" \
    "$(cut -d' ' -f1 /proc/loadavg)" "$catchup_events" "$clients_list" \
    "$rounds" "$catchup_write" "$write_s" "$median_r" "$j" "$min_s" "$max_s" "$goal_met" "$rounds_json" >"$json_out"
  log "wrote $json_out"

  {
    echo "## Latest run: catch-up"
    echo
    echo "- Date: $date_utc"
    echo "- Commit: $commit"
    echo "- Machine: $cpus CPUs (\`nproc\`), $cpu_model; temporary data on $fs_type; 1-minute load average" \
      "$catchup_load when the run began, $(cut -d' ' -f1 /proc/loadavg) at its end"
    echo "- Command: \`$invocation\` ($rounds offices, one per round; $catchup_events events written at the" \
      "central node by $clients_list clients while they were stopped)"
    echo
    echo "| Round | Events | Catch-up s | Events/s | Bundles | Waiting for the peer s | Verify s | Verify events/s |" \
      "Store s | Store events/s | Rebuild s | Rebuild events/s |"
    echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    for ((r = 1; r <= rounds; r++)); do
      local k=${catchup_runs[$r]}
      printf '| %d%s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$r" \
        "$([[ "$r" == "$median_r" ]] && echo ' (median)')" "$(json_field "$k" events)" "$(json_field "$k" seconds)" \
        "$(json_field "$k" events_per_s)" "$(json_field "$k" bundles)" "$(json_field "$k" fetch_s)" \
        "$(json_field "$k" verify_s)" "$(json_field "$k" verify_events_per_s)" "$(json_field "$k" store_s)" \
        "$(json_field "$k" store_events_per_s)" "$(json_field "$k" rebuild_s)" "$(json_field "$k" rebuild_events_per_s)"
    done
    echo
    echo "Catch-up in the median round: **$seconds s** ($(json_field "$j" events_per_s) events/s; all rounds" \
      "$min_s–$max_s s): the goal of ≤ 3 s is **$([[ "$goal_met" == true ]] && echo met || echo 'not met')**." \
      "Verifying (decoding the bundles, hashes, seals, chain links) ran at $(json_field "$j" verify_events_per_s)" \
      "events/s, storing (appending and folding in the writer, from handing a bundle over to its commit) at" \
      "$(json_field "$j" store_events_per_s) events/s, and the office waited $(json_field "$j" fetch_s) s for the" \
      "central node's answers. The stages overlap (the next bundle is fetched and decoded while one is stored)," \
      "so their times add up to more than the catch-up."
    echo
    echo "Baselines: the central node wrote the $catchup_events events in $write_s s" \
      "($write_rate commands/s at $clients_list clients), so catching up took $(calc "$seconds / $write_s" 2)×" \
      "the time of writing them. A \`holdfast rebuild\` of the same office afterwards folded its" \
      "$(json_field "$j" rebuild_events) events in $rebuild_s s ($(json_field "$j" rebuild_events_per_s) events/s):" \
      "catching up took $(calc "$seconds / $rebuild_s" 2)× a rebuild."
  } >"$work/section.md"
}

# --- bench/RESULTS.md ---------------------------------------------------------------------------------------------

# The file holds one section per workload between markers. A run replaces its own section in place and keeps
# everything else (the other workloads' sections from their previous runs, the vault section of bench/vault.sh,
# notes written by hand). Without a file, it writes one: the header, then every section.
write_results() {  # from $work/section.md, this workload's section
  if [[ -f "$RESULTS" ]]; then
    replace_results_section "$workload" "$work/section.md" "$RESULTS"
    log "wrote $RESULTS"
    return
  fi
  local w
  for w in parties counter catchup vault; do
    if [[ "$w" == "$workload" ]]; then
      cp "$work/section.md" "$work/section-$w.md"
    elif [[ "$w" == vault ]]; then
      echo "Not run yet: \`bench/vault.sh\`." >"$work/section-$w.md"
    else
      echo "Not run yet: \`bench/run.sh --workload $w\`." >"$work/section-$w.md"
    fi
  done
  {
    cat <<EOF
# Benchmark results

**Goal** (parties and counter): at 64 clients, a Holdfast node commits at least **10×** as many commands per
second as PostgreSQL 15 does the equivalent transaction on the same machine, with a node **p99 latency ≤ 10 ms**.
**Goal** (catchup): an office node that missed 100,000 events catches up from the central node in **≤ 3 s** on
loopback.
**Goals** (vault): a node of 10,000,000 events restored from its vault, verified and serving in **≤ 60 s** on 2
cores; \`holdfast verify\` at **≥ 1 GB/s** of journal; at most **5 s** of acknowledged work lost (RPO) when the
data directory is destroyed while the node backs up continuously.

Both sides make every write durable before answering (the node: one fsync per group-committed batch;
PostgreSQL: \`fsync=on\`, \`synchronous_commit=on\`, otherwise default settings). The node is driven over HTTP by
\`bench_loadgen\` (one keep-alive connection per client); PostgreSQL by \`pgbench -M prepared -j 2\` over TCP.
Latency is measured at the client: the node's includes HTTP, the sign-in check, JSON, hashing, signing and
folding; PostgreSQL's the statements and the commit. Neither transaction touches a shared hot row, so concurrent
transactions share PostgreSQL's group commit freely: this is PostgreSQL at its best. The load generator runs on
the same two cores as the server on both sides.

- **parties**: \`POST /api/v1/parties\`. One write is, on both sides: append one event (about 300 bytes, with its
  hash), store one party, index the event under its aggregate (three statements for PostgreSQL).
- **counter**: \`POST /api/v1/counter/sales\` renewing one dog's license, paid in cash: the license renewal, the
  payment and its receipt as one command. PostgreSQL does the same reads and writes as one transaction of twelve
  statements (read the license and pet, the fee schedule and the drawer; update the license; insert two events and
  their aggregate rows, the receipt, its item and its tender). Each renewal is of a different license: the node is
  first given as many licenses, through its own API.

The speed of the benchmark machine drifts from minute to minute, so the two systems are measured in alternation.
Both are started once and stay up for the whole run; each round measures, at each client count in turn, the node
and then PostgreSQL back to back (each a warm-up, then the measured run), so the two sides of one comparison are
measured within seconds of each other. The tables show, per system and client count, the median round by rate
(of an even number of rounds the lower middle one) with that round's latencies and errors, and the lowest and
highest rate of all rounds. The ratio is the node's median rate over PostgreSQL's median rate; the ratio of each
round (node over PostgreSQL in the same round) shows how steady it is.

- **catchup**: offices join the central node, then miss 100,000 events (new parties, written at the central node
  by 64 clients); each office, stopped, then catches up with one \`holdfast sync\` (pull bundles of about 1 MiB
  over HTTP, verify them, store each in one writer transaction). The baselines, measured in the same run: the
  time the central node took to write those events in the first place, and a \`holdfast rebuild\` of the office
  after it caught up (folding all its events from scratch, without fetching or verifying). No PostgreSQL.

- **vault** (\`bench/vault.sh\`, no PostgreSQL): \`bench_journalgen\` writes a city's journal through a node's
  writer; \`holdfast verify\`, \`holdfast backup\` to a directory vault and \`holdfast restore\` are timed, and the
  restored node is served until \`/readyz\` answers. Baseline in the same run: restic backing up and restoring
  the same events exported as JSON Lines files. Then RPO drills: the data directory of a node under write load
  is overwritten with random bytes and the node killed; it is restored from its vault and the acknowledged
  writes it lost are counted.

Reproduce with \`make bench\` (it runs \`bench/run.sh\` for each workload; raw numbers of the last runs, all
rounds, go to \`bench/out/latest.json\`, \`bench/out/latest-counter.json\` and \`bench/out/latest-catchup.json\`)
and \`make bench-vault\` (\`bench/vault.sh\`: \`bench/out/latest-vault.json\`).

EOF
    for w in parties counter catchup vault; do
      echo "<!-- results:$w -->"
      cat "$work/section-$w.md"
      echo "<!-- /results:$w -->"
      echo
    done
  } >"$RESULTS.new"
  mv "$RESULTS.new" "$RESULTS"
  log "wrote $RESULTS"
}

# --- run ---------------------------------------------------------------------------------------------------------

if [[ "$workload" == catchup ]]; then
  run_catchup
  write_results
  exit 0
fi
if [[ "$only" != postgres ]]; then
  start_node
  if [[ "$workload" == counter ]]; then setup_node_counter; fi
fi
[[ "$only" == node ]] || start_postgres
for ((r = 1; r <= rounds; r++)); do
  i=0
  for n in $clients_list; do
    [[ "$only" == postgres ]] || measure_node "$r" "$n" "$i"
    [[ "$only" == node ]] || measure_postgres "$r" "$n"
    i=$((i + 1))
  done
done
if [[ -n "$server_pid" ]]; then
  kill -0 "$server_pid" 2>/dev/null || die "the node died during the run: $(tail -20 "$work/serve.err")"
fi
stop_server
stop_postgres

# --- medians -----------------------------------------------------------------------------------------------------

declare -A node_json pg_json  # clients -> the JSON line of the median round
declare -A node_range pg_range  # clients -> "min–max" rate over the rounds

# Fills $3 (clients -> median round's line) and $4 (clients -> "min–max") from the rounds in $1, by the rate field $2.
# shellcheck disable=SC2034,SC2004  # median_of and range_of are namerefs to associative arrays of the caller
summarize() {
  local -n runs=$1 median_of=$3 range_of=$4
  local field=$2 n r sorted
  for n in $clients_list; do
    [[ -n "${runs[1:$n]:-}" ]] || continue
    sorted=$(for ((r = 1; r <= rounds; r++)); do
      printf '%s %d\n' "$(json_field "${runs[$r:$n]}" "$field")" "$r"
    done | sort -g -k1,1 -k2,2n)
    r=$(sed -n "$(((rounds + 1) / 2))p" <<<"$sorted" | cut -d' ' -f2)
    median_of[$n]=${runs[$r:$n]}
    range_of[$n]="$(head -1 <<<"$sorted" | cut -d' ' -f1)–$(tail -1 <<<"$sorted" | cut -d' ' -f1)"
  done
}
summarize node_runs commands_per_s node_json node_range
summarize pg_runs tps pg_json pg_range

describe_run
last_n=${clients_list##* }

node_rate() { [[ -n "${node_json[$1]:-}" ]] && json_field "${node_json[$1]}" commands_per_s; }
pg_rate() { [[ -n "${pg_json[$1]:-}" ]] && json_field "${pg_json[$1]}" tps; }
ratio_of() { calc "$1 / ($2 > 0 ? $2 : 1)" 1; }  # node rate, PostgreSQL rate

ratio="" goal_met="" round_ratios=() round_ratio_median=""
if [[ -n "${node_json[$last_n]:-}" && -n "${pg_json[$last_n]:-}" ]]; then
  node_p99=$(json_field "${node_json[$last_n]}" p99_ms)
  ratio=$(ratio_of "$(node_rate "$last_n")" "$(pg_rate "$last_n")")
  goal_met=$(awk -v r="$ratio" -v p="$node_p99" 'BEGIN { print (r >= 10 && p <= 10) ? "true" : "false" }')
  for ((r = 1; r <= rounds; r++)); do
    round_ratios+=("$(ratio_of "$(json_field "${node_runs[$r:$last_n]}" commands_per_s)" \
      "$(json_field "${pg_runs[$r:$last_n]}" tps)")")
  done
  round_ratio_median=$(printf '%s\n' "${round_ratios[@]}" | median)
fi
list_ratios() {  # separator, suffix
  local i
  for ((i = 0; i < ${#round_ratios[@]}; i++)); do
    ((i == 0)) || printf '%s' "$1"
    printf '%s%s' "${round_ratios[i]}" "${2:-}"
  done
}

# --- report ------------------------------------------------------------------------------------------------------

if [[ "$workload" == counter ]]; then
  unit=renewals/s
  json_out="$OUT_DIR/latest-counter.json"
else
  unit=writes/s
  json_out="$OUT_DIR/latest.json"
fi

# Table.
{
  printf '\nmedian of %d round(s) per system and client count; min-max: the rates over all rounds\n' "$rounds"
  printf '%-16s %8s %12s %19s %9s %9s %9s %7s\n' system clients "$unit" "min-max $unit" 'avg ms' 'p50 ms' \
    'p99 ms' errors
  for n in $clients_list; do
    if [[ -n "${node_json[$n]:-}" ]]; then
      j=${node_json[$n]}
      printf '%-16s %8d %12s %19s %9s %9s %9s %7s\n' 'holdfast node' "$n" "$(json_field "$j" commands_per_s)" \
        "${node_range[$n]/–/-}" '-' "$(json_field "$j" p50_ms)" "$(json_field "$j" p99_ms)" "$(json_field "$j" errors)"
    fi
  done
  for n in $clients_list; do
    if [[ -n "${pg_json[$n]:-}" ]]; then
      j=${pg_json[$n]}
      printf '%-16s %8d %12s %19s %9s %9s %9s %7s\n' 'PostgreSQL 15' "$n" "$(json_field "$j" tps)" \
        "${pg_range[$n]/–/-}" "$(json_field "$j" latency_avg_ms)" "$(json_field "$j" p50_ms)" \
        "$(json_field "$j" p99_ms)" "$(json_field "$j" errors)"
    fi
  done
  if [[ -n "$ratio" ]]; then
    printf '\nat %d clients the node does %s× PostgreSQL'"'"'s rate (median over median) with p99 %s ms in its median round (goal: ≥ 10× with p99 ≤ 10 ms: %s)\n' \
      "$last_n" "$ratio" "$node_p99" "$([[ "$goal_met" == true ]] && echo met || echo NOT met)"
    printf 'per-round ratios at %d clients: %s (median %s×)\n' "$last_n" "$(list_ratios ', ' ×)" "$round_ratio_median"
  fi
  echo
}

# bench/out/latest.json
join_json() {  # map clients -> JSON line: [line, line, ...] in client order
  local -n map=$1
  local out="" n
  for n in $clients_list; do
    [[ -n "${map[$n]:-}" ]] || continue
    out+="${out:+,}${map[$n]}"
  done
  printf '[%s]' "$out"
}
join_rounds() {  # map "round:clients" -> JSON line: [[round 1's lines], [round 2's lines], ...], or [] if not run
  local -n runs=$1
  local out="" r n line
  for ((r = 1; r <= rounds; r++)); do
    line=""
    for n in $clients_list; do
      [[ -n "${runs[$r:$n]:-}" ]] || continue
      line+="${line:+,}${runs[$r:$n]}"
    done
    [[ -z "$line" ]] || out+="${out:+,}[$line]"
  done
  printf '[%s]' "$out"
}
if ((${#round_ratios[@]})); then round_ratios_json="[$(list_ratios ,)]"; else round_ratios_json=null; fi
mkdir -p "$OUT_DIR"
printf '{"date":"%s","commit":"%s","nproc":%d,"cpu":"%s","tmp_fs":"%s","seconds":%d,"warmup":%d,"rounds":%d,"node":%s,"postgres":%s,"ratio_at_%d":%s,"goal_met":%s,"node_rounds":%s,"postgres_rounds":%s,"round_ratios_at_%d":%s,"round_ratio_median_at_%d":%s}\n' \
  "$date_utc" "$commit" "$cpus" "$(json_escape "$cpu_model")" "$fs_type" "$run_seconds" "$warmup" "$rounds" \
  "$(join_json node_json)" "$(join_json pg_json)" "$last_n" "${ratio:-null}" "${goal_met:-null}" \
  "$(join_rounds node_runs)" "$(join_rounds pg_runs)" "$last_n" "$round_ratios_json" "$last_n" \
  "${round_ratio_median:-null}" >"$json_out"
log "wrote $json_out"

# bench/RESULTS.md
row() {  # system clients json rate-field min–max
  local j=$3
  if [[ -z "$j" ]]; then
    printf '| %s | %s | not run | | | | |\n' "$1" "$2"
  else
    printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$1" "$2" "$(json_field "$j" "$4")" "$5" \
      "$(json_field "$j" p50_ms)" "$(json_field "$j" p99_ms)" "$(json_field "$j" errors)"
  fi
}
{
  echo "## Latest run: $([[ "$workload" == counter ]] && echo 'counter renewals' || echo 'parties')"
  echo
  echo "- Date: $date_utc"
  echo "- Commit: $commit"
  echo "- Machine: $cpus CPUs (\`nproc\`), $cpu_model; temporary data on $fs_type"
  echo "- Command: \`$invocation\` ($rounds rounds; $run_seconds s measured per point after a $warmup s warm-up)"
  echo
  echo "| System | Clients | ${unit^} (median) | min–max $unit | p50 ms | p99 ms | Errors |"
  echo "|---|---:|---:|---:|---:|---:|---:|"
  for n in $clients_list; do row 'Holdfast node' "$n" "${node_json[$n]:-}" commands_per_s "${node_range[$n]:-}"; done
  for n in $clients_list; do row 'PostgreSQL 15' "$n" "${pg_json[$n]:-}" tps "${pg_range[$n]:-}"; done
  echo
  if [[ -n "$ratio" ]]; then
    echo "At $last_n clients the node's median rate is **${ratio}×** PostgreSQL's, with p99 $node_p99 ms in its" \
      "median round: the goal is **$([[ "$goal_met" == true ]] && echo met || echo 'not met')**."
    echo
    echo "Ratio of each round at $last_n clients (node over PostgreSQL in the same round):" \
      "$(list_ratios ', ' ×) (rounds 1 to $rounds; median ${round_ratio_median}×)."
  else
    echo "At $last_n clients: ratio not available, because only the ${only:-?} side was run (\`bench/run.sh --only $only\`)."
  fi
} >"$work/section.md"
write_results

