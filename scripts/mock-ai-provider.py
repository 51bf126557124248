#!/usr/bin/env python3
"""A mock of the AI vendors' HTTP APIs (OpenAI, Anthropic, Gemini, Ollama's OpenAI path) for Fazt's
tests and benchmarks. Python 3.11 standard library only.

One process, one port on 127.0.0.1. It prints exactly one JSON line `{"port": N}` to stdout when it
listens, then serves until killed. Written on raw asyncio streams so that the mock decides how the
bytes are split into TCP writes: every piece of a streamed body is one HTTP chunk written and drained
on its own (TCP_NODELAY is set), with optional small sleeps in between.

Usage: mock-ai-provider.py [--port 0] [--key KEY] [--delay-ms MS] [--quiet]

The request's model name picks the behaviour (see docs/testing-ai.md and SCENARIOS below); the
header `x-mock-scenario` overrides it. Control endpoints: GET /_mock/health (with
`connections_opened` and `idle_connections`: open ones that sent no request yet), GET /_mock/requests
(each with its `connection` number), POST /_mock/reset.
"""
import argparse
import asyncio
import base64
import hashlib
import itertools
import json
import re
import signal
import socket
import struct
import sys
import time
import urllib.parse

SCENARIOS = [
    "echo", "tools", "utf8", "no-done", "crlf", "comments", "anthropic-error", "stream-error",
    "rate-limit", "overloaded", "reset-before", "reset-after", "silent", "stall-after", "usage-cache",
    "first-tool",
]
# tokens-N-R: N tokens at R tokens per second (R = 0: as fast as possible); "-inline" also puts the
# send timestamp into the text of each token.
TOKENS = re.compile(r"^tokens-(\d+)-(\d+(?:\.\d+)?)(-inline)?$")

KEY_HEADERS = {"authorization", "x-api-key", "x-goog-api-key", "api-key"}
SPLIT_PAUSE = 0.003  # seconds between the pieces of a deliberately split event
UTF8_TEXT = "Café crème: 😀 and 日本語 — naïve façade ✓"
WEATHER_ARGS = '{"location": "Zürich, Switzerland", "unit": "celsius"}'
TIME_ARGS = '{"timezone": "Europe/Zurich"}'
# Fragments split inside a key ("loc|ation"), inside a string ("Zü|rich"), and between escapes.
WEATHER_FRAGMENTS = ['{"loc', 'ation": "Zü', 'rich, Switz', 'erland", "u', 'nit":', ' "celsius"', "}"]
TIME_FRAGMENTS = ['{"time', 'zone": "Europe/', 'Zurich"}']
assert "".join(WEATHER_FRAGMENTS) == WEATHER_ARGS and "".join(TIME_FRAGMENTS) == TIME_ARGS

OPENAI_MODELS = ["gpt-4o-mini", "gpt-4.1", "text-embedding-3-small", "llama3.2"]
ANTHROPIC_MODELS = [
    ("claude-sonnet-4-5-20250929", "Claude Sonnet 4.5", "2025-09-29T00:00:00Z"),
    ("claude-haiku-4-5-20251001", "Claude Haiku 4.5", "2025-10-01T00:00:00Z"),
]
GEMINI_MODELS = ["gemini-2.5-flash", "gemini-2.5-pro", "gemini-embedding-001"]


