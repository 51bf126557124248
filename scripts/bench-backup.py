#!/usr/bin/env python3
"""Online backup benchmark (issue 17): a backup of a large data.db while the server serves writes.

1. Methods (SQLite only, no fazt): on a copy of the database, with a second connection committing
   small rows non-stop, time `backup(pages=-1)` (the online backup API in one step, what fazt uses)
   and `VACUUM INTO`, and the writer's commit p99 during each (and with neither).
2. Fazt: a data.db of BACKUP_MB (default 1024) MB is built (fazt's schema plus a filler table of
   half-compressible rows), then served; WRITE_CLIENTS (4) clients call an app handler that does one
   durable `fazt.kv.set` per request over keep-alive connections. After WARMUP_SECONDS (5) of
   warm-up, BENCH_ROUNDS (3) rounds each measure the writers' p99 for WRITE_SECONDS (10) s without a
   backup, then during `POST /_fazt/api/v1/backups` (and within its copy and gzip phases); the
   report gives each round and the median change with its spread.

    scripts/bench-backup.py [FAZT]   (default: .build/release/fazt)

Prints JSON lines and writes docs/performance-backup.md (BENCH_BACKUP_REPORT). On a small or busy
machine use BACKUP_MB=256 (the report says which size ran).
"""
import http.client, io, json, os, platform, shutil, sqlite3, sys, tempfile, threading, time, zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import faztserver

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FAZT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build/release/fazt")
SIZE_MB = int(os.environ.get("BACKUP_MB", "1024"))
SECONDS = float(os.environ.get("WRITE_SECONDS", "10"))
CLIENTS = int(os.environ.get("WRITE_CLIENTS", "4"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
WARMUP = float(os.environ.get("WARMUP_SECONDS", "5"))
REPORT = os.environ.get("BENCH_BACKUP_REPORT", os.path.join(ROOT, "docs/performance-backup.md"))

WRITE = """
module.exports = (req) => { fazt.kv.set("k-" + req.query.c + "-" + (Number(req.query.n) % 1000), "x".repeat(200)); return { ok: true }; };
"""


def p99(values):
    values = sorted(values)
    return round(values[min(len(values) - 1, int(len(values) * 0.99))] * 1000, 2) if values else None


def fill(path, megabytes):
    """Adds a filler table of about `megabytes` MB: each 4 KB row half random, half repeated text."""
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE IF NOT EXISTS bench_filler (id INTEGER PRIMARY KEY, data BLOB)")
    rows = megabytes * 256
    for start in range(0, rows, 2560):
        connection.executemany("INSERT INTO bench_filler (data) VALUES (?)",
                               ((os.urandom(2048) + b"fazt backup benchmark " * 93,) for _ in range(min(2560, rows - start))))
        connection.commit()
    connection.close()


def bench_methods(work, source):
    """backup(pages=-1) vs VACUUM INTO on a copy of `source`, with a writer committing meanwhile."""
    path = os.path.join(work, "methods.db")
    shutil.copy(source, path)
    setup = sqlite3.connect(path)
    setup.execute("PRAGMA journal_mode=WAL")
    setup.execute("CREATE TABLE IF NOT EXISTS bench_writes (id INTEGER PRIMARY KEY, v TEXT)")
    setup.commit()
    setup.close()
    results = {}
    for method in ("none", "backup(-1)", "VACUUM INTO"):
        stop = threading.Event()
        latencies = []

        def writer():
            connection = sqlite3.connect(path, isolation_level=None)
            connection.execute("PRAGMA synchronous=NORMAL")
            while not stop.is_set():
                started = time.perf_counter()
                connection.execute("INSERT INTO bench_writes (v) VALUES (?)", ("x" * 900,))
                latencies.append(time.perf_counter() - started)
            connection.close()

        thread = threading.Thread(target=writer)
        thread.start()
        time.sleep(0.5)
        first = len(latencies)
        started = time.perf_counter()
        target = os.path.join(work, "copy.db")
        if method == "backup(-1)":
            # As fazt does: a read-only source, and a scratch destination that is never synced.
            source_connection, copy = sqlite3.connect(f"file:{path}?mode=ro", uri=True), sqlite3.connect(target)
            copy.execute("PRAGMA synchronous=OFF")
            copy.execute("PRAGMA journal_mode=OFF")
            source_connection.backup(copy, pages=-1)
            copy.close()
            source_connection.close()
        elif method == "VACUUM INTO":
            connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            connection.execute(f"VACUUM INTO '{target}'")
            connection.close()
        else:
            time.sleep(2)
        elapsed = time.perf_counter() - started
        stop.set()
        thread.join()
        during = latencies[first:]
        results[method] = {"seconds": round(elapsed, 2), "writer_p99_ms": p99(during),
                           "writes_per_s": round(len(during) / elapsed)}
        if os.path.exists(target):
            os.remove(target)
        print(json.dumps({"bench": "backup-method", "method": method, **results[method]}), flush=True)
    os.remove(path)
    return results


class Server:
    def __init__(self, data):
        self.process, self.port, self.token = faztserver.start(FAZT, data, first_start=True)

    def call(self, method, path, body=None, content_type="application/json", timeout=600):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        connection.request(method, "/_fazt/api/v1" + path, body=body,
                           headers={"Authorization": f"Bearer {self.token}", "Content-Type": content_type})
        response = connection.getresponse()
        payload = response.read()
        connection.close()
        if response.status >= 300:
            raise SystemExit(f"bench-backup: {method} {path}: HTTP {response.status} {payload[:300]!r}")
        return json.loads(payload or b"null")

    def stop(self):
        self.process.kill()
        self.process.wait()


def writers(port, stop, latencies):
    def client(index):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        n = 0
        while not stop.is_set():
            n += 1
            started = time.perf_counter()
            connection.request("GET", f"/api/write?c={index}&n={n}", headers={"Host": "bench.localhost"})
            response = connection.getresponse()
            response.read()
            if response.status == 200:
                latencies.append((time.perf_counter(), time.perf_counter() - started))
        connection.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    return threads


def bench_fazt(work):
    data = os.path.join(work, "data.db")
    server = Server(data)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("api/write.js", WRITE)
    server.call("POST", "/apps/bench/deploy", buffer.getvalue(), "application/zip")
    token = server.token
    server.process.terminate()
    server.process.wait()
    started = time.perf_counter()
    fill(data, SIZE_MB)
    print(json.dumps({"bench": "backup-fill", "mb": SIZE_MB, "seconds": round(time.perf_counter() - started, 1)}),
          flush=True)
    methods = bench_methods(work, data)
    server.process, server.port, _ = faztserver.start(FAZT, data)
    server.token = token
    stop = threading.Event()
    latencies = []
    threads = writers(server.port, stop, latencies)
    time.sleep(WARMUP)  # the worker and its handler warm up; not measured
    rounds = []
    for index in range(ROUNDS):
        before = time.perf_counter()
        time.sleep(SECONDS)
        mark = time.perf_counter()
        baseline = [l for at, l in latencies if before <= at <= mark]
        load = os.getloadavg()[0]
        made = server.call("POST", "/backups")
        end = time.perf_counter()
        with open(os.path.join(work, "backups", made["name"] + ".json")) as f:
            manifest = json.load(f)
        copy_s, check_s, compress_s = (manifest.get(k, 0) / 1000 for k in ("copyMs", "checkMs", "compressMs"))
        # Phases by the manifest's own timings, counted from when the request was sent.
        copy_end, check_end = mark + copy_s, mark + copy_s + check_s
        during = [l for at, l in latencies if mark <= at <= end]
        phase = lambda a, b: p99([l for at, l in latencies if a <= at <= b])
        result = {
            "round": index + 1, "load_before": round(load, 2), "database_mb": round(os.path.getsize(data) / 1048576),
            "backup_seconds": round(end - mark, 2), "backup_gz_mb": round(made["bytes"] / 1048576, 1),
            "writer_p99_ms_without": p99(baseline), "writer_p99_ms_during": p99(during),
            "writer_p99_ms_copy": phase(mark, copy_end), "writer_p99_ms_compress": phase(check_end, end),
            "writes_per_s_without": round(len(baseline) / SECONDS), "writes_per_s_during": round(len(during) / (end - mark)),
            "copy_s": copy_s, "check_s": check_s, "compress_s": compress_s,
        }
        result["change_pct"] = round(((result["writer_p99_ms_during"] or 0) / (result["writer_p99_ms_without"] or 1) - 1) * 100, 1)
        print(json.dumps({"bench": "backup-fazt", **result}), flush=True)
        rounds.append(result)
        for name in os.listdir(os.path.join(work, "backups")):  # keep the disk from filling
            os.remove(os.path.join(work, "backups", name))
    stop.set()
    for thread in threads:
        thread.join()
    # The same backup with no writes going on: the pacing only applies while the writer commits.
    time.sleep(1)
    idle_started = time.perf_counter()
    server.call("POST", "/backups")
    rounds[0]["idle_backup_seconds"] = round(time.perf_counter() - idle_started, 2)
    print(json.dumps({"bench": "backup-idle", "seconds": rounds[0]["idle_backup_seconds"]}), flush=True)
    server.stop()
    return methods, rounds


def write_report(methods, rounds):
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), cpu)
    except OSError:
        pass
    rows = "\n".join(f"| {name} | {r['seconds']} s | {r['writer_p99_ms']} ms | {r['writes_per_s']:,} |"
                     for name, r in methods.items())
    first = rounds[0]
    table = "\n".join(
        f"| {r['round']} | {r['load_before']} | {r['writer_p99_ms_without']} ms | {r['writer_p99_ms_during']} ms "
        f"| {r['writer_p99_ms_copy']} ms | {r['writer_p99_ms_compress']} ms | {r['change_pct']:+.0f}% "
        f"| {r['writes_per_s_without']:,} / {r['writes_per_s_during']:,} | {r['backup_seconds']} s "
        f"(copy {r['copy_s']}, check {r['check_s']}, gzip {r['compress_s']}) |" for r in rounds)
    changes = sorted(r["change_pct"] for r in rounds)
    median = changes[len(changes) // 2]
    text = f"""# Online backup: performance

Written by `scripts/bench-backup.py` (do not edit by hand). Machine: {os.cpu_count()} cores, {cpu},
{platform.system()} {platform.release()}; binary `{os.path.relpath(FAZT, ROOT)}`; database {first['database_mb']} MB
(BACKUP_MB={SIZE_MB}).

## Copy methods (SQLite alone, a writer committing 900-byte rows meanwhile)

| method | time | writer commit p99 | writer commits/s |
|---|---|---|---|
{rows}

## `POST /backups` on a served {first['database_mb']} MB database

{CLIENTS} clients each do durable `fazt.kv.set` writes through an app over keep-alive connections, without
pause, for the whole run (after {WARMUP:g} s of warm-up that is not measured). Each round measures the
writers for {SECONDS:g} s without a backup, then during one `POST /backups` (while the writer commits,
the copy is paced at 16 MB/s and gzip at 12 MB/s; integrity_check between them; then the rename); the copy and gzip columns are the writers' p99 within
those phases (by the backup's own timings). Load is the 1-minute load average before the backup.

| round | load | p99 without | p99 during | in copy | in gzip | change | writes/s without / during | backup |
|---|---|---|---|---|---|---|---|---|
{table}

Writer p99 change during a backup: **{median:+.0f}%** median of {len(rounds)} rounds (spread
{changes[0]:+.0f}% … {changes[-1]:+.0f}%; target within 10%), {first['backup_gz_mb']} MB compressed.
The same backup with no writes going on (the pacing applies only while the writer commits):
**{first.get('idle_backup_seconds', '—')} s**.
"""
    with open(REPORT, "w") as f:
        f.write(text)


def main():
    if not os.path.exists(FAZT):
        raise SystemExit(f"bench-backup: no fazt binary at {FAZT} (swift build -c release)")
    with tempfile.TemporaryDirectory(prefix="fazt-bench-backup-", dir=os.environ.get("BENCH_TMP")) as work:
        methods, rounds = bench_fazt(work)
    write_report(methods, rounds)
    print(f"bench-backup: wrote {os.path.relpath(REPORT, ROOT)}", flush=True)


if __name__ == "__main__":
    main()
