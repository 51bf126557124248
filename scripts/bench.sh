#!/usr/bin/env bash
# Benchmarks: fazt against nginx (static files) and Node (JS handlers) in the same run, storage,
# memory, deploy time, cold starts, crash loop and scheduler. Loopback only; every load run is
# bounded by -d. Raw figures go to $BENCH_RESULTS (JSON lines); scripts/bench-report.py turns them
# into docs/performance.md (re-run it alone to regenerate the page: `make bench-report`).
#
# Every peer comparison runs BENCH_ROUNDS alternating rounds (peer, fazt, peer, fazt, ...) and is
# reported as the median ratio with its min-max spread; CPU time per request is sampled from /proc
# for both sides. Before each section the load average and CPU model are recorded; a section that
# starts with a 1-minute load above BENCH_NOISY_LOAD (0.5) is marked noisy (it still runs).
#
# Environment: FAZT (binary), DURATION (each wrk run, default 10s), BENCH_ROUNDS (default 3; ROUNDS
# is read as a fallback), BENCH_PEER_FLOOR (default 0.6), BENCH_NOISY_LOAD (default 0.5),
# CRASH_RUNS (default 30), SCHED_SECONDS (default 30), BENCH_RESULTS (default docs/performance.jsonl),
# BENCH_REPORT (default docs/performance.md), NGINX_PORT, NODE_PORT, BENCH_REALTIME (0 skips
# scripts/bench-realtime.sh; its own knobs are described there).
set -euo pipefail
cd "$(dirname "$0")/.."

FAZT=${FAZT:-./.build/release/fazt}
DURATION=${DURATION:-10s}
ROUNDS=${BENCH_ROUNDS:-${ROUNDS:-3}}
BENCH_RESULTS=${BENCH_RESULTS:-docs/performance.jsonl}
BENCH_REPORT=${BENCH_REPORT:-docs/performance.md}
WORK=$(mktemp -d /tmp/fazt-bench.XXXXXX)
chmod 755 "$WORK" # nginx workers run as www-data
NGINX_PORT=${NGINX_PORT:-18080}
FAZT_PID=""
cleanup() {
    [[ -n "$FAZT_PID" ]] && kill "$FAZT_PID" 2>/dev/null && wait "$FAZT_PID" 2>/dev/null || true
    [[ -f "$WORK/nginx.pid" ]] && nginx -c "$WORK/nginx.conf" -s stop 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

for tool in wrk nginx curl python3 node; do
    command -v "$tool" >/dev/null || { echo "bench: $tool is missing (run scripts/install-deps.sh bench)" >&2; exit 1; }
done
[[ -x "$FAZT" ]] || { echo "bench: $FAZT is missing (run make release)" >&2; exit 1; }

if pgrep -x fazt >/dev/null; then
    echo "bench: other fazt processes are running; pages they share with the measured server make its RSS read high" >&2
fi
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }

# --- shared helpers (scripts/benchlib.py) ---------------------------------------------------
RESULTS="$WORK/results.jsonl"
: >"$RESULTS"
lib() { python3 scripts/benchlib.py "$@"; }
section() { lib section "$RESULTS" "$1"; } # load average, CPU model, noisy mark
record() { lib value "$RESULTS" "$1" "$2"; }
# measure SECTION ROW WHO ROUND PIDS URL HOST CONNECTIONS → "req/s p50_ms p99_ms requests cpu_us/request"
# One wrk run; PIDS (comma-separated) are the server processes whose trees' CPU time is sampled.
measure() {
    local args=(-t2 -c"$8" -d"$DURATION" --latency)
    if [[ -n "$7" ]]; then args+=(-H "Host: $7"); fi
    lib wrk "$RESULTS" "$1" "$2" "$3" "$4" "$5" -- "${args[@]}" "$6"
}
record duration "\"$DURATION\""
record rounds "$ROUNDS"
record date "\"$(date -u +%Y-%m-%d)\""
record machine "\"$(uname -m)\""
record nginx_version "\"$(nginx -v 2>&1 | sed 's/^nginx version: //')\""
record node_version "\"$(node --version)\""

