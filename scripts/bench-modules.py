#!/usr/bin/env python3
"""ES modules and TypeScript benchmark (issue 19): what the deploy-time transform costs, and what
requests to a TypeScript app cost against the same app written in CommonJS.

    python3 scripts/bench-modules.py [.build/release/fazt] [--files 200] [--rounds 3] [--report docs/performance-modules.md]

Two generated apps with the same routes: `api/r0.ts` … `api/r199.ts` (interfaces, generics, an
enum, `import` of a shared helper and of lodash) and `api/r0.js` … (the same code in CommonJS).
Figures per round, then the median of the rounds:
- deploy: the upload's round trip (archive checks, syntax check in a worker, and for TypeScript the
  transform of every file, its caching in data.db); the difference is the transform's cost;
- redeploy: the same app with one route edited (the transform of unchanged bytes is reused);
- first requests: the first GET of every route after a deploy (each loads its module: CommonJS
  compiles the source, TypeScript reads the cached transform), summed;
- steady: 2,000 keep-alive GETs spread over the routes after that, median and p99.
"""
import argparse, http.client, io, json, os, statistics, sys, tempfile, time, zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib, faztserver  # noqa: E402

HELPER_TS = """export interface Shape { name: string; size: number }
export function describe<T extends Shape>(shape: T): string { return `${shape.name}:${shape.size}`; }
"""
HELPER_JS = """function describe(shape) { return `${shape.name}:${shape.size}`; }
module.exports = { describe };
"""


def route_ts(index):
    return f"""import _ from "lodash";
import {{ describe, Shape }} from "./_lib/helper.js";

enum Kind {{ Small = 1, Large = 2 }}
interface Answer<T> {{ route: number; items: T[]; kind: Kind; label: string }}

function pick<T>(items: T[], count: number): T[] {{
  return _.take(items, count);
}}

export async function GET(req: Request): Promise<Answer<number>> {{
  const shape: Shape = {{ name: "r{index}", size: {index} }};
  return {{ route: {index}, items: pick<number>([1, 2, 3, 4], 2), kind: Kind.Large, label: describe(shape) }};
}}
"""


def route_js(index):
    return f"""const _ = require("lodash");
const {{ describe }} = require("./_lib/helper.js");

const Kind = {{ Small: 1, Large: 2 }};

function pick(items, count) {{
  return _.take(items, count);
}}

exports.GET = async (req) => {{
  const shape = {{ name: "r{index}", size: {index} }};
  return {{ route: {index}, items: pick([1, 2, 3, 4], 2), kind: Kind.Large, label: describe(shape) }};
}};
"""


