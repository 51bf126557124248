#!/usr/bin/env python3
"""Measurements of the realtime benchmark (scripts/bench-realtime.sh, issue #12): runs scripts/wsload.c
against the Node + ws peer and fazt in alternating rounds, samples the servers from /proc, and appends
JSON lines in benchlib's format ({"type": "run", "section": "realtime", "row": ..., "who": ...}).

    benchrt.py idle RESULTS WSLOAD ROUND N HOLD_S SIDE...         idle subscribed sockets, one round
                                                                  (the caller starts fresh servers each round)
    benchrt.py broadcast RESULTS WSLOAD ROUNDS N SIDE...          fan-out throughput and latency
    benchrt.py wake RESULTS WSLOAD ROUNDS SIDE...                 message → handler → send round trip
    benchrt.py selftest

SIDE is WHO=PID:PORT:HOST (HOST is the Host header, e.g. rt.localhost:PORT; PID the server process
whose memory and CPU are sampled). Rows: "idle", "broadcast-N" (deliveries/s in "rps", so
benchlib.compare gives the ratio), "broadcast-N-latency" (window 1, paced), "wake".

Environment: RT_THREADS (wsload threads, default 2), RT_DELIVERIES (deliveries per throughput run,
default 500,000), RT_WINDOW (broadcasts in flight in the throughput run, default 8), RT_LAT_MESSAGES
(default 30) and RT_LAT_RATE (messages/s, default 10) for the latency run, RT_SIZE (message data bytes,
default 100), RT_PUBLISH (ws or http, default ws), RT_TOKEN (fazt owner token, for http publishing),
RT_WAKE_MESSAGES (default 200), RT_SETTLE_S (seconds between all sockets subscribed and reading the
memory, default 3).
"""
import glob, json, os, select, subprocess, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402

THREADS = int(os.environ.get("RT_THREADS", "2"))
DELIVERIES = int(os.environ.get("RT_DELIVERIES", "500000"))
WINDOW = int(os.environ.get("RT_WINDOW", "8"))
LAT_MESSAGES = int(os.environ.get("RT_LAT_MESSAGES", "30"))
LAT_RATE = float(os.environ.get("RT_LAT_RATE", "10"))
SIZE = int(os.environ.get("RT_SIZE", "100"))
PUBLISH = os.environ.get("RT_PUBLISH", "ws")
TOKEN = os.environ.get("RT_TOKEN", "")
WAKE_MESSAGES = int(os.environ.get("RT_WAKE_MESSAGES", "200"))
SETTLE_S = float(os.environ.get("RT_SETTLE_S", "3"))


def parse_sides(args):
    sides = []
    for arg in args:
        who, _, rest = arg.partition("=")
        pid, port, host = rest.split(":", 2)
        sides.append({"who": who, "pid": int(pid), "port": int(port), "host": host})
    return sides


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def meminfo_kb(key):
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


SOCKET_CACHES = ("TCP", "sock_inode_cache", "eventpoll_epi", "eventpoll_pwq", "filp", "dentry")


def socket_slab_bytes():
    """Bytes held by active objects of the slab caches a TCP socket uses (/proc/slabinfo, root only;
    None when unreadable). Less disturbed than the Slab total by builds running meanwhile."""
    try:
        with open("/proc/slabinfo") as f:
            total = 0
            for line in f:
                fields = line.split()
                if fields and fields[0] in SOCKET_CACHES:
                    total += int(fields[1]) * int(fields[3])
            return total
    except (OSError, ValueError, IndexError):
        return None


