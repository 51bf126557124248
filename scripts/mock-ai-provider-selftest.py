#!/usr/bin/env python3
"""Checks scripts/mock-ai-provider.py byte for byte over raw sockets (standard library only): every
endpoint and scenario, the exact vendor formats, how the bytes are split, and the failure modes.
Prints one PASS/FAIL line per check; exits 1 on any failure.

Usage: mock-ai-provider-selftest.py
"""
import json
import os
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
MOCK = os.path.join(HERE, "mock-ai-provider.py")
KEY = "sk-test-0123456789abcdef"
failures = []


def check(name, condition, detail=""):
    print(f"{'PASS' if condition else 'FAIL'} {name}" + ("" if condition else f": {detail}"), flush=True)
    if not condition:
        failures.append(name)


class Mock:
    def __init__(self, *args):
        self.process = subprocess.Popen(
            [sys.executable, MOCK, "--port", "0", *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.process.stdout.readline()
        self.port = json.loads(line)["port"]
        self.ready_line = line

    def stop(self):
        self.process.terminate()
        _, err = self.process.communicate(timeout=5)
        return err


class Response:
    def __init__(self):
        self.status = None
        self.headers = {}
        self.raw_head = b""
        self.body = b""
        self.chunks = []  # data of each HTTP chunk, as the mock wrote it
        self.reads = []  # what each recv returned after the head (TCP-level view)
        self.error = None  # "reset", "eof" or "timeout" when the response did not complete

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    @property
    def text(self):
        return self.body.decode("utf-8")


class Client:
    """One keep-alive connection speaking raw HTTP/1.1."""

    def __init__(self, port, timeout=5.0):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.settimeout(timeout)
        self.buf = b""

    def close(self):
        self.sock.close()

    def send(self, method, path, body=None, headers=()):
        data = b"" if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
        lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
        lines += [f"{k}: {v}" for k, v in headers]
        if body is not None:
            lines += ["Content-Type: application/json", f"Content-Length: {len(data)}"]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + data)

    def _recv(self, resp):
        try:
            data = self.sock.recv(65536)
        except ConnectionResetError:
            resp.error = "reset"
            raise EOFError
        except socket.timeout:
            resp.error = "timeout"
            raise EOFError
        if not data:
            resp.error = resp.error or "eof"
            raise EOFError
        if resp.status is not None:
            resp.reads.append(data)
        self.buf += data

    def _until(self, resp, marker):
        while marker not in self.buf:
            self._recv(resp)
        i = self.buf.index(marker) + len(marker)
        out, self.buf = self.buf[:i], self.buf[i:]
        return out

    def _exactly(self, resp, n):
        while len(self.buf) < n:
            self._recv(resp)
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def response(self):
        resp = Response()
        try:
            head = self._until(resp, b"\r\n\r\n")
            resp.raw_head = head
            lines = head.decode("latin-1").split("\r\n")
            resp.status = int(lines[0].split(" ")[1])
            if self.buf:
                resp.reads.append(self.buf)
            for line in lines[1:]:
                if line:
                    k, _, v = line.partition(":")
                    resp.headers[k.strip().lower()] = v.strip()
            if "content-length" in resp.headers:
                resp.body = self._exactly(resp, int(resp.headers["content-length"]))
            elif resp.headers.get("transfer-encoding") == "chunked":
                while True:
                    size = int(self._until(resp, b"\r\n").strip(), 16)
                    if size == 0:
                        self._until(resp, b"\r\n")
                        break
                    data = self._exactly(resp, size)
                    assert self._exactly(resp, 2) == b"\r\n"
                    resp.chunks.append(data)
                    resp.body += data
        except EOFError:
            pass
        return resp

    def request(self, method, path, body=None, headers=()):
        self.send(method, path, body, headers)
        return self.response()


def call(port, method, path, body=None, headers=(), timeout=5.0):
    client = Client(port, timeout)
    try:
        return client.request(method, path, body, headers)
    finally:
        client.close()


def sse_events(text):
    """(event, data) pairs of an SSE body; comment lines are returned as ("#comment", text)."""
    events, name, data = [], None, []
    for line in text.replace("\r\n", "\n").split("\n"):
        if line == "":
            if data or name:
                events.append((name, "\n".join(data)))
            name, data = None, []
        elif line.startswith(":"):
            events.append(("#comment", line))
        elif line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].lstrip(" "))
    if data or name:
        events.append((name, "\n".join(data)))
    return events


def data_lines(resp):
    return [d for n, d in sse_events(resp.text) if n != "#comment"]


