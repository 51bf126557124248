#!/usr/bin/env python3
"""Git smart-HTTP benchmark (issue 14): fazt's embedded git server against `git daemon` and
`git http-backend` (behind a small Python CGI server) serving the same 1,000-file app.

Per round, alternating the servers, BENCH_ROUNDS (3) rounds:
  clone      `git clone --no-checkout` of the app (fazt answers from its clone pack cache)
  push       a full push of the app's history to an empty repository (fazt: a new app each round)
  push-live  fazt only: a 1-file change pushed to main, timed until the first GET serves it

Reported: median and spread (min–max) per server, the load average before each section, and the
targets: clone <= git daemon + 10%, full push <= http-backend, 1-file push live <= 120 ms.

    scripts/bench-git.py [FAZT]   (default: .build/release/fazt)

Writes docs/performance-git.md (BENCH_GIT_REPORT) and JSON lines (BENCH_GIT_RESULTS).
"""
import http.server, json, os, random, shutil, socket, subprocess, sys, tempfile, threading, time, urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib, faztserver  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
FILES = int(os.environ.get("GIT_BENCH_FILES", "1000"))
REPORT = os.environ.get("BENCH_GIT_REPORT", os.path.join(ROOT, "docs", "performance-git.md"))
RESULTS = os.environ.get("BENCH_GIT_RESULTS", os.path.join(tempfile.gettempdir(), "bench-git.jsonl"))
ENV = dict(os.environ, GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL="/dev/null", GIT_TERMINAL_PROMPT="0",
           GIT_AUTHOR_NAME="Bench", GIT_AUTHOR_EMAIL="bench@example.com",
           GIT_COMMITTER_NAME="Bench", GIT_COMMITTER_EMAIL="bench@example.com")


def git(*args, cwd=None):
    done = subprocess.run(["git", *args], cwd=cwd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if done.returncode != 0:
        raise SystemExit(f"bench-git: git {' '.join(args[:2])} failed: {done.stderr.decode(errors='replace')}")


def timed(*args, cwd=None):
    started = time.perf_counter()
    git(*args, cwd=cwd)
    return (time.perf_counter() - started) * 1000


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_app(work):
    """A 1,000-file app of about 2 MB: text files in 20 folders, plus index.html."""
    rng = random.Random(14)
    words = [("".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 9)))) for _ in range(500)]
    git("init", "--quiet", "-b", "main", work)
    for n in range(FILES - 1):
        folder = os.path.join(work, f"d{n % 20}")
        os.makedirs(folder, exist_ok=True)
        text = " ".join(rng.choice(words) for _ in range(rng.randint(250, 450)))
        with open(os.path.join(folder, f"f{n}.txt"), "w") as f:
            f.write(text + "\n")
    with open(os.path.join(work, "index.html"), "w") as f:
        f.write("<h1>bench 0</h1>\n")
    git("add", "-A", cwd=work)
    git("commit", "--quiet", "-m", "app", cwd=work)


