"""Open an HTML file in headless Chromium over the DevTools protocol and report what it drew.

Used by the report's browser test: script errors and console errors, requests that would leave
the machine, the state of every plotly chart, and a full-page screenshot.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import websocket

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--hide-scrollbars",
    "--window-size=1400,1000",
    "--remote-debugging-address=127.0.0.1",
    "--remote-debugging-port=0",
]

# Run in the page after load: every plotly chart's id, its size and what plotly drew in it.
CHART_STATE_JS = """
JSON.stringify(Array.from(document.querySelectorAll('.plotly-graph-div')).map(div => {
  const box = div.getBoundingClientRect();
  const svgs = div.querySelectorAll('.main-svg');
  return {
    id: div.id,
    width: box.width,
    height: box.height,
    main_svg: svgs.length,
    drawn_marks: div.querySelectorAll(
      '.main-svg .point, .main-svg .bars path, .main-svg .scatterlayer path,'
      + ' .main-svg .hm image, .main-svg .heatmaplayer image'
    ).length,
    has_data: Array.isArray(div.data) && div.data.length > 0,
  };
}))
"""


class BrowserError(RuntimeError):
    """Chromium is missing or did not answer."""


@dataclass
class PageRender:
    """What the browser saw: errors, external requests, chart states and a screenshot."""

    errors: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)
    charts: list[dict] = field(default_factory=list)
    screenshot_png: bytes = b""


def find_chromium() -> str | None:
    """Path of Debian's chromium (or another Chromium-family browser on PATH)."""
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


class _DevTools:
    def __init__(self, url: str, timeout: float) -> None:
        self.socket = websocket.create_connection(url, timeout=timeout, suppress_origin=True)
        self.timeout = timeout
        self.next_id = 0
        self.events: list[dict] = []

    def send(self, method: str, params: dict | None = None) -> dict:
        self.socket.settimeout(self.timeout)
        self.next_id += 1
        message_id = self.next_id
        self.socket.send(json.dumps({"id": message_id, "method": method, "params": params or {}}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == message_id:
                if "error" in message:
                    raise BrowserError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def wait_for(self, method: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        self.socket.settimeout(1.0)
        if any(event.get("method") == method for event in self.events):
            return
        while time.monotonic() < deadline:
            try:
                message = json.loads(self.socket.recv())
            except websocket.WebSocketTimeoutException:
                continue
            self.events.append(message)
            if message.get("method") == method:
                return
        raise BrowserError(f"no {method} within {timeout} s")

    def drain(self, seconds: float) -> None:
        self.socket.settimeout(0.2)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                self.events.append(json.loads(self.socket.recv()))
            except websocket.WebSocketTimeoutException:
                continue

    def close(self) -> None:
        self.socket.close()


def _debugger_url(profile: Path, process: subprocess.Popen, timeout: float) -> str:
    port_file = profile / "DevToolsActivePort"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BrowserError(f"chromium exited with {process.returncode}")
        if port_file.exists() and port_file.read_text().strip():
            port = port_file.read_text().split()[0]
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5) as answer:
                targets = json.load(answer)
            pages = [target for target in targets if target.get("type") == "page"]
            if pages:
                return pages[0]["webSocketDebuggerUrl"]
        time.sleep(0.1)
    raise BrowserError(f"chromium did not open its DevTools port within {timeout} s")


def _errors(events: list[dict]) -> list[str]:
    errors = []
    for event in events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            text = details.get("exception", {}).get("description") or details.get("text")
            errors.append(f"exception: {text}")
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            parts = [str(arg.get("value", arg.get("description", ""))) for arg in params["args"]]
            errors.append(f"console.{params['type']}: {' '.join(parts)}")
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            errors.append(f"log: {params['entry'].get('text')}")
    return errors


def _external_requests(events: list[dict]) -> list[str]:
    urls = []
    for event in events:
        if event.get("method") == "Network.requestWillBeSent":
            url = event["params"]["request"]["url"]
            if not url.startswith(("file:", "data:", "blob:", "about:")):
                urls.append(url)
    return urls


def render_page(html_file: str | Path, timeout: float = 60.0, settle: float = 1.0) -> PageRender:
    """Load html_file in headless Chromium and return its errors, charts and a screenshot."""
    chromium = find_chromium()
    if chromium is None:
        raise BrowserError("chromium is not installed: run `make setup-browser`")
    url = Path(html_file).resolve().as_uri()
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile_dir:
        profile = Path(profile_dir)
        process = subprocess.Popen(
            [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            devtools = _DevTools(_debugger_url(profile, process, timeout), timeout)
            try:
                for domain in ("Page", "Runtime", "Log", "Network"):
                    devtools.send(f"{domain}.enable")
                devtools.send("Page.navigate", {"url": url})
                devtools.wait_for("Page.loadEventFired", timeout)
                devtools.drain(settle)
                state = devtools.send(
                    "Runtime.evaluate", {"expression": CHART_STATE_JS, "returnByValue": True}
                )
                charts = json.loads(state["result"]["value"])
                metrics = devtools.send("Page.getLayoutMetrics")
                size = metrics.get("cssContentSize") or metrics["contentSize"]
                shot = devtools.send(
                    "Page.captureScreenshot",
                    {
                        "format": "png",
                        "captureBeyondViewport": True,
                        "clip": {
                            "x": 0,
                            "y": 0,
                            "width": size["width"],
                            "height": min(size["height"], 16000),
                            "scale": 1,
                        },
                    },
                )
                devtools.drain(0.2)
                events = devtools.events
            finally:
                devtools.close()
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    return PageRender(
        errors=_errors(events),
        external_requests=_external_requests(events),
        charts=charts,
        screenshot_png=base64.b64decode(shot["data"]),
    )