# --- the files ------------------------------------------------------------------------------
mkdir -p "$WORK/www" "$WORK/many"
python3 - "$WORK" <<'PY'
import os, random, sys
work = sys.argv[1]
random.seed(7)
def text(n):
    words = ["fazt", "sqlite", "swift", "static", "file", "cache", "event", "loop", "wal", "blob"]
    out = []
    while sum(len(w) + 1 for w in out) < n:
        out.append(random.choice(words))
    return (" ".join(out))[:n]
open(os.path.join(work, "www", "1k.html"), "w").write(text(1024))
open(os.path.join(work, "www", "100k.bin"), "wb").write(os.urandom(100 * 1024))
for i in range(1000):
    d = os.path.join(work, "many", f"d{i % 20}")
    os.makedirs(d, exist_ok=True)
    open(os.path.join(d, f"f{i}.html"), "w").write(text(600) + str(i))
PY

# --- nginx --------------------------------------------------------------------------------
cat > "$WORK/nginx.conf" <<CONF
worker_processes 2;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections 1024; }
http {
    access_log off;
    include /etc/nginx/mime.types;
    server { listen 127.0.0.1:$NGINX_PORT; root $WORK/www; }
}
CONF
nginx -c "$WORK/nginx.conf"

# --- fazt ---------------------------------------------------------------------------------
section start-and-deploy
# wrk opens 64 connections from one address; the default per-address limit is 50.
"$FAZT" serve --port 0 --host 127.0.0.1 --data "$WORK/data.db" --max-connections-per-ip 256 \
    >"$WORK/fazt.out" 2>"$WORK/fazt.err" &
FAZT_PID=$!
for _ in $(seq 100); do grep -q listening "$WORK/fazt.out" 2>/dev/null && break; sleep 0.05; done
PORT=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["port"])' "$WORK/fazt.out")
TOKEN=$(grep -o 'fzt_[0-9a-f]*' "$WORK/fazt.err" | head -1)
sleep 1
RSS_START=$(rss_kb "$FAZT_PID")
# An idle server releases caches and unused code pages after --trim-after-idle (5 s by default).
sleep 7
RSS_START_IDLE=$(rss_kb "$FAZT_PID")

export FAZT_SERVER="http://127.0.0.1:$PORT" FAZT_TOKEN="$TOKEN" XDG_CONFIG_HOME="$WORK/config"
"$FAZT" deploy "$WORK/www" --app bench >/dev/null

# Deploy time for 1,000 files: whole CLI round trip (pack + upload + import), best of 3.
DEPLOY_MS=$(python3 - "$FAZT" "$WORK/many" <<'PY'
import subprocess, sys, time
best = None
for i in range(3):
    start = time.monotonic()
    subprocess.run([sys.argv[1], "deploy", sys.argv[2], "--app", f"many{i}"], check=True, stdout=subprocess.DEVNULL)
    took = (time.monotonic() - start) * 1000
    best = took if best is None else min(best, took)
print(f"{best:.0f}")
PY
)
# Server-side part alone: upload a pre-packed archive with curl.
(cd "$WORK/many" && tar czf "$WORK/many.tgz" .)
UPLOAD_MS=$(curl -s -o /dev/null -w '%{time_total}' -X POST -H "Authorization: Bearer $TOKEN" \
    -H 'Content-Type: application/gzip' --data-binary @"$WORK/many.tgz" \
    "http://127.0.0.1:$PORT/_fazt/api/v1/apps/many-upload/deploy" | awk '{printf "%.0f", $1 * 1000}')

sleep 7
RSS_IDLE=$(rss_kb "$FAZT_PID")
record rss_start_kb "$RSS_START"
record rss_start_idle_kb "$RSS_START_IDLE"
record rss_idle_kb "$RSS_IDLE"
record deploy_ms "$DEPLOY_MS"
record upload_ms "$UPLOAD_MS"

# --- load ---------------------------------------------------------------------------------
PEAK_FILE="$WORK/peak"
echo 0 >"$PEAK_FILE"
watch_rss() {
    local peak=0
    while kill -0 "$FAZT_PID" 2>/dev/null && [[ ! -f "$WORK/stop-watch" ]]; do
        local now; now=$(rss_kb "$FAZT_PID")
        (( now > peak )) && peak=$now && echo "$peak" >"$PEAK_FILE"
        sleep 0.2
    done
}
watch_rss &
WATCH_PID=$!

