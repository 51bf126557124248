#!/usr/bin/env python3
"""The owner dashboard's sign-in in a real browser (headless Chromium through Selenium).

Starts `fazt serve` (port 0, a temporary data directory), deploys one app, sets the owner password
through the control API, opens http://localhost:PORT/ (a secure context, so WebAuthn works) with a
virtual authenticator (CTAP2, internal, resident keys, user verified), and checks:

  password  a wrong password shows the error, the right one shows the app list (cookie session);
  passkey   "Add a passkey" registers one (listed), sign out, "Sign in with a passkey" signs in;
  signout   "Sign out everywhere" ends the session (the sign-in form is back);
  console   no browser console errors besides the one expected 401 of the wrong password.

Screenshots go to --screenshots (default: $DASHBOARD_SCREENSHOTS, else none).
Prints one PASS/FAIL line per check; exits 1 on any failure.

Usage: .venv/bin/python scripts/dashboard-browser.py --fazt .build/debug/fazt
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

    def close(self):
        self.process.kill()
        self.process.wait()
        shutil.rmtree(self.tmp, ignore_errors=True)


class Browser:
    def __init__(self):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        from selenium.webdriver.common.virtual_authenticator import Protocol, Transport, VirtualAuthenticatorOptions

        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                         "--window-size=1280,800"):
            options.add_argument(argument)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        authenticator = VirtualAuthenticatorOptions()
        authenticator.protocol = Protocol.CTAP2
        authenticator.transport = Transport.INTERNAL
        authenticator.has_resident_key = True
        authenticator.has_user_verification = True
        authenticator.is_user_verified = True
        self.driver.add_virtual_authenticator(authenticator)
        self.logs = []

    def wait(self, condition, seconds=20, message=""):
        from selenium.webdriver.support.ui import WebDriverWait

        return WebDriverWait(self.driver, seconds, poll_frequency=0.05).until(condition, message)

    def visible(self, element_id):
        from selenium.webdriver.common.by import By

        return self.wait(lambda d: d.find_element(By.ID, element_id).is_displayed() and d.find_element(By.ID, element_id),
                         message=f"#{element_id} never became visible")

    def text(self, element_id):
        from selenium.webdriver.common.by import By

        return self.driver.find_element(By.ID, element_id).text

    def console(self):
        self.logs += self.driver.get_log("browser")
        return self.logs


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
        if args.screenshots:
            os.makedirs(args.screenshots, exist_ok=True)
            browser.driver.save_screenshot(os.path.join(args.screenshots, name))

    try:
        site = os.path.join(server.tmp, "hello")
        os.makedirs(site)
        with open(os.path.join(site, "index.html"), "w") as file:
            file.write("<!doctype html><title>Hello</title><h1>Hello</h1>")
        server.cli("deploy", site, "--app", "hello")
        server.cli("owner", "password", stdin=PASSWORD + "\n")
        browser = Browser()
        driver = browser.driver
        url = f"http://localhost:{server.port}/"

        driver.get(url)
        field = browser.visible("password")
        shot("dashboard-signin.png")
        field.send_keys("not the password")
        field.submit()
        browser.wait(lambda d: "wrong password" in browser.text("error"), message="no error for a wrong password")
        browser.visible("password").send_keys(PASSWORD)
        browser.driver.find_element("id", "password").submit()
        browser.visible("apps")
        check("password", "hello" in browser.text("apps") and browser.text("summary") == "1 app",
              f"apps table: {browser.text('apps')!r}")
        cookies = {c["name"]: c for c in driver.get_cookies()}
        session = cookies.get("__Host-fazt_owner", {})
        check("cookie", session.get("httpOnly") and session.get("sameSite") == "Strict" and session.get("secure"),
              f"session cookie attributes: { {k: session.get(k) for k in ('httpOnly', 'sameSite', 'secure')} }")
        shot("dashboard-home.png")
        driver.set_window_size(390, 844)
        shot("dashboard-home-mobile.png")
        driver.set_window_size(1280, 800)

        browser.visible("passkey-add").click()
        browser.wait(lambda d: browser.text("passkey-status") == "Passkey added.", message="passkey not added: "
                     + browser.text("error"))
        browser.wait(lambda d: len(d.find_elements("css selector", "#passkeys li")) == 1, message="passkey not listed")
        browser.visible("logout").click()
        browser.visible("passkey-signin").click()
        browser.visible("apps")
        check("passkey", "hello" in browser.text("apps"), "signed in again with the passkey")

        browser.visible("logout-all").click()
        browser.visible("password")
        check("signout", not browser.driver.find_element("id", "apps").is_displayed(), "the sign-in form is back")

        errors = [entry for entry in browser.console() if entry.get("level") == "SEVERE"]
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
