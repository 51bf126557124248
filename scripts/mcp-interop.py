#!/usr/bin/env python3
"""Interoperability of Fazt's MCP endpoint with the official Python SDK (PyPI `mcp`).

Starts `fazt serve` on a temporary data directory, then drives every kernel tool through the SDK:
the 1.x client speaks the initialize era; the 2.x client runs in `--mode auto` (probes
server/discover), `2026-07-28` (stateless era, pinned) and `legacy`. Prints `PASS name: …` or
`FAIL name: …` per check and exits non-zero when any check fails.

    .venv/bin/python3 scripts/mcp-interop.py --fazt .build/debug/fazt --mode auto
"""
import argparse, asyncio, importlib.metadata, json, os, subprocess, sys, tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import faztserver  # noqa: E402

failures = []


def check(name, ok, detail=""):
    print(("PASS " if ok else "FAIL ") + f"{name}: {detail}"[:400], flush=True)
    if not ok:
        failures.append(name)


def field(value, snake, camel):
    """A result field under its 2.x (snake_case) or 1.x (camelCase) name."""
    return getattr(value, snake, None) if hasattr(value, snake) else getattr(value, camel, None)


KERNEL_TOOLS = [
    "fazt_docs", "apps_list", "app_status", "files_list", "files_read", "versions_list", "diff", "logs_read",
    "runs_list", "storage_query", "app_create", "files_write", "files_delete", "commit", "preview_request",
    "deploy", "rollback", "data_snapshot", "data_restore",
]

HELLO = """module.exports = async (req) => {
  console.log("hello from " + fazt.app.version + " " + req.path);
  return { hello: "world", version: fazt.app.version };
};
"""


async def exercise(call, list_tools, label):
    """Every kernel tool once, in the agent loop's order."""
    tools = await list_tools()
    names = [tool.name for tool in tools]
    check(f"{label}.list", names == KERNEL_TOOLS, f"{len(names)} tools")
    for tool in tools:
        schema = field(tool, "input_schema", "inputSchema")
        check(f"{label}.schema.{tool.name}", schema.get("type") == "object"
              and field(tool, "output_schema", "outputSchema") and tool.annotations is not None, tool.description[:60])

    async def ok(name, arguments, expect_error=False):  # noqa: E306
        result = await call(name, arguments)
        text = result.content[0].text if result.content else ""
        good = bool(field(result, "is_error", "isError")) == expect_error
        check(f"{label}.call.{name}", good, text[:200])
        return field(result, "structured_content", "structuredContent") or {}, text

    app = "interop" + label.replace(".", "").replace("-", "")[-6:]
    docs, _ = await ok("fazt_docs", {"topic": "handlers"})
    check(f"{label}.docs", "module.exports" in docs.get("text", ""))
    await ok("app_create", {"name": app})
    await ok("files_write", {"app": app, "path": "index.html", "content": "<h1>one</h1>"})
    await ok("files_write", {"app": app, "path": "api/hello.js", "content": HELLO})
    listed, _ = await ok("files_list", {"app": app, "ref": "draft:main"})
    check(f"{label}.draft-files", [f["path"] for f in listed.get("files", [])] == ["api/hello.js", "index.html"])
    read, _ = await ok("files_read", {"app": app, "path": "index.html", "ref": "draft:main"})
    check(f"{label}.read-draft", read.get("content") == "<h1>one</h1>")
    committed, _ = await ok("commit", {"app": app, "message": "first"})
    version = committed.get("version")
    check(f"{label}.commit", version == 1 and "--v1." in committed.get("previewUrl", ""), json.dumps(committed))
    preview, _ = await ok("preview_request", {"app": app, "version": 1, "path": "/api/hello"})
    check(f"{label}.preview", preview.get("status") == 200
          and any("hello from 1" in line["message"] for line in preview.get("logs", [])), json.dumps(preview)[:300])
    # A tool that streams progress answers as SSE: the steps arrive before the result.
    steps = []

    async def on_progress(progress, total, message):
        steps.append((progress, total, message))
    streamed = await call("preview_request", {"app": app, "version": 1, "path": "/api/hello"},
                          progress_callback=on_progress)
    check(f"{label}.progress", [s[0] for s in steps] == [1, 2]
          and (field(streamed, "structured_content", "structuredContent") or {}).get("status") == 200, str(steps))
    await ok("deploy", {"app": app, "version": 1, "expectedLive": None, "idempotencyKey": "k1"})
    apps, _ = await ok("apps_list", {})
    check(f"{label}.apps", app in [a["name"] for a in apps.get("apps", [])])
    status, _ = await ok("app_status", {"app": app})
    check(f"{label}.status", status.get("live") == 1, json.dumps(status)[:200])
    await ok("files_write", {"app": app, "path": "index.html", "content": "<h1>two</h1>"})
    await ok("commit", {"app": app, "message": "second"})
    versions, _ = await ok("versions_list", {"app": app})
    check(f"{label}.versions", [v["version"] for v in versions.get("versions", [])] == [2, 1])
    diff, _ = await ok("diff", {"app": app, "from": "1", "to": "2"})
    check(f"{label}.diff", "two" in json.dumps(diff))
    await ok("files_list", {"app": app})
    live, _ = await ok("files_read", {"app": app, "path": "index.html"})
    check(f"{label}.read-live", live.get("content") == "<h1>one</h1>")
    await ok("deploy", {"app": app, "version": 2, "expectedLive": 1})
    await ok("logs_read", {"app": app, "version": 1})
    await ok("runs_list", {"app": app})
    rows, _ = await ok("storage_query", {"app": app, "sql": "SELECT 1 AS one"})
    check(f"{label}.sql", rows.get("rows") == [{"one": 1}], json.dumps(rows))
    await ok("files_write", {"app": app, "path": "gone.txt", "content": "x"})
    await ok("files_delete", {"app": app, "path": "gone.txt"})
    back, _ = await ok("rollback", {"app": app})
    check(f"{label}.rollback", back.get("live") == 1 and back.get("previous") == 2, json.dumps(back))
    # Restore points come from another branch: answered either way, never a protocol error.
    for name, arguments in (("data_snapshot", {"app": app, "name": "before"}),
                            ("data_restore", {"app": app, "snapshot": "before"})):
        result = await call(name, arguments)
        text = result.content[0].text if result.content else ""
        check(f"{label}.call.{name}", not field(result, "is_error", "isError") or "restore" in text, text[:200])
    # A protocol-level error for an unknown tool, a tool error for bad arguments.
    try:
        result = await call("no_such_tool", {})
        check(f"{label}.unknown-tool", bool(field(result, "is_error", "isError")), "answered as a tool error")
    except Exception as error:  # noqa: BLE001 - an MCPError is the expected outcome
        check(f"{label}.unknown-tool", "Unknown tool" in str(error), str(error))
    await ok("files_read", {"app": app}, expect_error=True)