NGINX_PID=$(cat "$WORK/nginx.pid")
for file in 1k.html 100k.bin; do
    section "static-$file"
    # warm both (and fazt's hot-file cache)
    wrk -t1 -c4 -d1s "http://127.0.0.1:$NGINX_PORT/$file" >/dev/null
    wrk -t1 -c4 -d1s -H "Host: bench.localhost" "http://127.0.0.1:$PORT/$file" >/dev/null
    for round in $(seq "$ROUNDS"); do
        measure static "$file" nginx "$round" "$NGINX_PID" "http://127.0.0.1:$NGINX_PORT/$file" "" 64 >/dev/null
        measure static "$file" fazt "$round" "$FAZT_PID" "http://127.0.0.1:$PORT/$file" bench.localhost 64 >/dev/null
    done
    lib compare "$RESULTS" static "$file" nginx fazt
done
touch "$WORK/stop-watch"
wait "$WATCH_PID" 2>/dev/null || true
RSS_PEAK=$(cat "$PEAK_FILE")
sleep 7
RSS_AFTER=$(rss_kb "$FAZT_PID")
record rss_peak_kb "$RSS_PEAK"
record rss_after_kb "$RSS_AFTER"

# --- JavaScript handlers (issue #3) ------------------------------------------------------------
NODE_PORT=${NODE_PORT:-18090}
mkdir -p "$WORK/js/api"
echo "module.exports = () => ({ hello: 'world' });" >"$WORK/js/api/main.js"
"$FAZT" deploy "$WORK/js" --app jshello >/dev/null
node -e "require('http').createServer((q, s) => { s.setHeader('content-type', 'application/json'); s.end(JSON.stringify({ hello: 'world' })); }).listen($NODE_PORT, '127.0.0.1')" &
NODE_PID=$!
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$NODE_PORT/" && break; sleep 0.05; done
section js-hello
wrk -t1 -c4 -d1s "http://127.0.0.1:$NODE_PORT/" >/dev/null
wrk -t1 -c4 -d1s -H "Host: jshello.localhost" "http://127.0.0.1:$PORT/api" >/dev/null
for round in $(seq "$ROUNDS"); do
    measure js hello node "$round" "$NODE_PID" "http://127.0.0.1:$NODE_PORT/" "" 64 >/dev/null
    measure js hello fazt "$round" "$FAZT_PID" "http://127.0.0.1:$PORT/api" jshello.localhost 64 >/dev/null
done
lib compare "$RESULTS" js hello node fazt
kill "$NODE_PID" 2>/dev/null; wait "$NODE_PID" 2>/dev/null || true

# --- App storage (issue #4) ----------------------------------------------------------------------
# Durable kv.set (unique key per request), 70/30 kv.get/kv.set, and a point docs.find on an indexed
# field over 100,000 documents; measured alternating with the same server's hello JSON handler.
mkdir -p "$WORK/st/api"
cat >"$WORK/st/api/set.js" <<'JS'
let n = 0;
module.exports = () => { n += 1; fazt.kv.set(`k:${Date.now()}:${Math.random()}:${n}`, { n }); return { ok: true }; };
JS
cat >"$WORK/st/api/mixed.js" <<'JS'
module.exports = () => {
  const key = "m" + Math.floor(Math.random() * 1000);
  if (Math.random() < 0.7) return { value: fazt.kv.get(key) };
  fazt.kv.set(key, { at: Date.now() });
  return { ok: true };
};
JS
cat >"$WORK/st/api/seed.js" <<'JS'
module.exports = (req) => {
  const from = Number(req.query.from);
  const docs = [];
  for (let i = from; i < from + 1000; i++) docs.push({ sku: "sku-" + i, price: i % 100, name: "item " + i });
  fazt.docs.insertMany("items", docs);
  if (from === 0) { fazt.docs.createIndex("items", "sku"); for (let i = 0; i < 1000; i++) fazt.kv.set("m" + i, { i }); }
  return { ok: true };
};
JS
cat >"$WORK/st/api/find.js" <<'JS'
module.exports = () => fazt.docs.find("items", { sku: "sku-" + Math.floor(Math.random() * 100000) });
JS
echo "module.exports = () => ({ hello: 'world' });" >"$WORK/st/api/hello.js"
"$FAZT" deploy "$WORK/st" --app st >/dev/null
for from in $(seq 0 1000 99000); do
    curl -sf -o /dev/null -H "Host: st.localhost" "http://127.0.0.1:$PORT/api/seed?from=$from"