def dumps(value):
    """Compact JSON with raw UTF-8 (vendors do not escape non-ASCII)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def random_id(prefix, n=24):
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    raw = hashlib.sha256(f"{time.time_ns()}{next(_ids)}".encode()).digest()
    return prefix + "".join(alphabet[b % len(alphabet)] for b in raw[:n])


_ids = itertools.count()


# ---------------------------------------------------------------------------------------------
# State shared by all connections


class State:
    def __init__(self, key, delay, quiet):
        self.key = key
        self.delay = delay
        self.quiet = quiet
        self.requests = []
        self.counters = {}
        self.opened = 0  # connections accepted since start
        self.idle = set()  # open connections that have not sent a request yet

    def reset(self):
        self.requests.clear()
        self.counters.clear()

    def attempt(self, api, scenario):
        """1 for the first request of this API family and scenario since start or reset, then 2, …"""
        n = self.counters.get((api, scenario), 0) + 1
        self.counters[(api, scenario)] = n
        return n


class Request:
    def __init__(self, method, target, version, headers, body):
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers  # list of (name, value) as received
        self.lower = {name.lower(): value for name, value in headers}
        self.body = body
        parsed = urllib.parse.urlsplit(target)
        self.path = parsed.path
        self.query = urllib.parse.parse_qs(parsed.query)

    def header(self, name):
        return self.lower.get(name.lower())

    def json(self):
        if not self.body:
            return {}
        return json.loads(self.body.decode("utf-8"))


class ClientGone(Exception):
    pass


# ---------------------------------------------------------------------------------------------
# Connection: request parsing and byte-exact response writing


class Connection:
    def __init__(self, state, reader, writer):
        self.state = state
        self.reader = reader
        self.writer = writer
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    async def read_request(self):
        try:
            head = await self.reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError):
            return None
        except asyncio.LimitOverrunError:
            raise ClientGone()
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3:
            raise ClientGone()
        method, target, version = parts
        headers = []
        for line in lines[1:]:
            if not line:
                continue
            name, _, value = line.partition(":")
            headers.append((name.strip(), value.strip()))
        lower = {n.lower(): v for n, v in headers}
        if lower.get("expect", "").lower() == "100-continue":
            await self.send(b"HTTP/1.1 100 Continue\r\n\r\n")
        body = b""
        try:
            if "chunked" in lower.get("transfer-encoding", "").lower():
                while True:
                    size_line = await self.reader.readuntil(b"\r\n")
                    size = int(size_line.split(b";")[0].strip(), 16)
                    if size == 0:
                        while (await self.reader.readuntil(b"\r\n")) != b"\r\n":
                            pass
                        break
                    body += await self.reader.readexactly(size)
                    await self.reader.readexactly(2)
            elif lower.get("content-length"):
                body = await self.reader.readexactly(int(lower["content-length"]))
        except (asyncio.IncompleteReadError, ConnectionError, ValueError):
            raise ClientGone()
        return Request(method, target, version, headers, body)

    async def send(self, data):
        """One piece: one write, drained before the next."""
        try:
            self.writer.write(data)
            await self.writer.drain()
        except (ConnectionError, RuntimeError):
            raise ClientGone()

    async def respond(self, status, headers, body, close=False):
        """A whole response with Content-Length, in one write."""
        if isinstance(body, (dict, list)):
            body = dumps(body).encode()
        elif isinstance(body, str):
            body = body.encode()
        lines = [f"HTTP/1.1 {status} {REASONS.get(status, 'Status')}"]
        lines += [f"{k}: {v}" for k, v in headers]
        lines.append(f"content-length: {len(body)}")
        if close:
            lines.append("connection: close")
        await self.send(("\r\n".join(lines) + "\r\n\r\n").encode() + body)

    async def start_chunked(self, status, headers):
        lines = [f"HTTP/1.1 {status} {REASONS.get(status, 'Status')}"]
        lines += [f"{k}: {v}" for k, v in headers]
        lines.append("transfer-encoding: chunked")
        await self.send(("\r\n".join(lines) + "\r\n\r\n").encode())

    async def chunk(self, data):
        if data:
            await self.send(b"%x\r\n" % len(data) + data + b"\r\n")

    async def end_chunked(self):
        await self.send(b"0\r\n\r\n")

    def reset(self):
        """Closes with RST (SO_LINGER 0): the peer sees ECONNRESET, not an orderly end."""
        sock = self.writer.get_extra_info("socket")
        if sock is not None:
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            except OSError:
                pass
        self.writer.transport.abort()

    async def wait_for_peer_close(self):
        try:
            while await self.reader.read(65536):
                pass
        except ConnectionError:
            pass


REASONS = {
    100: "Continue", 200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found",
    405: "Method Not Allowed", 429: "Too Many Requests", 500: "Internal Server Error",
    503: "Service Unavailable", 529: "Overloaded",
}


# ---------------------------------------------------------------------------------------------
# Pieces of a stream: renderers yield these; the writer sends them in order


class Event:
    """One SSE event (or other body piece) to send as one HTTP chunk. kind: meta, delta, usage,
    done (OpenAI [DONE]), stop (Anthropic message_stop), final (Gemini's last frame), error."""

    def __init__(self, data, kind="meta"):
        self.data = data if isinstance(data, bytes) else data.encode("utf-8")
        self.kind = kind


class Pause:
    def __init__(self, until):
        self.until = until  # a loop.time() deadline


class Reset:
    pass


class Stall:
    """Sends nothing more and keeps the connection open until the client closes it."""


def sse(obj, event=None, eol="\n"):
    data = obj if isinstance(obj, str) else dumps(obj)
    text = (f"event: {event}{eol}" if event else "") + f"data: {data}{eol}{eol}"
    return text


# ---------------------------------------------------------------------------------------------
# What to answer: a vendor-neutral plan


class Plan:
    def __init__(self, scenario, prompt_text, prompt_tokens):
        self.scenario = scenario
        self.text_deltas = []
        self.tools = []  # (id, name, fragments)
        self.prompt_tokens = prompt_tokens
        self.cached_tokens = 0  # read from cache
        self.cache_write_tokens = 0
        self.token_rate = None  # tokens per second, 0 = as fast as possible; None = not a tokens run
        self.inline_ts = False
        m = TOKENS.match(scenario)
        if m:
            n, rate = int(m.group(1)), float(m.group(2))
            self.token_rate = rate
            self.inline_ts = bool(m.group(3))
            self.text_deltas = [f"w{i} " for i in range(n)]
        elif scenario == "tools":
            self.text_deltas = ["Let me check ", "that."]
            self.tools = [
                (random_id("call_"), "get_weather", WEATHER_FRAGMENTS),
                (random_id("call_"), "get_time", TIME_FRAGMENTS),
            ]
        elif scenario == "utf8":
            self.text_deltas = split_words(UTF8_TEXT)
        else:
            self.text_deltas = split_words(f"You said: {prompt_text}" if prompt_text else "Hello from the mock.")
        if scenario == "usage-cache":
            self.cached_tokens = 1920
            self.cache_write_tokens = 256
            self.prompt_tokens = max(prompt_tokens, 0) + 1920 + 256

    @property
    def text(self):
        return "".join(self.text_deltas)

    @property
    def completion_tokens(self):
        return len(self.text_deltas) + sum(len(f) for _, _, f in self.tools)


def split_words(text):
    """Deltas of one word each, keeping the spaces (like tokens)."""
    return re.findall(r"\S+\s*|\s+", text) or [text]


def count_prompt_tokens(texts):
    return 8 + sum(len(t.split()) for t in texts)


def text_of(content):
    """The text of an OpenAI/Anthropic message content (a string or a list of parts)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


# ---------------------------------------------------------------------------------------------
# OpenAI Chat Completions


def openai_headers(stream):
    return [
        ("content-type", "text/event-stream; charset=utf-8" if stream else "application/json"),
        ("x-request-id", random_id("req_", 32)),
        ("openai-version", "2020-10-01"),
        ("openai-processing-ms", "12"),
        ("cache-control", "no-cache"),
    ]


def openai_usage(plan):
    return {
        "prompt_tokens": plan.prompt_tokens,
        "completion_tokens": plan.completion_tokens,
        "total_tokens": plan.prompt_tokens + plan.completion_tokens,
        "prompt_tokens_details": {"cached_tokens": plan.cached_tokens, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": 0, "audio_tokens": 0,
            "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0,
        },
    }


def openai_completion(plan, model):
    message = {"role": "assistant", "content": plan.text or None, "refusal": None, "annotations": []}
    if plan.tools:
        message["tool_calls"] = [
            {"id": tid, "type": "function", "function": {"name": name, "arguments": "".join(frags)}}
            for tid, name, frags in plan.tools
        ]
    return {
        "id": random_id("chatcmpl-", 29),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{
            "index": 0, "message": message, "logprobs": None,
            "finish_reason": "tool_calls" if plan.tools else "stop",
        }],
        "usage": openai_usage(plan),
        "service_tier": "default",
        "system_fingerprint": "fp_mock0001",
    }


def openai_stream(plan, model, include_usage, eol):
    cid = random_id("chatcmpl-", 29)
    created = int(time.time())

    def chunk(delta, finish=None, ts=None):
        obj = {
            "id": cid, "object": "chat.completion.chunk", "created": created, "model": model,
            "service_tier": "default", "system_fingerprint": "fp_mock0001",
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        }
        if include_usage:
            obj["usage"] = None
        if ts is not None:
            obj["ts"] = ts
        return sse(obj, eol=eol)

    yield Event(chunk({"role": "assistant", "content": "", "refusal": None}))
    yield from text_deltas(plan, lambda text, ts: chunk({"content": text}, ts=ts))
    if plan.scenario in ("anthropic-error", "stream-error"):
        err = {"error": {"message": "The server had an error while processing your request. Sorry about that!",
                         "type": "server_error", "param": None, "code": None}}
        yield Event(sse(err, eol=eol), "error")
        return
    for index, (tid, name, frags) in enumerate(plan.tools):
        first = {"index": index, "id": tid, "type": "function", "function": {"name": name, "arguments": ""}}
        yield Event(chunk({"tool_calls": [first]}), "delta")
        for frag in frags:
            yield Event(chunk({"tool_calls": [{"index": index, "function": {"arguments": frag}}]}), "delta")
    yield Event(chunk({}, "tool_calls" if plan.tools else "stop"))
    if include_usage:
        obj = {
            "id": cid, "object": "chat.completion.chunk", "created": created, "model": model,
            "service_tier": "default", "system_fingerprint": "fp_mock0001",
            "choices": [], "usage": openai_usage(plan),
        }
        yield Event(sse(obj, eol=eol), "usage")
    yield Event(sse("[DONE]", eol=eol), "done")


def text_deltas(plan, render):
    """Text delta events, paced for tokens-N-R; `render(text, ts)` makes one event's text."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    for i, text in enumerate(plan.text_deltas):
        if plan.token_rate:
            yield Pause(start + i / plan.token_rate)
        ts = None
        if plan.token_rate is not None:
            ts = time.monotonic_ns()
            if plan.inline_ts:
                text = f"@{ts} "
        yield Event(render(text, ts), "delta")


# ---------------------------------------------------------------------------------------------
# Anthropic Messages


def anthropic_headers(stream):
    return [
        ("content-type", "text/event-stream; charset=utf-8" if stream else "application/json"),
        ("request-id", random_id("req_011", 21)),
        ("anthropic-organization-id", "00000000-0000-4000-8000-000000000000"),
        ("cache-control", "no-cache"),
    ]


def anthropic_input_tokens(plan):
    return plan.prompt_tokens - plan.cached_tokens - plan.cache_write_tokens


def anthropic_message(plan, model):
    content = []
    if plan.text:
        content.append({"type": "text", "text": plan.text})
    for tid, name, frags in plan.tools:
        content.append({"type": "tool_use", "id": "toolu_" + tid[5:], "name": name,
                        "input": json.loads("".join(frags))})
    return {
        "id": random_id("msg_01", 22), "type": "message", "role": "assistant", "model": model,
        "content": content, "stop_reason": "tool_use" if plan.tools else "end_turn", "stop_sequence": None,
        "usage": {
            "input_tokens": anthropic_input_tokens(plan),
            "cache_creation_input_tokens": plan.cache_write_tokens,
            "cache_read_input_tokens": plan.cached_tokens,
            "output_tokens": plan.completion_tokens,
            "service_tier": "standard",
        },
    }


def anthropic_stream(plan, model, eol):
    def ev(name, obj):
        return sse(obj, event=name, eol=eol)

    message = anthropic_message(plan, model)
    message["content"] = []
    message["stop_reason"] = None
    message["usage"]["output_tokens"] = 1
    yield Event(ev("message_start", {"type": "message_start", "message": message}))
    index = 0
    if plan.text_deltas:
        yield Event(ev("content_block_start", {"type": "content_block_start", "index": 0,
                                               "content_block": {"type": "text", "text": ""}}))
        yield Event(ev("ping", {"type": "ping"}))
        sent = 0
        for item in text_deltas(plan, lambda text, ts: ev("content_block_delta", dict(
                {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": text}},
                **({"ts": ts} if ts is not None else {})))):
            yield item
            if isinstance(item, Event):
                sent += 1
                if plan.scenario == "anthropic-error" and sent == 2:
                    err = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
                    yield Event(ev("error", err), "error")
                    return
                if sent == 3 and plan.token_rate is None:
                    yield Event(ev("ping", {"type": "ping"}))
        yield Event(ev("content_block_stop", {"type": "content_block_stop", "index": 0}))
        index = 1
    for tid, name, frags in plan.tools:
        block = {"type": "tool_use", "id": "toolu_" + tid[5:], "name": name, "input": {}}
        yield Event(ev("content_block_start", {"type": "content_block_start", "index": index, "content_block": block}))
        for frag in [""] + list(frags):
            delta = {"type": "input_json_delta", "partial_json": frag}
            yield Event(ev("content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta}),
                        "delta")
        yield Event(ev("content_block_stop", {"type": "content_block_stop", "index": index}))
        index += 1
    yield Event(ev("message_delta", {
        "type": "message_delta",
        "delta": {"stop_reason": "tool_use" if plan.tools else "end_turn", "stop_sequence": None},
        "usage": {"output_tokens": plan.completion_tokens},
    }))
    yield Event(ev("message_stop", {"type": "message_stop"}), "stop")


# ---------------------------------------------------------------------------------------------
# Gemini


def gemini_headers(stream):
    return [
        ("content-type", "text/event-stream" if stream else "application/json; charset=UTF-8"),
        ("vary", "Origin, X-Origin, Referer"),
        ("server", "scaffolding on HTTPServer2"),
        ("cache-control", "no-cache"),
    ]


def gemini_usage(plan):
    usage = {
        "promptTokenCount": plan.prompt_tokens,
        "candidatesTokenCount": plan.completion_tokens,
        "totalTokenCount": plan.prompt_tokens + plan.completion_tokens,
        "promptTokensDetails": [{"modality": "TEXT", "tokenCount": plan.prompt_tokens}],
    }
    if plan.cached_tokens:
        usage["cachedContentTokenCount"] = plan.cached_tokens
        usage["cacheTokensDetails"] = [{"modality": "TEXT", "tokenCount": plan.cached_tokens}]
    return usage


def gemini_parts(plan):
    parts = []
    if plan.text:
        parts.append({"text": plan.text})
    for _, name, frags in plan.tools:
        parts.append({"functionCall": {"name": name, "args": json.loads("".join(frags))}})
    return parts


def gemini_response(plan, model, parts, finish=True, usage=True, response_id=None):
    candidate = {"content": {"parts": parts, "role": "model"}, "index": 0}
    if finish:
        candidate["finishReason"] = "STOP"
    obj = {"candidates": [candidate]}
    if usage:
        obj["usageMetadata"] = gemini_usage(plan)
    obj["modelVersion"] = model
    obj["responseId"] = response_id or random_id("", 22)
    return obj


def gemini_stream(plan, model, eol, as_sse=True):
    """Each frame a whole GenerateContentResponse; usageMetadata only in the final frame; no sentinel.
    Without alt=sse the frames are elements of one JSON array streamed as it grows."""
    rid = random_id("", 22)
    first = [True]

    def frame(obj):
        if as_sse:
            return sse(obj, eol=eol)
        text = ("[" if first[0] else ",\r\n") + dumps(obj)
        first[0] = False
        return text

    def render(text, ts):
        obj = gemini_response(plan, model, [{"text": text}], finish=False, usage=False, response_id=rid)
        if ts is not None:
            obj["ts"] = ts
        return frame(obj)

    yield from text_deltas(plan, render)
    if plan.scenario in ("anthropic-error", "stream-error"):
        err = {"error": {"code": 503, "message": "The model is overloaded. Please try again later.",
                         "status": "UNAVAILABLE"}}
        yield Event(frame(err), "error")
        if not as_sse:
            yield Event("]")
        return
    for _, name, frags in plan.tools:
        part = {"functionCall": {"name": name, "args": json.loads("".join(frags))}}
        yield Event(frame(gemini_response(plan, model, [part], finish=False, usage=False, response_id=rid)), "delta")
    yield Event(frame(gemini_response(plan, model, [{"text": ""}], response_id=rid)), "final")
    if not as_sse:
        yield Event("]", "final")


# ---------------------------------------------------------------------------------------------
# Errors in each vendor's shape


def error_body(api, status):
    if api == "anthropic":
        kind, message = {
            400: ("invalid_request_error", "messages: field required"),
            401: ("authentication_error", "invalid x-api-key"),
            404: ("not_found_error", "Not found"),
            429: ("rate_limit_error", "This request would exceed the rate limit for your organization. "
                                      "Please reduce the prompt length or the maximum tokens requested, "
                                      "or try again later."),
            529: ("overloaded_error", "Overloaded"),
        }.get(status, ("api_error", "Internal server error"))
        return {"type": "error", "error": {"type": kind, "message": message}}
    if api == "gemini":
        code, message = {
            400: ("INVALID_ARGUMENT", "Invalid JSON payload received."),
            401: ("UNAUTHENTICATED", "API key not valid. Please pass a valid API key."),
            404: ("NOT_FOUND", "Requested entity was not found."),
            429: ("RESOURCE_EXHAUSTED", "Resource has been exhausted (e.g. check quota)."),
            503: ("UNAVAILABLE", "The model is overloaded. Please try again later."),
        }.get(status, ("INTERNAL", "An internal error has occurred."))
        return {"error": {"code": status, "message": message, "status": code}}
    kind, code, message = {
        400: ("invalid_request_error", None, "We could not parse the JSON body of your request."),
        401: ("invalid_request_error", "invalid_api_key", "Incorrect API key provided. You can find your API key "
                                                          "at https://platform.openai.com/account/api-keys."),
        404: ("invalid_request_error", "unknown_url", "Unknown request URL."),
        429: ("requests", "rate_limit_exceeded", "Rate limit reached for requests. Please try again in 1s."),
        503: ("server_error", None, "The server is overloaded or not ready yet."),
    }.get(status, ("server_error", None, "The server had an error while processing your request."))
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


def api_headers(api, stream):
    return {"anthropic": anthropic_headers, "gemini": gemini_headers}.get(api, openai_headers)(stream)


# ---------------------------------------------------------------------------------------------
# Embeddings and model lists


def embedding(text, dims):
    values = []
    seed = hashlib.sha256(text.encode()).digest()
    while len(values) < dims:
        seed = hashlib.sha256(seed).digest()
        values += [round((b / 255.0) * 2 - 1, 6) for b in seed]
    return values[:dims]


def openai_models():
    data = [{"id": m, "object": "model", "created": 1721172741, "owned_by": "system"} for m in OPENAI_MODELS]
    data += [{"id": s, "object": "model", "created": 1721172741, "owned_by": "fazt-mock"}
             for s in SCENARIOS + ["tokens-1000-0"]]
    return {"object": "list", "data": data}


def anthropic_models():
    data = [{"type": "model", "id": i, "display_name": n, "created_at": c} for i, n, c in ANTHROPIC_MODELS]
    return {"data": data, "has_more": False, "first_id": data[0]["id"], "last_id": data[-1]["id"]}


def gemini_model(name):
    embed = "embedding" in name
    return {
        "name": f"models/{name}", "version": "001", "displayName": name.replace("-", " ").title(),
        "description": "A mock model served by Fazt's test mock.",
        "inputTokenLimit": 2048 if embed else 1048576, "outputTokenLimit": 1 if embed else 65536,
        "supportedGenerationMethods": (["embedContent", "countTextTokens", "countTokens"] if embed else
                                       ["generateContent", "countTokens", "createCachedContent",
                                        "batchGenerateContent"]),
        **({} if embed else {"temperature": 1, "topP": 0.95, "topK": 64, "maxTemperature": 2, "thinking": True}),
    }


# ---------------------------------------------------------------------------------------------
# Routing


def classify(req):
    """(api, kind, model) for a request; api is openai, anthropic, gemini or control."""
    path = req.path
    if path.startswith("/_mock/"):
        return "control", path, ""
    if path.startswith("/v1beta/") or path.startswith("/v1/models/") and ":" in path:
        m = re.match(r"^/v1(?:beta)?/models/([^:/]+):(\w+)$", path)
        if m:
            return "gemini", m.group(2), m.group(1)
        if path.rstrip("/") == "/v1beta/models":
            return "gemini", "models", ""
        m = re.match(r"^/v1beta/models/([^:/]+)$", path)
        if m:
            return "gemini", "model", m.group(1)
        return "gemini", "unknown", ""
    if path in ("/v1/messages", "/messages"):
        return "anthropic", "messages", ""
    if path in ("/v1/messages/count_tokens", "/messages/count_tokens"):
        return "anthropic", "count_tokens", ""
    if path in ("/v1/models", "/models"):
        return ("anthropic" if req.header("anthropic-version") else "openai"), "models", ""
    m = re.match(r"^/(?:v1/)?models/([^/]+)$", path)
    if m:
        return ("anthropic" if req.header("anthropic-version") else "openai"), "model", m.group(1)
    if path in ("/v1/chat/completions", "/chat/completions"):
        return "openai", "chat", ""
    if path in ("/v1/embeddings", "/embeddings"):
        return "openai", "embeddings", ""
    return ("anthropic" if req.header("anthropic-version") else "openai"), "unknown", ""


def scenario_of(req, model):
    forced = req.header("x-mock-scenario")
    name = forced or model or "echo"
    name = name.split("/")[-1]
    if name in SCENARIOS or TOKENS.match(name):
        return name
    return "echo"


def credential(req, api):
    """The key the request carries the vendor's way, or None."""
    if api == "anthropic":
        return req.header("x-api-key")
    if api == "gemini":
        return req.header("x-goog-api-key") or (req.query.get("key") or [None])[0]
    auth = req.header("authorization") or ""
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return None


def redact_value(name, value):
    if name.lower() == "authorization" and " " in value:
        scheme, _, token = value.partition(" ")
        return f"{scheme} <redacted:len {len(token.strip())}>"
    return f"<redacted:len {len(value)}>"


def redacted_path(target):
    parsed = urllib.parse.urlsplit(target)
    if not parsed.query:
        return target
    pairs = urllib.parse.parse_qsl(parsed.query, keep_blank_values=True)
    query = "&".join(f"{k}={(redact_value(k, v) if k == 'key' else v)}" for k, v in pairs)
    return parsed.path + "?" + query


async def serve_connection(state, reader, writer):
    conn = Connection(state, reader, writer)
    state.opened += 1
    conn.number = state.opened
    state.idle.add(conn.number)
    try:
        while True:
            req = await conn.read_request()
            state.idle.discard(conn.number)
            if req is None:
                break
            keep = await handle(conn, req)
            if not keep:
                break
    except ClientGone:
        pass
    except Exception as exc:  # never let one connection take the server down
        print(f"mock-ai: internal error: {exc!r}", file=sys.stderr, flush=True)
    finally:
        state.idle.discard(conn.number)
        if not writer.transport.is_closing():
            try:
                writer.close()
            except Exception:
                pass


async def handle(conn, req):
    """Answers one request; returns whether the connection stays open."""
    state = conn.state
    close = (req.header("connection") or "").lower() == "close" or req.version == "HTTP/1.0"
    api, kind, model = classify(req)
    if api == "control":
        return await handle_control(conn, req, kind, close)

    try:
        body = req.json()
    except (ValueError, UnicodeDecodeError):
        body = None
    if api != "gemini" and kind != "model" and isinstance(body, dict):
        model = str(body.get("model") or "")
    scenario = scenario_of(req, model)
    presented = credential(req, api)
    matched = state.key is not None and presented == state.key
    stream = False
    if api == "openai" or api == "anthropic":
        stream = bool(isinstance(body, dict) and body.get("stream"))
    elif kind == "streamGenerateContent":
        stream = True
    include_usage = bool(api == "openai" and isinstance(body, dict) and stream
                         and isinstance(body.get("stream_options"), dict)
                         and body["stream_options"].get("include_usage") is True)
    attempt = state.attempt(api, scenario) if req.method == "POST" else 0
    entry = {
        "time": time.time(), "connection": conn.number, "method": req.method, "path": redacted_path(req.target), "api": api,
        "endpoint": kind, "model": model, "scenario": scenario, "attempt": attempt, "stream": stream,
        "include_usage": include_usage,
        "headers": {n: (redact_value(n, v) if n.lower() in KEY_HEADERS else v) for n, v in req.headers},
        "key_present": presented is not None, "key_matched": matched,
        "body": body if body is not None else req.body.decode("utf-8", "replace"), "status": None,
    }
    state.requests.append(entry)
    if not state.quiet:
        print(f"mock-ai: {req.method} {entry['path']} api={api} endpoint={kind} model={model or '-'} "
              f"scenario={scenario} attempt={attempt} stream={str(stream).lower()} "
              f"include_usage={str(include_usage).lower()} key={'ok' if matched else ('bad' if presented else 'none')}",
              file=sys.stderr, flush=True)

    async def reply(status, payload, extra=()):
        entry["status"] = status
        await conn.respond(status, api_headers(api, False) + list(extra), payload, close)
        return not close

    if state.key is not None and not matched:
        return await reply(401, error_body(api, 401))
    if kind == "unknown" or (kind == "models" and req.method != "GET"):
        return await reply(404, error_body(api, 404))
    if kind == "models":
        if api == "gemini":
            return await reply(200, {"models": [gemini_model(m) for m in GEMINI_MODELS]})
        return await reply(200, anthropic_models() if api == "anthropic" else openai_models())
    if kind == "model":
        if api == "gemini":
            return await reply(200, gemini_model(model))
        if api == "anthropic":
            known = {i: (n, c) for i, n, c in ANTHROPIC_MODELS}
            name, created = known.get(model, (model, "2025-01-01T00:00:00Z"))
            return await reply(200, {"type": "model", "id": model, "display_name": name, "created_at": created})
        return await reply(200, {"id": model, "object": "model", "created": 1721172741,
                                 "owned_by": "system" if model in OPENAI_MODELS else "fazt-mock"})
    if req.method != "POST":
        return await reply(405 if api != "gemini" else 404, error_body(api, 404))
    if not isinstance(body, dict):
        return await reply(400, error_body(api, 400))

    # Failure scenarios that apply to every POST endpoint.
    if scenario == "rate-limit" and attempt == 1:
        extra = [("retry-after", "1")]
        if api == "openai":
            extra += [("x-ratelimit-limit-requests", "500"), ("x-ratelimit-remaining-requests", "0"),
                      ("x-ratelimit-reset-requests", "1s")]
        elif api == "anthropic":
            extra += [("anthropic-ratelimit-requests-limit", "50"),
                      ("anthropic-ratelimit-requests-remaining", "0")]
        return await reply(429, error_body(api, 429), extra)
    if scenario == "overloaded" and attempt == 1:
        status = 529 if api == "anthropic" else 503
        return await reply(status, error_body(api, status))
    if scenario == "reset-before" and attempt == 1:
        entry["status"] = "closed"
        return False
    if scenario == "silent":
        entry["status"] = "silent"
        await conn.wait_for_peer_close()
        return False

    if kind == "embeddings":
        return await reply(200, openai_embeddings(body, model))
    if api == "gemini" and kind in ("batchEmbedContents", "embedContent"):
        return await reply(200, gemini_embeddings(body, kind))

    plan = make_plan(api, body, scenario)
    if kind == "count_tokens":
        return await reply(200, {"input_tokens": anthropic_input_tokens(plan)})
    if api == "gemini" and kind == "countTokens":
        return await reply(200, {"totalTokens": plan.prompt_tokens,
                                 "promptTokensDetails": [{"modality": "TEXT", "tokenCount": plan.prompt_tokens}]})
    if api == "openai" and kind == "chat":
        if not stream:
            return await reply(200, openai_completion(plan, model))
        pieces = openai_stream(plan, model, include_usage, "\n")
    elif api == "anthropic":
        if not stream:
            return await reply(200, anthropic_message(plan, model))
        pieces = anthropic_stream(plan, model, "\n")
    elif api == "gemini" and kind == "generateContent":
        return await reply(200, gemini_response(plan, model, gemini_parts(plan)))
    elif api == "gemini" and kind == "streamGenerateContent":
        as_sse = (req.query.get("alt") or [""])[0] == "sse"
        pieces = gemini_stream(plan, model, "\r\n", as_sse)
    else:
        return await reply(404, error_body(api, 404))

    entry["status"] = 200
    headers = api_headers(api, True)
    if api == "gemini" and not (req.query.get("alt") or [""])[0] == "sse":
        headers[0] = ("content-type", "application/json; charset=UTF-8")
    if close:
        headers.append(("connection", "close"))
    await conn.start_chunked(200, headers)
    delay = state.delay
    try:
        delay = float(req.header("x-mock-delay-ms")) / 1000.0
    except (TypeError, ValueError):
        pass
    entry["events_sent"] = 0
    # The moment the client closes (its end of file), recorded as it happens rather than at the
    # next write, so a test can time how fast a cancel reached the provider.
    watcher = asyncio.ensure_future(watch_close(conn, entry))
    try:
        ok = await send_stream(conn, transform(pieces, scenario), delay, entry)
    except ClientGone:
        entry["status"] = "client-closed"
        raise
    finally:
        # Wait until the watcher has stopped reading: the next request on this connection reads next.
        watcher.cancel()
        await asyncio.gather(watcher, return_exceptions=True)
    if not ok:
        entry["status"] = "reset"
        return False
    await conn.end_chunked()
    return not close


def make_plan(api, body, scenario):
    texts = []
    last = ""
    if api == "gemini":
        if isinstance(body.get("systemInstruction"), dict):
            texts += [p.get("text", "") for p in body["systemInstruction"].get("parts", []) if isinstance(p, dict)]
        for content in body.get("contents") or []:
            if not isinstance(content, dict):
                continue
            text = "".join(p.get("text", "") for p in content.get("parts", []) if isinstance(p, dict))
            texts.append(text)
            if content.get("role", "user") == "user":
                last = text
    else:
        if isinstance(body.get("system"), (str, list)):
            texts.append(text_of(body["system"]))
        for message in body.get("messages") or []:
            if not isinstance(message, dict):
                continue
            text = text_of(message.get("content"))
            texts.append(text)
            if message.get("role") == "user":
                last = text
    plan = Plan(scenario, last, count_prompt_tokens(texts))
    if scenario == "first-tool":
        # Calls the first tool the request declares (the way a model picks an app's own tool).
        name = first_tool_name(api, body)
        if name:
            plan.text_deltas = ["One moment."]
            plan.tools = [(random_id("call_"), name, ['{"reason": "the visitor', ' wants a person"}'])]
    return plan


def first_tool_name(api, body):
    tools = body.get("tools") if isinstance(body.get("tools"), list) else []
    for tool in tools:
        if not isinstance(tool, dict):
            continue
        if api == "gemini":
            for declaration in tool.get("functionDeclarations") or []:
                if isinstance(declaration, dict) and declaration.get("name"):
                    return declaration["name"]
        elif api == "anthropic" and tool.get("name"):
            return tool["name"]
        elif isinstance(tool.get("function"), dict) and tool["function"].get("name"):
            return tool["function"]["name"]
    return None


def openai_embeddings(body, model):
    inputs = body.get("input")
    if isinstance(inputs, str) or not isinstance(inputs, list):
        inputs = [inputs if isinstance(inputs, str) else dumps(inputs)]
    dims = int(body.get("dimensions") or 16)
    data = []
    for i, text in enumerate(inputs):
        text = text if isinstance(text, str) else dumps(text)
        values = embedding(text, dims)
        if body.get("encoding_format") == "base64":
            values = base64.b64encode(struct.pack(f"<{dims}f", *values)).decode()
        data.append({"object": "embedding", "index": i, "embedding": values})
    tokens = sum(len(str(t).split()) for t in inputs)
    return {"object": "list", "data": data, "model": model or "text-embedding-3-small",
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens}}


def gemini_embeddings(body, kind):
    def one(request):
        content = request.get("content") or {}
        text = "".join(p.get("text", "") for p in content.get("parts", []) if isinstance(p, dict))
        dims = int(request.get("outputDimensionality") or 16)
        return {"values": embedding(text, dims)}

    if kind == "embedContent":
        return {"embedding": one(body)}
    return {"embeddings": [one(r) for r in body.get("requests") or [] if isinstance(r, dict)]}


def transform(pieces, scenario):
    """Applies the scenario's byte-level changes to the renderer's pieces."""
    first_delta = True
    for item in pieces:
        if not isinstance(item, Event):
            yield item
            continue
        if scenario == "no-done" and item.kind in ("usage", "done", "stop", "final"):
            continue
        if scenario == "crlf":
            item.data = item.data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        if scenario == "comments":
            yield Event(b": keep-alive\n\n")
        if scenario == "utf8" and any(b >= 0x80 for b in item.data):
            yield from split_inside_characters(item.data)
        else:
            yield item
        if scenario == "reset-after" and item.kind == "delta" and first_delta:
            yield Reset()
            return
        if scenario == "stall-after" and item.kind == "delta" and first_delta:
            yield Stall()
            return
        if item.kind == "delta":
            first_delta = False
    if scenario == "comments":
        yield Event(b": keep-alive\n\n")


def split_inside_characters(data):
    """Splits bytes so that every multi-byte UTF-8 character straddles two pieces."""
    cuts = []
    i = 0
    while i < len(data):
        b = data[i]
        width = 1 if b < 0x80 else 2 if b < 0xE0 else 3 if b < 0xF0 else 4
        if width > 1:
            cuts.append(i + width // 2)
        i += width
    start = 0
    for cut in cuts:
        yield Event(data[start:cut], "split")
        yield Pause(None)
        start = cut
    yield Event(data[start:], "split")


async def send_stream(conn, pieces, delay, entry):
    """Sends pieces; returns False when the stream ended with a reset. Counts the pieces sent in
    entry["events_sent"] (so a test can see how far a stream got before its client left)."""
    loop = asyncio.get_running_loop()
    first = True
    for item in pieces:
        if isinstance(item, Pause):
            if item.until is None:
                await asyncio.sleep(max(delay, SPLIT_PAUSE))
            else:
                wait = item.until - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
            continue
        if isinstance(item, Reset):
            await asyncio.sleep(max(delay, SPLIT_PAUSE))
            conn.reset()
            return False
        if isinstance(item, Stall):
            await conn.wait_for_peer_close()
            raise ClientGone()
        if delay and not first:
            await asyncio.sleep(delay)
        first = False
        await conn.chunk(item.data)
        entry["events_sent"] += 1
    return True


async def watch_close(conn, entry):
    """Sets entry["closed_at"] (time.time()) when the client closes its side during a stream."""
    try:
        while await conn.reader.read(65536):
            pass
    except asyncio.CancelledError:
        return
    except ConnectionError:
        pass
    entry["closed_at"] = time.time()


async def handle_control(conn, req, kind, close):
    state = conn.state
    if kind == "/_mock/health" and req.method == "GET":
        payload = {"ok": True, "requests": len(state.requests), "key_required": state.key is not None,
                   "connections_opened": state.opened, "idle_connections": len(state.idle)}
    elif kind == "/_mock/requests" and req.method == "GET":
        payload = state.requests
    elif kind == "/_mock/reset" and req.method == "POST":
        state.reset()
        payload = {"ok": True}
    else:
        await conn.respond(404, [("content-type", "application/json")], {"error": "unknown control endpoint"}, close)
        return not close
    await conn.respond(200, [("content-type", "application/json")], payload, close)
    return not close


async def main():
    parser = argparse.ArgumentParser(description="Mock of the AI vendors' HTTP APIs for Fazt's tests.")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: a free one)")
    parser.add_argument("--key", default=None, help="the API key requests must carry the vendor's way")
    parser.add_argument("--delay-ms", type=float, default=0.0, help="sleep between the pieces of a stream")
    parser.add_argument("--quiet", action="store_true", help="no per-request lines on stderr")
    args = parser.parse_args()
    state = State(args.key, args.delay_ms / 1000.0, args.quiet)
    server = await asyncio.start_server(
        lambda r, w: serve_connection(state, r, w), "127.0.0.1", args.port, limit=16 * 1024 * 1024)
    port = server.sockets[0].getsockname()[1]
    sys.stdout.write(json.dumps({"port": port}) + "\n")
    sys.stdout.flush()
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    # A parent may start us with signals blocked (test runners' threads block them): unblock, so
    # SIGTERM ends the mock.
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
