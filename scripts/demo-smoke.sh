#!/usr/bin/env bash
# Checks that `make demo` serves the demo: starts it on a free loopback port with a fresh data directory, waits
# (with a deadline) for it to listen, signs in as the demo clerk, finds a demo party, checks the web UI is
# served at /, has the demo resident pay her water bill online, then stops it.
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d "${TMPDIR:-/tmp}/holdfast-demo-check.XXXXXX")
pid=""
cleanup() {
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "demo check: FAILED: $*" >&2; echo "--- make demo output:" >&2; cat "$work/demo.log" >&2; exit 1; }

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
setsid make --no-print-directory demo DEMO_DATA="$work/demo" LISTEN="127.0.0.1:$port" >"$work/demo.log" 2>&1 &
pid=$!
for ((i = 0; i < 1200; i++)); do  # up to 120 s: make demo may still be building
  grep -q "listening on http://127.0.0.1:$port" "$work/demo.log" && break
  kill -0 "$pid" 2>/dev/null || fail "make demo exited before serving"
  sleep 0.1
done
grep -q "listening on" "$work/demo.log" || fail "make demo did not listen within 120 s"

base="http://127.0.0.1:$port"
curl -sf --noproxy '*' --max-time 10 "$base/readyz" >/dev/null || fail "/readyz did not answer 200"
token=$(curl -sf --noproxy '*' --max-time 10 -X POST "$base/api/v1/sessions" -H 'Content-Type: application/json' \
  -d '{"username":"clerk","password":"clerk-demo-pass"}' | python3 -c 'import sys, json; print(json.load(sys.stdin)["token"])') ||
  fail "the demo clerk could not sign in"
found=$(curl -sf --noproxy '*' --max-time 10 "$base/api/v1/parties?q=gonzalez" -H "Authorization: Bearer $token" |
  python3 -c 'import sys, json; print(len(json.load(sys.stdin)["items"]))') || fail "party search failed"
[[ "$found" == 1 ]] || fail "expected the demo party Maria Gonzalez, found $found"
curl -sf --noproxy '*' --max-time 10 "$base/" | grep -q '<script type="module"' ||
  fail "the web UI is not served at $base/ (is web/dist built?)"

# The demo resident pays her water bill online through the demo's test card processor.
resident=$(curl -sf --noproxy '*' --max-time 10 -X POST "$base/api/v1/sessions" -H 'Content-Type: application/json' \
  -d '{"username":"resident","password":"resident-demo-pass"}' | python3 -c 'import sys, json; print(json.load(sys.stdin)["token"])') ||
  fail "the demo resident could not sign in"
balance=$(curl -sf --noproxy '*' --max-time 10 -X POST "$base/api/v1/utility/accounts/100001/online-payments" \
  -H "Authorization: Bearer $resident" -H 'Content-Type: application/json' -H "Idempotency-Key: demo-check-$port" \
  -d '{"amount_cents":500,"card_number":"4242424242424242","expiry":"12/30"}' |
  python3 -c 'import sys, json; print(json.load(sys.stdin)["account"]["balance_cents"])') ||
  fail "the demo resident's online payment was not taken"
echo "demo check: make demo serves the demo city on $base (web UI at /, clerk signed in, demo parties found, resident paid \$5.00 online; balance now $balance cents)"
