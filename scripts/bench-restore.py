#!/usr/bin/env python3
"""Data restore points benchmark (issue 14): what the per-app changeset journal costs and how fast
a restore is. Loopback only, bounded in time.

1. Restore: an app changes RESTORE_ROWS (10,000) SQL rows in one call after a snapshot; then
   `POST /apps/{name}/restore {"snapshot"}` undoes them. Reported: the restore request's wall time
   (client side, HTTP included) over BENCH_ROUNDS (5) rounds, and whether the data equals the
   snapshot's exactly (checksum of the app's rows). Target: <= 150 ms.
2. Journaling cost: durable `kv.set` throughput with the journal (`--data-journal on`, the default)
   and without it (`--data-journal off`), alternating, BENCH_ROUNDS rounds of WRITE_SECONDS (5) s;
   WRITE_CLIENTS (8) clients each call a handler that does WRITE_BATCH (100) `fazt.kv.set` calls
   (each one acknowledged only once durable). Target: cost <= 30%.

    scripts/bench-restore.py [FAZT]   (default: .build/release/fazt)

Prints JSON lines and writes docs/performance-restore.md (BENCH_RESTORE_REPORT).
"""
import hashlib, io, json, os, platform, sqlite3, statistics, sys, tempfile, threading, time
import urllib.request, zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import faztserver

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FAZT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build/release/fazt")
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
ROWS = int(os.environ.get("RESTORE_ROWS", "10000"))
SECONDS = float(os.environ.get("WRITE_SECONDS", "5"))
CLIENTS = int(os.environ.get("WRITE_CLIENTS", "8"))
BATCH = int(os.environ.get("WRITE_BATCH", "100"))
REPORT = os.environ.get("BENCH_RESTORE_REPORT", os.path.join(ROOT, "docs/performance-restore.md"))

CHANGE = """
module.exports = (req) => {
  const rows = Number(req.query.rows), round = req.query.round;
  fazt.sql.exec("CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, v TEXT, n INTEGER)");
  const statements = [];
  for (let start = 0; start < rows; start += 500) {
    const values = [];
    for (let i = start; i < Math.min(rows, start + 500); i++) values.push("(" + (i + 1) + ", 'round " + round + " row " + i + "', " + i + ")");
    statements.push("INSERT OR REPLACE INTO items (id, v, n) VALUES " + values.join(","));
  }
  fazt.sql.batch(statements);
  return { ok: true };
};
"""
WRITE = """
module.exports = (req) => {
  const c = req.query.c, n = Number(req.query.n), value = "x".repeat(100);
  for (let i = 0; i < n; i++) fazt.kv.set("k-" + c + "-" + (i % 500), value + i);
  return { ok: true };
};
"""


def archive():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("api/change.js", CHANGE)
        z.writestr("api/write.js", WRITE)
    return buffer.getvalue()


class Server:
    def __init__(self, data, *arguments):
        self.process, self.port, self.token = faztserver.start(FAZT, data, *arguments, first_start=True)

    def call(self, method, path, body=None, app=None, content_type="application/json", timeout=120):
        headers = {"Host": f"{app}.localhost"} if app else {"Authorization": f"Bearer {self.token}"}
        if body is not None:
            headers["Content-Type"] = content_type
        prefix = "" if app else "/_fazt/api/v1"
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{prefix}{path}", data=body, method=method,
                                         headers=headers)
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read() or b"null")

    def stop(self):
        self.process.kill()
        self.process.wait()


def checksum(data, app):
    connection = sqlite3.connect(f"file:{data}?mode=ro", uri=True)
    try:
        digest = hashlib.sha256()
        for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type='table' AND name LIKE ? ORDER BY 1",
                                          (f"app_{app}__%",)):
            for row in connection.execute(f'SELECT * FROM "{name}" ORDER BY 1'):
                digest.update(repr(row).encode())
        return digest.hexdigest()
    finally:
        connection.close()


def bench_restore(work):
    data = os.path.join(work, "restore.db")
    server = Server(data)
    try:
        server.call("POST", "/apps/bench/deploy", archive(), content_type="application/zip")
        server.call("GET", f"/api/change?rows={ROWS}&round=seed", app="bench")
        times, exact = [], True
        for round_ in range(ROUNDS):
            point = server.call("POST", "/apps/bench/snapshots", json.dumps({"name": f"r{round_}"}).encode())
            before = checksum(data, "bench")
            server.call("GET", f"/api/change?rows={ROWS}&round={round_}", app="bench")
            started = time.monotonic()
            result = server.call("POST", "/apps/bench/restore", json.dumps({"snapshot": point["name"]}).encode())
            times.append((time.monotonic() - started) * 1000)
            exact = exact and checksum(data, "bench") == before and result["changes"] == ROWS
        record = {"bench": "restore", "rows": ROWS, "rounds": ROUNDS, "ms_median": round(statistics.median(times), 1),
                  "ms_max": round(max(times), 1), "ms": [round(t, 1) for t in times], "exact": exact}
        print(json.dumps(record), flush=True)
        return record
    finally:
        server.stop()


