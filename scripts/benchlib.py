#!/usr/bin/env python3
"""Shared helpers for the benchmark scripts: median and spread, load average and CPU model, CPU time
of a process tree, one measured wrk run, and the round comparison (peer vs fazt) with its outlier rule.

bench.sh calls it as a command; bench-report.py imports it. Results go to a JSON-lines file, one
object per line: {"type": "section", ...}, {"type": "run", ...} or {"type": "value", ...}.

    benchlib.py section RESULTS NAME          load average + CPU model before a section (noisy mark)
    benchlib.py value RESULTS KEY VALUE       a scalar (VALUE parsed as JSON when it is JSON)
    benchlib.py wrk RESULTS SECTION ROW WHO ROUND PIDS -- WRK-ARGS...
                                              one wrk run, CPU time of the PIDS' process trees
                                              (comma-separated) sampled before and after; prints
                                              "rps p50_ms p99_ms requests cpu_us_per_request"
    benchlib.py compare RESULTS SECTION ROW PEER FAZT
                                              prints the median ratio of a finished comparison (WHO
                                              names of the two sides) and the rounds left out
    benchlib.py selftest                      checks the pure helpers on made-up numbers

Environment: BENCH_NOISY_LOAD (default 0.5): a section whose 1-minute load is above it is marked
noisy (after waiting up to BENCH_SETTLE_SECONDS, default 150, for it to fall below). BENCH_PEER_FLOOR (default 0.6): a round whose peer figure is below this fraction of the
peer's best round in the session is flagged and left out of the ratio.
"""
import glob, json, os, statistics, subprocess, sys, time

NOISY_LOAD = float(os.environ.get("BENCH_NOISY_LOAD", "0.5"))
PEER_FLOOR = float(os.environ.get("BENCH_PEER_FLOOR", "0.6"))


# --- statistics ---------------------------------------------------------------------------------
def median(values):
    values = list(values)
    return statistics.median(values) if values else None


def spread(values):
    """(min, max), or (None, None) for no values."""
    values = list(values)
    return (min(values), max(values)) if values else (None, None)


# --- machine state ------------------------------------------------------------------------------
def loadavg(path="/proc/loadavg"):
    """(1-minute, 5-minute, 15-minute) load."""
    with open(path) as f:
        one, five, fifteen = f.read().split()[:3]
    return float(one), float(five), float(fifteen)


def cpu_model(path="/proc/cpuinfo"):
    """(model name, logical cores)."""
    model, cores = "unknown", 0
    try:
        with open(path) as f:
            for line in f:
                key, _, value = line.partition(":")
                key = key.strip()
                if key == "processor":
                    cores += 1
                elif key == "model name" and model == "unknown":
                    model = value.strip()
    except OSError:
        pass
    return model, cores or (os.cpu_count() or 0)


def is_noisy(load1, limit=None):
    return load1 > (NOISY_LOAD if limit is None else limit)


def settle(limit=None, wait_seconds=None):
    """Waits (up to BENCH_SETTLE_SECONDS, default 150) for the 1-minute load to fall to the noisy
    limit: the previous section's own load would otherwise mark every section noisy. Returns the
    seconds waited."""
    limit = NOISY_LOAD if limit is None else limit
    wait_seconds = float(os.environ.get("BENCH_SETTLE_SECONDS", "150")) if wait_seconds is None else wait_seconds
    started = time.monotonic()
    while loadavg()[0] > limit and time.monotonic() - started < wait_seconds:
        time.sleep(2)
    return round(time.monotonic() - started)


def section_record(name):
    waited = settle()
    one, five, fifteen = loadavg()
    model, cores = cpu_model()
    return {"type": "section", "name": name, "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "load": [one, five, fifteen], "noisy": is_noisy(one), "noisy_limit": NOISY_LOAD, "settled_s": waited,
            "cpu_model": model, "cores": cores}


def describe_section(record):
    load = " / ".join(f"{x:.2f}" for x in record["load"])
    mark = f" — NOISY (1-min load above {record['noisy_limit']})" if record["noisy"] else ""
    return f"section {record['name']}: load {load}{mark}; {record['cpu_model']}, {record['cores']} cores"


# --- CPU time -----------------------------------------------------------------------------------
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid):
    """Fields of /proc/PID/stat from the state on (index 0 = field 3, `state`)."""
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rpartition(")")[2].split()


def children(pid):
    """Live child processes of pid (from every thread's `children` list; /proc scan without it)."""
    paths = glob.glob(f"/proc/{pid}/task/*/children")
    if paths:
        out = []
        for path in paths:
            try:
                with open(path) as f:
                    out += [int(c) for c in f.read().split()]
            except OSError:
                pass  # the thread ended between listing and reading
        return out
    out = []
    for path in glob.glob("/proc/[0-9]*/stat"):
        try:
            if int(_stat_fields(path.split("/")[2])[1]) == int(pid):
                out.append(int(path.split("/")[2]))
        except (OSError, ValueError, IndexError):
            pass
    return out


