#!/usr/bin/env python3
"""Writes docs/performance.md from the raw results of scripts/bench.sh.

Usage: bench-report.py RESULTS.jsonl [NOTES.md] > docs/performance.md   (or `make bench-report`)
       bench-report.py --realtime-only RESULTS.jsonl   (the realtime part alone: scripts/bench-realtime.sh)

RESULTS is the JSON-lines file bench.sh leaves in docs/performance.jsonl; NOTES (the hand-written
"How to read these numbers") is appended unchanged. Nothing here measures: re-running it on the same
results gives the same page, so edit this file (not the page) to change how figures are shown.
"""
import os, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402
import bench_realtime_report  # noqa: E402

realtime_only = len(sys.argv) > 1 and sys.argv[1] == "--realtime-only"
if realtime_only:
    del sys.argv[1]
records = benchlib.load_results(sys.argv[1])
notes = sys.argv[2] if len(sys.argv) > 2 else None
values = {r["key"]: r["value"] for r in records if r["type"] == "value"}
sections = {r["name"]: r for r in records if r["type"] == "section"}
lines = []
out = lines.append
if realtime_only:
    bench_realtime_report.render(records, values, sections, out)
    print("\n".join(lines))
    sys.exit(0)


def mb(kb): return f"{int(kb) / 1024:.1f} MB"
def verdict(ok): return "meets target" if ok else "**misses target**"
def num(x): return "—" if x is None else f"{x:,.0f}"
def us(x): return "—" if x is None else f"{x:.1f}"
def ms(x): return "—" if x is None else f"{x:.2f} ms"
def ratio(x): return "—" if x is None else f"{x:.2f}×"


def environment(*names):
    """One line per section: when it started, load average, noisy mark, CPU model."""
    for line in benchlib.environment_lines(sections, names):
        out(line)