USER = {"role": "user", "content": "ping from selftest"}
ANTHROPIC = [("anthropic-version", "2023-06-01")]


def chat(model, stream=False, include_usage=None, **extra):
    body = {"model": model, "messages": [USER], **extra}
    if stream:
        body["stream"] = True
    if include_usage is not None:
        body["stream_options"] = {"include_usage": include_usage}
    return body


def messages(model, stream=False):
    body = {"model": model, "max_tokens": 256, "messages": [USER]}
    if stream:
        body["stream"] = True
    return body


GEMINI_BODY = {"contents": [{"role": "user", "parts": [{"text": "ping from selftest"}]}]}


def gemini_path(model, method="streamGenerateContent", sse=True):
    return f"/v1beta/models/{model}:{method}" + ("?alt=sse" if sse else "")


# ---------------------------------------------------------------------------------------------


def openai_checks(port):
    r = call(port, "POST", "/v1/chat/completions", chat("echo"))
    body = r.json()
    check("openai: non-streaming chat.completion", r.status == 200 and body["object"] == "chat.completion"
          and body["id"].startswith("chatcmpl-") and body["choices"][0]["finish_reason"] == "stop"
          and "ping from selftest" in body["choices"][0]["message"]["content"]
          and body["usage"]["total_tokens"] == body["usage"]["prompt_tokens"] + body["usage"]["completion_tokens"]
          and "cached_tokens" in body["usage"]["prompt_tokens_details"], r.body[:300])

    r = call(port, "POST", "/chat/completions", chat("gpt-4o-mini"))
    check("openai: /chat/completions without /v1 and an unknown model echo", r.status == 200
          and "ping from selftest" in r.json()["choices"][0]["message"]["content"], r.body[:200])

    r = call(port, "POST", "/v1/chat/completions", chat("echo", stream=True))
    data = data_lines(r)
    chunks = [json.loads(d) for d in data[:-1]]
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])
    check("openai: stream content-type is text/event-stream",
          r.headers.get("content-type", "").startswith("text/event-stream"), r.headers)
    check("openai: stream of chat.completion.chunk ending in [DONE]", r.status == 200 and data[-1] == "[DONE]"
          and all(c["object"] == "chat.completion.chunk" for c in chunks) and "ping from selftest" in text
          and chunks[0]["choices"][0]["delta"].get("role") == "assistant"
          and chunks[-1]["choices"][0]["finish_reason"] == "stop", data[-3:])
    check("openai: without include_usage no chunk has usage", all("usage" not in c for c in chunks),
          [c for c in chunks if "usage" in c][:1])
    check("openai: each SSE event is its own HTTP chunk", all(c.endswith(b"\n\n") for c in r.chunks)
          and len(r.chunks) == len(data), len(r.chunks))

    r = call(port, "POST", "/v1/chat/completions", chat("echo", stream=True, include_usage=True))
    data = data_lines(r)
    chunks = [json.loads(d) for d in data[:-1]]
    last = chunks[-1]
    check("openai: include_usage adds one last chunk with choices [] and usage, before [DONE]",
          data[-1] == "[DONE]" and last["choices"] == [] and last["usage"]["total_tokens"] > 0
          and "cached_tokens" in last["usage"]["prompt_tokens_details"], data[-2:])
    check("openai: with include_usage every other chunk has usage null",
          all("usage" in c and c["usage"] is None for c in chunks[:-1]), chunks[0])
    check("openai: include_usage false sends no usage chunk", all(
        "usage" not in json.loads(d) for d in data_lines(call(
            port, "POST", "/v1/chat/completions", chat("echo", stream=True, include_usage=False)))[:-1]))

    log = call(port, "GET", "/_mock/requests").json()
    asked = [e["include_usage"] for e in log if e["endpoint"] == "chat" and e["stream"]]
    check("openai: the log records whether include_usage was asked", asked == [False, True, False], asked)

    r = call(port, "POST", "/v1/chat/completions", chat("tools", stream=True))
    chunks = [json.loads(d) for d in data_lines(r)[:-1]]
    calls = {}
    frags = []
    for c in chunks:
        for tc in c["choices"][0]["delta"].get("tool_calls") or []:
            entry = calls.setdefault(tc["index"], {"id": None, "name": None, "args": ""})
            if "id" in tc:
                entry["id"] = tc["id"]
                entry["type"] = tc.get("type")
                entry["name"] = tc["function"]["name"]
            entry["args"] += tc["function"].get("arguments", "")
            if tc["function"].get("arguments"):
                frags.append(tc["function"]["arguments"])
    weather = calls.get(0, {})
    check("openai: tool_calls fragments by index accumulate into valid JSON", len(calls) == 2
          and weather.get("name") == "get_weather" and weather.get("type") == "function"
          and weather.get("id", "").startswith("call_")
          and json.loads(weather["args"]) == {"location": "Zürich, Switzerland", "unit": "celsius"}
          and json.loads(calls[1]["args"]) == {"timezone": "Europe/Zurich"}, calls)
    check("openai: a tool fragment splits inside a key and one inside a string",
          '{"loc' in frags and any(f.endswith("Zü") for f in frags), frags)
    check("openai: tools stream finishes with tool_calls",
          chunks[-1]["choices"][0]["finish_reason"] == "tool_calls", chunks[-1])

    r = call(port, "POST", "/v1/chat/completions", chat("tools"))
    msg = r.json()["choices"][0]["message"]
    check("openai: non-streaming tool_calls", r.json()["choices"][0]["finish_reason"] == "tool_calls"
          and json.loads(msg["tool_calls"][0]["function"]["arguments"])["unit"] == "celsius", msg)

    r = call(port, "POST", "/v1/chat/completions", chat("no-done", stream=True, include_usage=True))
    data = data_lines(r)
    check("openai: no-done ends cleanly without [DONE] and without the usage chunk",
          r.error is None and "[DONE]" not in data and all(json.loads(d)["choices"] for d in data)
          and json.loads(data[-1])["choices"][0]["finish_reason"] == "stop", data[-2:])

    r = call(port, "POST", "/v1/chat/completions", chat("crlf", stream=True))
    check("openai: crlf ends every line with \\r\\n", r.body.count(b"\r\n") == r.body.count(b"\n")
          and r.body.count(b"\r\n") > 4 and data_lines(r)[-1] == "[DONE]", r.body[:120])

    r = call(port, "POST", "/v1/chat/completions", chat("comments", stream=True))
    events = sse_events(r.text)
    comments = [e for e in events if e[0] == "#comment"]
    check("openai: comments interleaves : keep-alive lines", len(comments) >= 3
          and all(c[1] == ": keep-alive" for c in comments) and data_lines(r)[-1] == "[DONE]"
          and events[0][0] == "#comment", events[:3])

    r = call(port, "POST", "/v1/chat/completions", chat("stream-error", stream=True))
    data = data_lines(r)
    check("openai: stream-error sends text then an error object and no [DONE]",
          "error" in json.loads(data[-1]) and "[DONE]" not in data and len(data) >= 2, data[-1:])

    r = call(port, "GET", "/v1/models/gpt-4o-mini")
    check("openai: GET /v1/models/{id}", r.json() == {"id": "gpt-4o-mini", "object": "model",
                                                     "created": 1721172741, "owned_by": "system"}, r.body)

    r = call(port, "GET", "/v1/models")
    ids = [m["id"] for m in r.json()["data"]]
    check("openai: GET /v1/models list", r.json()["object"] == "list" and "gpt-4o-mini" in ids and "echo" in ids
          and all(m["object"] == "model" for m in r.json()["data"]), ids)

    r = call(port, "POST", "/v1/embeddings", {"model": "text-embedding-3-small", "input": ["a b", "c"],
                                              "dimensions": 8})
    body = r.json()
    again = call(port, "POST", "/v1/embeddings", {"model": "text-embedding-3-small", "input": "a b",
                                                  "dimensions": 8}).json()
    check("openai: embeddings list shape, deterministic vectors", body["object"] == "list"
          and [d["index"] for d in body["data"]] == [0, 1] and len(body["data"][0]["embedding"]) == 8
          and body["data"][0]["embedding"] == again["data"][0]["embedding"]
          and body["usage"]["prompt_tokens"] == 3, body)


