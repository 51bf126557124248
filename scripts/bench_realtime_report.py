"""The realtime part of docs/performance.md (issue #12), from the rows scripts/benchrt.py wrote.
scripts/bench-report.py calls render(); nothing here measures."""
import benchlib

TARGET_RSS_B = 4096
HARD_RSS_B = 8192
TARGET_DELIVERIES = 250_000
TARGET_RATIO = 2.0
TARGET_FANOUT_P99_MS = 50
TARGET_WAKE_P50_MS = 2
TARGET_WAKE_COLD_MS = 30


def has_realtime(records):
    return any(r.get("type") == "run" and r.get("section") == "realtime" for r in records)


def render(records, values, sections, out):
    def num(x): return "—" if x is None else f"{x:,.0f}"
    def b(x): return "—" if x is None else f"{x:,.0f} B"
    def ms(x): return "—" if x is None or x < 0 else f"{x:.2f} ms"
    def ratio(x): return "—" if x is None else f"{x:.2f}×"
    def us(x): return "—" if x is None else f"{x:.2f}"
    def verdict(ok): return "meets target" if ok else "**misses target**"
    def med(rows, key): return benchlib.median(r[key] for r in rows if r.get(key) is not None)
    def rows(row, who): return benchlib.runs_of(records, "realtime", row, who)

    def environment(*names):
        for line in benchlib.environment_lines(sections, names):
            out(line)

    rounds = values.get("rt_rounds", "?")
    missing = values.get("rt_missing_flags") or ""
    out("## Realtime (issue #12)")
    out("")
    out(f"Measured by `scripts/bench-realtime.sh` on {values.get('rt_date', '?')}: fazt's `/_ws` against Node "
        f"{values.get('rt_node_version', '')} with `ws` {values.get('rt_ws_version', '')} (`scripts/ws-peer.js`: the "
        f"same JSON protocol in one process; a broadcast is one `JSON.stringify` and `client.send(text)` to every "
        f"subscriber). The client is `scripts/wsload.c` (epoll, {values.get('rt_threads', '?')} threads, one source "
        f"address, on the same 2 cores as the server), {rounds} alternating rounds (Node, fazt, …). fazt runs with "
        f"`{values.get('rt_fazt_flags', '')}`" + (f"; it had no {missing} flag, so those limits kept their defaults." if missing else ".")
        + (" Messages are published by the client over one extra socket (`{\"type\":\"publish\"}`; fazt's app opens "
           "`bench*` to clients with `fazt.json`)." if values.get("rt_publish", "ws") == "ws" else
           " Messages are published by HTTP `POST …/channels/bench/messages` on one keep-alive connection (fazt: "
           "with the owner token)."))
    out("")

    # --- idle ---------------------------------------------------------------------------
    node_idle, fazt_idle = rows("idle", "node"), rows("idle", "fazt")
    fazt_rss = med(fazt_idle, "rss_per_socket_b")
    fazt_workers = max((r["workers"] for r in fazt_idle), default=None)
    if fazt_idle or node_idle:
        n = (fazt_idle or node_idle)[0]["n"]
        out(f"### {n:,} idle subscribed sockets")
        out("")
        environment("realtime-idle")
        out("Server RSS growth (`VmRSS` a few seconds after the last `subscribed`, minus before connecting) ÷ sockets; "
            "kernel Slab growth (`/proc/meminfo`) ÷ connections, which counts **both ends** of each loopback "
            "connection (client and server socket) and anything else the machine allocated meanwhile; **socket "
            "caches**: the same for the caches a socket uses (`/proc/slabinfo`: TCP, sock_inode_cache, eventpoll_epi, "
            "eventpoll_pwq, filp, dentry), less disturbed by other work; JS worker processes are the server's children "
            "running `__worker`.")
        out("")
        out("| round | Node RSS/socket | fazt RSS/socket | Node Slab/conn | fazt Slab/conn | fazt socket caches/conn | "
            "fazt JS workers | fazt RSS before → after |")
        out("|---:|---:|---:|---:|---:|---:|---:|---|")
        for p, f in zip(node_idle, fazt_idle):
            out(f"| {f['round']} | {b(p['rss_per_socket_b'])} | {b(f['rss_per_socket_b'])} | {b(p['slab_per_conn_b'])} | "
                f"{b(f['slab_per_conn_b'])} | {b(f.get('socket_caches_per_conn_b'))} | {f['workers']} | {f['rss_before_kb'] / 1024:.1f} → {f['rss_after_kb'] / 1024:.1f} MB |")
        out(f"| **median** | **{b(med(node_idle, 'rss_per_socket_b'))}** | **{b(fazt_rss)}** | "
            f"{b(med(node_idle, 'slab_per_conn_b'))} | {b(med(fazt_idle, 'slab_per_conn_b'))} | "
            f"{b(med(fazt_idle, 'socket_caches_per_conn_b'))} | | |")
        out("")
        failed = sum(r["failed"] for r in node_idle + fazt_idle)
        closed = sum(r.get("closed_by_server") or 0 for r in node_idle + fazt_idle)
        if failed or closed:
            out(f"Sockets that failed to subscribe: {failed}; closed by a server while held: {closed}.")
            out("")

    # --- broadcast ----------------------------------------------------------------------
    sizes = sorted({int(r["row"].split("-")[1]) for r in records
                    if r.get("type") == "run" and r.get("section") == "realtime" and r["row"].startswith("broadcast-")})
    summary = {}
    for n in sizes:
        node, fazt = rows(f"broadcast-{n}", "node"), rows(f"broadcast-{n}", "fazt")
        node_lat, fazt_lat = rows(f"broadcast-{n}-latency", "node"), rows(f"broadcast-{n}-latency", "fazt")
        if not node or not fazt:
            continue
        result = benchlib.compare([r["rps"] for r in node], [r["rps"] for r in fazt])
        summary[n] = (result, med(fazt_lat, "p99_ms"), med(node_lat, "p99_ms"))
        first = fazt[0]
        out(f"### Broadcast to {n:,} subscribers")
        out("")
        environment(f"realtime-broadcast-{n}")
        out(f"Throughput: {first['messages']:,} messages of {first['size']} bytes, at most {first['window']} broadcasts "
            f"not yet delivered to everyone; deliveries/s = deliveries ÷ (last delivery − first send). Latency: "
            f"{fazt_lat[0]['messages'] if fazt_lat else '?'} messages at {fazt_lat[0]['rate'] if fazt_lat else '?'}/s, one at a "
            f"time; per-delivery latency = receive − send (`CLOCK_MONOTONIC`, in the data), and **complete** = send → the "
            f"last subscriber's copy. CPU µs/delivery: the server process tree during the throughput run.")
        out("")
        out("| round | Node deliveries/s | fazt deliveries/s | fazt / Node | Node CPU µs/delivery | fazt CPU µs/delivery | "
            "Node p99 (paced) | fazt p50 / p99 (paced) | fazt complete p99 (paced) | |")
        out("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
        for i, (p, f) in enumerate(zip(node, fazt)):
            pl = node_lat[i] if i < len(node_lat) else {}
            fl = fazt_lat[i] if i < len(fazt_lat) else {}
            flag = (f"excluded: Node below {result['floor']:.0%} of its best round" if i + 1 in result["excluded"] else "")
            lost = [f"{w['who']} {w['expected'] - w['requests']:,} missing" for w in (p, f, pl, fl)
                    if w and w.get("requests", 0) < w.get("expected", 0)]
            flag = "; ".join(x for x in [flag] + lost if x)
            out(f"| {f['round']} | {num(p['rps'])} | {num(f['rps'])} | {ratio(result['ratios'][i])} | "
                f"{us(p['cpu_us_per_request'])} | {us(f['cpu_us_per_request'])} | {ms(pl.get('p99_ms'))} | "
                f"{ms(fl.get('p50_ms'))} / {ms(fl.get('p99_ms'))} | {ms(fl.get('complete_p99_ms'))} | {flag} |")
        out(f"| **median** | **{num(result['peer_median'])}** | **{num(result['fazt_median'])}** | "
            f"**{ratio(result['median_ratio'])}** ({ratio(result['min_ratio'])}–{ratio(result['max_ratio'])}) | "
            f"{us(med(node, 'cpu_us_per_request'))} | {us(med(fazt, 'cpu_us_per_request'))} | {ms(med(node_lat, 'p99_ms'))} | "
            f"{ms(med(fazt_lat, 'p50_ms'))} / {ms(med(fazt_lat, 'p99_ms'))} | {ms(med(fazt_lat, 'complete_p99_ms'))} | |")
        out("")
        client = benchlib.median(r["client_cpu_s"] * 1e6 / r["requests"] for r in node + fazt
                                 if r.get("client_cpu_s") is not None and r.get("requests"))
        if client is not None:
            out(f"The client (wsload) used {client:.1f} µs of CPU per delivery (median of the throughput runs) on the "
                "same cores; on loopback the kernel's receive path runs inside the sender's `write`, so the server's "
                "CPU per delivery includes most of the kernel work for the subscriber's side too.")
            out("")

    # --- wake ---------------------------------------------------------------------------
    node_wake, fazt_wake = rows("wake", "node"), rows("wake", "fazt")
    if fazt_wake:
        out("### Wake latency")
        out("")
        environment("realtime-wake")
        out(f"One socket sends {fazt_wake[0]['sent']} text messages one at a time; fazt's app `api/_socket.js` "
            "`message(ws, data)` sends each back with `ws.send(data)`, the Node peer echoes in-process. Round trip "
            "(client send → reply read), so an upper bound on message in → handler start; the first 10 of each round "
            "are warm-up, **first** is the round's first message (round 1: the worker may not be running yet).")
        out("")
        out("| round | Node p50 / p99 | fazt first | fazt p50 / p99 | fazt max | answered |")
        out("|---:|---:|---:|---:|---:|---:|")
        for i, f in enumerate(fazt_wake):
            p = node_wake[i] if i < len(node_wake) else {}
            out(f"| {f['round']} | {ms(p.get('p50_ms'))} / {ms(p.get('p99_ms'))} | {ms(f['first_ms'])} | "
                f"{ms(f['p50_ms'])} / {ms(f['p99_ms'])} | {ms(f['max_ms'])} | {f['replies']} of {f['sent']} |")
        out(f"| **median** | {ms(med(node_wake, 'p50_ms'))} / {ms(med(node_wake, 'p99_ms'))} | | "
            f"**{ms(med(fazt_wake, 'p50_ms'))} / {ms(med(fazt_wake, 'p99_ms'))}** | | |")
        out("")

    # --- targets ------------------------------------------------------------------------
    out("### Targets (issue #12)")
    out("")
    out("| figure | measured | target | |")
    out("|---|---:|---:|---|")
    if fazt_rss is not None:
        out(f"| idle RSS per subscribed socket at {fazt_idle[0]['n']:,} (median of rounds) | {b(fazt_rss)} | ≤ 4 KB (hard ≤ 8 KB) | "
            f"{verdict(fazt_rss <= TARGET_RSS_B)}{'' if fazt_rss <= TARGET_RSS_B else (' (under the hard 8 KB)' if fazt_rss <= HARD_RSS_B else ' (above the hard 8 KB too)')} |")
        out(f"| kernel Slab per loopback connection, both ends (median; socket caches alone) | "
            f"{b(med(fazt_idle, 'slab_per_conn_b'))} ({b(med(fazt_idle, 'socket_caches_per_conn_b'))}) | reported | |")
        out(f"| JS worker processes alive with {fazt_idle[0]['n']:,} idle sockets (most in any round) | {fazt_workers} | 0 | "
            f"{verdict(fazt_workers == 0)} |")
    for n in sizes:
        if n not in summary:
            continue
        result, fazt_p99, _ = summary[n]
        fm = result["fazt_median"] or 0
        out(f"| broadcast to {n:,}: fazt / Node deliveries/s (median, min–max) | {ratio(result['median_ratio'])} "
            f"({ratio(result['min_ratio'])}–{ratio(result['max_ratio'])}) | ≥ 2× | {verdict((result['median_ratio'] or 0) >= TARGET_RATIO)} |")
        if n >= 10000:
            out(f"| broadcast to {n:,}: fazt deliveries/s (median) | {num(fm)} | ≥ 250,000 | {verdict(fm >= TARGET_DELIVERIES)} |")
            out(f"| broadcast to {n:,}: fan-out latency p99 (paced, median of rounds) | {ms(fazt_p99)} | ≤ 50 ms | "
                f"{verdict(fazt_p99 is not None and fazt_p99 <= TARGET_FANOUT_P99_MS)} |")
    if fazt_wake:
        p50 = med(fazt_wake, "p50_ms")
        answered = sum(r["replies"] for r in fazt_wake)
        mark = (verdict(p50 <= TARGET_WAKE_P50_MS) if p50 is not None and p50 >= 0 else
                f"**not measured**: {answered} of {sum(r['sent'] for r in fazt_wake)} messages answered")
        out(f"| wake latency, warm worker, round trip p50 / p99 (median of rounds) | {ms(p50)} / {ms(med(fazt_wake, 'p99_ms'))} | "
            f"p50 ≤ 2 ms | {mark} |")
        cold = fazt_wake[0].get("first_ms")
        if cold is not None:
            out(f"| wake latency, round 1's first message (no worker running yet; one sample) | {ms(cold)} | "
                f"p99 ≤ 30 ms cold | {verdict(cold <= TARGET_WAKE_COLD_MS)} |")
    out("")
    out("Anchors (published, not measured here): Centrifugo ~30 KB per connection and 500k deliveries/s with p99 "
        "200 ms on 40 CPUs + Redis; Go Fazt ~4 KB per socket in-process; the kernel's own floor is ≈4 KB of Slab per "
        "idle TCP socket (measured on this kernel with 18,000 loopback sockets during the design).")
    out("")
