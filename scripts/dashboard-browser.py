#!/usr/bin/env python3
"""The owner dashboard's sign-in in a real browser (headless Chromium through Selenium).

Starts `fazt serve` (port 0, a temporary data directory), deploys one app, sets the owner password
through the control API, opens http://localhost:PORT/ (a secure context, so WebAuthn works) with a
virtual authenticator (CTAP2, internal, resident keys, user verified), and checks:

  budget    the dashboard's files are at most 150 KB gzipped (first paint is printed as INFO);
  traffic   requests to an app show as a live rate on its card and in the last hour's chart;
  password  a wrong password shows the error, the right one shows the health strip and app cards;
  cookie    the session cookie is __Host-, HttpOnly, Secure, SameSite=Strict;
  rollback  the app page lists both versions; "Roll back to this" serves v1 again;
  files     the file tree opens a file; an edit committed as a preview shows at its preview link
            while the live app is unchanged;
  diff      comparing v1 with v2 shows the changed line;
  inbox     a notification an app sends arrives live in the home page's inbox; recent deploys listed;
  server    the Server view, and the app's runs (with the job lateness chart), jobs, AI (cost chart),
            env and manifest tabs load;
  budget-edit  a daily token limit saved on the AI tab becomes the app's AI budget;
  secret    a secret set from the Env tab is listed by name, its value never shown;
  logs      a request to the app makes its log line appear in the open live tail;
  storage   the app's KV keys are listed, a collection query finds the document, a SQL query
            answers in a table, and a blob's download link gives its bytes as an attachment;
  realtime  a WebSocket subscribed to a channel shows in the Realtime tab (channel and socket);
  backup    "Back up now" makes a backup whose download link gives the whole file;
  restore   "Restore code + data" to v2 undoes the KV write made since (the key is gone);
  deploy    picking a folder deploys it as a new app with a progress bar; it shows up in the list;
  link      the new app's "open" link leads to the app itself;
  archive   a .zip picked on the app's Versions tab deploys its next version;
  mobile    at 390x844 no view scrolls sideways;
  keyboard  Tab from the top of home reaches the navigation, sign-out and the deploy card;
  token     Settings creates a scoped token and shows it with the MCP line;
  passkey   "Add a passkey" registers one (listed), sign out, "Sign in with a passkey" signs in;
  signout   "Sign out everywhere" ends the session (the sign-in form is back);
  console   no browser console errors besides the one expected 401 of the wrong password.

Screenshots of every view, at 1280x800 and 390x844, go to --screenshots (default:
$DASHBOARD_SCREENSHOTS, else none).
Prints one PASS/FAIL line per check; exits 1 on any failure.

Usage: .venv/bin/python scripts/dashboard-browser.py --fazt .build/debug/fazt
"""

import argparse
import gzip
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import urllib.error
import urllib.request
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from headless import HeadlessChromium  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PASSWORD = "correct horse battery staple"


class Server:
    def __init__(self, fazt):
        self.fazt = os.path.abspath(fazt)
        self.tmp = tempfile.mkdtemp(prefix="fazt-dashboard-")
        self.process = subprocess.Popen(
            [self.fazt, "serve", "--port", "0", "--host", "127.0.0.1", "--data", os.path.join(self.tmp, "data.db")],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
        self.port = json.loads(self.process.stdout.readline())["port"]
        self.token = None
        while self.token is None:
            line = self.process.stderr.readline()
            if not line:
                raise RuntimeError("fazt exited before printing its owner token")
            found = re.search(r"fzt_[0-9a-f]{48,}", line)
            self.token = found.group(0) if found else None
        for stream in (self.process.stdout, self.process.stderr):
            threading.Thread(target=stream.read, daemon=True).start()
        self.env = dict(os.environ, FAZT_SERVER=f"http://127.0.0.1:{self.port}", FAZT_TOKEN=self.token,
                        XDG_CONFIG_HOME=self.tmp)

    def cli(self, *arguments, stdin=None):
        done = subprocess.run([self.fazt, *arguments], env=self.env, input=stdin, capture_output=True, text=True,
                              timeout=60)
        if done.returncode != 0:
            raise RuntimeError(f"fazt {' '.join(arguments)}: {done.stderr.strip()}")
        return done.stdout

    def api_json(self, path):
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}/_fazt/api/v1{path}",
                                         headers={"Authorization": f"Bearer {self.token}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def kv_missing(self, app, key):
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}/_fazt/api/v1/apps/{app}/kv/{key}",
                                         headers={"Authorization": f"Bearer {self.token}"})
        try:
            urllib.request.urlopen(request, timeout=10).read()
            return False
        except urllib.error.HTTPError as error:
            return error.code == 404

    def close(self):
        self.process.kill()
        self.process.wait()
        shutil.rmtree(self.tmp, ignore_errors=True)


