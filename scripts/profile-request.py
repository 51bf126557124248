#!/usr/bin/env python3
"""One request, end to end: counts that do not depend on the machine's load.

Usage: scripts/profile-request.py FAZT [--requests N] [--callgrind] [--serve-arg ARG ...]

Starts a server on a temporary data directory, deploys an app with `/api/hello` (JSON) and
`/api/set` (a durable `kv.set`), warms a worker, then sends N requests one after another on one
keep-alive connection to each route. For each route it prints, per request:
- syscalls by name in the server and its workers (`strace -c -f`, attached for the run),
- context switches of every thread of the server and its workers (`/proc/PID/task/*/status`),
- with `--callgrind`: instructions executed by the daemon process (`valgrind --tool=callgrind`,
  zeroed after the warm-up and dumped after the run with `callgrind_control`). Workers are not
  under valgrind (JavaScriptCore's JIT makes that meaningless); their share is the strace part.
  Needs a valgrind that reads the binary's DWARF 5 (Debian 12's 3.19 gives up on Swift 6.3's: run
  it on a copy made with `objcopy --strip-debug`).

Loopback only, bounded: N requests per route (default 2,000; 300 under callgrind).
"""
import argparse, glob, http.client, json, os, re, shutil, signal, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402


def start_server(fazt, data, callgrind, out_dir, extra=()):
    command = [fazt, "serve", "--port", "0", "--host", "127.0.0.1", "--data", data, *extra]
    if callgrind:
        command = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out_dir}/callgrind.%p",
                   "--trace-children=no"] + command
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    port = None
    for line in iter(process.stdout.readline, b""):
        try:
            port = json.loads(line)["port"]
            break
        except (ValueError, KeyError):
            continue
    token = None
    for line in iter(process.stderr.readline, b""):
        match = re.search(r"fzt_[0-9a-f]{48,}", line.decode(errors="replace"))
        if match:
            token = match.group(0)
            break
    import threading
    threading.Thread(target=lambda: process.stderr.read(), daemon=True).start()
    threading.Thread(target=lambda: process.stdout.read(), daemon=True).start()
    return process, port, token


def deploy(fazt, port, token, work):
    app = os.path.join(work, "app")
    os.makedirs(os.path.join(app, "api"), exist_ok=True)
    with open(os.path.join(app, "api", "hello.js"), "w") as f:
        f.write("module.exports = () => ({ hello: 'world' });\n")
    with open(os.path.join(app, "api", "set.js"), "w") as f:
        f.write("let n = 0;\nmodule.exports = () => { n += 1; fazt.kv.set(`k:${n}:${Math.random()}`, { n });"
                " return { ok: true }; };\n")
    env = dict(os.environ, FAZT_SERVER=f"http://127.0.0.1:{port}", FAZT_TOKEN=token,
               XDG_CONFIG_HOME=os.path.join(work, "config"))
    subprocess.run([fazt, "deploy", app, "--app", "prof"], check=True, env=env, stdout=subprocess.DEVNULL)


def send(port, path, count):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    for _ in range(count):
        connection.request("GET", path, headers={"Host": "prof.localhost"})
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise SystemExit(f"{path}: HTTP {response.status}")
    connection.close()


def context_switches(pids):
    total = 0
    for pid in pids:
        for status in glob.glob(f"/proc/{pid}/task/*/status"):
            try:
                text = open(status).read()
            except OSError:
                continue
            for key in ("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches"):
                match = re.search(rf"^{key}:\s+(\d+)", text, re.M)
                if match:
                    total += int(match.group(1))
    return total


def strace_counts(text):
    """Calls by syscall name from `strace -c` output."""
    calls = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 5 and re.match(r"^\d", parts[0]) and not line.startswith("100.00"):
            name = parts[-1]
            number = parts[3]
            if number.isdigit():
                calls[name] = int(number)
    return calls


def profile_route(port, path, count, server_pid, out_dir, callgrind):
    pids = [server_pid] + benchlib.children(server_pid)
    result = {"route": path, "requests": count}
    if not callgrind:
        # Context switches on a run of their own: a tracer stops every thread at every syscall.
        before = context_switches(pids)
        send(port, path, count)
        result["context_switches_per_request"] = round((context_switches(pids) - before) / count, 2)
    trace = None
    trace_file = os.path.join(out_dir, f"strace{path.replace('/', '-')}.txt")
    if not callgrind and shutil.which("strace"):
        arguments = ["strace", "-c", "-f", "-o", trace_file]
        for pid in pids:
            arguments += ["-p", str(pid)]
        trace = subprocess.Popen(arguments, stderr=subprocess.DEVNULL)
        time.sleep(0.5)  # strace attaches before the run (it has no readiness signal)
    if callgrind:
        subprocess.run(["callgrind_control", "-z", str(server_pid)], check=True, stdout=subprocess.DEVNULL)
    send(port, path, count)
    if callgrind:
        subprocess.run(["callgrind_control", "-d", f"route{path.replace('/', '-')}", str(server_pid)],
                       check=True, stdout=subprocess.DEVNULL)
        time.sleep(1)
        dumps = sorted(glob.glob(os.path.join(out_dir, f"callgrind.{server_pid}*")), key=os.path.getmtime)
        instructions = 0
        if dumps:
            for line in open(dumps[-1]):
                if line.startswith("summary:") or line.startswith("totals:"):
                    instructions = int(line.split()[1])
        result["daemon_instructions_per_request"] = round(instructions / count)
    if trace:
        trace.send_signal(signal.SIGINT)
        trace.wait(timeout=30)
        calls = strace_counts(open(trace_file).read())
        result["syscalls_per_request"] = round(sum(calls.values()) / count, 1)
        result["by_syscall"] = {name: round(number / count, 2) for name, number in
                                sorted(calls.items(), key=lambda item: -item[1]) if number / count >= 0.05}
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("fazt")
    parser.add_argument("--requests", type=int)
    parser.add_argument("--callgrind", action="store_true")
    parser.add_argument("--serve-arg", action="append", default=[],
                        help="passed to `fazt serve` (e.g. --serve-arg=--event-loops=1)")
    options = parser.parse_args()
    count = options.requests or (300 if options.callgrind else 2000)
    work = tempfile.mkdtemp(prefix="fazt-profile-")
    process, port, token = start_server(os.path.abspath(options.fazt), os.path.join(work, "data.db"),
                                        options.callgrind, work, options.serve_arg)
    try:
        deploy(options.fazt, port, token, work)
        for path in ("/api/hello", "/api/set"):
            send(port, path, 50)  # warm: worker started, contexts built, JIT tiers settled
        for path in ("/api/hello", "/api/set"):
            print(json.dumps(profile_route(port, path, count, process.pid, work, options.callgrind)), flush=True)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
        if os.environ.get("KEEP_PROFILE"):
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