def tree_cpu_ms(pid):
    """CPU time (user + system, ms) of a process, all its threads, its live descendants, and the
    descendants it has already reaped (cutime + cstime): /proc/PID/stat of a process covers all of its
    threads, so the task/*/stat files are not added again. 0 if the process is gone."""
    kids = children(pid)  # before the parent's figures: a child reaped meanwhile is then not counted twice
    try:
        fields = _stat_fields(pid)
    except OSError:
        return 0.0
    utime, stime, cutime, cstime = (int(x) for x in fields[11:15])
    total = (utime + stime + cutime + cstime) * 1000.0 / CLOCK_TICKS
    return total + sum(tree_cpu_ms(kid) for kid in kids)


def cpu_ms(pids):
    return sum(tree_cpu_ms(pid) for pid in pids)


# --- wrk ----------------------------------------------------------------------------------------
def latency_ms(text):
    """'812.00us' / '7.68ms' / '1.02s' → ms."""
    for unit, scale in (("us", 0.001), ("ms", 1.0), ("s", 1000.0), ("m", 60000.0)):
        if text.endswith(unit):
            return float(text[: -len(unit)]) * scale
    return float(text)


def parse_wrk(out):
    result = {"rps": None, "p50_ms": None, "p99_ms": None, "requests": None, "non2xx": 0}
    for line in out.splitlines():
        words = line.split()
        if not words:
            continue
        if words[0] == "Requests/sec:":
            result["rps"] = float(words[1])
        elif len(words) > 2 and words[1:3] == ["requests", "in"]:
            result["requests"] = int(words[0])
        elif words[0] == "50%" and len(words) > 1:
            result["p50_ms"] = latency_ms(words[1])
        elif words[0] == "99%" and len(words) > 1:
            result["p99_ms"] = latency_ms(words[1])
        elif line.strip().startswith("Non-2xx"):
            result["non2xx"] = int(words[-1])
    return result


def measure_wrk(wrk_args, pids):
    """Runs wrk; returns its figures plus the CPU time the pids' trees used during the run."""
    before = cpu_ms(pids)
    out = subprocess.run(["wrk", *wrk_args], check=True, capture_output=True, text=True).stdout
    after = cpu_ms(pids)
    result = parse_wrk(out)
    result["cpu_ms"] = after - before
    result["cpu_us_per_request"] = cpu_per_request_us(result["cpu_ms"], result["requests"])
    result["raw"] = out
    return result


def cpu_per_request_us(cpu_ms_used, requests):
    """µs of CPU per request, which is also CPU-ms per 1,000 requests."""
    return cpu_ms_used * 1000.0 / requests if requests else None


# --- comparisons --------------------------------------------------------------------------------
def compare(peer, fazt, floor=None):
    """peer, fazt: req/s per round, in order. A round whose peer figure is below floor × the best peer
    round is flagged and left out. Returns the kept rounds' median ratio (fazt / peer) with its
    min-max spread, the medians of both sides over the kept rounds, and the excluded rounds (1-based)."""
    floor = PEER_FLOOR if floor is None else floor
    best = max(peer) if peer else 0
    excluded = [i + 1 for i, p in enumerate(peer) if p < floor * best]
    kept = [i for i in range(len(peer)) if i + 1 not in excluded]
    ratios = [fazt[i] / peer[i] for i in kept if peer[i]]
    low, high = spread(ratios)
    return {"ratios": [fazt[i] / peer[i] if peer[i] else None for i in range(len(peer))],
            "median_ratio": median(ratios), "min_ratio": low, "max_ratio": high,
            "peer_median": median(peer[i] for i in kept), "fazt_median": median(fazt[i] for i in kept),
            "peer_best": best, "excluded": excluded, "floor": floor}


