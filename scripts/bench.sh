#!/usr/bin/env bash
# RailFair benchmark: builds release, starts its own redis-server and the service (full data
# bootstrapped from ../shared/data, rate limiting off) on free loopback ports, and runs the load
# generator through five scenarios one after another:
#   health         GET /health only: the server's own ceiling
#   predict-one    one prediction, the cache-hit path
#   mix            the original Locust mix (design §9)
#   mix-nocache    the mix with use_cache:false on every prediction (the cold path)
#   mix-redis-kill the mix while redis-server is killed (SIGKILL) halfway through
# For each: throughput, p50/p99, errors, cache hit rate, the server's peak RSS (VmRSS sampled
# every 200 ms during the scenario; VmHWM too) and CPU (utime+stime delta), the load
# generator's CPU, the CPU other processes took meanwhile (the machine is shared: busy time from
# /proc/stat less server, generator and redis-server), and throughput as a share of /health's in
# the same run. With RUNS > 1 the whole thing (fresh Redis, fresh database,
# fresh server) runs that many times and a table of per-figure medians follows.
#
# Environment: DURATION (seconds per scenario, 25), USERS (100), RUNS (1), THREADS (client
# threads, 1), SERVER_RUST_LOG (the service's RUST_LOG, "warn"; "info" logs a line per request),
# OUT (directory for the JSON reports and logs, a new temporary one by default), SERVER_BIN and
# LOADTEST_BIN (the binaries to use, target/release/{railfair,loadtest} built here by default).
# Traffic goes to 127.0.0.1 only; every process started here is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION="${DURATION:-25}"
USERS="${USERS:-100}"
RUNS="${RUNS:-1}"
THREADS="${THREADS:-1}"
SERVER_RUST_LOG="${SERVER_RUST_LOG:-warn}"
OUT="${OUT:-$(mktemp -d /tmp/railfair-bench.XXXXXX)}"
DATA_DIR="$(cd .. && pwd)/shared/data"
mkdir -p "$OUT"

for tool in redis-server redis-cli curl python3; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is required" >&2; exit 2; }
done
[ -f "$DATA_DIR/naptan/RailReferences.csv" ] || { echo "bench: $DATA_DIR has no data" >&2; exit 2; }

# SERVER_BIN and LOADTEST_BIN may name other builds (e.g. an older commit's, for a side-by-side
# run); with both given nothing is built.
if [ -z "${SERVER_BIN:-}" ] || [ -z "${LOADTEST_BIN:-}" ]; then
  echo "== building release" >&2
  cargo build --release --locked -p railfair -p loadtest >&2
fi
SERVER_BIN="${SERVER_BIN:-target/release/railfair}"
LOADTEST_BIN="${LOADTEST_BIN:-target/release/loadtest}"
CLK_TCK="$(getconf CLK_TCK)"

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

REDIS_PID=""
SERVER_PID=""
SAMPLER_PID=""
cleanup() {
  for pid in "$SAMPLER_PID" "$SERVER_PID" "$REDIS_PID"; do
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
  SAMPLER_PID="" SERVER_PID="" REDIS_PID=""
}
trap cleanup EXIT

# Busy CPU time of the whole machine (user + nice + system + irq + softirq + steal), in ticks.
machine_ticks() { awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }
# utime + stime of a process, in clock ticks.
cpu_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }
# A /proc/<pid>/status field in kB.
status_kb() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }

# Samples the server's VmRSS every 200 ms into $1 (one value per line) until killed.
sample_rss() {
  while kill -0 "$SERVER_PID" 2>/dev/null; do
    status_kb "$SERVER_PID" VmRSS >>"$1" || true
    sleep 0.2
  done
}

start_stack() {
  local run_dir="$1"
  local redis_port server_port
  redis_port="$(free_port)"
  server_port="$(free_port)"
  redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no \
    >"$run_dir/redis.log" 2>&1 &
  REDIS_PID=$!
  for _ in $(seq 100); do
    redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break
    sleep 0.1
  done
  RAILFAIR_LISTEN="127.0.0.1:$server_port" \
    DATABASE_URL="sqlite://$run_dir/railfair.db" \
    RAILFAIR_DATA_DIR="$DATA_DIR" \
    REDIS_URL="redis://127.0.0.1:$redis_port" \
    RATE_LIMIT_PER_MINUTE=0 \
    RUST_LOG="$SERVER_RUST_LOG" \
    "$SERVER_BIN" >"$run_dir/server.log" 2>&1 &
  SERVER_PID=$!
  URL="http://127.0.0.1:$server_port"
  for _ in $(seq 600); do
    if [ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/ready")" = 200 ]; then
      return 0
    fi
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "bench: the server exited" >&2; cat "$run_dir/server.log" >&2; exit 1; }
    sleep 0.2
  done
  echo "bench: the server was not ready within 120 s" >&2
  exit 1
}