def throughput(work, journal, round_):
    data = os.path.join(work, f"write-{journal}-{round_}.db")
    server = Server(data, "--data-journal", journal)
    try:
        server.call("POST", "/apps/w/deploy", archive(), content_type="application/zip")
        server.call("GET", "/api/write?c=warm&n=10", app="w")
        done = [0] * CLIENTS
        deadline = time.monotonic() + SECONDS

        def client(index):
            while time.monotonic() < deadline:
                server.call("GET", f"/api/write?c={index}&n={BATCH}", app="w")
                done[index] += BATCH

        threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return sum(done) / (time.monotonic() - started)
    finally:
        server.stop()


def bench_journal_cost(work):
    rates = {"on": [], "off": []}
    for round_ in range(ROUNDS):
        for journal in ("off", "on") if round_ % 2 == 0 else ("on", "off"):
            rates[journal].append(throughput(work, journal, round_))
    on, off = statistics.median(rates["on"]), statistics.median(rates["off"])
    record = {"bench": "journal-cost", "clients": CLIENTS, "batch": BATCH, "seconds": SECONDS,
              "writes_per_s_on": round(on), "writes_per_s_off": round(off),
              "cost_pct": round((off - on) / off * 100, 1),
              "on": [round(r) for r in rates["on"]], "off": [round(r) for r in rates["off"]]}
    print(json.dumps(record), flush=True)
    return record


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return f.read().split()[0]
    except OSError:
        return "?"


def write_report(restore, cost, loads):
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), cpu)
    except OSError:
        pass
    verdict_restore = "meets" if restore["ms_median"] <= 150 else "misses"
    verdict_cost = "meets" if cost["cost_pct"] <= 30 else "misses"
    text = f"""# Data restore points: performance

Written by `scripts/bench-restore.py` (do not edit by hand). Machine: {os.cpu_count()} cores, {cpu},
{platform.system()} {platform.release()}; binary `{os.path.relpath(FAZT, ROOT)}`. Load average (1 min) at
start and end: {loads[0]} and {loads[1]}; on a shared machine rounds vary widely, so compare medians.

## Restore of {restore['rows']:,} row changes

An app rewrites {restore['rows']:,} rows of one SQL table in one call after a snapshot; the restore to
the snapshot is timed at the client (HTTP included), {restore['rounds']} rounds.

| median | max | all rounds (ms) | data equals the snapshot exactly |
|---|---|---|---|
| {restore['ms_median']} ms | {restore['ms_max']} ms | {', '.join(str(t) for t in restore['ms'])} | {'yes' if restore['exact'] else 'NO'} |

Target ≤ 150 ms: **{verdict_restore}**.

## What journaling costs durable writes

Durable `fazt.kv.set` throughput ({cost['clients']} clients, {cost['batch']} sets per request, {cost['seconds']} s per
round, rounds alternating) with the journal on (`fazt serve`, default) and off (`--data-journal off`).

| journal | writes/s (median) | rounds |
|---|---|---|
| off | {cost['writes_per_s_off']:,} | {', '.join(f'{r:,}' for r in cost['off'])} |
| on | {cost['writes_per_s_on']:,} | {', '.join(f'{r:,}' for r in cost['on'])} |

Cost: **{cost['cost_pct']}%** (target ≤ 30%: **{verdict_cost}**). With the journal off, changes made meanwhile
are not recorded and a later restore cannot undo them (rows the journal did record are still put back).
"""
    os.makedirs(os.path.dirname(REPORT), exist_ok=True)
    with open(REPORT, "w") as f:
        f.write(text)


def main():
    if not os.path.exists(FAZT):
        raise SystemExit(f"bench-restore: no fazt binary at {FAZT} (swift build -c release)")
    start_load = loadavg()
    with tempfile.TemporaryDirectory(prefix="fazt-bench-restore-") as work:
        restore = bench_restore(work)
        cost = bench_journal_cost(work)
    write_report(restore, cost, (start_load, loadavg()))
    print(f"bench-restore: wrote {os.path.relpath(REPORT, ROOT)}", flush=True)


if __name__ == "__main__":
    main()