def load_results(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def runs_of(records, section, row, who):
    """req/s and records of one side of a comparison, by round."""
    runs = sorted((r for r in records if r["type"] == "run" and r["section"] == section and r["row"] == row
                   and r["who"] == who), key=lambda r: r["round"])
    return runs


def describe_compare(name, peer_name, result, fazt_name="fazt"):
    def n(x):
        return "—" if x is None else f"{x:,.0f}"

    text = (f"{name}: {fazt_name} / {peer_name} median {result['median_ratio']:.2f}× "
            f"(min {result['min_ratio']:.2f}×, max {result['max_ratio']:.2f}×); "
            f"{peer_name} median {n(result['peer_median'])} req/s, {fazt_name} median {n(result['fazt_median'])} req/s")
    for r in result["excluded"]:
        text += (f"\n  round {r} excluded: {peer_name} below {result['floor']:.0%} of its best round "
                 f"({n(result['peer_best'])} req/s)")
    return text


def append(path, record):
    with open(path, "a") as f:
        f.write(json.dumps(record) + "\n")


# --- command line -------------------------------------------------------------------------------
def selftest():
    assert median([3, 1, 2]) == 2 and median([1, 2, 3, 4]) == 2.5 and median([]) is None
    assert spread([0.8, 0.9, 0.85]) == (0.8, 0.9)
    c = compare([45000, 20000, 44000], [39000, 18000, 40000])
    assert c["excluded"] == [2], c
    assert abs(c["median_ratio"] - (39000 / 45000 + 40000 / 44000) / 2) < 1e-9
    assert c["min_ratio"] == 39000 / 45000 and c["max_ratio"] == 40000 / 44000
    assert c["peer_median"] == 44500
    c = compare([10, 10, 10], [8, 9, 7])
    assert c["excluded"] == [] and c["median_ratio"] == 0.8 and (c["min_ratio"], c["max_ratio"]) == (0.7, 0.9)
    assert latency_ms("812.00us") == 0.812 and latency_ms("7.68ms") == 7.68 and latency_ms("1.02s") == 1020
    sample = """Running 1s test @ http://127.0.0.1:18080/1k.html
  2 threads and 64 connections
  Latency Distribution
     50%    1.23ms
     75%    2.00ms
     90%    3.10ms
     99%    7.68ms
  45428 requests in 1.00s, 55.1MB read
  Non-2xx or 3xx responses: 3
Requests/sec:  45428.12
Transfer/sec:     55.10MB
"""
    w = parse_wrk(sample)
    assert w == {"rps": 45428.12, "p50_ms": 1.23, "p99_ms": 7.68, "requests": 45428, "non2xx": 3}, w
    assert cpu_per_request_us(1000.0, 50000) == 20.0 and cpu_per_request_us(5.0, 0) is None
    assert is_noisy(0.51, 0.5) and not is_noisy(0.5, 0.5)
    load = loadavg()
    model, cores = cpu_model()
    me = tree_cpu_ms(os.getpid())
    assert len(load) == 3 and cores >= 1 and me >= 0
    # The tree includes a live child, and a reaped child through cutime.
    child = subprocess.Popen([sys.executable, "-c", "import time\nt=time.process_time()\nwhile time.process_time()-t<0.3: pass\ntime.sleep(30)"])
    time.sleep(0.8)
    with_child = tree_cpu_ms(os.getpid())
    child.kill()
    child.wait()
    after_reap = tree_cpu_ms(os.getpid())
    assert with_child - me >= 250, (me, with_child)
    assert after_reap >= with_child - 20, (with_child, after_reap)
    print(f"benchlib selftest ok (load {load}, {model}, {cores} cores, tree CPU {me:.0f} → {with_child:.0f} "
          f"→ {after_reap:.0f} ms)")


def environment_lines(sections, names):
    """Report lines for sections: when each started, load average, noisy mark, CPU model; then a blank."""
    lines = []
    for name in names:
        s = sections.get(name)
        if not s:
            continue
        load = " / ".join(f"{x:.2f}" for x in s["load"])
        mark = (f" — **noisy** (1-minute load above {s['noisy_limit']} at the start; measured anyway)"
                if s["noisy"] else " — quiet")
        lines.append(f"- `{name}` at {s['time']}: load {load} (1 / 5 / 15 min){mark}; {s['cpu_model']}, {s['cores']} cores")
    lines.append("")
    return lines


def main(argv):
    command = argv[1] if len(argv) > 1 else ""
    if command == "section":
        record = section_record(argv[3])
        append(argv[2], record)
        print(describe_section(record), file=sys.stderr)
    elif command == "value":
        try:
            value = json.loads(argv[4])
        except ValueError:
            value = argv[4]
        append(argv[2], {"type": "value", "key": argv[3], "value": value})
    elif command == "wrk":
        results, section, row, who, round_, pids = argv[2:8]
        if argv[8] != "--":
            raise SystemExit("benchlib wrk: expected -- before the wrk arguments")
        result = measure_wrk(argv[9:], [int(p) for p in pids.split(",") if p])
        if result["non2xx"] or result["rps"] is None:
            print(f"bench: bad wrk run ({section} {row} {who}):\n{result['raw']}", file=sys.stderr)
            raise SystemExit(1)
        del result["raw"]
        append(results, {"type": "run", "section": section, "row": row, "who": who, "round": int(round_), **result})
        cpu = result["cpu_us_per_request"]
        cpu_text = "—" if cpu is None else f"{cpu:.1f}"
        print(f"{section} {row} round {round_}: {who} {result['rps']:,.0f} req/s, p99 {result['p99_ms']:.2f} ms, "
              f"CPU {cpu_text} µs/request", file=sys.stderr)
        print(f"{result['rps']} {result['p50_ms']} {result['p99_ms']} {result['requests']} {cpu}")
    elif command == "compare":
        # compare RESULTS SECTION ROW PEER_WHO FAZT_WHO
        records = load_results(argv[2])
        section, row, peer_who, fazt_who = argv[3:7]
        peer = [r["rps"] for r in runs_of(records, section, row, peer_who)]
        fazt = [r["rps"] for r in runs_of(records, section, row, fazt_who)]
        print(describe_compare(f"{section} {row}", peer_who, compare(peer, fazt), fazt_who), file=sys.stderr)
    elif command == "selftest":
        selftest()
    else:
        print(__doc__, file=sys.stderr)
        raise SystemExit(2)


if __name__ == "__main__":
    main(sys.argv)