class CGIHandler(http.server.BaseHTTPRequestHandler):
    """`git http-backend` per request, as a CGI server would run it (chunked bodies decoded here)."""
    protocol_version = "HTTP/1.1"
    root = ""

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.run_backend(b"")

    def do_POST(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = bytearray()
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    self.rfile.readline()
                    break
                body += self.rfile.read(size)
                self.rfile.readline()
            body = bytes(body)
        else:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.run_backend(body)

    def run_backend(self, body):
        path, _, query = self.path.partition("?")
        env = dict(ENV, GIT_PROJECT_ROOT=self.root, GIT_HTTP_EXPORT_ALL="1", REQUEST_METHOD=self.command,
                   PATH_INFO=path, QUERY_STRING=query, CONTENT_TYPE=self.headers.get("Content-Type", ""),
                   CONTENT_LENGTH=str(len(body)), REMOTE_USER="bench", REMOTE_ADDR="127.0.0.1",
                   HTTP_CONTENT_ENCODING=self.headers.get("Content-Encoding", ""),
                   GIT_PROTOCOL=self.headers.get("Git-Protocol", ""))
        out = subprocess.run(["git", "http-backend"], input=body, env=env, stdout=subprocess.PIPE).stdout
        head, _, payload = out.partition(b"\r\n\r\n")
        status = 200
        headers = []
        for line in head.split(b"\r\n"):
            name, _, value = line.decode().partition(":")
            if name.lower() == "status":
                status = int(value.split()[0])
            elif name:
                headers.append((name, value.strip()))
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


def record(kind, **fields):
    with open(RESULTS, "a") as f:
        f.write(json.dumps({"type": kind, **fields}) + "\n")


def main():
    fazt = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build", "release", "fazt")
    temp = tempfile.mkdtemp(prefix="bench-git-")
    open(RESULTS, "w").close()
    process = daemon = httpd = None
    try:
        work = os.path.join(temp, "work")
        make_app(work)
        served = os.path.join(temp, "served")
        os.makedirs(served)
        git("clone", "--quiet", "--bare", work, os.path.join(served, "app.git"))
        git("config", "http.receivepack", "true", cwd=os.path.join(served, "app.git"))

        process, port, token = faztserver.start(fazt, os.path.join(temp, "data.db"), first_start=True)
        fazt_url = lambda app: f"http://bench:{token}@127.0.0.1:{port}/_fazt/git/{app}.git"  # noqa: E731
        git("push", "--quiet", fazt_url("bench"), "main", cwd=work)
        git("clone", "--quiet", "--no-checkout", fazt_url("bench"), os.path.join(temp, "warm"))  # fills the pack cache

        daemon_port = free_port()
        daemon = subprocess.Popen(["git", "daemon", "--reuseaddr", f"--base-path={served}", "--export-all",
                                   "--enable=receive-pack", f"--port={daemon_port}", "--listen=127.0.0.1", served],
                                  env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        CGIHandler.root = served
        httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), CGIHandler)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        cgi_port = httpd.server_address[1]
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", daemon_port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        urls = {
            "fazt": fazt_url("bench"),
            "daemon": f"git://127.0.0.1:{daemon_port}/app.git",
            "http-backend": f"http://127.0.0.1:{cgi_port}/app.git",
        }
        figures = {"clone": {k: [] for k in urls}, "push": {k: [] for k in urls}, "push-live": {"fazt": []}}
        loads = {}

        loads["clone"] = benchlib.loadavg()[0]
        for round_ in range(ROUNDS):
            for who, url in urls.items():
                target = os.path.join(temp, f"clone-{who}-{round_}")
                figures["clone"][who].append(timed("clone", "--quiet", "--no-checkout", url, target))
                shutil.rmtree(target)

        loads["push"] = benchlib.loadavg()[0]
        for round_ in range(ROUNDS):
            for who in urls:
                name = f"p{round_}"
                if who == "fazt":
                    url = fazt_url(name)
                else:
                    git("init", "--quiet", "--bare", os.path.join(served, f"{name}-{who}.git"))
                    git("config", "http.receivepack", "true", cwd=os.path.join(served, f"{name}-{who}.git"))
                    url = urls[who].replace("app.git", f"{name}-{who}.git")
                figures["push"][who].append(timed("push", "--quiet", url, "main", cwd=work))

        loads["push-live"] = benchlib.loadavg()[0]
        for round_ in range(max(ROUNDS, 9)):
            with open(os.path.join(work, "index.html"), "w") as f:
                f.write(f"<h1>bench {round_ + 1}</h1>\n")
            git("commit", "--quiet", "-am", f"change {round_ + 1}", cwd=work)
            started = time.perf_counter()
            git("push", "--quiet", fazt_url("bench"), "main", cwd=work)
            request = urllib.request.Request(f"http://127.0.0.1:{port}/", headers={"Host": "bench.localhost"})
            body = urllib.request.urlopen(request).read().decode()
            elapsed = (time.perf_counter() - started) * 1000
            if f"bench {round_ + 1}" not in body:
                raise SystemExit(f"bench-git: the first GET after the push served {body!r}")
            figures["push-live"]["fazt"].append(elapsed)

        for section, rows in figures.items():
            for who, values in rows.items():
                record("run", section=section, who=who, values=values)
        write_report(figures, loads, fazt)
    finally:
        for child in (process, daemon):
            if child:
                child.kill()
                child.wait()
        if httpd:
            httpd.shutdown()
        shutil.rmtree(temp, ignore_errors=True)


def write_report(figures, loads, fazt):
    def cell(values):
        low, high = benchlib.spread(values)
        return f"{benchlib.median(values):.0f} ms ({low:.0f}–{high:.0f})"

    clone = {k: benchlib.median(v) for k, v in figures["clone"].items()}
    push = {k: benchlib.median(v) for k, v in figures["push"].items()}
    live = benchlib.median(figures["push-live"]["fazt"])
    model, cores = benchlib.cpu_model()
    verdict = lambda ok: "met" if ok else "**missed**"  # noqa: E731
    lines = [
        "# Git over smart HTTP: performance",
        "",
        f"Measured by `scripts/bench-git.py` ({ROUNDS} alternating rounds; median and min–max) on {model}, "
        f"{cores} cores, loopback; binary `{os.path.relpath(fazt, ROOT)}`. The app: {FILES} text files, about 2 MB, "
        "one commit. `git daemon` and `git http-backend` (one CGI process per request behind a Python "
        "threading server) serve a bare copy of the same repository.",
        "",
        "| operation | fazt | git daemon | git http-backend | 1-min load before |",
        "|---|---|---|---|---|",
        f"| `git clone --no-checkout` | {cell(figures['clone']['fazt'])} | {cell(figures['clone']['daemon'])} "
        f"| {cell(figures['clone']['http-backend'])} | {loads['clone']:.2f} |",
        f"| full push to an empty repository | {cell(figures['push']['fazt'])} | {cell(figures['push']['daemon'])} "
        f"| {cell(figures['push']['http-backend'])} | {loads['push']:.2f} |",
        f"| 1-file push until the first GET serves it | {cell(figures['push-live']['fazt'])} | – | – "
        f"| {loads['push-live']:.2f} |",
        "",
        "Targets:",
        f"- clone ≤ git daemon + 10%: {clone['fazt']:.0f} ms vs {clone['daemon'] * 1.1:.0f} ms — "
        f"{verdict(clone['fazt'] <= clone['daemon'] * 1.1)}",
        f"- full push ≤ http-backend: {push['fazt']:.0f} ms vs {push['http-backend']:.0f} ms — "
        f"{verdict(push['fazt'] <= push['http-backend'])}",
        f"- 1-file push live ≤ 120 ms: {live:.0f} ms — {verdict(live <= 120)}",
        "",
        "A full push includes the client's own `git pack-objects` (about 200 ms of it on a 2-core box) and "
        "fazt's validated deploy (reading the pack, checking paths and scripts, one transaction). A load "
        "above the core count means other work shared the CPUs: read such figures as upper bounds.",
        "",
    ]
    with open(REPORT, "w") as f:
        f.write("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
