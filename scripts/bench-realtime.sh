#!/usr/bin/env bash
# Realtime benchmark (issue #12): fazt's /_ws against Node 20 + ws (scripts/ws-peer.js, the same
# JSON protocol) on loopback, with scripts/wsload.c (an epoll WebSocket client, built here with gcc).
#
#   idle sockets   RT_IDLE_SOCKETS (10,000) subscribed idle sockets: server RSS growth per socket,
#                  the kernel's Slab growth per connection (both ends, client and server, on loopback),
#                  JS worker processes alive (target 0); Node + ws is the anchor.
#   broadcast      a RT_SIZE (100) byte message to each of RT_BROADCAST_SUBSCRIBERS ("1000 10000"):
#                  deliveries/s with RT_WINDOW broadcasts in flight, and fan-out latency paced at
#                  RT_LAT_RATE messages/s with one in flight (targets: ≥ 2× Node + ws, ≥ 250,000/s).
#   wake latency   a text message → the app's api/_socket.js `message` handler → ws.send back:
#                  first round trip and warm p50/p99 (Node: the same echo in-process, as anchor).
#
# Every section records the load average first (benchlib section) and runs BENCH_ROUNDS (3)
# alternating rounds, peer first. Called by scripts/bench.sh at its end with its results file as $1
# (unless BENCH_REALTIME=0); alone (`FAZT=path scripts/bench-realtime.sh`) it writes
# BENCH_RT_RESULTS (default docs/performance-realtime.jsonl) and prints the realtime part of the report.
# Other knobs: see scripts/benchrt.py (RT_THREADS, RT_DELIVERIES, RT_WINDOW, RT_LAT_MESSAGES,
# RT_LAT_RATE, RT_PUBLISH, RT_WAKE_MESSAGES, RT_SETTLE_S) and RT_HOLD_S (idle sampling, default 8).
set -euo pipefail
cd "$(dirname "$0")/.."