def utf8_checks(port):
    for label, method, path, body, headers in [
        ("openai", "POST", "/v1/chat/completions", chat("utf8", stream=True), ()),
        ("anthropic", "POST", "/v1/messages", messages("utf8", stream=True), ANTHROPIC),
        ("gemini", "POST", gemini_path("utf8"), GEMINI_BODY, ()),
    ]:
        r = call(port, method, path, body, headers)

        def broken(piece):
            try:
                piece.decode("utf-8")
                return False
            except UnicodeDecodeError:
                return True

        split_chunks = [c for c in r.chunks if broken(c)]
        split_reads = [x for x in r.reads if broken(x)]
        text = r.body.decode("utf-8")
        check(f"utf8/{label}: HTTP chunks end inside a character (é, 😀, 日本語 all split)",
              len(split_chunks) >= 6 and "é" in text and "😀" in text and "日本語" in text
              and any(c.endswith(b"\xf0\x9f") for c in r.chunks), len(split_chunks))
        check(f"utf8/{label}: TCP reads also end inside a character", len(split_reads) >= 1, len(r.reads))


def anthropic_checks(port):
    r = call(port, "POST", "/v1/messages", messages("echo"), ANTHROPIC)
    body = r.json()
    check("anthropic: non-streaming message", r.status == 200 and body["type"] == "message"
          and body["id"].startswith("msg_") and body["stop_reason"] == "end_turn"
          and "ping from selftest" in body["content"][0]["text"]
          and {"input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"}
          <= set(body["usage"]), body)

    r = call(port, "POST", "/v1/messages", messages("tools", stream=True), ANTHROPIC)
    events = sse_events(r.text)
    names = [n for n, _ in events]
    objs = [json.loads(d) for _, d in events]
    check("anthropic: event names match data types", all(o["type"] == n for n, o in zip(names, objs)), names)
    check("anthropic: message_start … message_stop order", names[0] == "message_start"
          and names[-2:] == ["message_delta", "message_stop"] and "ping" in names
          and names.count("content_block_start") == names.count("content_block_stop") == 3, names)
    usage = objs[0]["message"]["usage"]
    check("anthropic: message_start usage has cache fields",
          "cache_creation_input_tokens" in usage and "cache_read_input_tokens" in usage, usage)
    parts = {}
    for o in objs:
        if o["type"] == "content_block_delta" and o["delta"]["type"] == "input_json_delta":
            parts.setdefault(o["index"], []).append(o["delta"]["partial_json"])
    starts = [o["content_block"] for o in objs if o["type"] == "content_block_start"]
    check("anthropic: tool_use blocks with input_json_delta partial_json fragments",
          starts[1]["type"] == "tool_use" and starts[1]["id"].startswith("toolu_") and starts[1]["input"] == {}
          and json.loads("".join(parts[1])) == {"location": "Zürich, Switzerland", "unit": "celsius"}
          and '{"loc' in parts[1] and json.loads("".join(parts[2])) == {"timezone": "Europe/Zurich"}, parts)
    delta = objs[-2]
    check("anthropic: message_delta carries stop_reason and usage.output_tokens",
          delta["delta"]["stop_reason"] == "tool_use" and delta["usage"]["output_tokens"] > 0, delta)

    r = call(port, "POST", "/v1/messages", messages("echo", stream=True), ANTHROPIC)
    objs = [json.loads(d) for _, d in sse_events(r.text)]
    text = "".join(o["delta"]["text"] for o in objs if o["type"] == "content_block_delta")
    pings = [i for i, o in enumerate(objs) if o["type"] == "ping"]
    check("anthropic: text_delta stream with pings between deltas", "ping from selftest" in text
          and len(pings) >= 2 and objs[pings[-1] - 1]["type"] == "content_block_delta", [o["type"] for o in objs])

    r = call(port, "POST", "/v1/messages", messages("anthropic-error", stream=True), ANTHROPIC)
    events = sse_events(r.text)
    names = [n for n, _ in events]
    check("anthropic-error: 200, some text, then event: error overloaded_error, no message_stop",
          r.status == 200 and "content_block_delta" in names and names[-1] == "error"
          and json.loads(events[-1][1]) == {"type": "error",
                                            "error": {"type": "overloaded_error", "message": "Overloaded"}}
          and "message_stop" not in names, names)

    r = call(port, "POST", "/v1/messages", messages("no-done", stream=True), ANTHROPIC)
    names = [n for n, _ in sse_events(r.text)]
    check("anthropic: no-done ends after message_delta without message_stop",
          names[-1] == "message_delta" and r.error is None, names[-2:])

    r = call(port, "POST", "/v1/messages", messages("crlf", stream=True), ANTHROPIC)
    check("anthropic: crlf lines", r.body.count(b"\r\n") == r.body.count(b"\n") > 10, r.body[:80])

    r = call(port, "GET", "/v1/models/claude-haiku-4-5-20251001", headers=ANTHROPIC)
    check("anthropic: GET /v1/models/{id}", r.json()["type"] == "model"
          and r.json()["display_name"] == "Claude Haiku 4.5", r.body)
    r = call(port, "POST", "/v1/messages/count_tokens", messages("echo"), ANTHROPIC)
    check("anthropic: POST /v1/messages/count_tokens", r.status == 200
          and r.json()["input_tokens"] == 8 + len("ping from selftest".split()), r.body)

    r = call(port, "GET", "/v1/models", headers=ANTHROPIC)
    body = r.json()
    check("anthropic: GET /v1/models with anthropic-version has Anthropic's list shape",
          body["has_more"] is False and body["data"][0]["type"] == "model" and "display_name" in body["data"][0]
          and body["first_id"] == body["data"][0]["id"], body)


