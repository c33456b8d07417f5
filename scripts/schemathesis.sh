#!/usr/bin/env bash
# Fuzzes the HTTP contract with schemathesis: generated requests, valid and invalid, against every
# operation of /openapi.json on a real running service, which must never answer 5xx and must
# answer exactly as the document says (status, content type, headers, body schema). Checks and
# their per-operation exceptions are in scripts/schemathesis.toml.
#
# Starts its own service (debug build, loopback only, temp database, no rate limit, an admin
# token so the admin operation is fuzzed past its auth check; invalidating the cache of a
# throwaway instance harms nothing) and stops it on exit. Exits non-zero on any failure.
#
# Environment: SCHEMATHESIS_MAX_EXAMPLES (default 200 per operation), SCHEMATHESIS_SEED (default
# fixed, so CI is reproducible; set another to explore), SCHEMATHESIS_TIME_LIMIT (seconds, 600).
set -euo pipefail
cd "$(dirname "$0")/.."

# Pinned: checks and their names change between releases. Verified with this version.
version=4.32.5
venv=target/schemathesis-venv
max_examples=${SCHEMATHESIS_MAX_EXAMPLES:-200}
seed=${SCHEMATHESIS_SEED:-20261123}
time_limit=${SCHEMATHESIS_TIME_LIMIT:-600}

apt_install() {
  local sudo_cmd=""
  if [ "$(id -u)" -ne 0 ]; then sudo_cmd="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo_cmd apt-get update -qq
  $sudo_cmd apt-get install -y -qq "$@" >/dev/null
}

if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -qF "$version"; then
  echo "== installing schemathesis $version into $venv"
  command -v python3 >/dev/null 2>&1 || apt_install python3 python3-venv
  rm -rf "$venv"
  if ! python3 -m venv "$venv" 2>/dev/null; then
    # Debian's python3 ships venv (and ensurepip) separately.
    rm -rf "$venv"
    echo "== installing python3-venv"
    apt_install python3-venv
    python3 -m venv "$venv"
  fi
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$version"
fi
"$venv/bin/schemathesis" --version

echo "== building the service"
# With the tests: the same features as `cargo test` (dev-dependencies unify features), so after
# the test run in .ci/run this builds nothing.
cargo build --locked --quiet --bins --tests
binary=$PWD/target/debug/railfair

work=$(mktemp -d)
log=$work/railfair.log
pid=""
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

token=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
# A clean environment in an empty directory: neither the caller's variables nor a .env file can
# change what is fuzzed. Port 0: the service names the port it bound in its "serving" line.
(
  cd "$work"
  exec env -i PATH="$PATH" \
    RAILFAIR_LISTEN=127.0.0.1:0 \
    DATABASE_URL="sqlite://$work/railfair.db" \
    RATE_LIMIT_PER_MINUTE=0 \
    RAILFAIR_ADMIN_TOKEN="$token" \
    LOG_FORMAT=json \
    RUST_LOG=info,sqlx=warn \
    "$binary" serve
) >"$log" 2>&1 &
pid=$!

port=""
for _ in $(seq 600); do
  port=$(grep -o '"listen":"127\.0\.0\.1:[0-9]*"' "$log" | head -1 | grep -o '[0-9]*"$' | tr -d '"' || true)
  [ -n "$port" ] && break
  kill -0 "$pid" 2>/dev/null || { echo "the service exited before serving:" >&2; cat "$log" >&2; exit 1; }
  sleep 0.1
done
[ -n "$port" ] || { echo "no 'serving' line within 60 s:" >&2; cat "$log" >&2; exit 1; }
base=http://127.0.0.1:$port
python3 - "$base/ready" <<'EOF'
import sys, time, urllib.request
for _ in range(600):
    try:
        if urllib.request.urlopen(sys.argv[1], timeout=2).status == 200:
            sys.exit(0)
    except Exception:
        pass
    time.sleep(0.1)
sys.exit("the service was not ready within 60 s")
EOF
echo "== fuzzing $base/openapi.json ($max_examples examples per operation, seed $seed)"

status=0
timeout --kill-after=10 "$time_limit" \
  "$venv/bin/schemathesis" --config-file scripts/schemathesis.toml --no-color \
  run "$base/openapi.json" \
  --header "Authorization: Bearer $token" \
  --max-examples "$max_examples" \
  --seed "$seed" \
  --request-timeout 10 \
  --generation-database none \
  --continue-on-failure \
  | tee "$work/schemathesis.out" || status=$?

# The server's own view: a panic or an error line means something went wrong even if every
# response looked right.
if grep -q '"level":"ERROR"' "$log"; then
  echo "the service logged errors while being fuzzed:" >&2
  grep '"level":"ERROR"' "$log" | head -20 >&2
  status=1
fi
if [ "$status" -eq 0 ]; then
  # A closing line that says what ran, in the plain form CI reads.
  sed -n 's/^ *\([0-9]*\) generated, \([0-9]*\) passed.*/schemathesis: \2 passed, 0 failed/p' \
    "$work/schemathesis.out" | tail -1
else
  echo "schemathesis failed (exit $status); service log tail:" >&2
  tail -20 "$log" >&2
fi
exit "$status"