# run_scenario <run dir> <label> <loadtest scenario> [kill redis halfway: yes]
run_scenario() {
  local run_dir="$1" label="$2" scenario="$3" kill_redis="${4:-}"
  local rss_file="$run_dir/$label.rss" cpu_before cpu_after killer=""
  local machine_before machine_after redis_before redis_after=0 loadavg
  : >"$rss_file"
  sample_rss "$rss_file" &
  SAMPLER_PID=$!
  cpu_before="$(cpu_ticks "$SERVER_PID")"
  machine_before="$(machine_ticks)"
  redis_before="$(cpu_ticks "$REDIS_PID")"
  loadavg="$(cut -d' ' -f1 /proc/loadavg)"
  if [ "$kill_redis" = yes ]; then
    (sleep "$(python3 -c "print($DURATION / 2)")" && kill -9 "$REDIS_PID") &
    killer=$!
  fi
  echo "== run $(basename "$run_dir"): $label" >&2
  # The gate is not used here: the table below shows every figure, pass or fail.
  "$LOADTEST_BIN" --url "$URL" --scenario "$scenario" --users "$USERS" --threads "$THREADS" \
    --duration "${DURATION}s" --json "$run_dir/$label.json" \
    >"$run_dir/$label.txt" 2>"$run_dir/$label.progress" || true
  cpu_after="$(cpu_ticks "$SERVER_PID")"
  machine_after="$(machine_ticks)"
  if [ -n "$killer" ]; then
    wait "$killer" || true
    # Killed halfway: its CPU until then is what /proc showed last (not readable any more).
    redis_after="$redis_before"
  else
    redis_after="$(cpu_ticks "$REDIS_PID")"
  fi
  kill "$SAMPLER_PID" 2>/dev/null || true
  wait "$SAMPLER_PID" 2>/dev/null || true
  SAMPLER_PID=""
  python3 - "$run_dir/$label.json" "$rss_file" "$cpu_before" "$cpu_after" "$CLK_TCK" \
    "$(status_kb "$SERVER_PID" VmHWM)" "$machine_before" "$machine_after" \
    "$redis_before" "$redis_after" "$loadavg" <<'PY'
import json, sys
path, rss_file, before, after, tck, hwm, m0, m1, r0, r1, loadavg = sys.argv[1:]
tck = int(tck)
report = json.load(open(path))
rss = [int(x) for x in open(rss_file).read().split() if x.strip()]
server_cpu = (int(after) - int(before)) / tck
machine_cpu = (int(m1) - int(m0)) / tck
redis_cpu = (int(r1) - int(r0)) / tck
client_cpu = report["run"]["client_cpu_s"] or 0.0
report["server"] = {
    "rss_peak_mb": max(rss) / 1024 if rss else None,
    "vm_hwm_mb": int(hwm) / 1024,
    "cpu_s": server_cpu,
}
# CPU that neither the server, the load generator nor redis-server used: other work on the
# machine (other builds), which the figures compete with.
report["machine"] = {
    "busy_cpu_s": machine_cpu,
    "redis_cpu_s": redis_cpu,
    "other_cpu_s": max(0.0, machine_cpu - server_cpu - client_cpu - redis_cpu),
    "loadavg_1m_at_start": float(loadavg),
}
json.dump(report, open(path, "w"), indent=1)
PY
  if [ "$kill_redis" = yes ]; then REDIS_PID=""; fi
}

for run in $(seq "$RUNS"); do
  run_dir="$OUT/run$run"
  mkdir -p "$run_dir"
  start_stack "$run_dir"
  run_scenario "$run_dir" health health
  run_scenario "$run_dir" predict-one predict-one
  run_scenario "$run_dir" mix mix
  run_scenario "$run_dir" mix-nocache mix-nocache
  run_scenario "$run_dir" mix-redis-kill mix yes
  cleanup
done

python3 - "$OUT" "$RUNS" <<'PY'
import json, statistics, sys
out, runs = sys.argv[1], int(sys.argv[2])
labels = ["health", "predict-one", "mix", "mix-nocache", "mix-redis-kill"]

def figures(run, label):
    r = json.load(open(f"{out}/run{run}/{label}.json"))
    health = json.load(open(f"{out}/run{run}/health.json"))
    t = r["total"]
    lat = t["latency_ms"] or {}
    return {
        "req/s": t["throughput_rps"],
        "p50 ms": lat.get("p50", float("nan")),
        "p99 ms": lat.get("p99", float("nan")),
        "errors": t["errors"]["total"],
        "hit %": (t["cache"]["hit_rate"] or 0) * 100 if t["cache"]["hit_rate"] is not None else None,
        "RSS peak MB": r["server"]["rss_peak_mb"],
        "HWM MB": r["server"]["vm_hwm_mb"],
        "server CPU s": r["server"]["cpu_s"],
        "client CPU s": r["run"]["client_cpu_s"],
        "other CPU s": r["machine"]["other_cpu_s"],
        "× /health": t["throughput_rps"] / health["total"]["throughput_rps"],
    }

cols = ["req/s", "p50 ms", "p99 ms", "errors", "hit %", "RSS peak MB", "HWM MB", "server CPU s", "client CPU s", "other CPU s", "× /health"]
fmt = {"req/s": "{:.0f}", "p50 ms": "{:.2f}", "p99 ms": "{:.2f}", "errors": "{:.0f}", "hit %": "{:.1f}",
       "RSS peak MB": "{:.0f}", "HWM MB": "{:.0f}", "server CPU s": "{:.1f}", "client CPU s": "{:.1f}", "other CPU s": "{:.1f}", "× /health": "{:.2f}"}

def show(title, rows):
    print(title)
    print("| scenario | " + " | ".join(cols) + " |")
    print("|---|" + "---:|" * len(cols))
    for label, f in rows:
        cells = ["-" if f[c] is None else fmt[c].format(f[c]) for c in cols]
        print(f"| {label} | " + " | ".join(cells) + " |")
    print()

all_runs = {run: {label: figures(run, label) for label in labels} for run in range(1, runs + 1)}
for run, rows in all_runs.items():
    show(f"run {run}", rows.items())
if runs > 1:
    medians = []
    for label in labels:
        m = {}
        for c in cols:
            values = [all_runs[r][label][c] for r in all_runs if all_runs[r][label][c] is not None]
            m[c] = statistics.median(values) if values else None
        medians.append((label, m))
    show(f"median of {runs} runs (each figure separately)", medians)
print(f"reports and logs: {out}")
PY