def worker_processes(pid):
    """Children of pid running `fazt __worker` (JS worker processes)."""
    count = 0
    for child in benchlib.children(pid):
        try:
            with open(f"/proc/{child}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if any(a == b"__worker" for a in argv):
            count += 1
    return count


def wsload_args(wsload, side, mode, **options):
    args = [wsload, "--mode", mode, "--addr", "127.0.0.1", "--port", str(side["port"]), "--host", side["host"]]
    for key, value in options.items():
        args += ["--" + key.replace("_", "-"), str(value)]
    return args


def read_line(proc, timeout):
    """The next stdout line of proc within timeout seconds, or None."""
    deadline = time.monotonic() + timeout
    buf = b""
    fd = proc.stdout.fileno()
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            break
        chunk = os.read(fd, 1)
        if not chunk:
            break
        if chunk == b"\n":
            return buf.decode()
        buf += chunk
    return None


def run_wsload(args, timeout):
    """Runs wsload to the end; returns its last JSON line."""
    out = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    lines = [l for l in out.stdout.splitlines() if l.startswith("{")]
    if out.stderr.strip():
        print(out.stderr.strip(), file=sys.stderr)
    if not lines:
        raise SystemExit(f"benchrt: wsload printed nothing (rc {out.returncode}): {' '.join(args)}")
    result = json.loads(lines[-1])
    result["rc"] = out.returncode
    return result


def wait_sockets_gone(port, limit_s=15):
    """Waits until no established connection to port is left (the previous round's sockets)."""
    target = f":{port:04X}"
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        busy = 0
        for path in ("/proc/net/tcp", "/proc/net/tcp6"):
            try:
                with open(path) as f:
                    next(f)
                    for line in f:
                        fields = line.split()
                        if fields[3] == "01" and (fields[1].endswith(target) or fields[2].endswith(target)):
                            busy += 1
            except OSError:
                pass
        if busy == 0:
            return
        time.sleep(0.3)


# --- idle sockets ---------------------------------------------------------------------------
def idle(results, wsload, round_, n, hold, sides):
    for side in sides:
        wait_sockets_gone(side["port"])
        time.sleep(1)
        pid = side["pid"]
        rss_before, slab_before, caches_before = rss_kb(pid), meminfo_kb("Slab"), socket_slab_bytes()
        unreclaim_before = meminfo_kb("SUnreclaim")
        args = wsload_args(wsload, side, "idle", conns=n, threads=THREADS, seconds=hold + SETTLE_S + 2)
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        line = read_line(proc, 180)
        if line is None:
            proc.kill()
            err = proc.stderr.read().decode(errors="replace")
            raise SystemExit(f"benchrt: wsload idle never became ready: {err}")
        ready = json.loads(line)
        time.sleep(SETTLE_S)
        samples = []
        end = time.monotonic() + hold
        while time.monotonic() < end:
            samples.append(rss_kb(pid))
            time.sleep(0.5)
        rss_after, slab_after, caches_after = rss_kb(pid), meminfo_kb("Slab"), socket_slab_bytes()
        unreclaim_after = meminfo_kb("SUnreclaim")
        workers = worker_processes(pid)
        tree_children = len(benchlib.children(pid))
        out, err = proc.communicate(timeout=60)
        if err.strip():
            print(err.decode(errors="replace").strip(), file=sys.stderr)
        summary = json.loads([l for l in out.decode().splitlines() if l.startswith("{")][-1])
        subscribed = ready["subscribed"]
        per_socket = (rss_after - rss_before) * 1024 / subscribed if subscribed else None
        slab_per = (slab_after - slab_before) * 1024 / subscribed if subscribed else None
        caches_per = ((caches_after - caches_before) / subscribed
                      if subscribed and caches_before is not None and caches_after is not None else None)
        record = {"type": "run", "section": "realtime", "row": "idle", "who": side["who"], "round": round_,
                  "n": n, "subscribed": subscribed, "failed": ready["failed"], "setup_ms": ready["setup_ms"],
                  "closed_by_server": summary.get("closed_by_server"), "rss_before_kb": rss_before,
                  "rss_after_kb": rss_after, "rss_peak_kb": max(samples + [rss_after]),
                  "rss_per_socket_b": per_socket, "slab_delta_kb": slab_after - slab_before,
                  "slab_per_conn_b": slab_per, "socket_caches_per_conn_b": caches_per, "sunreclaim_delta_kb": unreclaim_after - unreclaim_before,
                  "workers": workers, "children": tree_children}
        benchlib.append(results, record)
        print(f"realtime idle round {round_}: {side['who']} {subscribed:,} subscribed ({ready['failed']} failed) in "
              f"{ready['setup_ms'] / 1000:.1f} s; RSS {rss_before / 1024:.1f} → {rss_after / 1024:.1f} MB = "
              f"{per_socket or 0:,.0f} B/socket; Slab +{(slab_after - slab_before) / 1024:.1f} MB = "
              f"{slab_per or 0:,.0f} B/connection (both ends; socket caches {caches_per or 0:,.0f} B); JS workers {workers}",
              file=sys.stderr)
        if ready["failed"]:
            print(f"benchrt: {ready['failed']} of {n} sockets failed to subscribe ({side['who']})", file=sys.stderr)


# --- broadcast ------------------------------------------------------------------------------
def fanout(wsload, side, n, messages, window, rate, warmup):
    options = dict(conns=n, threads=THREADS, messages=messages, window=window, rate=rate, warmup=warmup,
                   size=SIZE, publish=PUBLISH, seconds=90)
    if PUBLISH == "http":
        options["app"] = side["host"].split(".")[0]
        if side["who"] == "fazt" and TOKEN:
            options["token"] = TOKEN
    wait_sockets_gone(side["port"])
    # The server's CPU is sampled from "ready" (all subscribed) to the end: connection set-up is not counted.
    args = wsload_args(wsload, side, "fanout", **options) + ["--wait-go"]
    proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if read_line(proc, 180) is None:
        proc.kill()
        raise SystemExit(f"benchrt: wsload fanout never became ready: {proc.stderr.read().decode(errors='replace')}")
    before = benchlib.cpu_ms([side["pid"]])
    proc.stdin.write(b"go\n")
    proc.stdin.flush()
    out, err = proc.communicate(timeout=300)
    used = benchlib.cpu_ms([side["pid"]]) - before
    if err.strip():
        print(err.decode(errors="replace").strip(), file=sys.stderr)
    lines = [l for l in out.decode().splitlines() if l.startswith("{")]
    if not lines:
        raise SystemExit(f"benchrt: wsload printed nothing (rc {proc.returncode}): {' '.join(args)}")
    result = json.loads(lines[-1])
    result["cpu_ms"] = used
    result["cpu_us_per_delivery"] = used * 1000 / result["deliveries"] if result["deliveries"] else None
    return result


def broadcast(results, wsload, rounds, n, sides):
    messages = max(20, DELIVERIES // n)
    for round_ in range(1, rounds + 1):
        for side in sides:
            for row, window, rate, count in ((f"broadcast-{n}", WINDOW, 0, messages),
                                             (f"broadcast-{n}-latency", 1, LAT_RATE, LAT_MESSAGES)):
                r = fanout(wsload, side, n, count, window, rate, warmup=3)
                record = {"type": "run", "section": "realtime", "row": row, "who": side["who"], "round": round_,
                          "rps": r["deliveries_per_s"], "p50_ms": r["p50_ms"], "p99_ms": r["p99_ms"],
                          "max_ms": r["max_ms"], "complete_p50_ms": r["complete_p50_ms"],
                          "complete_p99_ms": r["complete_p99_ms"], "requests": r["deliveries"],
                          "expected": r["expected"], "subscribers": r["subscribers"], "failed": r["failed"],
                          "messages": r["messages"], "window": window, "rate": rate, "size": SIZE,
                          "publish": PUBLISH, "seconds": r["seconds"], "closed_by_server": r["closed_by_server"],
                          "errors": r["errors"], "cpu_ms": r["cpu_ms"], "cpu_us_per_request": r["cpu_us_per_delivery"],
                          "client_cpu_s": r["client_cpu_s"]}
                benchlib.append(results, record)
                cpu = r["cpu_us_per_delivery"]
                print(f"realtime {row} round {round_}: {side['who']} {r['deliveries_per_s']:,.0f} deliveries/s "
                      f"({r['deliveries']:,} of {r['expected']:,}), latency p50 {r['p50_ms']:.2f} p99 {r['p99_ms']:.2f} ms, "
                      f"broadcast complete p99 {r['complete_p99_ms']:.2f} ms, server CPU "
                      f"{'—' if cpu is None else f'{cpu:.2f}'} µs/delivery, client CPU {r['client_cpu_s']:.1f} s",
                      file=sys.stderr)
                if r["deliveries"] < r["expected"] or r["failed"] or r["closed_by_server"]:
                    print(f"benchrt: {side['who']} {row}: {r['expected'] - r['deliveries']:,} deliveries missing, "
                          f"{r['failed']} sockets failed, {r['closed_by_server']} closed by the server", file=sys.stderr)


# --- wake latency ---------------------------------------------------------------------------
def wake(results, wsload, rounds, sides):
    for round_ in range(1, rounds + 1):
        for side in sides:
            r = run_wsload(wsload_args(wsload, side, "echo", messages=WAKE_MESSAGES, warmup=10, seconds=120), timeout=180)
            for key in ("p50_ms", "p99_ms", "max_ms", "first_ms"):  # wsload writes -1 when nothing came back
                if r[key] is not None and r[key] < 0:
                    r[key] = None
            record = {"type": "run", "section": "realtime", "row": "wake", "who": side["who"], "round": round_,
                      "p50_ms": r["p50_ms"], "p99_ms": r["p99_ms"], "max_ms": r["max_ms"], "first_ms": r["first_ms"],
                      "replies": r["replies"], "sent": r["sent"], "timeouts": r["timeouts"], "errors": r["errors"],
                      "workers": worker_processes(side["pid"])}
            benchlib.append(results, record)
            if not r["replies"]:
                print(f"realtime wake round {round_}: {side['who']} answered none of {r['sent']} messages "
                      f"({r['errors']} error replies)", file=sys.stderr)
                continue
            print(f"realtime wake round {round_}: {side['who']} first {r['first_ms']:.2f} ms, warm p50 {r['p50_ms']:.3f} "
                  f"p99 {r['p99_ms']:.3f} ms ({r['replies']} of {r['sent']} answered)", file=sys.stderr)


def main(argv):
    command = argv[1] if len(argv) > 1 else ""
    if command == "idle":
        idle(argv[2], argv[3], int(argv[4]), int(argv[5]), float(argv[6]), parse_sides(argv[7:]))  # one round
    elif command == "broadcast":
        broadcast(argv[2], argv[3], int(argv[4]), int(argv[5]), parse_sides(argv[6:]))
    elif command == "wake":
        wake(argv[2], argv[3], int(argv[4]), parse_sides(argv[5:]))
    elif command == "selftest":
        assert parse_sides(["fazt=12:8080:rt.localhost:8080"]) == [
            {"who": "fazt", "pid": 12, "port": 8080, "host": "rt.localhost:8080"}]
        assert rss_kb(os.getpid()) > 0 and meminfo_kb("Slab") > 0 and worker_processes(os.getpid()) == 0
        print("benchrt selftest ok")
    else:
        print(__doc__, file=sys.stderr)
        raise SystemExit(2)


if __name__ == "__main__":
    main(sys.argv)