FAZT=${FAZT:-./.build/release/fazt}
ROUNDS=${BENCH_ROUNDS:-${ROUNDS:-3}}
RT_IDLE_SOCKETS=${RT_IDLE_SOCKETS:-10000}
RT_BROADCAST_SUBSCRIBERS=${RT_BROADCAST_SUBSCRIBERS:-"1000 10000"}
RT_HOLD_S=${RT_HOLD_S:-8}
ALONE=0
if [[ $# -ge 1 ]]; then
    RESULTS=$1
else
    ALONE=1
fi
WORK=$(mktemp -d /tmp/fazt-bench-rt.XXXXXX)
FAZT_PID=""
PEER_PID=""
cleanup() {
    [[ -n "$FAZT_PID" ]] && kill "$FAZT_PID" 2>/dev/null && wait "$FAZT_PID" 2>/dev/null || true
    [[ -n "$PEER_PID" ]] && kill "$PEER_PID" 2>/dev/null && wait "$PEER_PID" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

for tool in gcc node python3 curl; do
    command -v "$tool" >/dev/null || { echo "bench-realtime: $tool is missing (run scripts/install-deps.sh bench)" >&2; exit 1; }
done
node -e "try { require('ws') } catch (e) { require('/usr/share/nodejs/ws') }" 2>/dev/null ||
    { echo "bench-realtime: the ws module is missing (apt-get install node-ws)" >&2; exit 1; }
[[ -x "$FAZT" ]] || { echo "bench-realtime: $FAZT is missing (run make release)" >&2; exit 1; }
if [[ $ALONE == 1 ]]; then
    RESULTS="$WORK/results.jsonl"
    : >"$RESULTS"
fi

lib() { python3 scripts/benchlib.py "$@"; }
section() { lib section "$RESULTS" "$1"; }
record() { lib value "$RESULTS" "$1" "$2"; }
rt() { python3 scripts/benchrt.py "$@"; }

gcc -O2 -Wall -pthread -o "$WORK/wsload" scripts/wsload.c
WSLOAD="$WORK/wsload"
python3 scripts/wsload-selftest.py "$WSLOAD" >&2 # its frame parser against awkward framings

# fazt with the socket limits raised for 10,000 sockets from one address (flags the binary lacks are
# reported, and the run goes on with its defaults).
HELP=$("$FAZT" serve --help 2>&1 || true)
FLAGS=(--max-connections-per-ip 20000)
MISSING=()
for flag in max-sockets-per-ip max-sockets-per-app; do
    if grep -q -- "--$flag" <<<"$HELP"; then FLAGS+=("--$flag" 20000); else MISSING+=("--$flag"); fi
done
if ((${#MISSING[@]})); then echo "bench-realtime: $FAZT serve has no ${MISSING[*]}; running with its defaults" >&2; fi
# start_fazt / start_peer: a fresh server (same data file for fazt); sets FAZT_PID, PORT / PEER_PID, PEER_PORT.
start_fazt() {
    : >"$WORK/fazt.out"
    "$FAZT" serve --port 0 --host 127.0.0.1 --data "$WORK/rt.db" "${FLAGS[@]}" >"$WORK/fazt.out" 2>>"$WORK/fazt.err" &
    FAZT_PID=$!
    for _ in $(seq 200); do grep -q listening "$WORK/fazt.out" 2>/dev/null && break; sleep 0.05; done
    PORT=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["port"])' "$WORK/fazt.out")
}
stop_fazt() { kill "$FAZT_PID" 2>/dev/null || true; wait "$FAZT_PID" 2>/dev/null || true; FAZT_PID=""; }
start_peer() {
    : >"$WORK/peer.out"
    node scripts/ws-peer.js 0 >"$WORK/peer.out" 2>>"$WORK/peer.err" &
    PEER_PID=$!
    for _ in $(seq 200); do [[ -s "$WORK/peer.out" ]] && break; sleep 0.05; done
    PEER_PORT=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["port"])' "$WORK/peer.out")
}
stop_peer() { kill "$PEER_PID" 2>/dev/null || true; wait "$PEER_PID" 2>/dev/null || true; PEER_PID=""; }

start_fazt
TOKEN=$(grep -ao 'fzt_[0-9a-f]*' "$WORK/fazt.err" | head -1)
export FAZT_SERVER="http://127.0.0.1:$PORT" FAZT_TOKEN="$TOKEN" XDG_CONFIG_HOME="$WORK/config"

# rt: channels bench* open for client publishing, no socket handler (no JavaScript at all).
mkdir -p "$WORK/rt" "$WORK/rtecho/api"
echo '<!doctype html><title>rt</title>' >"$WORK/rt/index.html"
echo '{"realtime": {"channels": {"bench*": {"publish": true}}}}' >"$WORK/rt/fazt.json"
"$FAZT" deploy "$WORK/rt" --app rt >/dev/null
# rtecho: api/_socket.js sends every non-protocol message back.
echo '<!doctype html><title>rtecho</title>' >"$WORK/rtecho/index.html"
cat >"$WORK/rtecho/api/_socket.js" <<'JS'
exports.message = (ws, data) => {
  ws.send(data);
};
JS
"$FAZT" deploy "$WORK/rtecho" --app rtecho >/dev/null

WS_VERSION=$(node -e "let p; try { p = require.resolve('ws/package.json') } catch (e) { p = '/usr/share/nodejs/ws/package.json' } console.log(require(p).version)")
record rt_rounds "$ROUNDS"
record rt_date "\"$(date -u +%Y-%m-%d)\""
record rt_node_version "\"$(node --version)\""
record rt_ws_version "\"$WS_VERSION\""
record rt_fazt_flags "\"${FLAGS[*]}\""
record rt_missing_flags "\"${MISSING[*]:-}\""
record rt_threads "${RT_THREADS:-2}"
record rt_publish "\"${RT_PUBLISH:-ws}\""
record rt_idle_sockets "$RT_IDLE_SOCKETS"

export RT_TOKEN="$TOKEN"
sides() { echo "node=$PEER_PID:$PEER_PORT:127.0.0.1:$PEER_PORT" "fazt=$FAZT_PID:$PORT:$1.localhost:$PORT"; }

# Idle sockets: each round on fresh processes (a heap that grew in an earlier round would hide the
# growth), each measured after its start-up and idle trim.
stop_fazt
section realtime-idle
for round in $(seq "$ROUNDS"); do
    start_peer
    start_fazt
    sleep 6
    # shellcheck disable=SC2046
    rt idle "$RESULTS" "$WSLOAD" "$round" "$RT_IDLE_SOCKETS" "$RT_HOLD_S" $(sides rt)
    stop_peer
    stop_fazt
done

start_peer
start_fazt
for n in $RT_BROADCAST_SUBSCRIBERS; do
    section "realtime-broadcast-$n"
    # shellcheck disable=SC2046
    rt broadcast "$RESULTS" "$WSLOAD" "$ROUNDS" "$n" $(sides rt)
    lib compare "$RESULTS" realtime "broadcast-$n" node fazt
done

section realtime-wake
# shellcheck disable=SC2046
rt wake "$RESULTS" "$WSLOAD" "$ROUNDS" $(sides rtecho)
stop_peer
stop_fazt

if [[ $ALONE == 1 ]]; then
    OUT=${BENCH_RT_RESULTS:-docs/performance-realtime.jsonl}
    mkdir -p "$(dirname "$OUT")"
    cp "$RESULTS" "$OUT"
    python3 scripts/bench-report.py --realtime-only "$OUT"
fi
