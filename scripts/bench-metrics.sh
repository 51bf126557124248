#!/usr/bin/env bash
# What the request metrics cost on the hot path: wrk on a static 1 KB file against two servers of
# the same release binary, one with the per-loop request counters (the default) and one started
# with FAZT_REQUEST_METRICS=off, in alternating rounds; prints the median requests/s of each and
# their ratio, the server's CPU time per request (from /proc, less sensitive to other load on the
# machine than requests/s), and scrapes /_fazt/metrics once at the end (time and size of a scrape).
#
# Environment: FAZT (binary, default .build/release/fazt), DURATION (default 10s), ROUNDS (default 5),
# CONNECTIONS (default 64). Needs wrk and curl (scripts/install-deps.sh bench).
set -euo pipefail
cd "$(dirname "$0")/.."
FAZT=${FAZT:-./.build/release/fazt}
DURATION=${DURATION:-10s}
ROUNDS=${ROUNDS:-5}
CONNECTIONS=${CONNECTIONS:-64}
WORK=$(mktemp -d /tmp/fazt-bench-metrics.XXXXXX)
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
for tool in wrk curl python3; do
    command -v "$tool" >/dev/null || { echo "bench-metrics: $tool is missing" >&2; exit 1; }
done
[[ -x "$FAZT" ]] || { echo "bench-metrics: $FAZT is missing (run make release)" >&2; exit 1; }

mkdir -p "$WORK/www"
head -c 1024 /dev/zero | tr '\0' 'x' >"$WORK/www/1k.html"

# start NAME [ENV...]: a server on a free port with the 1 KB site deployed as app "bench".
start() {
    local name=$1
    shift
    mkdir -p "$WORK/$name"
    env "$@" "$FAZT" serve --port 0 --host 127.0.0.1 --data "$WORK/$name/data.db" --max-connections-per-ip 256 \
        >"$WORK/$name/out" 2>"$WORK/$name/err" &
    PIDS+=($!)
    local pid=$!
    for _ in $(seq 200); do grep -q listening "$WORK/$name/out" 2>/dev/null && break; sleep 0.05; done
    local port token
    port=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["port"])' "$WORK/$name/out")
    token=$(grep -o 'fzt_[0-9a-f]*' "$WORK/$name/err" | head -1)
    FAZT_SERVER="http://127.0.0.1:$port" FAZT_TOKEN="$token" XDG_CONFIG_HOME="$WORK/$name/config" \
        "$FAZT" deploy "$WORK/www" --app bench >/dev/null
    echo "$port $token $pid"
}
read -r ON_PORT ON_TOKEN ON_PID < <(start on)
read -r OFF_PORT _ OFF_PID < <(start off FAZT_REQUEST_METRICS=off)
PIDS+=("$ON_PID" "$OFF_PID")

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rps() { # PORT PID → "requests/s CPU-µs/request" of one wrk run
    local before after output
    before=$(cpu_ticks "$2")
    output=$(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" -H "Host: bench.localhost" "http://127.0.0.1:$1/1k.html")
    after=$(cpu_ticks "$2")
    WRK_OUTPUT=$output python3 - "$before" "$after" "$(getconf CLK_TCK)" <<'PY'
import os, re, sys
text = os.environ["WRK_OUTPUT"]
before, after, tick = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
requests = int(re.search(r"(\d+) requests in", text).group(1))
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
print(f"{rps:.0f} {(after - before) / tick * 1e6 / max(requests, 1):.2f}")
PY
}
wrk -t1 -c4 -d1s -H "Host: bench.localhost" "http://127.0.0.1:$ON_PORT/1k.html" >/dev/null
wrk -t1 -c4 -d1s -H "Host: bench.localhost" "http://127.0.0.1:$OFF_PORT/1k.html" >/dev/null
ON=()
OFF=()
ON_CPU=()
OFF_CPU=()
measure_off() {
    read -r rate cpu < <(rps "$OFF_PORT" "$OFF_PID")
    OFF+=("$rate")
    OFF_CPU+=("$cpu")
}
measure_on() {
    read -r rate cpu < <(rps "$ON_PORT" "$ON_PID")
    ON+=("$rate")
    ON_CPU+=("$cpu")
}
for round in $(seq "$ROUNDS"); do
    # Alternate which goes first, so that neither always runs on a warmer (or busier) machine.
    if ((round % 2)); then measure_off; measure_on; else measure_on; measure_off; fi
    echo "round $round: off ${OFF[-1]} req/s ${OFF_CPU[-1]} µs/req, on ${ON[-1]} req/s ${ON_CPU[-1]} µs/req" >&2
done
SCRAPE=$(curl -s -o "$WORK/metrics.txt" -w '%{time_total}' -H "Authorization: Bearer $ON_TOKEN" \
    "http://127.0.0.1:$ON_PORT/_fazt/metrics")
python3 - "$SCRAPE" "$WORK/metrics.txt" "${OFF[*]}" "${ON[*]}" "${OFF_CPU[*]}" "${ON_CPU[*]}" <<'PY'
import statistics, sys, os
scrape, path = sys.argv[1], sys.argv[2]
off, on, off_cpu, on_cpu = ([float(x) for x in arg.split()] for arg in sys.argv[3:7])
m_off, m_on = statistics.median(off), statistics.median(on)
c_off, c_on = statistics.median(off_cpu), statistics.median(on_cpu)
print(f"server CPU per request: metrics off {c_off:.2f} µs, on {c_on:.2f} µs, on/off = {c_on / c_off:.3f}")
print(f"static 1k.html: metrics off {m_off:.0f} req/s, on {m_on:.0f} req/s (medians of {len(on)}), "
      f"on/off = {m_on / m_off:.3f}; spread off {min(off):.0f}-{max(off):.0f}, on {min(on):.0f}-{max(on):.0f}")
print(f"one scrape: {float(scrape) * 1000:.1f} ms, {os.path.getsize(path)} bytes")
PY
