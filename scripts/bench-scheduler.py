#!/usr/bin/env python3
"""Scheduler benchmark (issue #5); prints one JSON line.

Usage: bench-scheduler.py FAZT WORKDIR [SECONDS]. Loopback only, bounded in time and count.

1. Hibernation: 100 apps schedule 1,000 jobs each, due in 1-7 days. Reports the daemon's RSS before
   and after (the jobs must cost almost no memory: they sleep in data.db) and data.db bytes per job.
2. Firing: jobs due at 1,000/s for SECONDS (default 30) across 10 apps with a trivial handler that
   records Date.now() − job.scheduledAt (and when it ran, and job.firedAt). Reports lateness
   p50/p99/max, the p99 of the scheduler's own part (due → handed to a worker) and handler
   throughput. The script stays idle while the jobs fire (polling would steal CPU).
"""
import io, json, os, sqlite3, subprocess, sys, time, urllib.request, zipfile

import faztserver

fazt, work = sys.argv[1], sys.argv[2]
seconds = int(sys.argv[3]) if len(sys.argv) > 3 else 30
os.makedirs(work, exist_ok=True)
data = os.path.join(work, "sched.db")
for suffix in ("", "-wal", "-shm"):
    if os.path.exists(data + suffix):
        os.remove(data + suffix)

SEED = """
module.exports = (req) => {
  const n = Number(req.query.n), base = Number(req.query.base || 0), spread = Number(req.query.spread || 0);
  const at = Number(req.query.at || 0);
  for (let i = 0; i < n; i++) {
    if (at) fazt.schedule(new Date(at + base + i * spread), null, { handler: "jobs/late.js" });
    else fazt.schedule(86400000 + Math.floor(Math.random() * 6 * 86400000), { i }, { handler: "jobs/sleep.js" });
  }
  return { ok: true };
};
"""
LATE = "exports.scheduled = (state, job) => { const now = Date.now(); fazt.kv.set('l:' + job.id, [now - job.scheduledAt, now, job.firedAt - job.scheduledAt]); };"


def archive():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("api/seed.js", SEED)
        z.writestr("jobs/late.js", LATE)
        z.writestr("jobs/sleep.js", "exports.scheduled = () => {};")
    return buffer.getvalue()


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


process, port, token = faztserver.start(fazt, data, "--job-concurrency", "8", "--job-concurrency-per-app", "4",
                                        first_start=True)


def call(method, path, host=None, body=None, content_type=None, timeout=120):
    headers = {"Host": host} if host else {"Authorization": f"Bearer {token}"}
    if content_type:
        headers["Content-Type"] = content_type
    prefix = "" if host else "/_fazt/api/v1"
    request = urllib.request.Request(f"http://127.0.0.1:{port}{prefix}{path}", data=body, method=method, headers=headers)
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read() or b"null")


def page_bytes():
    connection = sqlite3.connect(f"file:{data}?mode=ro", uri=True)
    try:
        count = connection.execute("PRAGMA page_count").fetchone()[0]
        size = connection.execute("PRAGMA page_size").fetchone()[0]
        return count * size
    finally:
        connection.close()


try:
    bundle = archive()
    for n in range(100):
        call("POST", f"/apps/s{n}/deploy", body=bundle, content_type="application/zip")
    # Warm every app once (workers, contexts, catalog) so the measurement is only the jobs.
    for n in range(100):
        call("GET", "/api/seed?n=0", host=f"s{n}.localhost")
    time.sleep(1)
    rss_before = rss_kb(process.pid)
    bytes_before = page_bytes()
    started = time.time()
    for n in range(100):
        call("GET", "/api/seed?n=1000", host=f"s{n}.localhost")
    seed_seconds = time.time() - started
    time.sleep(2)
    rss_after = rss_kb(process.pid)
    bytes_after = page_bytes()
    connection = sqlite3.connect(f"file:{data}?mode=ro", uri=True)
    pending = connection.execute("SELECT COUNT(*) FROM jobs WHERE status = 'pending'").fetchone()[0]
    connection.close()

    # Firing: due times one per millisecond from t0 over `seconds`, spread round-robin over 10 apps.
    total = 1000 * seconds
    t0 = int(time.time() * 1000) + 15_000
    per_app = total // 10
    batch = 1000
    for n in range(10):
        for start in range(0, per_app, batch):
            # App n gets due times t0 + n + 10·i: together one job per millisecond.
            call("GET", f"/api/seed?n={batch}&at={t0 + n}&base={start * 10}&spread=10", host=f"s{n}.localhost")
    seeded_at = int(time.time() * 1000)
    if seeded_at > t0:
        raise SystemExit(f"seeding took too long ({seeded_at - t0} ms past t0)")
    deadline = time.time() + (t0 - seeded_at) / 1000 + seconds + 30
    # Stay idle while the jobs fire: on 2 cores a polling query here would steal CPU from the
    # scheduler and show up as lateness.
    time.sleep(max(0.0, (t0 - seeded_at) / 1000 + seconds + 1))
    while time.time() < deadline:
        connection = sqlite3.connect(f"file:{data}?mode=ro", uri=True)
        done = connection.execute("SELECT COUNT(*) FROM kv WHERE key LIKE 'l:%'").fetchone()[0]
        connection.close()
        if done >= total:
            break
        time.sleep(0.5)
    connection = sqlite3.connect(f"file:{data}?mode=ro", uri=True)
    samples = [json.loads(value) for (value,) in connection.execute("SELECT value FROM kv WHERE key LIKE 'l:%'")]
    connection.close()
    lateness = sorted(late for late, *_ in samples)
    # The scheduler's own part: from the due time to the claim committed and handed to a worker.
    handoff = sorted(rest[0] for _, _, *rest in samples if rest)
    first = min((at for _, at, *_ in samples), default=0)
    last = max((at for _, at, *_ in samples), default=0)
    fired = len(lateness)

    def pct(p):
        return lateness[min(len(lateness) - 1, int(len(lateness) * p))] if lateness else -1

    print(json.dumps({
        "jobs": pending, "rss_before_kb": rss_before, "rss_after_kb": rss_after,
        "bytes_per_job": round((bytes_after - bytes_before) / max(1, pending)), "seed_seconds": round(seed_seconds, 1),
        "fire_total": total, "fired": fired, "seconds": seconds, "late_p50": pct(0.50), "late_p99": pct(0.99),
        "late_max": lateness[-1] if lateness else -1,
        "handoff_p99": handoff[min(len(handoff) - 1, int(len(handoff) * 0.99))] if handoff else -1,
        "throughput": round(fired / max(0.001, (last - first) / 1000)) if first else 0,  # handler runs/s
    }))
finally:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