def gemini_checks(port):
    r = call(port, "POST", gemini_path("echo", "generateContent", sse=False), GEMINI_BODY)
    body = r.json()
    check("gemini: generateContent", r.status == 200
          and "ping from selftest" in body["candidates"][0]["content"]["parts"][0]["text"]
          and body["candidates"][0]["content"]["role"] == "model" and body["candidates"][0]["finishReason"] == "STOP"
          and body["usageMetadata"]["totalTokenCount"] > 0, body)

    r = call(port, "POST", gemini_path("echo"), GEMINI_BODY)
    data = data_lines(r)
    frames = [json.loads(d) for d in data]
    text = "".join(p.get("text", "") for f in frames for p in f["candidates"][0]["content"]["parts"])
    check("gemini: streamGenerateContent?alt=sse frames are whole GenerateContentResponses",
          len(frames) >= 3 and all("candidates" in f and f["candidates"][0]["content"]["role"] == "model"
                                   for f in frames) and "ping from selftest" in text, data[:1])
    check("gemini: usageMetadata only in the final frame",
          all("usageMetadata" not in f for f in frames[:-1]) and "usageMetadata" in frames[-1]
          and frames[-1]["candidates"][0]["finishReason"] == "STOP", frames[-1])
    check("gemini: no sentinel, the body just ends", "[DONE]" not in r.text and r.error is None
          and r.body.endswith(b"}\r\n\r\n"), r.body[-40:])
    check("gemini: frames end in CRLF CRLF", all(c.endswith(b"\r\n\r\n") for c in r.chunks), r.chunks[:1])

    r = call(port, "POST", gemini_path("echo", sse=False), GEMINI_BODY)
    arr = json.loads(r.text)
    check("gemini: without alt=sse the body is one streamed JSON array", isinstance(arr, list) and len(arr) >= 3
          and "usageMetadata" in arr[-1] and len(r.chunks) >= 3, r.text[:80])

    r = call(port, "POST", gemini_path("tools"), GEMINI_BODY)
    frames = [json.loads(d) for d in data_lines(r)]
    fcs = [p["functionCall"] for f in frames for p in f["candidates"][0]["content"]["parts"] if "functionCall" in p]
    check("gemini: tools as functionCall parts", [f["name"] for f in fcs] == ["get_weather", "get_time"]
          and fcs[0]["args"]["unit"] == "celsius", fcs)

    r = call(port, "POST", "/v1beta/models/gemini-embedding-001:batchEmbedContents", {"requests": [
        {"model": "models/gemini-embedding-001", "content": {"parts": [{"text": "hello"}]}},
        {"model": "models/gemini-embedding-001", "content": {"parts": [{"text": "world"}]},
         "outputDimensionality": 4}]})
    body = r.json()
    check("gemini: batchEmbedContents", len(body["embeddings"]) == 2 and len(body["embeddings"][1]["values"]) == 4
          and body["embeddings"][0]["values"] != body["embeddings"][1]["values"][:4] + [0], body)

    r = call(port, "POST", gemini_path("echo", "countTokens", False), GEMINI_BODY)
    check("gemini: countTokens", r.json().get("totalTokens") == 8 + len("ping from selftest".split()), r.body)

    r = call(port, "GET", "/v1beta/models")
    body = r.json()
    check("gemini: GET /v1beta/models", body["models"][0]["name"].startswith("models/")
          and "generateContent" in body["models"][0]["supportedGenerationMethods"], body)

    r = call(port, "POST", gemini_path("no-done"), GEMINI_BODY)
    frames = [json.loads(d) for d in data_lines(r)]
    check("gemini: no-done drops the final frame (no finishReason, no usage)", frames and all(
        "usageMetadata" not in f and "finishReason" not in f["candidates"][0] for f in frames), frames[-1:])

    r = call(port, "POST", gemini_path("stream-error"), GEMINI_BODY)
    frames = [json.loads(d) for d in data_lines(r)]
    check("gemini: stream-error ends with an error frame", "candidates" in frames[0]
          and frames[-1]["error"]["status"] == "UNAVAILABLE", frames[-1:])


