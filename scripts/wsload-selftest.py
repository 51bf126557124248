#!/usr/bin/env python3
"""Checks scripts/wsload.c's frame parser against a deliberately awkward server (loopback, a few
connections, seconds): every broadcast reaches the subscribers as a different framing — a 64-bit
length with a large padded body, a message fragmented into three frames with a protocol ping in
between, the frame written one byte at a time, and several frames coalesced into one write — and a
JSON {"type":"ping"} that must be answered with {"type":"pong"}.

Usage: wsload-selftest.py WSLOAD   (prints "wsload selftest ok" or fails)
"""
import base64, hashlib, json, socket, struct, subprocess, sys, threading, time

WSLOAD = sys.argv[1] if len(sys.argv) > 1 else "./wsload"
GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC11B85"
subscribers = []
lock = threading.Lock()
seen = {"pongs": 0, "json_pongs": 0}


def frame(opcode, payload, fin=True):
    head = bytes([(0x80 if fin else 0) | opcode])
    n = len(payload)
    if n < 126:
        head += bytes([n])
    elif n <= 0xFFFF:
        head += bytes([126]) + struct.pack(">H", n)
    else:
        head += bytes([127]) + struct.pack(">Q", n)
    return head + payload


def read_frame(conn, buf):
    """One masked client frame: (opcode, payload, rest of buf); opcode None when the peer closed."""
    while True:
        if len(buf) >= 2:
            n, h = buf[1] & 0x7F, 2
            if n == 126:
                h = 4
            elif n == 127:
                h = 10
            if len(buf) >= h:
                if h == 4:
                    n = struct.unpack(">H", buf[2:4])[0]
                elif h == 10:
                    n = struct.unpack(">Q", buf[2:10])[0]
                assert buf[1] & 0x80, "client frames must be masked"
                if len(buf) >= h + 4 + n:
                    mask = buf[h:h + 4]
                    payload = bytes(b ^ mask[i % 4] for i, b in enumerate(buf[h + 4:h + 4 + n]))
                    return buf[0] & 0x0F, payload, buf[h + 4 + n:]
        chunk = conn.recv(65536)
        if not chunk:
            return None, None, buf
        buf += chunk


def send_awkward(conn, text, variant):
    data = text.encode()
    if variant == 0:  # 64-bit length: pad the JSON with spaces past 65,535 bytes
        conn.sendall(frame(1, data + b" " * 70000))
    elif variant == 1:  # fragmented, with a ping between the fragments
        third = len(data) // 3
        conn.sendall(frame(1, data[:third], fin=False) + frame(9, b"hi") + frame(0, data[third:2 * third], fin=False))
        time.sleep(0.01)
        conn.sendall(frame(0, data[2 * third:], fin=True))
    elif variant == 2:  # one byte at a time
        for b in frame(1, data):
            conn.sendall(bytes([b]))
    else:  # coalesced with a JSON ping and a pong-less protocol pong
        conn.sendall(frame(1, b'{"type":"ping"}') + frame(10, b"") + frame(1, data))


def serve(conn):
    req = b""
    while b"\r\n\r\n" not in req:
        req += conn.recv(4096)
    key = [l.split(b":", 1)[1].strip() for l in req.split(b"\r\n") if l.lower().startswith(b"sec-websocket-key")][0]
    accept = base64.b64encode(hashlib.sha1(key + GUID).digest())
    conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n")
    buf, offset = b"", 0
    while True:
        op, payload, buf = read_frame(conn, buf)
        if op is None or op == 8:
            return
        if op == 10:
            with lock:
                seen["pongs"] += 1
            continue
        msg = json.loads(payload)
        if msg.get("type") == "subscribe":
            with lock:
                subscribers.append(conn)
            reply = json.dumps({"type": "subscribed", "channel": msg["channel"], "offset": 0, "epoch": "x"}).encode()
            conn.sendall(frame(1, reply[:10], fin=False) + frame(0, reply[10:]))  # fragmented reply too
        elif msg.get("type") == "pong":
            with lock:
                seen["json_pongs"] += 1
        elif msg.get("type") == "publish":
            offset += 1
            text = json.dumps({"type": "message", "channel": msg["channel"], "data": msg["data"], "offset": offset,
                               "timestamp": 0})
            with lock:
                targets = list(subscribers)
            for target in targets:
                send_awkward(target, text, offset % 4)


def main():
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    port = listener.getsockname()[1]

    def accept_loop():
        while True:
            conn, _ = listener.accept()
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    threading.Thread(target=accept_loop, daemon=True).start()
    out = subprocess.run([WSLOAD, "--mode", "fanout", "--port", str(port), "--conns", "3", "--threads", "2",
                          "--messages", "16", "--warmup", "2", "--window", "1", "--seconds", "8"],
                         capture_output=True, text=True, timeout=40)
    result = json.loads(out.stdout.splitlines()[-1])
    assert out.returncode == 0, (out.returncode, out.stdout, out.stderr)
    assert result["deliveries"] == result["expected"] == 48 and result["complete_broadcasts"] == 16, result
    assert seen["pongs"] >= 3 and seen["json_pongs"] >= 3, seen
    print(f"wsload selftest ok ({result['deliveries']} deliveries over 4 framings, {seen['pongs']} pongs, "
          f"{seen['json_pongs']} JSON pongs)")


if __name__ == "__main__":
    main()
