#!/usr/bin/env python3
"""AI streaming benchmark (issue #13): what fazt adds between a provider's stream and the caller,
against LiteLLM's proxy in the same run, both fed by scripts/mock-ai-provider.py.

Three paths per scenario, alternating, BENCH_ROUNDS (3) rounds:
  direct   the client reads the mock itself (the floor: the mock and two loopback hops)
  fazt     an app's `return fazt.ai.stream({model}).toResponse()`: server-sent events from the daemon
  litellm  LiteLLM's proxy (`litellm --config`, OpenAI format), the same model through the same mock

Before each measured stream the script waits (≤ 15 s) until the mock, the daemons and LiteLLM used
no CPU for 250 ms: LiteLLM keeps working on a stream after it ended, and on 2 cores that leftover
work landed in the next path's figures.

Scenarios: AI_TOKENS (1000) tokens as fast as the mock sends them, and at 50 tokens/s. Each token's
text carries the mock's send time (`@<CLOCK_MONOTONIC ns>`, scenario `tokens-N-R-inline`), so the
client measures per token: receive time − send time. Reported: time to first token (request sent →
first token read) and per-token latency p50/p99 for each path; fazt's and LiteLLM's overhead is the
path's figure minus the same round's direct figure. Then the daemon's RSS (server + its workers)
with AI_CONCURRENT (100) paced streams open at once.

    scripts/bench-ai.py [FAZT] [LITELLM]   (defaults: .build/release/fazt, .venv-bench/bin/litellm)

Writes docs/performance-ai.md (BENCH_AI_REPORT) and JSON lines (BENCH_AI_RESULTS).
"""
import json, os, re, socket, statistics, subprocess, sys, tempfile, threading, time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
TOKENS = int(os.environ.get("AI_TOKENS", "1000"))
PACED_RATE = float(os.environ.get("AI_PACED_RATE", "50"))
CONCURRENT = int(os.environ.get("AI_CONCURRENT", "100"))
KEY = "sk-bench-provider-key"
MASTER = "sk-litellm-master-bench-0123456789"
STAMP = re.compile(rb"@(\d{6,}) ")
# The direct path's usual per-token p50 on the 2-core VM (docs/performance-notes.md): far above it, a
# scenario ran on a busy machine.
DIRECT_USUAL_P50_MS = {"full speed": 0.04, "paced": 0.29}


def start(args, env=None, cwd=None):
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=cwd)