async def run_v1(url, token):
    from mcp import ClientSession
    from mcp.client.streamable_http import streamablehttp_client
    async with streamablehttp_client(url, headers={"Authorization": f"Bearer {token}"}) as (read, write, _):
        async with ClientSession(read, write) as session:
            init = await session.initialize()
            check("v1.initialize", init.serverInfo.name == "fazt", init.protocolVersion)
            await session.send_ping()

            async def list_tools():
                return (await session.list_tools()).tools
            await exercise(session.call_tool, list_tools, "v1")


async def run_v2(url, token, mode):
    import httpx2
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client
    http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=30)
    async with Client(streamable_http_client(url, http_client=http), mode=mode) as client:
        version = client.session.protocol_version
        expected = "2025-11-25" if mode == "legacy" else "2026-07-28"
        check(f"v2-{mode}.negotiated", version == expected, str(version))

        async def list_tools():
            return (await client.list_tools()).tools
        await exercise(client.call_tool, list_tools, f"v2-{mode}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--fazt", required=True)
    parser.add_argument("--mode", default="auto", help="2.x only: auto, legacy or 2026-07-28")
    args = parser.parse_args()
    major = int(importlib.metadata.version("mcp").split(".")[0])
    with tempfile.TemporaryDirectory() as directory:
        process, port, token = faztserver.start(args.fazt, os.path.join(directory, "data.db"), first_start=True)
        try:
            url = f"http://127.0.0.1:{port}/_fazt/mcp"
            if major >= 2:
                asyncio.run(run_v2(url, token, args.mode))
            else:
                asyncio.run(run_v1(url, token))
        finally:
            process.kill()
            process.wait()
    print(f"{len(failures)} failing", flush=True)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
