#!/usr/bin/env python3
"""MCP endpoint benchmark: server-side latency of `tools/list` and `files_read` through
`/_fazt/mcp`, and the static-file p99 with and without 200 MCP calls running alongside.

    python3 scripts/bench-mcp.py [.build/release/fazt] [--rounds 3] [--duration 10] [--report docs/performance-mcp.md]

Server-side times come from the `Server-Timing: mcp;dur=MS` header of every answer (from the
message read to the answer built, inside the daemon); client round trips are shown beside them.
The static comparison runs wrk (`scripts/install-deps.sh bench`) in alternating rounds: plain, then
with 200 MCP calls (tools/list and files_read from 20 keep-alive clients) spread over the run. The
figure is the median of the rounds with the spread; the 1-minute load average is recorded per round.
"""
import argparse, http.client, io, json, os, statistics, subprocess, sys, tempfile, threading, time, zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib, faztserver  # noqa: E402


def zip_bytes(files):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


class MCP:
    """A keep-alive MCP client (initialize era, one POST per message)."""

    def __init__(self, port, token):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json",
                        "Accept": "application/json, text/event-stream"}

    def call(self, method, params=None):
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params or {}})
        started = time.perf_counter()
        self.connection.request("POST", "/_fazt/mcp", body=body, headers=self.headers)
        response = self.connection.getresponse()
        data = response.read()
        client_ms = (time.perf_counter() - started) * 1000
        timing = response.getheader("Server-Timing") or "mcp;dur=nan"
        server_ms = float(timing.split("dur=")[1])
        if response.status != 200 or b'"error"' in data[:200]:
            raise RuntimeError(f"{method}: {response.status} {data[:200]!r}")
        return server_ms, client_ms, len(data)


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def latency(port, token, method, params, count):
    client = MCP(port, token)
    for _ in range(50):  # warm-up: first worker, caches
        client.call(method, params)
    server, roundtrip = [], []
    size = 0
    for _ in range(count):
        s, c, size = client.call(method, params)
        server.append(s)
        roundtrip.append(c)
    return {"server_p50_ms": statistics.median(server), "server_p99_ms": percentile(server, 0.99),
            "client_p50_ms": statistics.median(roundtrip), "client_p99_ms": percentile(roundtrip, 0.99),
            "bytes": size, "calls": count}


