#!/usr/bin/env python3
"""kill -9 in the middle of acknowledged storage writes, RUNS times; prints one JSON line.

Usage: crash-loop.py FAZT WORKDIR RUNS. Loopback only, bounded in time and count. Each run starts
`fazt serve` on the same data file, hammers a handler doing kv.incr + docs.insert from 8 threads,
kills the server with SIGKILL at a random moment, restarts it and checks that every acknowledged
write is there and that `PRAGMA integrity_check` is ok.
"""
import json, os, random, signal, sqlite3, subprocess, sys, threading, time, urllib.request

import faztserver

fazt, work, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
os.makedirs(work, exist_ok=True)
data = os.path.join(work, "crash.db")
app_dir = os.path.join(work, "crash-app", "api")
os.makedirs(app_dir, exist_ok=True)
with open(os.path.join(app_dir, "write.js"), "w") as f:
    f.write("module.exports = () => { const n = fazt.kv.incr('counter'); const id = fazt.docs.insert('log', { n }); return { n, id }; };")
with open(os.path.join(app_dir, "count.js"), "w") as f:
    f.write("module.exports = () => ({ counter: fazt.kv.get('counter'), docs: fazt.docs.count('log', {}) });")


def start(first_start=False):
    return faztserver.start(fazt, data, "--max-connections-per-ip", "256", first_start=first_start)


def request(port, path, timeout=5):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Host": "crash.localhost"})
    with urllib.request.urlopen(req, timeout=timeout) as response:
        return json.loads(response.read())


process, port, token = start(first_start=True)
env = dict(os.environ, FAZT_SERVER=f"http://127.0.0.1:{port}", FAZT_TOKEN=token)
subprocess.run([fazt, "deploy", os.path.join(work, "crash-app"), "--app", "crash"], env=env, check=True,
               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

acked_counters, acked_ids, lost_total, bad_integrity = [], [], 0, 0
for run in range(runs):
    stop = threading.Event()
    lock = threading.Lock()

    def client(port=port):
        while not stop.is_set():
            try:
                answer = request(port, "/api/write", timeout=2)
            except Exception:
                continue
            with lock:
                acked_counters.append(answer["n"])
                acked_ids.append(answer["id"])

    threads = [threading.Thread(target=client) for _ in range(8)]
    for thread in threads:
        thread.start()
    time.sleep(random.uniform(0.2, 0.8))
    process.send_signal(signal.SIGKILL)
    process.wait()
    stop.set()
    for thread in threads:
        thread.join()
    process, port, _ = start()
    state = request(port, "/api/count")
    with sqlite3.connect(f"file:{data}?mode=ro", uri=True) as db:
        present = {row[0] for row in db.execute("SELECT id FROM docs WHERE app = 'crash'")}
        if db.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            bad_integrity += 1
    lost = sum(1 for i in acked_ids if i not in present)
    if state["counter"] is None or state["counter"] < max(acked_counters, default=0):
        lost += 1
    lost_total += lost
    print(f"crash run {run + 1}/{runs}: {len(acked_ids)} acknowledged so far, {lost} lost", file=sys.stderr)

process.send_signal(signal.SIGTERM)
process.wait()
print(json.dumps({"runs": runs, "acknowledged": len(acked_ids), "lost": lost_total, "integrity_failures": bad_integrity}))
