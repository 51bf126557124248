#!/usr/bin/env bash
# HTTPS: fazt vs nginx with the same self-signed P-256 certificate, in the same run.
# - static 1 KB over TLS 1.3 with keep-alive (wrk), requests/s and the fazt/nginx ratio;
# - new TLS handshakes per second (openssl s_time -new, one client);
# - RSS per idle TLS connection (500 handshaken, idle connections; RSS delta / 500).
#
# Rounds alternate fazt and nginx (ROUNDS, default 3; the load average is printed before each); the
# ratio is the median over rounds with its spread, leaving out rounds where nginx measured below
# PEER_FLOOR (0.6) of its best round (something else had the CPU).
#
# Environment: FAZT (binary, default .build/release/fazt), DURATION (default 10s), CONNECTIONS
# (default 64), IDLE (default 500), ROUNDS, PEER_FLOOR. Needs wrk, nginx, openssl, python3 (scripts/install-deps.sh bench).
set -euo pipefail
cd "$(dirname "$0")/.."
FAZT=${FAZT:-./.build/release/fazt}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
IDLE=${IDLE:-500}
ROUNDS=${ROUNDS:-3}
PEER_FLOOR=${PEER_FLOOR:-0.6}
WORK=$(mktemp -d /tmp/fazt-bench-https.XXXXXX)
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
for tool in wrk nginx openssl python3 curl; do
    command -v "$tool" >/dev/null || { echo "bench-https: $tool is missing" >&2; exit 1; }
done
[[ -x "$FAZT" ]] || { echo "bench-https: $FAZT is missing (run make release)" >&2; exit 1; }

mkdir -p "$WORK/www"
head -c 1024 /dev/zero | tr '\0' 'x' >"$WORK/www/1k.html"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -keyout "$WORK/key.pem" \
    -out "$WORK/cert.pem" -subj /CN=bench.test -addext 'subjectAltName=DNS:bench.test,DNS:*.bench.test' 2>/dev/null
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# fazt: deploy over plain HTTP first (a server without HTTPS), then serve the same data.db with the certificate.
"$FAZT" serve --port 0 --host 127.0.0.1 --data "$WORK/fazt/data.db" >"$WORK/plain.out" 2>"$WORK/plain.err" &
PLAIN=$!
for _ in $(seq 200); do grep -q listening "$WORK/plain.out" 2>/dev/null && break; sleep 0.05; done
port=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["port"])' "$WORK/plain.out")
token=$(grep -o 'fzt_[0-9a-f]*' "$WORK/plain.err" | head -1)
FAZT_SERVER="http://127.0.0.1:$port" FAZT_TOKEN="$token" XDG_CONFIG_HOME="$WORK/config" \
    "$FAZT" deploy "$WORK/www" --app site >/dev/null
kill "$PLAIN"; wait "$PLAIN" 2>/dev/null || true
"$FAZT" serve --port 0 --host 127.0.0.1 --data "$WORK/fazt/data.db" --domain bench.test --https-port 0 \
    --tls-cert "$WORK/cert.pem" --tls-key "$WORK/key.pem" --max-connections-per-ip 100000 \
    >"$WORK/fazt.out" 2>"$WORK/fazt.err" &
FAZT_PID=$!
PIDS+=("$FAZT_PID")
for _ in $(seq 200); do grep -q listening "$WORK/fazt.out" 2>/dev/null && break; sleep 0.05; done
FAZT_PORT=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["httpsPort"])' "$WORK/fazt.out")

NGINX_PORT=$(free_port)
mkdir -p "$WORK/nginx"
cat >"$WORK/nginx/nginx.conf" <<CONF
worker_processes auto;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log;
events { worker_connections 100000; }
http {
    access_log off;
    server {
        listen 127.0.0.1:$NGINX_PORT ssl;
        ssl_certificate $WORK/cert.pem;
        ssl_certificate_key $WORK/key.pem;
        ssl_protocols TLSv1.2 TLSv1.3;
        root $WORK/www;
    }
}
CONF
nginx -c "$WORK/nginx/nginx.conf" -g 'daemon off;' &
NGINX_PID=$!
PIDS+=("$NGINX_PID")
for _ in $(seq 100); do curl -sk "https://127.0.0.1:$NGINX_PORT/1k.html" >/dev/null 2>&1 && break; sleep 0.05; done

