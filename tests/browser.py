"""A headless chromium for the report tests, driven over the DevTools protocol on a pipe.

``--remote-debugging-pipe``: commands on fd 3, answers on fd 4, NUL-separated JSON, so no
websocket library is needed. All host names resolve to nothing and a network log is written,
so a test can prove that a page asked for nothing but file:// and data: URLs.
"""

import base64
import json
import os
import subprocess
import tempfile
import time
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"


class Chromium:
    """A headless chromium driven over --remote-debugging-pipe."""

    def __init__(self, profile):
        self.netlog = os.path.join(profile, "net.json")
        r_cmd, self._w_cmd = os.pipe()
        self._r_out, w_out = os.pipe()

        def child_fds():  # the browser reads commands on fd 3 and answers on fd 4
            a, b = os.dup(r_cmd), os.dup(w_out)
            os.dup2(a, 3)
            os.dup2(b, 4)
            os.set_inheritable(3, True)
            os.set_inheritable(4, True)

        cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--no-first-run", "--disable-extensions", f"--user-data-dir={profile}",
               "--host-resolver-rules=MAP * ~NOTFOUND", f"--log-net-log={self.netlog}",
               "--remote-debugging-pipe", "--window-size=1280,1600", "about:blank"]
        self.proc = subprocess.Popen(cmd, preexec_fn=child_fds, close_fds=False,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(r_cmd)
        os.close(w_out)
        self._buf = b""
        self._id = 0
        self.events = []

    def send(self, method, params=None, session=None, timeout=30):
        self._id += 1
        msg = {"id": self._id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._w_cmd, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            while b"\0" not in self._buf:
                chunk = os.read(self._r_out, 1 << 16)
                if not chunk:
                    raise RuntimeError("chromium closed the DevTools pipe")
                self._buf += chunk
            raw, self._buf = self._buf.split(b"\0", 1)
            reply = json.loads(raw)
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]
            self.events.append(reply)
        raise TimeoutError(method)

    def load(self, url):
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        s = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        self.send("Network.enable", session=s)
        self.send("Page.enable", session=s)
        self.send("Page.navigate", {"url": url}, session=s)
        for _ in range(300):
            state = self.evaluate(s, "document.readyState")
            if state == "complete":
                break
            time.sleep(0.05)
        return s

    def evaluate(self, session, expression):
        res = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                             "awaitPromise": True}, session=session)
        return res["result"].get("value")

    def page_requests(self):
        return [e["params"]["request"]["url"] for e in self.events
                if e.get("method") == "Network.requestWillBeSent"]

    def close(self):
        """Close the browser (once; the network log is complete only after this)."""
        if self._w_cmd is None:
            return
        try:
            self.send("Browser.close", timeout=10)
        except (RuntimeError, OSError, TimeoutError):
            pass
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._w_cmd)
        os.close(self._r_out)
        self._w_cmd = self._r_out = None

    def document_requests(self):
        """URLs of network requests a document started (browser housekeeping has no initiator)."""
        data = json.loads(Path(self.netlog).read_text())
        types = {v: k for k, v in data["constants"]["logEventTypes"].items()}
        urls = []
        for e in data["events"]:
            p = e.get("params") or {}
            if (types.get(e["type"]) == "URL_REQUEST_START_JOB" and "url" in p
                    and p.get("initiator") != "not an origin"):
                urls.append(p.get("url"))
        return urls


def browse(page):
    with tempfile.TemporaryDirectory() as profile:
        browser = Chromium(profile)
        try:
            s = browser.load(page.resolve().as_uri())
            images = browser.evaluate(s, """Promise.all(Array.from(document.images).map(
                i => i.decode().then(() => [i.naturalWidth, i.naturalHeight],
                                     () => [0, 0])))""")
            shot = base64.b64decode(browser.send("Page.captureScreenshot", {"format": "png"},
                                                 session=s)["data"])
            requests = browser.page_requests()
        finally:
            browser.close()
        return images, shot, requests, browser.document_requests()


def open_page(browser, page, width=1400, height=1600):
    """Load ``page`` in a new tab of ``width`` CSS pixels (device scale 1); returns the session."""
    s = browser.load(page.resolve().as_uri())
    browser.send("Runtime.enable", session=s)
    browser.send("Emulation.setDeviceMetricsOverride", {"width": width, "height": height,
                                                         "deviceScaleFactor": 1, "mobile": False},
                 session=s)
    return s


def click(browser, session, selector, x_frac=0.5):
    """A real mouse click (press and release) at the element's centre, or at ``x_frac`` of its
    width, after scrolling it into view."""
    rect = browser.evaluate(session, f"""(() => {{
        const e = document.querySelector({json.dumps(selector)});
        if (!e) return null;
        e.scrollIntoView({{block: "center", inline: "center"}});
        const r = e.getBoundingClientRect();
        return [r.left, r.top, r.width, r.height];
    }})()""")
    if rect is None:
        raise AssertionError(f"no element matches {selector!r}")
    x, y = rect[0] + max(1.0, min(rect[2] - 1, rect[2] * x_frac)), rect[1] + rect[3] / 2
    for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
        browser.send("Input.dispatchMouseEvent", {"type": kind, "x": x, "y": y, "button": "left",
                                                  "clickCount": 1}, session=session)


def type_text(browser, session, selector, text):
    """Focus the element and type ``text`` as keyboard input (replacing what it holds)."""
    browser.evaluate(session, f"""(() => {{ const e = document.querySelector({json.dumps(selector)});
        e.focus(); e.select && e.select(); }})()""")
    browser.send("Input.insertText", {"text": text}, session=session)


def wait_for(browser, session, expression, timeout=10.0):
    """Evaluate ``expression`` until it is truthy; returns its value."""
    deadline = time.monotonic() + timeout
    while True:
        value = browser.evaluate(session, expression)
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


def screenshot(browser, session):
    """The visible page as PNG bytes."""
    return base64.b64decode(browser.send("Page.captureScreenshot", {"format": "png"},
                                         session=session)["data"])


def exceptions(browser):
    """Uncaught script errors the pages reported."""
    return [e["params"]["exceptionDetails"] for e in browser.events
            if e.get("method") == "Runtime.exceptionThrown"]
