"""The report as a person sees it: opened in headless Chromium through the DevTools protocol.

Asserts no console errors, every image decoded, the expected sections present and no network
request leaving the file; saves a full-page screenshot and prints its path.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

import segmentasi
from segmentasi.report import write_report

websocket = pytest.importorskip("websocket", reason="websocket-client is in the dev extra")

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--remote-debugging-port=0",
    "--window-size=1280,900",
)
PAGE_CHECK = """(() => {
  const images = [...document.images];
  const links = [...document.querySelectorAll('[src], [href]')]
    .map(e => e.getAttribute('src') || e.getAttribute('href'));
  return {
    images: images.length,
    broken: images.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.alt),
    ids: [...document.querySelectorAll('[id]')].map(e => e.id),
    external: links.filter(u => /^[a-z]+:\\/\\//i.test(u) && !u.startsWith('file:')),
    title: document.title,
  };
})()"""


def _install_chromium() -> str | None:
    """Install Debian's chromium; returns why it could not be installed, or None."""
    if shutil.which("apt-get") is None:
        return "apt-get is not available to install chromium"
    if os.geteuid() != 0:
        return "chromium is missing and installing it needs root"
    for command in (["apt-get", "update"], ["apt-get", "install", "-y", "chromium"]):
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            env=os.environ | {"DEBIAN_FRONTEND": "noninteractive"},
        )
        if done.returncode != 0:
            return f"'{' '.join(command)}' failed: {done.stderr.strip()[-300:]}"
    return None


@pytest.fixture(scope="module")
def chromium() -> str:
    path = shutil.which("chromium")
    if path is None:
        reason = _install_chromium()
        path = shutil.which("chromium")
        if path is None:
            pytest.skip(f"headless Chromium unavailable: {reason or 'not found after install'}")
    return path


class Browser:
    """One headless Chromium page driven over the DevTools protocol; records every event."""

    def __init__(self, executable: str, profile: Path) -> None:
        self.process = subprocess.Popen(
            [executable, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its helper processes share one group, closed together
        )
        self.socket = None
        self.events: list[dict[str, Any]] = []
        self.next_id = 0
        try:
            port = self._wait_for_port(profile / "DevToolsActivePort")
            url = f"http://127.0.0.1:{port}/json/list"
            with urllib.request.urlopen(url, timeout=10) as reply:
                page = next(t for t in json.load(reply) if t["type"] == "page")
            self.socket = websocket.create_connection(
                page["webSocketDebuggerUrl"], timeout=60, suppress_origin=True
            )
            for domain in ("Page", "Runtime", "Log", "Network"):
                self.call(f"{domain}.enable")
        except BaseException:
            self.close()
            raise

    def _wait_for_port(self, path: Path) -> int:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if path.exists() and path.read_text().strip():
                return int(path.read_text().split()[0])
            if self.process.poll() is not None:
                raise RuntimeError(f"chromium exited with code {self.process.returncode}")
            time.sleep(0.1)
        raise TimeoutError("chromium did not open its DevTools port within 60 s")

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message["result"]
            self.events.append(message)

    def wait_for(self, event: str) -> None:
        while not any(e.get("method") == event for e in self.events):
            self.events.append(json.loads(self.socket.recv()))

    def open(self, url: str) -> None:
        self.call("Page.navigate", url=url)
        self.wait_for("Page.loadEventFired")

    def evaluate(self, expression: str) -> Any:
        reply = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return reply["result"]["value"]

    def errors(self) -> list[str]:
        found = []
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                found.append(str(params.get("args")))
            elif method == "Runtime.exceptionThrown":
                found.append(str(params.get("exceptionDetails")))
            elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
                found.append(params["entry"].get("text", ""))
        return found

    def requests(self) -> list[str]:
        return [
            e["params"]["request"]["url"]
            for e in self.events
            if e.get("method") == "Network.requestWillBeSent"
        ]

    def screenshot(self, path: Path, width: int = 1280) -> Path:
        """The whole page, not just the window, as a PNG."""
        height = int(self.call("Page.getLayoutMetrics")["cssContentSize"]["height"])
        self.call(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )
        shot = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        path.write_bytes(base64.b64decode(shot["data"]))
        return path

    def close(self) -> None:
        """Stop chromium and every helper process it started: a helper left running kept
        writing to the profile folder while the test removed it."""
        if self.socket is not None:
            self.socket.close()
        group = os.getpgid(self.process.pid)
        os.killpg(group, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(group, signal.SIGKILL)
            self.process.wait()
        deadline = time.monotonic() + 10
        while _group_alive(group) and time.monotonic() < deadline:
            time.sleep(0.05)
        if _group_alive(group):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(group, signal.SIGKILL)


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


def open_in_browser(executable: str, report: Path, screenshot: Path) -> dict[str, Any]:
    """Open a report file; return the page check, console errors, requests and screenshot."""
    with tempfile.TemporaryDirectory(prefix="segmentasi-chromium-") as profile:
        browser = Browser(executable, Path(profile))
        try:
            browser.open(report.resolve().as_uri())
            check = browser.evaluate(PAGE_CHECK)
            check["errors"] = browser.errors()
            check["requests"] = browser.requests()
            check["screenshot"] = browser.screenshot(screenshot)
        finally:
            browser.close()
    return check


@pytest.fixture(scope="module")
def small_result() -> segmentasi.RunResult:
    schema = segmentasi.builtin_schema("fundfusion")
    options = segmentasi.SweepOptions(ks=(2, 3, 4), stability_runs=2, stability_rows=200)
    return segmentasi.run(
        segmentasi.synthesize(schema, rows=600, seed=7), schema=schema, options=options
    )


@pytest.mark.parametrize("lang", ["id", "en"])
def test_report_opens_cleanly_in_chromium(chromium, small_result, tmp_path, lang):
    report = write_report(small_result, tmp_path / f"report_{lang}.html", lang=lang)
    check = open_in_browser(chromium, report, tmp_path / f"report_{lang}.png")
    print(f"\nscreenshot of the {lang} report: {check['screenshot']}")

    assert check["errors"] == []
    assert check["images"] == 6 * len(small_result.experiments)
    assert check["broken"] == []
    assert check["external"] == []
    assert all(url.startswith(("file:", "data:")) for url in check["requests"]), check["requests"]
    expected = {"summary", "quality", "method", "limitations"}
    for name in small_result.experiments:
        expected |= {
            f"exp-{name}",
            f"k-{name}",
            f"model-{name}",
            f"profiles-{name}",
            f"offers-{name}",
            f"elbow-{name}",
            f"silhouette-k-{name}",
            f"silhouette-samples-{name}",
            f"map-{name}",
            f"profile-heatmap-{name}",
            f"product-heatmap-{name}",
        }
    assert expected <= set(check["ids"])
    title = "Laporan segmentasi nasabah" if lang == "id" else "Customer segmentation report"
    assert check["title"] == title
    assert check["screenshot"].stat().st_size > 50_000