def archive(kind, count, salt, edited=None):
    """The app's archive; `salt` makes every file new (the transform of unchanged bytes is reused),
    `edited` changes one route only."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as out:
        if kind == "ts":
            out.writestr("api/_lib/helper.ts", HELPER_TS + f"// {salt}\n")
            for index in range(count):
                extra = "// edited\n" if index == edited else ""
                out.writestr(f"api/r{index}.ts", route_ts(index) + f"// {salt}\n" + extra)
        else:
            out.writestr("api/_lib/helper.js", HELPER_JS + f"// {salt}\n")
            for index in range(count):
                extra = "// edited\n" if index == edited else ""
                out.writestr(f"api/r{index}.js", route_js(index) + f"// {salt}\n" + extra)
    return buffer.getvalue()


def deploy(port, token, app, body):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    started = time.perf_counter()
    connection.request("POST", f"/_fazt/api/v1/apps/{app}/deploy", body=body,
                       headers={"Authorization": f"Bearer {token}", "Content-Type": "application/zip"})
    response = connection.getresponse()
    data = response.read()
    elapsed = (time.perf_counter() - started) * 1000
    if response.status != 201:
        raise RuntimeError(f"deploy {app}: {response.status} {data[:300]!r}")
    return elapsed


def get(connection, app, path):
    started = time.perf_counter()
    connection.request("GET", path, headers={"Host": f"{app}.localhost"})
    response = connection.getresponse()
    data = response.read()
    elapsed = (time.perf_counter() - started) * 1000
    if response.status != 200:
        raise RuntimeError(f"{app}{path}: {response.status} {data[:300]!r}")
    return elapsed, data


def measure(port, token, app, kind, count, steady, salt):
    deploy_ms = deploy(port, token, app, archive(kind, count, salt))
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    first = []
    for index in range(count):
        elapsed, data = get(connection, app, f"/api/r{index}")
        answer = json.loads(data)
        if answer.get("route") != index or answer.get("label") != f"r{index}:{index}":
            raise RuntimeError(f"{app}: unexpected answer {answer}")
        first.append(elapsed)
    times = [get(connection, app, f"/api/r{n % count}")[0] for n in range(steady)]
    times.sort()
    redeploy_ms = deploy(port, token, app, archive(kind, count, salt, edited=0))
    return {
        "deploy_ms": deploy_ms,
        "redeploy_ms": redeploy_ms,
        "first_total_ms": sum(first),
        "first_median_ms": statistics.median(first),
        "steady_median_ms": statistics.median(times),
        "steady_p99_ms": times[min(len(times) - 1, int(0.99 * len(times)))],
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("fazt", nargs="?", default=".build/release/fazt")
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUNDS", "3")))
    parser.add_argument("--steady", type=int, default=2000)
    parser.add_argument("--report", default="docs/performance-modules.md")
    args = parser.parse_args()
    load = benchlib.loadavg()
    model, cores = benchlib.cpu_model()
    rows = {"ts": [], "cjs": []}
    with tempfile.TemporaryDirectory() as directory:
        process, port, token = faztserver.start(args.fazt, os.path.join(directory, "data.db"), first_start=True)
        try:
            for round_index in range(args.rounds):
                # Alternate which goes first; each round deploys a new version of both apps.
                order = ["ts", "cjs"] if round_index % 2 == 0 else ["cjs", "ts"]
                for kind in order:
                    rows[kind].append(measure(port, token, f"bench-{kind}", kind, args.files, args.steady,
                                             f"round {round_index}"))
        finally:
            process.kill()
            process.wait()

    def med(kind, key):
        return statistics.median(row[key] for row in rows[kind])

    def spread(kind, key):
        values = [row[key] for row in rows[kind]]
        return f"{min(values):.2f}–{max(values):.2f}"

    lines = [
        "# ES modules and TypeScript (issue 19)",
        "",
        f"`make bench` (scripts/bench-modules.py) on {time.strftime('%Y-%m-%d')}: {model}, {cores} cores, "
        f"load {load[0]:.2f} at start. A {args.files}-file TypeScript app (`api/r*.ts`: interfaces, generics, an "
        "enum, `import` of a helper and of lodash) against the same routes in CommonJS, one server, "
        f"{args.rounds} rounds (a new version of each app per round, alternating which goes first), "
        "medians of the rounds with their min–max spread.",
        "",
        "| figure | TypeScript | CommonJS | difference | TypeScript spread | CommonJS spread |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for key, label in [
        ("deploy_ms", f"deploy round trip ({args.files + 1} new files)"),
        ("redeploy_ms", "redeploy with one route edited"),
        ("first_total_ms", f"first request of every route, summed ({args.files})"),
        ("first_median_ms", "first request of a route, median"),
        ("steady_median_ms", f"steady request, median ({args.steady} keep-alive GETs)"),
        ("steady_p99_ms", "steady request, p99"),
    ]:
        ts, cjs = med("ts", key), med("cjs", key)
        lines.append(f"| {label} | {ts:.2f} ms | {cjs:.2f} ms | {ts - cjs:+.2f} ms "
                     f"| {spread('ts', key)} ms | {spread('cjs', key)} ms |")
    transform = med("ts", "deploy_ms") - med("cjs", "deploy_ms")
    lines += [
        "",
        f"The transform costs about {transform / args.files:.1f} ms per file at deploy ({transform:.0f} ms for "
        f"{args.files} files, in a worker, including loading the compiler); a redeploy transforms only the "
        "files whose bytes changed; after the deploy, requests read the cached CommonJS instead of compiling "
        "the source and cost the same as the CommonJS app.",
    ]
    if "release" not in args.fazt:
        lines += ["", f"(Measured with `{args.fazt}`, not a release build.)"]
    report = "\n".join(lines)
    print(report)
    for kind in ("ts", "cjs"):
        for index, row in enumerate(rows[kind]):
            print(f"round {index + 1} {kind}: " + ", ".join(f"{k} {v:.2f}" for k, v in row.items()), file=sys.stderr)
    with open(args.report, "w") as out:
        out.write(report + "\n")


if __name__ == "__main__":
    main()