def comparison(section, row, peer_who, fazt_who, peer_name, fazt_name="fazt"):
    """Each round's figures (peer and fazt side by side) and the summary; returns benchlib.compare's result."""
    peer = benchlib.runs_of(records, section, row, peer_who)
    fazt = benchlib.runs_of(records, section, row, fazt_who)
    result = benchlib.compare([r["rps"] for r in peer], [r["rps"] for r in fazt])
    out(f"| round | {peer_name} req/s | {fazt_name} req/s | {fazt_name} / {peer_name} | {peer_name} CPU µs/req | "
        f"{fazt_name} CPU µs/req | {peer_name} p99 | {fazt_name} p99 | |")
    out("|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for i, (p, f) in enumerate(zip(peer, fazt)):
        flag = (f"excluded: {peer_name} below {result['floor']:.0%} of its best round"
                if i + 1 in result["excluded"] else "")
        out(f"| {p['round']} | {num(p['rps'])} | {num(f['rps'])} | {ratio(result['ratios'][i])} | "
            f"{us(p['cpu_us_per_request'])} | {us(f['cpu_us_per_request'])} | {ms(p['p99_ms'])} | {ms(f['p99_ms'])} | {flag} |")
    kept = [i for i in range(len(peer)) if i + 1 not in result["excluded"]]
    peer_cpu = benchlib.median(peer[i]["cpu_us_per_request"] for i in kept if peer[i]["cpu_us_per_request"] is not None)
    fazt_cpu = benchlib.median(fazt[i]["cpu_us_per_request"] for i in kept if fazt[i]["cpu_us_per_request"] is not None)
    result["peer_cpu"], result["fazt_cpu"] = peer_cpu, fazt_cpu
    out(f"| **median** | **{num(result['peer_median'])}** | **{num(result['fazt_median'])}** | "
        f"**{ratio(result['median_ratio'])}** ({ratio(result['min_ratio'])}–{ratio(result['max_ratio'])}) | "
        f"{us(peer_cpu)} | {us(fazt_cpu)} | | | {len(kept)} of {len(peer)} rounds |")
    out("")
    if result["excluded"]:
        out(f"Round{'s' if len(result['excluded']) > 1 else ''} {', '.join(map(str, result['excluded']))} "
            f"left out of the ratio: {peer_name} measured below {result['floor']:.0%} of its best round in this run "
            f"({num(result['peer_best'])} req/s), so the machine was busy with something else.")
        out("")
    return result


rounds, duration = values.get("rounds", "?"), values.get("duration", "?")
any_section = next(iter(sections.values()), {"cpu_model": "unknown", "cores": "?"})
noisy = [name for name, s in sections.items() if s["noisy"]]
out("# Performance")
out("")
out(f"Measured by `make bench` (scripts/bench.sh; this page is written by scripts/bench-report.py from "
    f"`docs/performance.jsonl`) on {values.get('date', '?')} — {any_section['cpu_model']}, {any_section['cores']} cores, "
    f"{values.get('machine', '?')}, loopback. Each figure is fazt against a peer measured in the same run: "
    f"{values.get('nginx_version', 'nginx')} (2 workers, `access_log off`) serving the same files from disk; fazt "
    f"serving them from a deployed app out of `data.db` (release build, static stdlib); Node "
    f"{values.get('node_version', '')} `http` for JavaScript handlers. `wrk -t2 -c64 -d{duration}`, "
    f"{rounds} alternating rounds (peer, fazt, peer, fazt, …); wrk shares the cores. Ratios are the median of the "
    f"per-round ratios with their min–max spread; a round whose peer measured below "
    f"{benchlib.PEER_FLOOR:.0%} of its best round is shown but left out. **CPU µs/req** is the CPU time (user + "
    f"system, from `/proc/PID/stat`) the server used during the run divided by the requests wrk completed — "
    f"the same number as CPU-ms per 1,000 requests; fazt counts the server, its worker processes and workers that "
    f"exited (the parent's `cutime`/`cstime`), nginx its master and workers, Node its one process; wrk itself is not "
    f"counted. Before each section the load average is recorded; a section that started with a 1-minute load above "
    f"{benchlib.NOISY_LOAD} is marked **noisy**"
    + (f" (this run: {', '.join(noisy)})." if noisy else " (none in this run)."))
out("")

out("## Static files")
out("")
environment("static-1k.html", "static-100k.bin")
static = {}
for file, label in (("1k.html", "1 KB (`1k.html`)"), ("100k.bin", "100 KB (`100k.bin`)")):
    out(f"### {label}")
    out("")
    static[file] = comparison("static", file, "nginx", "fazt", "nginx")
out("| file | nginx req/s (median) | fazt req/s (median) | fazt / nginx (median, min–max) | nginx CPU µs/req | fazt CPU µs/req |")
out("|---|---:|---:|---:|---:|---:|")
for file, label in (("1k.html", "1 KB (`1k.html`)"), ("100k.bin", "100 KB (`100k.bin`)")):
    r = static[file]
    out(f"| {label} | {num(r['peer_median'])} | {num(r['fazt_median'])} | {ratio(r['median_ratio'])} "
        f"({ratio(r['min_ratio'])}–{ratio(r['max_ratio'])}) | {us(r['peer_cpu'])} | {us(r['fazt_cpu'])} |")
out("")

first = static["1k.html"]["median_ratio"] or 0
out("## Targets (issue #2)")
out("")
environment("start-and-deploy")
out("| figure | measured | target | |")
out("|---|---:|---:|---|")
out(f"| 1 KB throughput vs nginx (median of rounds) | {first:.2f}× | ≥ 0.8× | {verdict(first >= 0.8)} |")
out(f"| RSS 1 s after start (no apps) | {mb(values['rss_start_kb'])} | — | |")
out(f"| RSS idle, no apps (after the 5 s idle trim) | {mb(values['rss_start_idle_kb'])} | ≤ 20 MB | {verdict(int(values['rss_start_idle_kb']) <= 20 * 1024)} |")
out(f"| RSS idle, 5 apps deployed (after the idle trim) | {mb(values['rss_idle_kb'])} | ≤ 20 MB | {verdict(int(values['rss_idle_kb']) <= 20 * 1024)} |")
out(f"| RSS peak under load | {mb(values['rss_peak_kb'])} | ≤ 40 MB | {verdict(int(values['rss_peak_kb']) <= 40 * 1024)} |")
out(f"| RSS idle after the load runs (after the idle trim) | {mb(values['rss_after_kb'])} | — | |")
out(f"| deploy 1,000 files, `fazt deploy` round trip | {values['deploy_ms']} ms | ≤ 1 s | {verdict(int(values['deploy_ms']) <= 1000)} |")
out(f"| deploy 1,000 files, upload of a packed archive | {values['upload_ms']} ms | — | |")
out("")

out("## JavaScript handlers (issue #3)")
out("")
environment("js-hello", "cold-starts", "apps-100")
out("`module.exports = () => ({hello:'world'})` through `/api` vs Node's `http` module serving the same JSON.")
out("")
js = comparison("js", "hello", "node", "fazt", "Node")
js_ratio = js["median_ratio"] or 0
cold_warm, cold_none = float(values["cold_warm_ms"]), float(values["cold_none_ms"])
out("| figure | measured | target | |")
out("|---|---:|---:|---|")
out(f"| JS hello vs Node (median of rounds, min–max) | {js_ratio:.2f}× ({ratio(js['min_ratio'])}–{ratio(js['max_ratio'])}) | ≥ 0.7× | {verdict(js_ratio >= 0.7)} |")
out(f"| first request after deploy, warm worker (median of 10) | {cold_warm} ms | ≤ 5 ms | {verdict(cold_warm <= 5)} |")
out(f"| first request, no worker running (median of 5) | {cold_none} ms | ≤ 60 ms | {verdict(cold_none <= 60)} |")
out(f"| RSS, 100 apps each called once (server + workers) | {mb(values['rss_100_apps_kb'])} | ≤ 250 MB | {verdict(int(values['rss_100_apps_kb']) <= 250 * 1024)} |")
out(f"| RSS after idle eviction (workers gone, trimmed) | {mb(values['rss_100_idle_kb'])} | ≤ 30 MB | {verdict(int(values['rss_100_idle_kb']) <= 30 * 1024)} |")
out("")

out("## App storage (issue #4)")
out("")
environment("storage", "crash-loop")
out("Through JavaScript handlers on the same server; each round runs its hello JSON handler (the peer here: the "
    "worker path without storage), then `kv.set`, then the 70/30 mix (`wrk -t2 -c64`). Every counted response "
    "was sent only after its write was synced to disk.")
out("")
out("### `kv.set`, unique key per request (durable writes/s)")
out("")
kv = comparison("storage", "storage", "hello", "kv.set", "hello", "kv.set")
out("### 70% `kv.get` / 30% `kv.set`")
out("")
mixed = comparison("storage", "storage", "hello", "mixed", "hello", "mixed")
find = benchlib.runs_of(records, "storage", "docs.find", "fazt")
find = find[0] if find else {"rps": None, "p50_ms": None, "p99_ms": None, "cpu_us_per_request": None}
node = js["peer_median"]
writes = kv["fazt_median"] or 0
out("| handler | req/s (median) | vs hello JSON (median, min–max) | vs Node hello (medians) | CPU µs/req |")
out("|---|---:|---:|---:|---:|")
out(f"| hello JSON (worker path, no storage) | {num(kv['peer_median'])} | 1.00× | {ratio(kv['peer_median'] / node if node else None)} | {us(kv['peer_cpu'])} |")
out(f"| `kv.set`, unique key per request | {num(kv['fazt_median'])} | {ratio(kv['median_ratio'])} ({ratio(kv['min_ratio'])}–{ratio(kv['max_ratio'])}) | {ratio(writes / node if node else None)} | {us(kv['fazt_cpu'])} |")
out(f"| 70% `kv.get` / 30% `kv.set` | {num(mixed['fazt_median'])} | {ratio(mixed['median_ratio'])} ({ratio(mixed['min_ratio'])}–{ratio(mixed['max_ratio'])}) | {ratio(mixed['fazt_median'] / node if node else None)} | {us(mixed['fazt_cpu'])} |")
out(f"| `docs.find` by an indexed field, 100,000 documents (`-c8`, one run) | {num(find['rps'])} | | | {us(find['cpu_us_per_request'])} |")
out("")
out("| figure | measured | target | |")
out("|---|---:|---:|---|")
out(f"| durable `kv.set` writes/s (median of rounds) | {writes:,.0f} | ≥ 20,000 | {verdict(writes >= 20000)} |")
out(f"| `docs.find` point query on 100k docs, p50 / p99 | {ms(find['p50_ms'])} / {ms(find['p99_ms'])} | — | |")
keys_stored, set_requests = int(values["keys_stored"]), int(values["set_requests"])
out(f"| keys found in `data.db` / `kv.set` responses acknowledged | {keys_stored:,} / {set_requests:,} | equal | {verdict(keys_stored >= set_requests)} |")
crash = values["crash"]
out(f"| kill -9 during writes: runs, acknowledged writes, lost, integrity failures | {crash['runs']} runs, "
    f"{crash['acknowledged']:,} acked, {crash['lost']} lost, {crash['integrity_failures']} failed | 0 lost | "
    f"{verdict(crash['lost'] == 0 and crash['integrity_failures'] == 0)} |")
out("")
out("Anchors (published figures, not measured here): the original Fazt does about 800 durable "
    "writes/s, PocketBase about 1,800/s.")
out("")

sched = values["scheduler"]
out("## Scheduler (issue #5)")
out("")
environment("scheduler")
out(f"{sched['jobs']:,} pending jobs scheduled by 100 apps through `fazt.schedule` (due in 1–7 days; "
    f"seeding took {sched['seed_seconds']} s), then jobs due at 1,000/s for {sched['seconds']} s across "
    f"10 apps with a handler that records `Date.now() − job.scheduledAt` (fired − due, as the handler "
    f"sees it). Own server and `data.db`; per-app cap 4, global cap 8.")
out("")
out("| measure | fazt | target | verdict |")
out("|---|---|---|---|")
growth = int(sched["rss_after_kb"]) - int(sched["rss_before_kb"])
out(f"| daemon RSS growth for {sched['jobs']:,} pending jobs | {growth / 1024:.1f} MB "
    f"({mb(sched['rss_before_kb'])} → {mb(sched['rss_after_kb'])}) | ≤ 10 MB | {verdict(growth <= 10 * 1024)} |")
out(f"| `data.db` bytes per pending job (row + 3 indexes) | {sched['bytes_per_job']} B | — | — |")
out(f"| lateness at 1,000 fires/s: p50 / p99 / max | {sched['late_p50']} / {sched['late_p99']} / "
    f"{sched['late_max']} ms | p99 ≤ 20 ms | {verdict(0 <= int(sched['late_p99']) <= 20)} |")
out(f"| jobs fired / due, handler throughput | {sched['fired']:,} / {sched['fire_total']:,}, "
    f"{sched['throughput']:,} jobs/s | all fire | {verdict(sched['fired'] == sched['fire_total'])} |")
out("")
out("Anchors (documented behaviour, not measured here): PocketBase ticks its cron once a minute; "
    "Val Town runs crons at most every 15 min (free) or 1 min; a Cloudflare Durable Object holds one "
    "alarm at a time. Fazt timers have millisecond resolution and any number per app.")
out("")

if bench_realtime_report.has_realtime(records):
    bench_realtime_report.render(records, values, sections, out)

# Figures that their own scripts write to their own pages (AI streaming, git, restore points, MCP,
# ES modules and TypeScript, online backup; the dashboard's from its browser test), shown here as well.
for page_name in ("performance-ai.md", "performance-git.md", "performance-restore.md", "performance-mcp.md",
                  "performance-modules.md", "performance-backup.md", "performance-dashboard.md"):
    page_path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "docs", page_name)
    if os.path.exists(page_path):
        with open(page_path) as page:
            for line in page.read().rstrip("\n").split("\n"):
                out("#" + line if line.startswith("# ") else line)
        out("")

print("\n".join(lines))
if notes and os.path.exists(notes):
    print()
    with open(notes) as f:
        print(f.read(), end="")