def first_json_line(proc, key, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if key in value:
            return value
    raise SystemExit(f"bench-ai: {proc.args[0]} printed no {key}")


def wait_http(port, path, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
                if s.recv(12).startswith(b"HTTP/1.1 200"):
                    return
        except OSError:
            pass
        time.sleep(0.25)
    raise SystemExit(f"bench-ai: nothing answered on port {port}")


def stream(port, request):
    """Sends `request` (bytes) and reads the streamed answer to its end: (ttft ms, [token latency ms])."""
    latencies = []
    first = None
    with socket.create_connection(("127.0.0.1", port), timeout=120) as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sent = time.monotonic_ns()
        s.sendall(request)
        buffer = b""
        while True:
            data = s.recv(65536)
            now = time.monotonic_ns()
            if not data:
                break
            buffer += data
            last = 0
            for match in STAMP.finditer(buffer):
                if first is None:
                    first = now
                latencies.append((now - int(match.group(1))) / 1e6)
                last = match.end()
            finished = b"data: [DONE]" in buffer or b"event: finish" in buffer
            # Keep what may hold a stamp cut by this read.
            buffer = buffer[last:] if last else buffer[-64:]
            if finished:
                break
    return ((first - sent) / 1e6 if first else None), latencies


def direct_request(model):
    body = json.dumps({"model": model, "messages": [{"role": "user", "content": "x"}], "stream": True,
                       "stream_options": {"include_usage": True}}).encode()
    return (f"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {KEY}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode() + body


def litellm_request(alias):
    body = json.dumps({"model": alias, "messages": [{"role": "user", "content": "x"}], "stream": True}).encode()
    return (f"POST /chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {MASTER}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode() + body


def fazt_request(port, alias):
    return (f"GET /api?model={alias} HTTP/1.1\r\nHost: bench.localhost:{port}\r\nAccept: text/event-stream\r\n"
            "Connection: close\r\n\r\n").encode()


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] if values else None


def tree_pids(pid):
    """`pid` and its children."""
    pids = [pid]
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                pids += [int(x) for x in f.read().split()]
    except OSError:
        pass
    return pids


def cpu_ticks(pids):
    total = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, IndexError, ValueError):
            pass
    return total


def settle(procs, timeout=15):
    """Waits (bounded) until none of `procs` (and their children) used CPU for 250 ms: a peer still
    busy with the previous stream (LiteLLM logs and prices a stream after it ended) would otherwise
    take a core from the next path's measurement on a 2-core machine."""
    deadline = time.monotonic() + timeout
    pids = [p for proc in procs for p in tree_pids(proc.pid)]
    before = cpu_ticks(pids)
    while time.monotonic() < deadline:
        time.sleep(0.25)
        now = cpu_ticks(pids)
        if now == before:
            return
        before = now


def tree_rss_kb(pid):
    total = 0
    for p in tree_pids(pid):
        try:
            with open(f"/proc/{p}/status") as f:
                total += next(int(l.split()[1]) for l in f if l.startswith("VmRSS"))
        except (OSError, StopIteration):
            pass
    return total


def main():
    fazt = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build/release/fazt"))
    litellm = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, ".venv-bench/bin/litellm"))
    results_path = os.environ.get("BENCH_AI_RESULTS", os.path.join(ROOT, "docs/performance-ai.jsonl"))
    report_path = os.environ.get("BENCH_AI_REPORT", os.path.join(ROOT, "docs/performance-ai.md"))
    work = tempfile.mkdtemp(prefix="fazt-bench-ai.")
    procs = []
    try:
        mock = start([sys.executable, os.path.join(ROOT, "scripts/mock-ai-provider.py"), "--port", "0", "--key", KEY,
                      "--quiet"])
        procs.append(mock)
        mock_port = first_json_line(mock, "port")["port"]
        base = f"http://127.0.0.1:{mock_port}/v1"
        fast, paced = f"tokens-{TOKENS}-0-inline", f"tokens-{TOKENS}-{PACED_RATE:g}-inline"
        many = f"tokens-{int(PACED_RATE * 10)}-{PACED_RATE:g}-inline"

        def launch(label, extra_env):
            """A fazt server with the mock provider, the aliases and the bench app; returns its port, pid
            and an owner-API caller."""
            data = f"{work}/{label}"
            os.makedirs(data)
            # Many streams from one address: raise the per-address connection limit.
            server = start([fazt, "serve", "--port", "0", "--host", "127.0.0.1", "--data", f"{data}/data.db",
                            "--max-connections-per-ip", str(CONCURRENT * 4)], env=dict(os.environ, **extra_env))
            procs.append(server)
            port = first_json_line(server, "port")["port"]
            token = None
            deadline = time.monotonic() + 10
            while token is None and time.monotonic() < deadline:
                line = server.stderr.readline().decode(errors="replace")
                found = re.search(r"fzt_[0-9a-f]+", line)
                token = found.group(0) if found else None
            env = dict(os.environ, FAZT_SERVER=f"http://127.0.0.1:{port}", FAZT_TOKEN=token or "",
                       XDG_CONFIG_HOME=f"{data}/config")
            threading.Thread(target=lambda: server.stderr.read(), daemon=True).start()

            def cli(*args, stdin=None):
                done = subprocess.run([fazt, *args], env=env, input=stdin, capture_output=True, text=True)
                if done.returncode != 0:
                    raise SystemExit(f"bench-ai: fazt {' '.join(args)}: {done.stderr}")

            def owner_api(method, path):
                request = urllib.request.Request(f"http://127.0.0.1:{port}/_fazt/api/v1{path}", method=method,
                                                 headers={"Authorization": f"Bearer {token}"})
                with urllib.request.urlopen(request, timeout=10) as answer:
                    return json.loads(answer.read())

            cli("ai", "provider", "add", "mock", "--type", "openai-compatible", "--base-url", base, "--key-stdin",
                stdin=KEY)
            for alias, model in (("fast", fast), ("paced", paced), ("many", many), ("one", "tokens-1-0-inline")):
                cli("ai", "model", "add", alias, "--provider", "mock", "--model", model)
            app = f"{data}/app"
            os.makedirs(f"{app}/api")
            with open(f"{app}/fazt.json", "w") as f:
                f.write('{"permissions": ["ai"]}')
            with open(f"{app}/api/main.js", "w") as f:
                f.write("module.exports = (req) => fazt.ai.stream({ model: req.query.model, prompt: 'x' })"
                        ".toResponse();\n")
            cli("deploy", app, "--app", "bench")
            cli("grant", "bench", "ai")
            return port, server, owner_api

        port, server, owner_api = launch("fazt", {})
        daemons = {"fazt": (port, owner_api)}
        if os.environ.get("BENCH_AI_CURL", "1") != "0":
            # The same daemon reading the provider on libcurl's thread (FAZT_AI_CLIENT=curl), to compare.
            curl_port, _, curl_api = launch("fazt-curl", {"FAZT_AI_CLIENT": "curl"})
            daemons["fazt (libcurl)"] = (curl_port, curl_api)

        with open(f"{work}/litellm.yaml", "w") as f:
            f.write("model_list:\n")
            for alias, model in (("fast", fast), ("paced", paced)):
                f.write(f"  - model_name: {alias}\n    litellm_params:\n      model: openai/{model}\n"
                        f"      api_base: {base}\n      api_key: {KEY}\n")
            f.write(f"litellm_settings:\n  telemetry: false\ngeneral_settings:\n  master_key: {MASTER}\n")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            ll_port = s.getsockname()[1]
        ll = start([litellm, "--config", f"{work}/litellm.yaml", "--host", "127.0.0.1", "--port", str(ll_port)],
                   env=dict(os.environ, LITELLM_LOCAL_MODEL_COST_MAP="True"), cwd=work)
        procs.append(ll)
        threading.Thread(target=lambda: ll.stdout.read(), daemon=True).start()
        threading.Thread(target=lambda: ll.stderr.read(), daemon=True).start()
        wait_http(ll_port, "/health/liveliness")
        version = subprocess.run([os.path.join(os.path.dirname(litellm), "python"), "-c",
                                  "import importlib.metadata as m; print(m.version('litellm'))"],
                                 capture_output=True, text=True).stdout.strip()

        paths = {"direct": lambda alias, model: stream(mock_port, direct_request(model))}
        for who, (daemon_port, _) in daemons.items():
            paths[who] = lambda alias, model, p=daemon_port: stream(p, fazt_request(p, alias))
        paths["litellm"] = lambda alias, model: stream(ll_port, litellm_request(alias))
        for warm in paths:
            paths[warm]("fast", fast)
        rows = []
        with open("/proc/loadavg") as f:
            load = f.read().split()[:3]
        for scenario, alias, model in (("full speed", "fast", fast), (f"{PACED_RATE:g} tokens/s", "paced", paced)):
            for round_ in range(1, ROUNDS + 1):
                for who in paths:
                    if who in daemons:
                        # Warm: a worker may have retired during the other paths' long paced runs.
                        daemon_port, daemon_api = daemons[who]
                        stream(daemon_port, fazt_request(daemon_port, "one"))
                        daemon_api("DELETE", "/ai/latency")
                    settle(procs)
                    ttft, latencies = paths[who](alias, model)
                    row = {"scenario": scenario, "round": round_, "who": who, "ttft_ms": ttft, "tokens": len(latencies),
                           "p50_ms": percentile(latencies, 50), "p99_ms": percentile(latencies, 99)}
                    if who in daemons:
                        # The daemon's own count: provider piece read → event written.
                        inside = daemons[who][1]("GET", "/ai/latency")
                        row.update(inside_p50_ms=inside["perToken"]["p50Ms"],
                                   inside_p99_ms=inside["perToken"]["p99Ms"],
                                   inside_samples=inside["perToken"]["samples"],
                                   to_write_p50_ms=inside.get("perTokenToWrite", {}).get("p50Ms"),
                                   to_write_p99_ms=inside.get("perTokenToWrite", {}).get("p99Ms"),
                                   to_request_ms=inside["toRequest"]["p50Ms"])
                    rows.append(row)
                    print(f"bench-ai {scenario} round {round_}: {who} ttft {ttft:.2f} ms, "
                          f"per token p50 {row['p50_ms']:.3f} p99 {row['p99_ms']:.3f} ms ({len(latencies)} tokens)",
                          file=sys.stderr)

        # RSS with many streams open at once.
        before = tree_rss_kb(server.pid)
        peak = [before]
        stop = threading.Event()

        def sample():
            while not stop.is_set():
                peak.append(tree_rss_kb(server.pid))
                time.sleep(0.2)

        sampler = threading.Thread(target=sample)
        sampler.start()
        counts = []
        threads = [threading.Thread(target=lambda: counts.append(len(stream(port, fazt_request(port, "many"))[1])))
                   for _ in range(CONCURRENT)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        stop.set()
        sampler.join()
        concurrent = {"streams": CONCURRENT, "rss_before_kb": before, "rss_peak_kb": max(peak),
                      "complete": sum(1 for c in counts if c == int(PACED_RATE * 10))}
        print(f"bench-ai {CONCURRENT} concurrent streams: RSS {before / 1024:.1f} → {max(peak) / 1024:.1f} MB, "
              f"{concurrent['complete']} complete", file=sys.stderr)

        with open(results_path, "w") as f:
            f.write(json.dumps({"type": "value", "key": "ai_env", "value": {"load": load, "litellm": version,
                                                                           "tokens": TOKENS, "rounds": ROUNDS}}) + "\n")
            for row in rows:
                f.write(json.dumps(dict(row, type="run")) + "\n")
            f.write(json.dumps(dict(concurrent, type="concurrent")) + "\n")
        report = render(rows, concurrent, load, version)
        with open(report_path, "w") as f:
            f.write(report)
        print(report)
    finally:
        for proc in procs:
            proc.kill()
            proc.wait()


def render(rows, concurrent, load, version):
    def values_of(scenario, who, key):
        return [r[key] for r in rows if r["scenario"] == scenario and r["who"] == who and r.get(key) is not None]

    def median(scenario, who, key):
        values = values_of(scenario, who, key)
        return statistics.median(values) if values else None

    def spread(scenario, who, key):
        """The rounds' median with their min–max, or — without figures."""
        values = values_of(scenario, who, key)
        if not values:
            return "—"
        return f"{statistics.median(values):.3f} ({min(values):.3f}–{max(values):.3f})"

    def overhead(scenario, who, key):
        values = []
        for round_ in sorted({r["round"] for r in rows}):
            pick = {r["who"]: r for r in rows if r["scenario"] == scenario and r["round"] == round_}
            if who in pick and "direct" in pick and pick[who][key] is not None and pick["direct"][key] is not None:
                values.append(pick[who][key] - pick["direct"][key])
        return (statistics.median(values), min(values), max(values)) if values else (None, None, None)

    lines = ["# AI streaming: fazt against LiteLLM (issue #13)", "",
             f"Written by `scripts/bench-ai.py` on {time.strftime('%Y-%m-%d')}: load {' / '.join(load)} (1 / 5 / 15 min) "
             f"at the start; {ROUNDS} alternating rounds (direct, fazt, LiteLLM {version}); the mock "
             f"(`scripts/mock-ai-provider.py`) sends {TOKENS} tokens, each stamped with its send time. "
             "**direct** reads the mock itself; **fazt** is an app's `fazt.ai.stream({model}).toResponse()` "
             "(server-sent events from the daemon, the provider key only in the daemon); **LiteLLM** is its "
             "proxy with the same model. Overhead = the path's figure − the same round's direct figure "
             "(median, min–max). The daemon's own figures are the median of the rounds with their min–max.", "",
             "**In the daemon** is fazt's own count of the issue's window (upstream chunk in → SSE frame "
             "out): from a piece of the provider's answer being read (on the caller's connection loop; by "
             "libcurl's thread in the **fazt (libcurl)** row, `FAZT_AI_CLIENT=curl`) until the event made "
             "from it is written to the caller's socket (`GET /_fazt/api/v1/ai/latency`, reset before each "
             "run; 1 µs buckets). The overhead columns also hold the second loopback hop that any proxy adds "
             "(the client reads from the daemon, not from the mock), and the Python reader's own wake-ups.", "",
             "**In the daemon, to the write** is the same window up to the moment the event's write to the "
             "caller's socket is issued: the daemon's own work (parsing the provider's chunk, normalizing it, "
             "the hand-over to the connection's loop). The difference between the two columns is the kernel's "
             "loopback `write(2)`, which delivers to the reader's socket and wakes it (a bare C `write` to a "
             "blocked loopback reader costs 0.06–0.08 ms p50 on this VM).", "",
             "**In the daemon, call → request sent** is the first-token window the daemon controls: from the "
             "call reaching the daemon (grant, budget and model checks, the wire request, waiting for the HTTP "
             "response to take the stream, the connection) to the request being sent, median of the run's one call.",
             "",
             "| scenario | path | time to first token | per-token latency p50 / p99 | overhead to first token | overhead per token p50 / p99 | in the daemon per token p50 / p99 | in the daemon, to the write p50 / p99 | in the daemon, call → request sent |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for scenario in dict.fromkeys(r["scenario"] for r in rows):
        for who in dict.fromkeys(r["who"] for r in rows):
            ttft, p50, p99 = (median(scenario, who, k) for k in ("ttft_ms", "p50_ms", "p99_ms"))
            if who == "direct":
                extra = "| — | — |"
            else:
                o = overhead(scenario, who, "ttft_ms")
                o50 = overhead(scenario, who, "p50_ms")
                o99 = overhead(scenario, who, "p99_ms")
                extra = (f"| {o[0]:.2f} ms ({o[1]:.2f}–{o[2]:.2f}) | {o50[0]:.3f} ({o50[1]:.3f}–{o50[2]:.3f}) / "
                         f"{o99[0]:.3f} ms |")
            if who.startswith("fazt"):
                extra += f" {spread(scenario, who, 'inside_p50_ms')} / {spread(scenario, who, 'inside_p99_ms')} ms |"
                extra += f" {spread(scenario, who, 'to_write_p50_ms')} / {spread(scenario, who, 'to_write_p99_ms')} ms |"
                extra += f" {spread(scenario, who, 'to_request_ms')} ms |"
            else:
                extra += " — | — | — |"
            lines.append(f"| {scenario} | {who} | {ttft:.2f} ms | {p50:.3f} / {p99:.3f} ms {extra}")
    # The floor itself off its usual figure means the machine was busy during that scenario: its
    # overheads (path − direct) compare nothing; say so rather than let them stand as figures.
    for scenario in dict.fromkeys(r["scenario"] for r in rows):
        floor = median(scenario, "direct", "p50_ms")
        usual = DIRECT_USUAL_P50_MS["full speed" if scenario == "full speed" else "paced"]
        if floor is not None and floor > 3 * usual:
            lines += ["", f"**{scenario}: not a clean run.** The direct path itself measured {floor:.3f} ms per token "
                      f"(p50; usually ≈ {usual:.2f} ms on this machine): the machine was busy, so this scenario's "
                      "overhead columns compare nothing. The in-daemon columns are the daemon's own clock and "
                      "still hold."]
    lines += ["", f"**{concurrent['streams']} concurrent streams** through fazt ({PACED_RATE:g} tokens/s each): the "
              f"daemon and its workers went from {concurrent['rss_before_kb'] / 1024:.1f} MB to "
              f"{concurrent['rss_peak_kb'] / 1024:.1f} MB RSS at the peak; {concurrent['complete']} of "
              f"{concurrent['streams']} streams complete.", ""]
    return "\n".join(lines)


def rerender(results_path, report_path):
    """Rewrites the report from a results file (no measuring)."""
    rows, concurrent, env = [], None, {}
    with open(results_path) as f:
        for line in f:
            entry = json.loads(line)
            if entry.get("type") == "run":
                rows.append(entry)
            elif entry.get("type") == "concurrent":
                concurrent = entry
            elif entry.get("key") == "ai_env":
                env = entry["value"]
    with open(report_path, "w") as f:
        f.write(render(rows, concurrent, env.get("load", ["?"] * 3), env.get("litellm", "?")))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--render":
        rerender(os.environ.get("BENCH_AI_RESULTS", os.path.join(ROOT, "docs/performance-ai.jsonl")),
                 os.environ.get("BENCH_AI_REPORT", os.path.join(ROOT, "docs/performance-ai.md")))
    else:
        main()