done
section storage
wrk -t1 -c8 -d1s -H "Host: st.localhost" "http://127.0.0.1:$PORT/api/set" >/dev/null
KEYS_BEFORE=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT COUNT(*) FROM kv WHERE key LIKE '"'"'k:%'"'"'").fetchone()[0])' "$WORK/data.db")
SET_REQUESTS=0
# Rounds alternate hello (the peer: the same server's worker path without storage), kv.set, mixed.
for round in $(seq "$ROUNDS"); do
    measure storage storage hello "$round" "$FAZT_PID" "http://127.0.0.1:$PORT/api/hello" st.localhost 64 >/dev/null
    out=$(measure storage storage kv.set "$round" "$FAZT_PID" "http://127.0.0.1:$PORT/api/set" st.localhost 64)
    SET_REQUESTS=$((SET_REQUESTS + $(awk '{print $4}' <<<"$out")))
    measure storage storage mixed "$round" "$FAZT_PID" "http://127.0.0.1:$PORT/api/mixed" st.localhost 64 >/dev/null
done
lib compare "$RESULTS" storage storage hello kv.set
lib compare "$RESULTS" storage storage hello mixed
KEYS_AFTER=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT COUNT(*) FROM kv WHERE key LIKE '"'"'k:%'"'"'").fetchone()[0])' "$WORK/data.db")
measure storage docs.find fazt 1 "$FAZT_PID" "http://127.0.0.1:$PORT/api/find" st.localhost 8 >/dev/null
echo "keys stored $((KEYS_AFTER - KEYS_BEFORE)) of $SET_REQUESTS acknowledged" >&2
record keys_stored "$((KEYS_AFTER - KEYS_BEFORE))"
record set_requests "$SET_REQUESTS"

# kill -9 during acknowledged writes, more runs than the test suite's 10 (its own server and file).
CRASH_RUNS=${CRASH_RUNS:-30}
section crash-loop
CRASH_RESULT=$(python3 scripts/crash-loop.py "$FAZT" "$WORK/crash" "$CRASH_RUNS")
record crash "$CRASH_RESULT"

# Cold starts: first request after a deploy while a worker runs (median of 10), and first request
# with no worker running (a separate server whose workers retire after 1 s; median of 5).
section cold-starts
COLD_WARM=$(python3 - "$FAZT" "$WORK" "$PORT" <<'PY'
import subprocess, sys, time, urllib.request, statistics, os
fazt, work, port = sys.argv[1], sys.argv[2], sys.argv[3]
times = []
for i in range(10):
    with open(os.path.join(work, "js", "api", "main.js"), "w") as f:
        f.write(f"module.exports = () => ({{ hello: 'world', n: {i} }});")
    subprocess.run([fazt, "deploy", os.path.join(work, "js"), "--app", "jshello"], check=True, stdout=subprocess.DEVNULL)
    request = urllib.request.Request(f"http://127.0.0.1:{port}/api", headers={"Host": "jshello.localhost"})
    start = time.monotonic()
    urllib.request.urlopen(request).read()
    times.append((time.monotonic() - start) * 1000)
print(f"{statistics.median(times):.1f}")
PY
)
"$FAZT" serve --port 0 --host 127.0.0.1 --data "$WORK/cold.db" --worker-idle-seconds 1 >"$WORK/cold.out" 2>"$WORK/cold.err" &
COLD_PID=$!
for _ in $(seq 100); do grep -q listening "$WORK/cold.out" 2>/dev/null && break; sleep 0.05; done
COLD_PORT=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["port"])' "$WORK/cold.out")
COLD_TOKEN=$(grep -ao 'fzt_[0-9a-f]*' "$WORK/cold.err" | head -1)
FAZT_SERVER="http://127.0.0.1:$COLD_PORT" FAZT_TOKEN="$COLD_TOKEN" "$FAZT" deploy "$WORK/js" --app jshello >/dev/null
COLD_NONE=$(python3 - "$COLD_PID" "$COLD_PORT" <<'PY'
import sys, time, urllib.request, statistics, glob
pid, port = sys.argv[1], sys.argv[2]
def children():
    out = []
    for path in glob.glob(f"/proc/{pid}/task/*/children"):
        try:
            out += open(path).read().split()
        except OSError:
            pass  # the thread ended between listing and reading
    return out
times = []
for i in range(5):
    deadline = time.monotonic() + 20
    while children() and time.monotonic() < deadline:
        time.sleep(0.05)
    request = urllib.request.Request(f"http://127.0.0.1:{port}/api", headers={"Host": "jshello.localhost"})
    start = time.monotonic()
    urllib.request.urlopen(request).read()
    times.append((time.monotonic() - start) * 1000)
print(f"{statistics.median(times):.1f}")
PY
)
kill "$COLD_PID" 2>/dev/null; wait "$COLD_PID" 2>/dev/null || true
record cold_warm_ms "$COLD_WARM"
record cold_none_ms "$COLD_NONE"

