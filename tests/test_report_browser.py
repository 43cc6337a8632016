"""The report as a person sees it: opened in headless Chromium through the DevTools protocol.

Asserts no console errors, every image decoded, the expected sections present and no network
request leaving the file; saves a full-page screenshot and prints its path. At a desktop's and
a phone's width nothing runs off the page and every chart's text is legible; printed on A4,
the decision page is page 1 and collapsed sections are printed open.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

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
LEGIBLE_PX = 11  # the smallest chart text, in CSS px, at any width
# Elements whose right edge is past the viewport, unless a box of theirs that scrolls (or
# clips) sideways is itself inside it; tables wider than their box; each chart's smallest
# text as shown (its rendered width times its smallest font over its natural width).
LAYOUT_CHECK = """(() => {
  const width = document.documentElement.clientWidth;
  const clipper = el => {
    for (let box = el.parentElement; box; box = box.parentElement) {
      if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(box).overflowX)) return box;
    }
    return null;
  };
  const over = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if ((r.width === 0 && r.height === 0) || r.right <= width + 0.5) continue;
    const box = clipper(el);
    if (box && box.getBoundingClientRect().right <= width + 0.5) continue;
    over.push(`${el.tagName}#${el.id}.${el.className}`);
  }
  return {
    width: width,
    scrollWidth: document.scrollingElement.scrollWidth,
    over: over,
    // A heatmap stays a table on a phone and scrolls sideways in its box, as charts do.
    tables: [...document.querySelectorAll('table:not(.heat)')]
      .filter(t => t.getBoundingClientRect().width > t.parentElement.clientWidth + 0.5)
      .map(t => t.closest('[id]').id),
    charts: [...document.querySelectorAll('figure.chart img')].map(img => ({
      id: img.closest('figure').id,
      px: img.getBoundingClientRect().width * parseFloat(img.dataset.minFontPx)
        / img.naturalWidth,
    })),
    heatmaps: [...document.querySelectorAll('figure.heatmap')].map(figure => ({
      id: figure.id,
      px: Math.min(...[...figure.querySelectorAll('td, th, .heat-ticks span')]
        .map(e => parseFloat(getComputedStyle(e).fontSize))),
    })),
  };
})()"""
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


def _install_chromium(package: str = "chromium") -> str | None:
    """Install a Debian package (chromium); returns why it could not be installed, or None."""
    if shutil.which("apt-get") is None:
        return f"apt-get is not available to install {package}"
    if os.geteuid() != 0:
        return f"{package} is missing and installing it needs root"
    for command in (["apt-get", "update"], ["apt-get", "install", "-y", package]):
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

    def resize(self, width: int, height: int = 900) -> None:
        """The window's size in CSS px; below 600 px wide, as a phone."""
        self.call(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=width < 600,
        )

    def pdf(self) -> bytes:
        """The page printed on A4, as the print dialogue would with the page's own @page."""
        reply = self.call(
            "Page.printToPDF", paperWidth=8.27, paperHeight=11.69, preferCSSPageSize=True
        )
        return base64.b64decode(reply["data"])

    def screenshot(self, path: Path, width: int = 1280) -> Path:
        """The whole page, not just the window, as a PNG."""
        height = int(self.call("Page.getLayoutMetrics")["cssContentSize"]["height"])
        self.resize(width, height)
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
def reports(synthetic_report, tmp_path_factory) -> dict[str, Path]:
    """The synthetic run's report in each language, as files."""
    folder = tmp_path_factory.mktemp("reports")
    paths = {lang: folder / f"report_{lang}.html" for lang in synthetic_report}
    for lang, path in paths.items():
        path.write_text(synthetic_report[lang], encoding="utf-8")
    return paths


@pytest.mark.parametrize("lang", ["id", "en"])
def test_report_opens_cleanly_in_chromium(chromium, synthetic_run, reports, tmp_path, lang):
    report = reports[lang]
    check = open_in_browser(chromium, report, tmp_path / f"report_{lang}.png")
    print(f"\nscreenshot of the {lang} report: {check['screenshot']}")

    assert check["errors"] == []
    # per experiment: sizes and four technical charts; the portfolio map and actions (the
    # heatmaps are tables)
    assert check["images"] == 5 * len(synthetic_run.experiments) + 2
    assert check["broken"] == []
    assert check["external"] == []
    assert all(url.startswith(("file:", "data:")) for url in check["requests"]), check["requests"]
    expected = {"decision", "summary", "appendix", "quality", "method", "limitations"}
    for name in synthetic_run.experiments:
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


def pdf_pages(pdf: bytes, folder: Path) -> list[str]:
    """The text of each page of a PDF: pypdf where installed, else poppler's pdftotext."""
    try:
        import pypdf
    except ImportError:
        pass
    else:
        return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]
    if shutil.which("pdftotext") is None:
        reason = _install_chromium("poppler-utils")
        if shutil.which("pdftotext") is None:
            pytest.skip(f"neither pypdf nor pdftotext to read the PDF: {reason}")
    path = folder / "report.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return text.split("\f")[:-1]  # every page ends with a form feed


@pytest.mark.parametrize("lang", ["id", "en"])
def test_report_fits_a_desktop_and_a_phone_and_prints_on_a4(
    chromium, synthetic_run, reports, tmp_path, lang
):
    report = reports[lang]
    with tempfile.TemporaryDirectory(prefix="segmentasi-chromium-") as profile:
        browser = Browser(chromium, Path(profile))
        try:
            # Without scripts: the report must print its collapsed sections open by CSS alone.
            browser.call("Emulation.setScriptExecutionDisabled", value=True)
            browser.open(report.resolve().as_uri())
            pages = pdf_pages(browser.pdf(), tmp_path)
            layouts = {}
            for width in (1280, 390):
                browser.resize(width)
                layouts[width] = browser.evaluate(LAYOUT_CHECK)
        finally:
            browser.close()
    for width, layout in layouts.items():
        assert layout["width"] == width
        assert layout["scrollWidth"] <= width, width  # no sideways scrolling of the page
        assert layout["over"] == [], width
        assert layout["tables"] == [], width
        # per experiment: sizes and four technical charts; the portfolio map and actions
        assert len(layout["charts"]) == 5 * len(synthetic_run.experiments) + 2
        # per experiment: the profile and product heatmaps; the crosswalk
        assert len(layout["heatmaps"]) == 2 * len(synthetic_run.experiments) + 1
        small = [c for c in layout["charts"] + layout["heatmaps"] if c["px"] < LEGIBLE_PX - 1e-6]
        assert small == [], width
    print(f"\n{lang}: {len(pages)} A4 pages")
    title = {"id": "Keputusan: apa yang dilakukan", "en": "Decision: what to do"}[lang]
    segments = {"id": "Segmen nasabah", "en": "Customer segments"}[lang]
    assert title in pages[0] and segments not in pages[0]  # the decision page, alone
    # A narrow column breaks "Davies-Bouldin" at its hyphen: compare without spaces and hyphens.
    text = re.sub(r"[\s-]", "", "".join(pages))
    # inside closed <details>: the sweep table and the per-column summary
    assert "DaviesBouldin" in text and "CalinskiHarabasz" in text
    assert {"id": "rentang/kategori", "en": "range/levels"}[lang] in text
