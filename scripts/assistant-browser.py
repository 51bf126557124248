#!/usr/bin/env python3
"""The assistant template in a real browser (headless Chromium through Selenium).

Starts scripts/mock-ai-provider.py and `fazt serve` (port 0, a temporary data directory), registers
the mock as the default model (`tokens-60-15`: 60 tokens at 15 a second, so a reload lands in the
middle of an answer), creates `support` with `fazt create support --template assistant`, allows the
`site` app's origin, deploys `site` (embeds widget.js) and `evil` (embeds it too, not allowed), and
checks:

  answer    a question gets a streamed answer: its text grows, then data-done="true", and it equals
            what the mock sent and what the app stored;
  reload    a reload in the middle of an answer shows the whole answer, once;
  evil      a page of another origin gets no widget and a console error naming assistant.origins, and
            the chat page cannot be framed there (CSP frame-ancestors);
  handoff   "I want to talk to a human" → status pending and an owner notification; the owner's
            `fazt assistant reply` appears in the open widget, status human.

Screenshots go to --screenshots (default: $ASSISTANT_SCREENSHOTS, else a temporary directory).
Prints one PASS/FAIL line per check; exits 1 on any failure.

Usage: .venv/bin/python scripts/assistant-browser.py --fazt .build/debug/fazt
Needs chromium, chromium-driver (Debian) and selenium (PyPI, in .venv): `make test` installs them.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from headless import HeadlessChromium  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXPECTED_ANSWER = " ".join(f"w{i}" for i in range(60))
OWNER_REPLY = "Hi, this is Ada from the team. How can I help?"


def read_json_line(stream, what):
    line = stream.readline()
    if not line:
        raise RuntimeError(f"{what} exited before listening")
    return json.loads(line)


class Drain(threading.Thread):
    """Reads a pipe to the end so that the child never blocks; keeps the text."""

    def __init__(self, stream):
        super().__init__(daemon=True)
        self.stream = stream
        self.text = ""
        self.lock = threading.Lock()
        self.start()

    def run(self):
        for line in iter(self.stream.readline, ""):
            with self.lock:
                self.text += line

    def value(self):
        with self.lock:
            return self.text


class Stack:
    def __init__(self, fazt):
        self.fazt = os.path.abspath(fazt)
        self.tmp = tempfile.mkdtemp(prefix="fazt-assistant-")
        self.processes = []
        mock = subprocess.Popen(
            [sys.executable, os.path.join(ROOT, "scripts/mock-ai-provider.py"), "--port", "0", "--quiet"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, text=True)
        self.processes.append(mock)
        self.mock_port = read_json_line(mock.stdout, "the AI mock")["port"]
        server = subprocess.Popen(
            [self.fazt, "serve", "--port", "0", "--host", "127.0.0.1", "--data", os.path.join(self.tmp, "data.db")],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
        self.processes.append(server)
        self.server_err = Drain(server.stderr)
        ready = read_json_line(server.stdout, "fazt")
        Drain(server.stdout)
        self.port = ready["port"]
        token = None
        for _ in range(200):
            found = re.search(r"fzt_[0-9a-f]{48,}", self.server_err.value())
            if found:
                token = found.group(0)
                break
            threading.Event().wait(0.01)
        if not token:
            raise RuntimeError("no owner token in fazt's stderr: " + self.server_err.value())
        self.token = token
        self.env = dict(os.environ, FAZT_SERVER=f"http://127.0.0.1:{self.port}", FAZT_TOKEN=token,
                        XDG_CONFIG_HOME=self.tmp)

    def origin(self, app):
        return f"http://{app}.localhost:{self.port}"

    def cli(self, *arguments):
        done = subprocess.run([self.fazt, *arguments], env=self.env, capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            raise RuntimeError(f"fazt {' '.join(arguments)}: exit {done.returncode}: {done.stderr.strip()}")
        return done.stdout

    def api(self, path):
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}/_fazt/api/v1{path}",
                                         headers={"Authorization": f"Bearer {self.token}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def app_get(self, app, path):
        # Host header by hand: *.localhost resolves to loopback in browsers, not always in Python.
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}",
                                         headers={"Host": f"{app}.localhost:{self.port}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def close(self):
        for process in reversed(self.processes):
            process.kill()  # SIGKILL: children of the test runner may inherit blocked signals
            process.wait()
        shutil.rmtree(self.tmp, ignore_errors=True)


def page(title, body, script_tag):
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body{{margin:0;font:16px/1.6 system-ui,sans-serif;color:#1c2024;background:#f7f8fa}}
header{{background:#14213d;color:#fff;padding:18px 48px;font-weight:700;font-size:20px}}
main{{max-width:760px;margin:48px auto;padding:0 24px}} h1{{font-size:40px;line-height:1.15;margin:0 0 16px}}
.card{{background:#fff;border-radius:14px;padding:20px 24px;margin:18px 0;box-shadow:0 1px 3px rgba(0,0,0,.08)}}
</style></head>
<body><header>{title}</header><main>{body}</main>
{script_tag}
</body></html>"""


