"""A minimal W3C WebDriver client for chromedriver (Python standard library only).

Starts chromedriver on a free local port, opens one headless Chromium session and
offers the few commands the catalog's browser test needs: navigate, run a script,
read the browser console, take a screenshot.
"""

import base64
import json
import os
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request


class WebDriverError(Exception):
    pass


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Browser:
    def __init__(self, chromium, chromedriver, width=1280, height=1000):
        self.port = free_port()
        self.profile = tempfile.TemporaryDirectory(prefix="catalog-chromium-")
        self.log = open(os.path.join(self.profile.name, "chromedriver.log"), "w")
        self.proc = subprocess.Popen(
            [chromedriver, "--port=%d" % self.port, "--allowed-ips=127.0.0.1"],
            stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.base = "http://127.0.0.1:%d" % self.port
        self.session = None
        try:
            self._wait_ready()
            args = ["--headless=new", "--no-sandbox", "--disable-gpu",
                    "--disable-dev-shm-usage", "--no-first-run",
                    "--no-default-browser-check", "--disable-extensions",
                    "--disable-background-networking", "--disable-sync",
                    # Any name lookup fails: a page that tried to fetch something
                    # from the network would get an error, not the asset.
                    "--host-resolver-rules=MAP * ~NOTFOUND",
                    "--user-data-dir=" + os.path.join(self.profile.name, "profile"),
                    "--window-size=%d,%d" % (width, height)]
            caps = {"capabilities": {"alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": {"binary": chromium, "args": args},
                "goog:loggingPrefs": {"browser": "ALL"},
            }}}
            value = self._call("POST", "/session", caps, timeout=90)
            self.session = value["sessionId"]
        except Exception:
            self.close()
            raise

    def _wait_ready(self):
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise WebDriverError("chromedriver exited with status %d" % self.proc.returncode)
            try:
                value = self._call("GET", "/status", timeout=2)
                if value.get("ready"):
                    return
            except (OSError, WebDriverError):
                pass
            time.sleep(0.1)
        raise WebDriverError("chromedriver did not become ready")

    def _call(self, method, path, body=None, timeout=60):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                payload = json.loads(resp.read().decode())
        except urllib.error.HTTPError as e:
            try:
                payload = json.loads(e.read().decode())
            except ValueError:
                raise WebDriverError("%s %s: HTTP %d" % (method, path, e.code))
            v = payload.get("value", {})
            raise WebDriverError("%s %s: %s: %s" % (method, path, v.get("error"),
                                                     v.get("message", "")[:300]))
        return payload.get("value")

    def _s(self, path):
        return "/session/%s%s" % (self.session, path)

    def open(self, url):
        self._call("POST", self._s("/url"), {"url": url})

    def script(self, source, *args):
        """Runs `source` as a function body; returns its result."""
        return self._call("POST", self._s("/execute/sync"), {"script": source, "args": list(args)})

    def console(self):
        """Browser console entries since the last call: [{level, message}, ...]."""
        return self._call("POST", self._s("/se/log"), {"type": "browser"}) or []

    def resize(self, width, height):
        self._call("POST", self._s("/window/rect"), {"width": width, "height": height})

    def screenshot(self, path):
        png = base64.b64decode(self._call("GET", self._s("/screenshot")))
        with open(path, "wb") as f:
            f.write(png)
        return png

    def close(self):
        if self.session:
            try:
                self._call("DELETE", self._s(""), timeout=30)
            except (OSError, WebDriverError):
                pass
            self.session = None
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        self.profile.cleanup()
