"""Starting `fazt serve` from the benchmark scripts (loopback, port 0)."""
import json, re, subprocess, threading


def start(fazt, data, *arguments, first_start=False):
    """Starts a server on `data`; returns (process, port, token). The token is read only on a first
    start (it is printed once); stderr is drained in the background either way."""
    process = subprocess.Popen([fazt, "serve", "--port", "0", "--host", "127.0.0.1", "--data", data, *arguments],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    port = json.loads(process.stdout.readline())["port"]
    token = None
    if first_start:
        for line in iter(process.stderr.readline, b""):
            match = re.search(r"fzt_[0-9a-f]{48,}", line.decode(errors="replace"))
            if match:
                token = match.group(0)
                break
    threading.Thread(target=lambda: process.stderr.read(), daemon=True).start()
    return process, port, token