rps() { wrk -t2 -c"$CONNECTIONS" -d"$DURATION" -H "Host: site.bench.test" "https://127.0.0.1:$1/1k.html" \
    | awk '/Requests\/sec/ {print int($2)}'; }
handshakes() { openssl s_time -connect "127.0.0.1:$1" -new -time 5 2>/dev/null \
    | awk '/connections in/ && /real/ {print int($1 / $4); exit}'; }
rss_kb() { # total RSS of a process and its children (nginx workers)
    local total=0 pid
    for pid in $1 $(pgrep -P "$1" || true); do total=$((total + $(awk '/VmRSS/ {print $2}' "/proc/$pid/status"))); done
    echo "$total"
}
idle_rss() { # PORT PID → bytes per idle TLS connection
    local before after
    before=$(rss_kb "$2")
    python3 - "$1" "$IDLE" >/dev/null <<'PY' &
import socket, ssl, sys, time
port, count = int(sys.argv[1]), int(sys.argv[2])
context = ssl.create_default_context()
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE
held = []
for _ in range(count):
    s = context.wrap_socket(socket.create_connection(("127.0.0.1", port)), server_hostname="site.bench.test")
    held.append(s)
print("ready", flush=True)
time.sleep(3)
PY
    local client=$!
    sleep 2.5
    after=$(rss_kb "$2")
    wait "$client" 2>/dev/null || true
    echo $(( (after - before) * 1024 / IDLE ))
}
rps "$FAZT_PORT" >/dev/null
rps "$NGINX_PORT" >/dev/null
# Alternating rounds: fazt, nginx, fazt, nginx … (ROUNDS, default 3), load recorded before each.
ROUND_LINES=()
for round in $(seq 1 "$ROUNDS"); do
    load=$(cut -d' ' -f1 /proc/loadavg)
    f=$(rps "$FAZT_PORT")
    n=$(rps "$NGINX_PORT")
    fh=$(handshakes "$FAZT_PORT")
    nh=$(handshakes "$NGINX_PORT")
    echo "round $round: load $load, static 1 KB fazt $f nginx $n req/s; handshakes/s fazt $fh nginx $nh" >&2
    ROUND_LINES+=("$load $f $n $fh $nh")
done
FAZT_IDLE=$(idle_rss "$FAZT_PORT" "$FAZT_PID")
NGINX_IDLE=$(idle_rss "$NGINX_PORT" "$NGINX_PID")
printf '%s\n' "${ROUND_LINES[@]}" >"$WORK/rounds"
python3 - "$FAZT_IDLE" "$NGINX_IDLE" "$PEER_FLOOR" "$WORK/rounds" <<'PY'
import statistics, sys
f_idle, n_idle, floor = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
rounds = [list(map(float, line.split())) for line in open(sys.argv[4]) if line.strip()]
best = max(r[2] for r in rounds)
kept = [r for r in rounds if r[2] >= floor * best]
for i, (load, f, n, fh, nh) in enumerate(rounds, 1):
    mark = "" if [load, f, n, fh, nh] in kept else f"  (left out: nginx below {floor:.0%} of its best round)"
    print(f"round {i}: load {load:.2f}; static 1 KB fazt {f:.0f} nginx {n:.0f} req/s, ratio {f / max(n, 1):.2f}; "
          f"handshakes/s fazt {fh:.0f} nginx {nh:.0f}{mark}")
ratios = sorted(f / max(n, 1) for _, f, n, _, _ in kept)
hs = sorted(fh / max(nh, 1) for _, _, _, fh, nh in kept)
print(f"https static 1 KB (TLS 1.3, keep-alive): ratio fazt/nginx median {statistics.median(ratios):.2f} "
      f"(spread {ratios[0]:.2f}-{ratios[-1]:.2f}, {len(kept)} of {len(rounds)} rounds); "
      f"fazt {statistics.median(r[1] for r in kept):.0f}, nginx {statistics.median(r[2] for r in kept):.0f} req/s (medians)")
print(f"new TLS handshakes/s (one openssl s_time client): ratio median {statistics.median(hs):.2f} "
      f"(spread {hs[0]:.2f}-{hs[-1]:.2f}); fazt {statistics.median(r[3] for r in kept):.0f}, "
      f"nginx {statistics.median(r[4] for r in kept):.0f}")
print(f"RSS per idle TLS connection: fazt {f_idle} B, nginx {n_idle} B")
PY