def mcp_load(port, token, total, duration, errors):
    """`total` MCP calls from 20 clients, spread evenly over `duration` seconds."""
    clients = 20
    per_client = total // clients
    gap = duration / per_client

    def run(index):
        client = MCP(port, token)
        for n in range(per_client):
            start = time.perf_counter()
            try:
                if (index + n) % 2:
                    client.call("tools/list")
                else:
                    client.call("tools/call", {"name": "files_read", "arguments": {"app": "docs", "path": "page.md"}})
            except Exception as error:  # noqa: BLE001 - counted and reported
                errors.append(str(error))
            time.sleep(max(0.0, gap - (time.perf_counter() - start)))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    return threads


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("fazt", nargs="?", default=".build/release/fazt")
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUNDS", "3")))
    parser.add_argument("--duration", type=int, default=int(os.environ.get("DURATION", "10").rstrip("s")))
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--report", default="docs/performance-mcp.md")
    args = parser.parse_args()
    rounds = max(3, args.rounds)
    with tempfile.TemporaryDirectory() as directory:
        process, port, token = faztserver.start(args.fazt, os.path.join(directory, "data.db"),
                                                "--max-connections-per-ip", "1000", first_start=True)
        try:
            control = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            for app, files in (("site", {"index.html": "<h1>static</h1>" + "x" * 1000}),
                               ("docs", {"index.html": "<h1>docs</h1>", "page.md": "# Page\n" + "text " * 400})):
                control.request("POST", f"/_fazt/api/v1/apps/{app}/deploy", body=zip_bytes(files),
                                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/zip"})
                answer = control.getresponse()
                assert answer.status == 201, answer.read()
                answer.read()
            tools_list = latency(port, token, "tools/list", None, args.calls)
            files_read = latency(port, token, "tools/call",
                                 {"name": "files_read", "arguments": {"app": "docs", "path": "page.md"}}, args.calls)
            wrk = ["-t2", "-c50", f"-d{args.duration}s", "--latency", "-H", f"Host: site.localhost:{port}",
                   f"http://127.0.0.1:{port}/"]
            plain, loaded, loads, errors = [], [], [], []
            for round_number in range(rounds):
                for kind in ("plain", "mcp"):
                    loads.append(benchlib.loadavg()[0])
                    threads = mcp_load(port, token, 200, args.duration * 0.9, errors) if kind == "mcp" else []
                    result = benchlib.measure_wrk(wrk, [process.pid])
                    for thread in threads:
                        thread.join()
                    (plain if kind == "plain" else loaded).append(result)
                    print(f"round {round_number + 1} {kind}: static p99 {result['p99_ms']:.2f} ms, "
                          f"{result['rps']:.0f} req/s", flush=True)
        finally:
            process.kill()
            process.wait()
    p99_plain = [r["p99_ms"] for r in plain]
    p99_loaded = [r["p99_ms"] for r in loaded]
    ratio = statistics.median(p99_loaded) / statistics.median(p99_plain)
    lines = [
        "# MCP endpoint performance",
        "",
        f"`scripts/bench-mcp.py` on {benchlib.cpu_model()[0]} ({benchlib.cpu_model()[1]} logical cores), "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, binary `{args.fazt}`.",
        "",
        "## Server-side latency through `/_fazt/mcp`",
        "",
        f"{args.calls} sequential calls each, one keep-alive client, after 50 warm-up calls; server time from",
        "the `Server-Timing` header (message read → answer built), client time is the loopback round trip.",
        "",
        "| call | server p50 | server p99 | client p50 | client p99 | answer bytes |",
        "|---|---|---|---|---|---|",
    ]
    for name, figures in (("tools/list (owner: 19 tools)", tools_list), ("files_read (2 KB file)", files_read)):
        lines.append(f"| {name} | {figures['server_p50_ms']:.3f} ms | {figures['server_p99_ms']:.3f} ms | "
                     f"{figures['client_p50_ms']:.3f} ms | {figures['client_p99_ms']:.3f} ms | {figures['bytes']} |")
    lo, hi = benchlib.spread(p99_plain)
    lo2, hi2 = benchlib.spread(p99_loaded)
    lines += [
        "",
        "## Static-file p99 with 200 MCP calls alongside",
        "",
        f"wrk `-t2 -c50 -d{args.duration}s` on a 1 KB `index.html`, {rounds} alternating rounds (plain, then with 200",
        "MCP calls — tools/list and files_read from 20 keep-alive clients — spread over the run).",
        "",
        "| run | static p99 (median) | spread | req/s (median) |",
        "|---|---|---|---|",
        f"| plain | {statistics.median(p99_plain):.2f} ms | {lo:.2f}–{hi:.2f} ms | "
        f"{statistics.median([r['rps'] for r in plain]):.0f} |",
        f"| with 200 MCP calls | {statistics.median(p99_loaded):.2f} ms | {lo2:.2f}–{hi2:.2f} ms | "
        f"{statistics.median([r['rps'] for r in loaded]):.0f} |",
        "",
        f"Ratio of medians: **{ratio:.3f}** (target ≤ 1.10: {'met' if ratio <= 1.10 else 'missed'}). "
        f"MCP call errors during the runs: {len(errors)}. 1-minute load average at each run's start: "
        + ", ".join(f"{value:.2f}" for value in loads) + ".",
        "",
    ]
    report = "\n".join(lines)
    print(report)
    with open(args.report, "w") as out:
        out.write(report)


if __name__ == "__main__":
    main()
