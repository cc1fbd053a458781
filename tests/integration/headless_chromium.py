"""A page opened in a real headless Chromium (Debian's `chromium` package), driven over the DevTools protocol.

Chromium is started with ``--remote-debugging-pipe``: the protocol's JSON messages go over two pipes (the browser
reads fd 3 and writes fd 4, each message ended by a NUL byte), so nothing but the standard library and the browser
itself is needed - no driver, no WebSocket client, no port. ``open_page`` loads a URL, then evaluates an expression
in the page and returns its value together with every URL the page requested.

A missing browser fails the caller with how to install it (``chromium_binary``); it is never skipped.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass

INSTALL_HINT = (
    "the readiness report's browser test needs Chromium: install Debian's package with "
    "`apt-get install -y chromium` (as root; .ci/run does it), or set CHROMIUM=/path/to/chromium"
)


def chromium_binary() -> str:
    """The browser to use: $CHROMIUM, else chromium (or chromium-browser) on PATH; AssertionError saying how else."""
    found = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    assert found and os.access(found, os.X_OK), INSTALL_HINT
    return found


@dataclass
class Page:
    """What the page showed (the expression's value) and every URL it requested, the page's own included."""

    value: object
    requested: list[str]
    console_errors: list[str]


class _Browser:
    def __init__(self, binary: str, profile: str):
        to_browser_read, self._to_browser = os.pipe()
        self._from_browser, from_browser_write = os.pipe()

        def pipes_at_3_and_4():
            # The protocol's fixed descriptors; runs in the child between fork and exec.
            os.dup2(to_browser_read, 3)
            os.dup2(from_browser_write, 4)

        self.process = subprocess.Popen(
            [
                binary,
                "--headless",
                "--remote-debugging-pipe",
                # Root (as in CI containers) cannot use Chromium's sandbox; the page is a local file.
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-extensions",
                "--disable-background-networking",
                f"--user-data-dir={profile}",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            pass_fds=(3, 4),
            preexec_fn=pipes_at_3_and_4,  # noqa: PLW1509 - single-threaded test process
        )
        os.close(to_browser_read)
        os.close(from_browser_write)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict] = []

    def _read_message(self, deadline: float) -> dict:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            ready, _w, _x = select.select([self._from_browser], [], [], max(left, 0))
            if not ready:
                raise TimeoutError("Chromium did not answer over the DevTools pipe in time")
            chunk = os.read(self._from_browser, 1 << 16)
            if not chunk:
                stderr = self.process.stderr.read().decode(errors="replace") if self.process.stderr else ""
                raise RuntimeError(f"Chromium closed the DevTools pipe (exit {self.process.poll()}): {stderr[-2000:]}")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def send(self, method: str, params: dict | None = None, session: str | None = None, timeout: float = 30) -> dict:
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            answer = self._read_message(deadline)
            if answer.get("id") == self._next_id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer.get("result", {})
            self.events.append(answer)

    def wait_for(self, method: str, session: str, timeout: float = 30) -> dict:
        deadline = time.monotonic() + timeout
        for event in self.events:
            if event.get("method") == method and event.get("sessionId") == session:
                return event
        while True:
            event = self._read_message(deadline)
            self.events.append(event)
            if event.get("method") == method and event.get("sessionId") == session:
                return event

    def close(self) -> None:
        # The browser may be gone already; closing is best effort, waiting for it is not.
        with contextlib.suppress(RuntimeError, TimeoutError, OSError):
            self.send("Browser.close", timeout=10)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for fd in (self._to_browser, self._from_browser):
            os.close(fd)


def open_page(url: str, expression: str, timeout: float = 60) -> Page:
    """Load ``url`` in a fresh headless Chromium and evaluate ``expression`` (a JavaScript expression) once loaded.

    The page's Content-Security-Policy is bypassed, so that an external asset the page names would be requested
    (and seen here) rather than silently blocked.
    """
    binary = chromium_binary()
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        browser = _Browser(binary, profile)
        try:
            target = browser.send("Target.createTarget", {"url": "about:blank"}, timeout=timeout)["targetId"]
            session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
            for method in ("Network.enable", "Page.enable", "Runtime.enable"):
                browser.send(method, session=session)
            browser.send("Page.setBypassCSP", {"enabled": True}, session=session)
            browser.send("Page.navigate", {"url": url}, session=session)
            browser.wait_for("Page.loadEventFired", session, timeout=timeout)
            result = browser.send(
                "Runtime.evaluate", {"expression": expression, "returnByValue": True}, session=session
            )
            if "exceptionDetails" in result:
                raise RuntimeError(f"the expression failed in the page: {result['exceptionDetails']}")
            events = [e for e in browser.events if e.get("sessionId") == session]
            requested = [
                e["params"]["request"]["url"] for e in events if e.get("method") == "Network.requestWillBeSent"
            ]
            console_errors = [
                " ".join(str(a.get("value", a.get("description", ""))) for a in e["params"].get("args", []))
                for e in events
                if e.get("method") == "Runtime.consoleAPICalled" and e["params"].get("type") == "error"
            ]
            return Page(result["result"].get("value"), requested, console_errors)
        finally:
            browser.close()