def usage_cache_checks(port):
    r = call(port, "POST", "/v1/chat/completions", chat("usage-cache", stream=True, include_usage=True))
    usage = json.loads(data_lines(r)[-2])["usage"]
    check("usage-cache/openai: prompt_tokens_details.cached_tokens in the usage chunk",
          usage["prompt_tokens_details"]["cached_tokens"] == 1920 and usage["prompt_tokens"] > 1920, usage)
    r = call(port, "POST", "/v1/messages", messages("usage-cache", stream=True), ANTHROPIC)
    usage = json.loads(sse_events(r.text)[0][1])["message"]["usage"]
    check("usage-cache/anthropic: cache_read and cache_creation tokens in message_start",
          usage["cache_read_input_tokens"] == 1920 and usage["cache_creation_input_tokens"] == 256, usage)
    r = call(port, "POST", gemini_path("usage-cache"), GEMINI_BODY)
    usage = json.loads(data_lines(r)[-1])["usageMetadata"]
    check("usage-cache/gemini: cachedContentTokenCount in the final frame",
          usage["cachedContentTokenCount"] == 1920 and usage["promptTokenCount"] > 1920, usage)


def failure_checks(port):
    call(port, "POST", "/_mock/reset")
    for label, path, body, headers, status, shape in [
        ("openai", "/v1/chat/completions", chat("rate-limit"), (), 429,
         lambda b: b["error"]["code"] == "rate_limit_exceeded"),
        ("anthropic", "/v1/messages", messages("rate-limit"), ANTHROPIC, 429,
         lambda b: b["type"] == "error" and b["error"]["type"] == "rate_limit_error"),
        ("gemini", gemini_path("rate-limit", "generateContent", False), GEMINI_BODY, (), 429,
         lambda b: b["error"]["status"] == "RESOURCE_EXHAUSTED"),
    ]:
        first = call(port, "POST", path, body, headers)
        second = call(port, "POST", path, body, headers)
        check(f"rate-limit/{label}: 429 with retry-after: 1 and the vendor body, then 200",
              first.status == status and first.headers.get("retry-after") == "1" and shape(first.json())
              and second.status == 200, (first.status, first.headers, second.status))

    first = call(port, "POST", "/v1/messages", messages("overloaded", stream=True), ANTHROPIC)
    second = call(port, "POST", "/v1/messages", messages("overloaded", stream=True), ANTHROPIC)
    check("overloaded/anthropic: 529 overloaded_error then a 200 stream", first.status == 529
          and first.json() == {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
          and second.status == 200 and "message_stop" in second.text, (first.status, first.body, second.status))
    first = call(port, "POST", "/v1/chat/completions", chat("overloaded"))
    check("overloaded/openai: 503 then 200", first.status == 503 and first.json()["error"]["type"] == "server_error"
          and call(port, "POST", "/v1/chat/completions", chat("overloaded")).status == 200, first.status)

    call(port, "POST", "/_mock/reset")
    again = call(port, "POST", "/v1/chat/completions", chat("rate-limit"))
    check("reset: /_mock/reset restarts the counters (429 again)", again.status == 429, again.status)

    first = call(port, "POST", "/v1/chat/completions", chat("reset-before", stream=True))
    second = call(port, "POST", "/v1/chat/completions", chat("reset-before", stream=True))
    check("reset-before: first attempt closed with no bytes, then a full stream",
          first.status is None and first.raw_head == b"" and first.error in ("eof", "reset")
          and second.status == 200 and data_lines(second)[-1] == "[DONE]", (first.error, second.status))

    for label, path, body, headers, delta_marker in [
        ("openai", "/v1/chat/completions", chat("reset-after", stream=True), (), b'"content":"You'),
        ("anthropic", "/v1/messages", messages("reset-after", stream=True), ANTHROPIC, b"text_delta"),
        ("gemini", gemini_path("reset-after"), GEMINI_BODY, (), b'"text":"You'),
    ]:
        results = []
        for _ in range(2):
            r = call(port, "POST", path, body, headers)
            results.append((r.status, r.error, delta_marker in r.body, r.body.count(delta_marker)))
        check(f"reset-after/{label}: headers and a first delta, then ECONNRESET, every time",
              all(x == (200, "reset", True, 1) for x in results), results)

    hanging = Client(port)
    hanging.send("POST", "/v1/messages", messages("silent", stream=True), ANTHROPIC)
    other = call(port, "POST", "/v1/messages", messages("echo"), ANTHROPIC)
    hanging.close()
    check("silent: a silent connection does not hold up others", other.status == 200, other.status)

    started = time.monotonic()
    r = call(port, "POST", "/v1/chat/completions", chat("silent", stream=True), timeout=0.6)
    check("silent: accepts and never answers", r.error == "timeout" and r.raw_head == b""
          and time.monotonic() - started >= 0.5, r.error)
    log = call(port, "GET", "/_mock/requests").json()
    check("silent: the request is still logged", log[-1]["scenario"] == "silent", log[-1:])


def tokens_checks(port):
    r = call(port, "POST", "/v1/chat/completions", chat("tokens-200-0", stream=True, include_usage=True))
    data = data_lines(r)
    deltas = [json.loads(d) for d in data[:-1] if json.loads(d)["choices"]
              and json.loads(d)["choices"][0]["delta"].get("content")]
    ts = [d["ts"] for d in deltas]
    check("tokens-200-0: 200 deltas, each with a monotonic ts, usage completion_tokens 200",
          len(deltas) == 200 and ts == sorted(ts) and ts[0] <= time.monotonic_ns()
          and json.loads(data[-2])["usage"]["completion_tokens"] == 200, len(deltas))

    started = time.monotonic()
    r = call(port, "POST", "/v1/messages", messages("tokens-20-100", stream=True), ANTHROPIC)
    elapsed = time.monotonic() - started
    objs = [json.loads(d) for _, d in sse_events(r.text)]
    deltas = [o for o in objs if o["type"] == "content_block_delta"]
    spread = (deltas[-1]["ts"] - deltas[0]["ts"]) / 1e9
    check("tokens-20-100/anthropic: paced at 100 tokens/s (ts spread ~0.19 s)", len(deltas) == 20
          and 0.17 <= spread <= 0.5 and elapsed >= 0.17, (spread, elapsed))

    r = call(port, "POST", gemini_path("tokens-5-0-inline"), GEMINI_BODY)
    frames = [json.loads(d) for d in data_lines(r)]
    texts = [f["candidates"][0]["content"]["parts"][0]["text"] for f in frames[:-1]]
    check("tokens-5-0-inline/gemini: the ts is also in the text",
          len(texts) == 5 and all(t == f"@{f['ts']} " for t, f in zip(texts, frames)), texts)


def abort_checks(port):
    client = Client(port)
    client.send("POST", "/v1/chat/completions", chat("tokens-1000-50", stream=True))
    client.sock.recv(4096)
    client.close()
    time.sleep(0.4)
    entry = call(port, "GET", "/_mock/requests").json()[-1]
    check("abort: a stream whose client left is logged client-closed with the events sent so far",
          entry["scenario"] == "tokens-1000-50" and entry["status"] == "client-closed"
          and 0 < entry["events_sent"] < 100, {k: entry[k] for k in ("status", "events_sent")})


def keepalive_checks(port):
    client = Client(port)
    a = client.request("POST", "/v1/chat/completions", chat("echo", stream=True))
    b = client.request("POST", "/v1/messages", messages("echo"), ANTHROPIC)
    c = client.request("GET", "/_mock/health")
    client.close()
    check("keep-alive: stream, JSON and control requests on one connection",
          a.status == 200 and data_lines(a)[-1] == "[DONE]" and b.status == 200 and c.json()["ok"] is True,
          (a.status, b.status, c.status))

    client = Client(port)
    client.sock.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                        b"Expect: 100-continue\r\n\r\n")
    cont = client.sock.recv(100)
    payload = json.dumps(chat("echo")).encode()
    client.sock.sendall(b"%x\r\n" % 10 + payload[:10] + b"\r\n" + b"%x\r\n" % (len(payload) - 10)
                        + payload[10:] + b"\r\n0\r\n\r\n")
    r = client.response()
    client.close()
    check("request: Expect 100-continue and a chunked request body", cont == b"HTTP/1.1 100 Continue\r\n\r\n"
          and r.status == 200 and "ping from selftest" in r.json()["choices"][0]["message"]["content"], cont)

    r = call(port, "POST", "/v1/chat/completions", chat("echo"), headers=[("x-mock-scenario", "tools")])
    check("request: x-mock-scenario overrides the model", "tool_calls" in r.json()["choices"][0]["message"])
    r = call(port, "GET", "/nope")
    check("request: unknown path is a vendor 404", r.status == 404 and "error" in r.json(), r.status)
    r = call(port, "POST", "/v1/chat/completions", b"{not json")
    check("request: invalid JSON is a vendor 400", r.status == 400 and "error" in r.json(), r.status)