def setup(stack):
    stack.cli("ai", "provider", "add", "local", "--type", "openai-compatible", "--base-url",
              f"http://127.0.0.1:{stack.mock_port}/v1")
    stack.cli("ai", "model", "add", "chat", "--provider", "local", "--model", "tokens-60-15", "--default")
    folder = os.path.join(stack.tmp, "support")
    stack.cli("create", "support", "--template", "assistant", "--dir", folder)
    manifest_path = os.path.join(folder, "fazt.json")
    with open(manifest_path) as file:
        manifest = json.load(file)
    manifest["assistant"]["origins"] = [stack.origin("site")]
    with open(manifest_path, "w") as file:
        json.dump(manifest, file, indent=2)
    stack.cli("deploy", folder)
    stack.cli("grant", "support", "ai")
    tag = f'<script src="{stack.origin("support")}/widget.js" data-title="Acme Help" data-color="#0a7c66" defer></script>'
    for app, title in (("site", "Acme Widgets"), ("evil", "Not Acme")):
        site = os.path.join(stack.tmp, app)
        os.makedirs(site)
        body = ("<h1>Widgets that just work.</h1><p>Acme builds small, sturdy widgets for teams who would rather "
                "ship than tinker.</p><div class='card'><b>Questions?</b> Our assistant in the corner answers "
                "right away, and a person from the team is one message away.</div>")
        with open(os.path.join(site, "index.html"), "w") as file:
            file.write(page(title, body, tag))
        stack.cli("deploy", site, "--app", app)


class Browser(HeadlessChromium):
    def __init__(self):
        super().__init__(window="1280,860")

    def open_widget(self, url):
        """Loads `url`, opens the widget and switches into its chat frame (ready to type)."""
        from selenium.webdriver.common.by import By

        driver = self.driver
        driver.switch_to.default_content()
        driver.get(url)
        host = self.wait(lambda d: d.find_elements(By.ID, "fazt-assistant"), message="no #fazt-assistant")[0]
        root = host.shadow_root
        self.wait(lambda d: root.find_elements(By.CSS_SELECTOR, "button.fazt-bubble"))[0].click()
        frame = root.find_element(By.CSS_SELECTOR, "iframe.fazt-frame")
        self.wait(lambda d: frame.is_displayed() and frame.size["height"] > 300, message="the panel did not open")
        driver.switch_to.frame(frame)
        # Ready: the transcript is loaded (the greeting is there) and the input is enabled.
        self.wait(lambda d: d.find_elements(By.CSS_SELECTOR, ".fazt-msg[data-role=assistant][data-done=true]")
                  and d.find_element(By.ID, "fazt-input").is_enabled(), message="the chat did not load")

    def send(self, text):
        from selenium.webdriver.common.by import By
        from selenium.webdriver.common.keys import Keys

        box = self.driver.find_element(By.ID, "fazt-input")
        box.send_keys(text)
        box.send_keys(Keys.ENTER)

    def answers(self):
        from selenium.webdriver.common.by import By

        return self.driver.find_elements(By.CSS_SELECTOR, ".fazt-msg[data-role=assistant][data-stream-id]")

    def screenshot(self, folder, name):
        self.driver.switch_to.default_content()
        path = os.path.join(folder, name)
        self.driver.save_screenshot(path)
        return path

    def close(self):
        self.driver.quit()