# Memory with 100 apps each called once (server + workers), then after idle eviction and trim.
# Measured with no other fazt process alive: pages shared with another process running the same
# binary count in both RSS figures and cannot be paged out, which would muddy the number.
kill "$FAZT_PID" 2>/dev/null; wait "$FAZT_PID" 2>/dev/null || true
FAZT_PID=""
section apps-100
for i in $(seq 100); do
    mkdir -p "$WORK/many-js/app$i/api"
    echo "const n = $i; module.exports = () => ({ app: n });" >"$WORK/many-js/app$i/api/main.js"
done
"$FAZT" serve --port 0 --host 127.0.0.1 --data "$WORK/apps100.db" --worker-idle-seconds 5 >"$WORK/a100.out" 2>"$WORK/a100.err" &
A100_PID=$!
for _ in $(seq 100); do grep -q listening "$WORK/a100.out" 2>/dev/null && break; sleep 0.05; done
A100_PORT=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["port"])' "$WORK/a100.out")
A100_TOKEN=$(grep -ao 'fzt_[0-9a-f]*' "$WORK/a100.err" | head -1)
for i in $(seq 100); do
    FAZT_SERVER="http://127.0.0.1:$A100_PORT" FAZT_TOKEN="$A100_TOKEN" "$FAZT" deploy "$WORK/many-js/app$i" --app "app$i" >/dev/null
done
for i in $(seq 100); do curl -s -o /dev/null -H "Host: app$i.localhost" "http://127.0.0.1:$A100_PORT/api"; done
tree_rss_kb() { # the server plus its children
    local total; total=$(rss_kb "$1")
    for child in $(cat /proc/"$1"/task/*/children 2>/dev/null); do total=$((total + $(rss_kb "$child"))); done
    echo "$total"
}
RSS_100_APPS=$(tree_rss_kb "$A100_PID")
for _ in $(seq 400); do [[ -z "$(cat /proc/"$A100_PID"/task/*/children 2>/dev/null)" ]] && break; sleep 0.05; done
sleep 7
RSS_100_IDLE=$(tree_rss_kb "$A100_PID")
kill "$A100_PID" 2>/dev/null; wait "$A100_PID" 2>/dev/null || true
record rss_100_apps_kb "$RSS_100_APPS"
record rss_100_idle_kb "$RSS_100_IDLE"

# --- Scheduler (issue #5) -------------------------------------------------------------------
# 100,000 hibernating jobs over 100 apps (daemon RSS growth, bytes per job), then jobs due at
# 1,000/s for 30 s with a trivial handler (lateness, throughput). Its own server and data file.
SCHED_SECONDS=${SCHED_SECONDS:-30}
section scheduler
SCHED_RESULT=$(python3 scripts/bench-scheduler.py "$FAZT" "$WORK/sched" "$SCHED_SECONDS")
echo "scheduler: $SCHED_RESULT" >&2
record scheduler "$SCHED_RESULT"

# --- Realtime (issue #12) ---------------------------------------------------------------------
# Idle sockets, broadcast and wake latency against Node + ws; appends to the same results file.
if [[ "${BENCH_REALTIME:-1}" != 0 ]]; then
    FAZT="$FAZT" scripts/bench-realtime.sh "$RESULTS"
fi

# --- report -------------------------------------------------------------------------------
mkdir -p "$(dirname "$BENCH_RESULTS")" "$(dirname "$BENCH_REPORT")"
cp "$RESULTS" "$BENCH_RESULTS"
python3 scripts/bench-report.py "$BENCH_RESULTS" docs/performance-notes.md >"$BENCH_REPORT"
cat "$BENCH_REPORT"