def auth_checks():
    mock = Mock("--key", KEY)
    port = mock.port
    try:
        cases = [
            ("openai", "POST", "/v1/chat/completions", chat("echo"), [("Authorization", f"Bearer {KEY}")],
             [("x-api-key", KEY)], lambda b: b["error"]["code"] == "invalid_api_key"),
            ("anthropic", "POST", "/v1/messages", messages("echo"), ANTHROPIC + [("x-api-key", KEY)],
             ANTHROPIC + [("Authorization", f"Bearer {KEY}")],
             lambda b: b["error"]["type"] == "authentication_error"),
            ("gemini", "POST", gemini_path("echo", "generateContent", False), GEMINI_BODY,
             [("x-goog-api-key", KEY)], [("Authorization", f"Bearer {KEY}")],
             lambda b: b["error"]["status"] == "UNAUTHENTICATED"),
            ("openai-models", "GET", "/v1/models", None, [("Authorization", f"Bearer {KEY}")], [],
             lambda b: "error" in b),
            ("anthropic-models", "GET", "/v1/models", None, ANTHROPIC + [("x-api-key", KEY)], ANTHROPIC,
             lambda b: b["type"] == "error"),
        ]
        for label, method, path, body, good, bad, shape in cases:
            ok = call(port, method, path, body, good)
            wrong = call(port, method, path, body, bad)
            check(f"auth/{label}: the vendor's header passes, anything else is the vendor's 401",
                  ok.status == 200 and wrong.status == 401 and shape(wrong.json()), (ok.status, wrong.status))
        r = call(port, "POST", gemini_path("echo", "generateContent", False) + f"?key={KEY}", GEMINI_BODY)
        check("auth/gemini: ?key= query parameter accepted", r.status == 200, r.status)
        r = call(port, "POST", "/v1/chat/completions", chat("echo"), [("Authorization", "Bearer wrong")])
        check("auth: wrong key is 401", r.status == 401, r.status)
        raw = call(port, "GET", "/_mock/requests").body.decode()
        log = json.loads(raw)
        first = log[0]
        check("auth: the log never holds the key", KEY not in raw and f"<redacted:len {len(KEY)}>" in raw, raw[:200])
        check("auth: the log says whether the key matched",
              first["key_matched"] is True and first["headers"]["Authorization"] == f"Bearer <redacted:len {len(KEY)}>"
              and log[1]["key_matched"] is False and log[-1]["key_matched"] is False
              and log[-1]["key_present"] is True, first)
        check("auth: the ?key= value is redacted in the logged path",
              any(e["path"].endswith(f"key=<redacted:len {len(KEY)}>") for e in log), [e["path"] for e in log])
    finally:
        err = mock.stop()
    check("auth: stderr has one line per request and never the key", KEY not in err
          and err.count("mock-ai: ") == len(log), err[-300:])