def conversation_of(browser):
    """{id, key} from the chat frame's localStorage (the browser is inside the frame)."""
    return json.loads(browser.driver.execute_script("return localStorage.getItem('fazt-assistant:anonymous')"))


def check_answer(stack, browser, shots):
    from selenium.webdriver.common.by import By

    browser.open_widget(stack.origin("site"))
    browser.send("What does the assistant know about?")
    first = browser.wait(lambda d: [a for a in browser.answers() if a.text.strip()], message="no answer started")[0]
    stream_id = first.get_attribute("data-stream-id")
    seen = len(first.text)
    browser.wait(lambda d: len(first.text) > seen, message="the answer did not grow")
    assert first.get_attribute("data-done") == "false", "the answer was done before it had all its tokens"
    browser.wait(lambda d: first.get_attribute("data-done") == "true", seconds=30, message="the answer never finished")
    assert first.text.strip() == EXPECTED_ANSWER, f"shown {first.text!r}, the mock sent {EXPECTED_ANSWER!r}"
    saved = conversation_of(browser)
    stored = browser.wait(lambda d: [m for m in stack.app_get("support", f"/api/conversations/{saved['id']}?key={saved['key']}")
                                     ["messages"] if m.get("streamId") == stream_id], message="the answer was not stored")[0]
    assert stored["text"] == EXPECTED_ANSWER, f"stored {stored['text']!r}"
    copies = browser.driver.find_elements(By.CSS_SELECTOR, f'.fazt-msg[data-stream-id="{stream_id}"]')
    assert len(copies) == 1, f"{len(copies)} copies of the answer"
    browser.screenshot(shots, "assistant-answer.png")
    return f"streamed {seen} → {len(EXPECTED_ANSWER)} characters, stored as {stored['id']}"


def check_reload(stack, browser):
    from selenium.webdriver.common.by import By

    browser.open_widget(stack.origin("site"))
    before = {a.get_attribute("data-stream-id") for a in browser.answers()}
    browser.send("And how do I reach a real team member later?")
    answer = browser.wait(lambda d: [a for a in browser.answers()
                                     if a.get_attribute("data-stream-id") not in before and a.text.strip()],
                          message="no second answer started")[0]
    stream_id = answer.get_attribute("data-stream-id")
    partial = answer.text.strip()
    assert answer.get_attribute("data-done") == "false", "the answer finished before the reload"
    browser.open_widget(stack.origin("site"))  # the reload
    rebuilt = browser.wait(lambda d: d.find_elements(By.CSS_SELECTOR, f'.fazt-msg[data-stream-id="{stream_id}"]'),
                           message="the answer is gone after the reload")[0]
    shown_after_reload = rebuilt.text.strip()
    browser.wait(lambda d: rebuilt.get_attribute("data-done") == "true", seconds=30,
                 message="the answer did not finish after the reload")
    assert rebuilt.text.strip() == EXPECTED_ANSWER, f"after the reload: {rebuilt.text!r}"
    copies = browser.driver.find_elements(By.CSS_SELECTOR, f'.fazt-msg[data-stream-id="{stream_id}"]')
    assert len(copies) == 1, f"{len(copies)} copies of the answer"
    questions = [m for m in browser.driver.find_elements(By.CSS_SELECTOR, ".fazt-msg[data-role=visitor]")
                 if "real team member" in m.text]
    assert len(questions) == 1, f"{len(questions)} copies of the question"
    return f"{len(partial)} characters before the reload, {len(shown_after_reload)} right after, then all of it"