class RawSocket:
    """A WebSocket client in a few lines (the realtime check needs one connection that subscribes)."""

    def __init__(self, port, host, channel):
        self.connection = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.connection.sendall((f"GET /_ws HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                                 "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.connection.recv(4096)
            if not chunk:
                raise RuntimeError("the WebSocket handshake was refused")
            head += chunk
        if not head.startswith(b"HTTP/1.1 101"):
            raise RuntimeError("WebSocket handshake: " + head.split(b"\r\n")[0].decode())
        payload = json.dumps({"type": "subscribe", "channel": channel}).encode()
        mask = os.urandom(4)
        self.connection.sendall(bytes([0x81, 0x80 | len(payload)]) + mask
                                + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def close(self):
        self.connection.close()


class Browser(HeadlessChromium):
    def __init__(self):
        from selenium.webdriver.common.virtual_authenticator import Protocol, Transport, VirtualAuthenticatorOptions

        super().__init__(window="1280,800")
        authenticator = VirtualAuthenticatorOptions()
        authenticator.protocol = Protocol.CTAP2
        authenticator.transport = Transport.INTERNAL
        authenticator.has_resident_key = True
        authenticator.has_user_verification = True
        authenticator.is_user_verified = True
        self.driver.add_virtual_authenticator(authenticator)

    def visible(self, element_id):
        from selenium.webdriver.common.by import By

        from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException

        def shown(driver):
            try:
                element = driver.find_element(By.ID, element_id)
                return element if element.is_displayed() else False
            except (NoSuchElementException, StaleElementReferenceException):
                return False

        return self.wait(shown, message=f"#{element_id} never became visible")

    def click(self, css):
        """Clicks the element `css` names, finding it again if the view re-rendered meanwhile."""
        from selenium.common.exceptions import StaleElementReferenceException

        def attempt(driver):
            try:
                found = driver.find_elements("css selector", css)
                if found:
                    found[0].click()
                    return True
            except StaleElementReferenceException:
                pass
            return False

        self.wait(attempt, message=f"cannot click {css}")

    def text(self, element_id):
        """The element's text, or "" while it is missing or being replaced (a view re-rendering)."""
        from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
        from selenium.webdriver.common.by import By

        try:
            return self.driver.find_element(By.ID, element_id).text
        except (NoSuchElementException, StaleElementReferenceException):
            return ""



def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--fazt", default=os.path.join(ROOT, ".build/debug/fazt"))
    parser.add_argument("--screenshots", default=os.environ.get("DASHBOARD_SCREENSHOTS"))
    args = parser.parse_args()
    os.environ["SE_OFFLINE"] = "true"
    server = Server(args.fazt)
    browser = None
    failures = 0

    def check(name, condition, detail):
        nonlocal failures
        print(("PASS " if condition else "FAIL ") + f"{name}: {detail}", flush=True)
        failures += 0 if condition else 1

    def shot(name):
        """The view as it is now, at 1280x800 and again at 390x844 (name-mobile.png)."""
        if not args.screenshots:
            return
        os.makedirs(args.screenshots, exist_ok=True)
        browser.driver.save_screenshot(os.path.join(args.screenshots, name))
        browser.driver.set_window_size(390, 844)
        browser.driver.execute_script("return new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")
        browser.driver.save_screenshot(os.path.join(args.screenshots, name.replace(".png", "-mobile.png")))
        browser.driver.set_window_size(1280, 800)

    def fetch(href):
        """[status, Content-Disposition, byte length, text] of a same-origin GET made by the page."""
        return browser.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "fetch(arguments[0], { credentials: 'same-origin' }).then(async (r) => { const b = await r.arrayBuffer();"
            "done([r.status, r.headers.get('Content-Disposition'), b.byteLength, new TextDecoder().decode(b)]); },"
            "(e) => done([0, String(e), 0, '']));", href)

    try:
        site = os.path.join(server.tmp, "hello")
        os.makedirs(os.path.join(site, "api"))
        with open(os.path.join(site, "index.html"), "w") as file:
            file.write("<!doctype html><title>Hello</title><h1>Hello v1</h1>")
        with open(os.path.join(site, "fazt.json"), "w") as file:
            file.write('{"realtime": {"channels": {"room-*": {"presence": true}}}}\n')
        with open(os.path.join(site, "api", "hit.js"), "w") as file:
            file.write("module.exports = (req) => { console.log('hit ' + req.query.n); "
                       "fazt.storage.kv.set('visits', Number(req.query.n));"
                       "fazt.docs.insert('hits', { n: Number(req.query.n), from: 'dashboard test' });"
                       "fazt.blobs.put('reports/hit-' + req.query.n + '.txt', 'hit number ' + req.query.n);"
                       "return { ok: true }; };\n")
        os.makedirs(os.path.join(site, "jobs"))
        with open(os.path.join(site, "jobs", "tick.js"), "w") as file:
            file.write("exports.scheduled = () => { console.log('tick'); };\n")
        with open(os.path.join(site, "api", "later.js"), "w") as file:
            file.write("module.exports = () => fazt.schedule(0, { n: 1 }, { handler: 'jobs/tick.js' });\n")
        with open(os.path.join(site, "api", "ping.js"), "w") as file:
            file.write("module.exports = async () => { await fazt.notify({ title: 'Ping from hello' }); return { ok: true }; };\n")
        server.cli("deploy", site, "--app", "hello")
        with open(os.path.join(site, "index.html"), "w") as file:
            file.write("<!doctype html><title>Hello</title><h1>Hello v2</h1>")
        server.cli("deploy", site, "--app", "hello")
        server.cli("owner", "password", stdin=PASSWORD + "\n")
        browser = Browser()
        driver = browser.driver
        url = f"http://localhost:{server.port}/"

        def app_get(path):
            request = urllib.request.Request(f"http://127.0.0.1:{server.port}{path}",
                                             headers={"Host": f"hello.localhost:{server.port}"})
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.read().decode()

        driver.get(url)
        field = browser.visible("password")
        shot("dashboard-signin.png")
        paint = driver.execute_script(
            "const p = performance.getEntriesByType('paint').find((e) => e.name === 'first-contentful-paint');"
            "return p ? p.startTime : null;")
        print(f"INFO first-paint: {paint:.0f} ms (first contentful paint of the sign-in page, loopback)"
              if paint is not None else "INFO first-paint: not reported", flush=True)
        total = 0
        for name in ("", "_fazt/ui/app.js", "_fazt/ui/ui.js", "_fazt/ui/home.js", "_fazt/ui/app-page.js",
                     "_fazt/ui/settings.js", "_fazt/ui/passkeys.js", "_fazt/ui/deploy.js", "_fazt/ui/charts.js", "_fazt/ui/server.js",
                     "_fazt/ui/notifications.js", "_fazt/ui/style.css", "favicon.svg"):
            with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/{name}", timeout=10) as response:
                total += len(gzip.compress(response.read()))
        check("budget", total <= 150 * 1024, f"the dashboard is {total / 1024:.1f} KB gzipped (budget 150 KB)")
        field.send_keys("not the password")
        field.submit()
        browser.wait(lambda d: "wrong password" in browser.text("error"), message="no error for a wrong password")
        browser.visible("password").send_keys(PASSWORD)
        browser.driver.find_element("id", "password").submit()
        browser.visible("health")
        check("password", "hello" in browser.text("apps") and browser.text("summary") == "1 app",
              f"home: {browser.text('health')!r} / {browser.text('apps')!r}")
        driver.get(url)
        browser.visible("health")
        home = driver.execute_script(
            "const p = performance.getEntriesByType('paint').find((e) => e.name === 'first-contentful-paint');"
            "return [p ? p.startTime : null, performance.now()];")
        print(f"INFO home-paint: first contentful paint {home[0]:.0f} ms, health strip and app cards shown by "
              f"{home[1]:.0f} ms (signed in, loopback)" if home[0] is not None else "INFO home-paint: not reported", flush=True)
        cookies = {c["name"]: c for c in driver.get_cookies()}
        session = cookies.get("__Host-fazt_owner", {})
        check("cookie", session.get("httpOnly") and session.get("sameSite") == "Strict" and session.get("secure"),
              f"session cookie attributes: { {k: session.get(k) for k in ('httpOnly', 'sameSite', 'secure')} }")
        # Live traffic: requests to the app show up as a rate on its card and in the charts.
        def rate_seen(d):
            for n in range(5):
                app_get("/")
            found = d.find_elements("css selector", ".rate[data-app='hello']")
            return (found and "req/s" in found[0].text and not found[0].text.startswith("0.0 req/s")
                    and d.find_elements("css selector", "#traffic svg polyline"))
        browser.wait(rate_seen, seconds=20, message="no live request rate on the app card")
        # The hour chart (GET /traffic, per minute) rises at its right end, the minute in progress.
        last_y = ("const line = document.querySelector('#traffic svg polyline');"
                  "return line ? Number(line.getAttribute('points').trim().split(' ').pop().split(',')[1]) : 999;")
        browser.wait(lambda d: d.execute_script(last_y) < 70, seconds=20, message="the hour chart shows no requests")
        check("traffic", True, driver.find_element("css selector", ".rate[data-app='hello']").text + "; the hour chart rose")
        app_get("/api/ping")
        browser.wait(lambda d: "Ping from hello" in browser.text("inbox"), message="the notification never arrived")
        check("inbox", "hello" in browser.text("deploys") and "v2" in browser.text("deploys"),
              "a notification arrived live in the home inbox; recent deploys: " + browser.text("deploys").replace("\n", " | ")[:80])
        shot("dashboard-home.png")

        driver.get(url + "#/app/hello/versions")
        browser.wait(lambda d: d.find_elements("css selector", "button[data-version='1']"),
                     message="no roll-back button for v1")
        shot("dashboard-app-versions.png")
        browser.click("button[data-version='1']")
        browser.wait(lambda d: d.switch_to.alert, message="no confirmation").accept()
        browser.wait(lambda d: "v1 (live)" in browser.text("tab"), message="v1 never became live")
        check("rollback", "Hello v1" in app_get("/"), "the app serves v1 again")

        browser.wait(lambda d: d.find_elements("id", "diff-from"), message="no diff form")
        driver.find_element("id", "diff-from").send_keys("v1")
        driver.find_element("id", "diff-to").send_keys("v2")
        browser.click("#diff-from + select + button")
        browser.wait(lambda d: "Hello v2" in browser.text("diff"), message="no diff: " + browser.text("error"))
        check("diff", "Hello v1" in browser.text("diff"), "v1 → v2 diff shown")

        driver.get(url + "#/app/hello/files")
        browser.wait(lambda d: d.find_elements("css selector", "#file-tree a[data-path='api/hit.js']"), message="no file tree")
        browser.click("#file-tree a[data-path='index.html']")
        editor = browser.wait(lambda d: [e for e in d.find_elements("id", "file-text") if "Hello" in e.get_attribute("value")],
                              message="the file never opened")[0]
        editor.clear()
        editor.send_keys("<!doctype html><title>Hello</title><h1>Hello from the editor</h1>")
        browser.click("#file-preview")
        preview = browser.wait(lambda d: d.find_elements("id", "preview-link"), message="no preview link: " + browser.text("error"))[0]
        preview_url = preview.get_attribute("href")
        shot("dashboard-app-files.png")
        driver.get(preview_url)
        browser.wait(lambda d: "Hello from the editor" in d.page_source, message="the preview does not show the edit")
        check("files", "Hello v1" in app_get("/"), "an edit committed as a preview shows there; the live app is unchanged")
        driver.get(url)
        browser.visible("health")

        app_get("/api/later")
        browser.wait(lambda d: server.api_json("/apps/hello/runs?kind=job")["runs"], message="the scheduled job never ran")
        for tab, ready in (("runs", "lateness"), ("jobs", "tab"), ("ai", "ai-cost"), ("env", "secret-form"), ("manifest", "manifest")):
            driver.get(url + "#/app/hello/" + tab)
            browser.wait(lambda d: browser.text(ready) or d.find_elements("css selector", f"#{ready} svg") or browser.text("error"),
                         message=f"the {tab} tab never loaded")
            if browser.text("error"):
                raise RuntimeError(f"the {tab} tab: " + browser.text("error"))
            shot(f"dashboard-app-{tab}.png")
        check("server-tabs", "presence" in browser.text("manifest"), "runs (job lateness), jobs, AI, env and manifest tabs loaded")
        driver.get(url + "#/app/hello/ai")
        browser.visible("budget-save")
        driver.find_element("css selector", "input[data-limit='tokensPerDay']").send_keys("5000")
        browser.click("#budget-save")
        browser.wait(lambda d: server.api_json("/ai/budgets/hello")["limits"].get("tokensPerDay") == 5000,
                     message="the budget was not saved: " + browser.text("error"))
        check("budget-edit", True, "an AI token limit set on the AI tab is the app's budget")
        driver.get(url + "#/app/hello/env")
        browser.visible("secret-name").send_keys("STRIPE_KEY")
        driver.find_element("id", "secret-value").send_keys("sk_test_never_shown_123")
        driver.find_element("id", "secret-form").submit()
        browser.wait(lambda d: "STRIPE_KEY" in browser.text("secrets"), message="the secret is not listed: " + browser.text("error"))
        check("secret", "sk_test_never_shown_123" not in driver.page_source, "listed by name; the value is nowhere in the page")
        driver.get(url + "#/server")
        browser.wait(lambda d: "Notification channels" in browser.text("view"), message="the server view never loaded: " + browser.text("error"))
        check("server", not browser.text("error"), "the server view loaded")
        shot("dashboard-server.png")

        driver.get(url + "#/app/hello/logs")
        browser.visible("log")
        app_get("/api/hit?n=42")
        browser.wait(lambda d: "hit 42" in browser.text("log"), message="the log line never appeared")
        check("logs", True, "a request's log line appeared in the live tail")
        shot("dashboard-app-logs.png")

        driver.get(url + "#/app/hello/storage")
        browser.visible("sql-run")
        keys = browser.text("tab")
        sql = browser.driver.find_element("id", "sql")
        sql.clear()
        sql.send_keys("SELECT 6 * 7 AS answer")
        browser.click("#sql-run")
        browser.wait(lambda d: "42" in browser.text("sql-result"), message="no SQL answer")
        browser.wait(lambda d: "dashboard test" in browser.text("doc-result"), message="no documents: " + browser.text("error"))
        query = driver.find_element("id", "doc-query")
        query.clear()
        query.send_keys('{"n": {"$gt": 100}}')
        browser.click("#doc-run")
        browser.wait(lambda d: "0 matches" in browser.text("doc-result"), message="the query did not narrow: " + browser.text("doc-result"))
        blob = browser.wait(lambda d: d.find_elements("css selector", "a[data-blob='reports/hit-42.txt']"), message="no blob listed")[0]
        status, disposition, length, text = fetch(blob.get_attribute("href"))
        check("storage", "visits" in keys and "answer" in browser.text("sql-result") and status == 200
              and text == "hit number 42" and (disposition or "").startswith("attachment"),
              f"KV listed, collection queried, SQL answered, blob download {status} {disposition!r}")
        shot("dashboard-app-storage.png")

        listener = RawSocket(server.port, f"hello.localhost:{server.port}", "room-1")
        try:
            driver.get(url + "#/app/hello/realtime")
            browser.wait(lambda d: "room-1" in browser.text("channels") and "room-1" in browser.text("sockets"),
                         message="the socket never showed: " + browser.text("tab"))
            check("realtime", True, browser.text("channels").replace("\n", " | "))
            shot("dashboard-app-realtime.png")
        finally:
            listener.close()

        driver.get(url + "#/app/hello/versions")
        browser.wait(lambda d: d.find_elements("css selector", "button[data-restore='2']"), message="no restore button")
        browser.click("button[data-restore='2']")
        browser.wait(lambda d: d.switch_to.alert, message="no confirmation").accept()
        browser.wait(lambda d: browser.text("restored") or browser.text("error"), message="no restore outcome")
        check("restore", "Restored v2" in browser.text("restored") and server.kv_missing("hello", "visits"),
              browser.text("restored") or browser.text("error"))

        dropped = os.path.join(server.tmp, "dropped-site")
        os.makedirs(os.path.join(dropped, "css"))
        with open(os.path.join(dropped, "index.html"), "w") as file:
            file.write("<!doctype html><title>Dropped</title><link rel=stylesheet href=css/site.css><h1>Dropped in</h1>")
        with open(os.path.join(dropped, "css", "site.css"), "w") as file:
            file.write("h1{color:#0a66ff}")
        driver.get(url + "#/")
        browser.visible("deploy-name").send_keys("dropped")
        driver.find_element("id", "deploy-folder").send_keys(dropped)
        browser.wait(lambda d: "dropped" in browser.text("apps") or "failed" in browser.text("deploy-status"),
                     seconds=30, message="the deploy never finished: " + browser.text("deploy-status"))
        check("deploy", "dropped" in browser.text("apps"), browser.text("deploy-status") or "listed")
        shot("dashboard-deploy.png")
        link = browser.wait(lambda d: [a for a in d.find_elements("css selector", "#apps a[target]")
                                       if "dropped" in a.get_attribute("href")], message="no open link")[0]
        href = link.get_attribute("href")
        driver.get(href)
        browser.wait(lambda d: "Dropped in" in d.page_source, message="the app link did not open the app")
        check("link", href.startswith(f"http://dropped.localhost:{server.port}"), href)

        archive = os.path.join(server.tmp, "dropped-v2.zip")
        with zipfile.ZipFile(archive, "w") as z:
            z.writestr("index.html", "<!doctype html><title>Dropped</title><h1>Dropped again, from a zip</h1>")
        driver.get(url + "#/app/dropped/versions")
        browser.wait(lambda d: d.find_elements("id", "deploy-archive"), message="no archive picker on the versions tab")
        driver.find_element("id", "deploy-archive").send_keys(archive)
        # Once deployed, the tab reloads with the new version live.
        browser.wait(lambda d: "v2 (live)" in browser.text("tab") or "failed" in browser.text("deploy-status"),
                     seconds=30, message="the archive deploy never finished")
        request = urllib.request.Request(f"http://127.0.0.1:{server.port}/", headers={"Host": f"dropped.localhost:{server.port}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            served = response.read().decode()
        check("archive", "from a zip" in served, "v2 of dropped deployed from a zip and served")
        driver.get(url)
        browser.visible("health")

        # 390 px wide: no view scrolls sideways (wide tables scroll inside their own box).
        driver.set_window_size(390, 844)
        wide = []
        for view, ready in (("#/", "health"), ("#/app/hello/versions", "diff-from"), ("#/app/hello/storage", "sql-run"),
                            ("#/app/hello/realtime", "channels"), ("#/app/hello/env", "secret-form"),
                            ("#/app/hello/runs", "run-kind"), ("#/server", "audit"), ("#/settings", "token-form")):
            driver.get(url + view)
            browser.visible(ready)
            width = driver.execute_script("return document.documentElement.scrollWidth")
            if width > 392:
                wide.append(f"{view} is {width} px wide")
        driver.set_window_size(1280, 800)
        check("mobile", not wide, "; ".join(wide) or "no view is wider than 390 px")

        # Keyboard: Tab from the top of the home page reaches the navigation, sign-out and the deploy card.
        from selenium.webdriver.common.action_chains import ActionChains
        from selenium.webdriver.common.keys import Keys

        driver.get(url + "#/")
        browser.visible("health")
        driver.execute_script("document.activeElement && document.activeElement.blur()")
        reached = []
        for _ in range(30):
            ActionChains(driver).send_keys(Keys.TAB).perform()
            reached.append(driver.execute_script(
                "const e = document.activeElement; return e.id || e.getAttribute('href') || e.tagName"))
        wanted = ("#/server", "#/settings", "logout", "deploy-name", "deploy-folder", "deploy-archive")
        check("keyboard", all(item in reached for item in wanted),
              f"reached by Tab: {[item for item in wanted if item in reached]} of {list(wanted)}")

        driver.get(url + "#/settings")
        browser.visible("token-name").send_keys("claude")
        browser.driver.find_element("id", "token-apps").clear()
        browser.driver.find_element("id", "token-apps").send_keys("hello")
        browser.driver.find_element("id", "token-form").submit()
        browser.wait(lambda d: "fzt_" in browser.text("token-created"), message="no token shown")
        created = browser.text("token-created")
        check("token", "claude mcp add" in created and "/_fazt/mcp" in created, "token and MCP line shown")
        shot("dashboard-settings.png")
        browser.click("#backup-now")
        link = browser.wait(lambda d: d.find_elements("css selector", "a[data-backup]"), seconds=60,
                            message="no backup listed: " + browser.text("error"))[0]
        status, disposition, length, _ = fetch(link.get_attribute("href"))
        check("backup", status == 200 and length > 1000 and link.get_attribute("data-backup") in (disposition or ""),
              f"download {status}, {length} bytes, {disposition!r}")

        browser.visible("passkey-add")
        browser.click("#passkey-add")
        browser.wait(lambda d: len(d.find_elements("css selector", "#passkeys li")) == 1,
                     message="passkey not listed: " + browser.text("error"))
        browser.visible("logout")
        browser.click("#logout")
        browser.visible("passkey-signin")
        browser.click("#passkey-signin")
        browser.wait(lambda d: browser.text("nav") or browser.text("error"), message="no sign-in outcome")
        if not browser.text("nav"):
            raise RuntimeError("passkey sign-in: " + browser.text("error"))
        driver.get(url + "#/")
        browser.visible("health")
        check("passkey", "hello" in browser.text("apps"), "signed in again with the passkey")

        driver.get(url + "#/settings")
        browser.visible("logout-all")
        browser.click("#logout-all")
        browser.visible("password")
        check("signout", not browser.driver.find_element("id", "nav").is_displayed(), "the sign-in form is back")

        # Only the dashboard's own page counts (the opened app's missing favicon is the app's business).
        errors = [entry for entry in browser.console() if entry.get("level") == "SEVERE"
                  and ".localhost:" not in entry.get("message", "")]
        unexpected = [e for e in errors if not ("/_fazt/session" in e.get("message", "") and "401" in e.get("message", ""))]
        check("console", not unexpected and len(errors) - len(unexpected) <= 1, f"console errors: {unexpected}")
    except Exception as error:  # a step that failed: report it as a failure with its reason
        check("run", False, f"{type(error).__name__}: {error}")
    finally:
        if browser:
            browser.driver.quit()
        server.close()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