def control_checks(port, mock):
    check("startup: exactly one JSON line {\"port\": N}", json.loads(mock.ready_line) == {"port": port},
          mock.ready_line)
    r = call(port, "GET", "/_mock/health")
    check("control: GET /_mock/health", r.status == 200 and r.json()["ok"] is True, r.body)
    call(port, "POST", "/v1/chat/completions", chat("echo"))
    log = call(port, "GET", "/_mock/requests").json()
    e = log[-1]
    check("control: /_mock/requests entry fields", {"method", "path", "headers", "key_matched", "body", "model",
                                                    "scenario", "attempt", "status", "include_usage"} <= set(e)
          and e["body"]["model"] == "echo" and e["status"] == 200, e)
    r = call(port, "POST", "/_mock/reset")
    check("control: POST /_mock/reset clears the log", r.status == 200
          and call(port, "GET", "/_mock/requests").json() == [], r.body)


def main():
    mock = Mock()
    port = mock.port
    try:
        control_checks(port, mock)
        openai_checks(port)
        utf8_checks(port)
        anthropic_checks(port)
        gemini_checks(port)
        usage_cache_checks(port)
        failure_checks(port)
        tokens_checks(port)
        abort_checks(port)
        keepalive_checks(port)
        check("server: still serving after the failure scenarios", call(port, "GET", "/_mock/health").status == 200)
    except Exception as exc:
        import traceback
        traceback.print_exc()
        check("selftest ran to the end", False, repr(exc))
    finally:
        err = mock.stop()
    check("server: no internal error or traceback on stderr", "internal error" not in err
          and "Traceback" not in err and "exception" not in err.lower(),
          [line for line in err.splitlines() if not line.startswith("mock-ai: ")][:5])
    try:
        auth_checks()
    except Exception as exc:
        import traceback
        traceback.print_exc()
        check("auth selftest ran to the end", False, repr(exc))
    print(f"{'FAIL' if failures else 'PASS'}: {len(failures)} failing check(s)" if failures
          else "PASS: all checks", flush=True)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