def check_evil(stack, browser):
    from selenium.webdriver.common.by import By

    driver = browser.driver
    driver.switch_to.default_content()
    driver.get(stack.origin("evil"))
    browser.wait(lambda d: any("assistant.origins" in entry["message"] for entry in browser.console()),
                 message="no console error naming assistant.origins")
    assert not driver.find_elements(By.ID, "fazt-assistant"), "the widget rendered on a refused origin"
    # Framing the chat page directly (even claiming the allowed site as parent) is refused by the browser.
    driver.execute_script(
        "const f = document.createElement('iframe'); f.src = arguments[0]; document.body.appendChild(f);",
        f"{stack.origin('support')}/api/frame?parent={stack.origin('site')}")
    browser.wait(lambda d: any("frame-ancestors" in entry["message"] for entry in browser.console()),
                 message="the chat page was not refused as a frame on the evil origin")
    message = next(entry["message"] for entry in browser.console() if "assistant.origins" in entry["message"])
    return "console: " + message[-160:]


def check_handoff(stack, browser, shots):
    from selenium.webdriver.common.by import By

    browser.open_widget(stack.origin("site"))
    browser.send("I want to talk to a human")
    browser.wait(lambda d: d.find_element(By.ID, "fazt-status").get_attribute("data-status") == "pending",
                 message="the status did not become pending")
    browser.wait(lambda d: [m for m in d.find_elements(By.CSS_SELECTOR, ".fazt-msg[data-role=system]")
                            if "person" in m.text], message="no system message about the hand-off")
    notifications = browser.wait(
        lambda d: [n for n in stack.api("/notifications").get("notifications", [])
                   if n.get("title") == "Assistant: a visitor asks for a person"],
        message="no owner notification")
    conversation = conversation_of(browser)["id"]
    stack.cli("assistant", "reply", "support", conversation, OWNER_REPLY)
    browser.wait(lambda d: [m for m in d.find_elements(By.CSS_SELECTOR, ".fazt-msg[data-role=owner]")
                            if OWNER_REPLY in m.text], message="the owner's reply did not appear")
    browser.wait(lambda d: d.find_element(By.ID, "fazt-status").get_attribute("data-status") == "human",
                 message="the status did not become human")
    browser.screenshot(shots, "assistant-handoff.png")
    return f"notified ({notifications[0]['id']}), the reply shown in conversation {conversation}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fazt", default=os.path.join(ROOT, ".build/debug/fazt"))
    parser.add_argument("--screenshots", default=os.environ.get("ASSISTANT_SCREENSHOTS"))
    args = parser.parse_args()
    shots = args.screenshots or tempfile.mkdtemp(prefix="fazt-assistant-shots-")
    os.makedirs(shots, exist_ok=True)

    stack = Stack(args.fazt)
    browser = None
    failures = 0
    try:
        setup(stack)
        browser = Browser()
        checks = [("answer", lambda: check_answer(stack, browser, shots)),
                  ("reload", lambda: check_reload(stack, browser)),
                  ("evil", lambda: check_evil(stack, browser)),
                  ("handoff", lambda: check_handoff(stack, browser, shots))]
        for name, check in checks:
            try:
                print(f"PASS {name}: {check()}", flush=True)
            except Exception as error:  # noqa: BLE001 - every failure is reported, then the next check runs
                failures += 1
                print(f"FAIL {name}: {type(error).__name__}: {error}".rstrip(), flush=True)
                try:
                    browser.screenshot(shots, f"failed-{name}.png")
                except Exception:  # noqa: BLE001
                    pass
        print(f"screenshots: {shots}")
        if failures:
            for entry in browser.console()[-20:]:
                print("console:", entry["level"], entry["message"][:300])
            try:
                print(stack.cli("logs", "support"))
            except Exception as error:  # noqa: BLE001
                print("logs:", error)
            print("fazt stderr (tail):\n" + stack.server_err.value()[-3000:])
    finally:
        if browser:
            browser.close()
        stack.close()
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
