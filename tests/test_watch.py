"""Issue 35: `wikicut preview PART.toml --watch`, watched in headless Chromium over the DevTools
protocol. The test only edits the part file and reads the open page: the page must notice
the save, reload itself and show the new shape (or the error) within seconds."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import as_from_a_shell, find_chromium, need_module

ROOT = Path(__file__).resolve().parent.parent
WITHIN_S = 10.0  # "within seconds": the page polls every 0.5 s, the watcher every 0.3 s

# What the test reads off the page: the drawing's summary line, the outline's drawn width,
# any error shown, and a mark the test leaves in the window (gone once the page reloads).
STATE_JS = """JSON.stringify({
  info: [...document.querySelectorAll('svg text')].map(t => t.textContent)
        .find(t => / x [\\d.]+ mm, /.test(t)) || '',
  width: (document.querySelector('path.outline') || {getBBox: () => ({width: 0})})
         .getBBox().width,
  error: (document.querySelector('p.error') || {}).textContent || '',
  stale: !!document.querySelector('div.stale'),
  mark: window.__testMark || null,
  ready: document.readyState})"""






class Page:
    """One page of a headless Chromium of its own (HOME, profile), read over the DevTools
    protocol: Runtime.evaluate only, so nothing here navigates or reloads it."""

    def __init__(self, browser: str, url: str, home: Path):
        websocket = need_module("websocket")
        home.mkdir()
        profile = home / "profile"
        self.proc = subprocess.Popen(
            [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile}", "--remote-debugging-address=127.0.0.1",
             "--remote-debugging-port=0", url],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            env={**os.environ, "HOME": str(home)}, cwd=home)
        port_file = profile / "DevToolsActivePort"  # the port chromium chose, written once up
        t0 = time.monotonic()
        while not (port_file.exists() and port_file.read_text().strip()):
            assert self.proc.poll() is None, "chromium ended before listening"
            assert time.monotonic() - t0 < 60, "chromium did not open its DevTools port"
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        t0 = time.monotonic()
        while True:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as r:
                pages = [p for p in json.load(r) if p.get("type") == "page"
                         and p.get("url", "").startswith(url)]
            if pages:
                break
            assert time.monotonic() - t0 < 60, "the page did not open"
            time.sleep(0.1)
        self.ws = websocket.create_connection(pages[0]["webSocketDebuggerUrl"], timeout=20,
                                              suppress_origin=True)
        self.next_id = 0

    def evaluate(self, expression: str):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": "Runtime.evaluate",
                                 "params": {"expression": expression,
                                            "returnByValue": True}}))
        while True:  # answers only: no domain is enabled, so no events arrive
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self.next_id:
                break
        result = msg.get("result", {}).get("result", {})
        return result.get("value")

    def state(self) -> dict:
        try:
            raw = self.evaluate(STATE_JS)
        except Exception:  # the context being replaced mid-reload: ask again
            return {}
        return json.loads(raw) if isinstance(raw, str) else {}

    def wait(self, ok, what: str, limit: float = WITHIN_S) -> tuple[dict, float]:
        """Poll the page until `ok(state)`; the state and how long it took."""
        t0 = time.monotonic()
        while True:
            st = self.state()
            if st.get("ready") == "complete" and ok(st):
                return st, time.monotonic() - t0
            assert time.monotonic() - t0 < limit, f"{what}: {st}"
            time.sleep(0.1)

    def close(self) -> None:
        try:
            self.ws.close()
        finally:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=20)


def _watch(part: Path, *args: str) -> tuple[subprocess.Popen, str]:
    """`wikicut preview PART --watch` in the background, and the URL it serves."""
    proc = subprocess.Popen([sys.executable, "-m", "wikicut.cli", "preview", str(part),
                             "--watch", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, preexec_fn=as_from_a_shell)
    url = proc.stdout.readline().strip()
    assert url.startswith("http://127.0.0.1:"), proc.stderr.read() if proc.poll() else url
    return proc, url


def _length(info: str) -> float:
    m = re.search(r"spacer: ([\d.]+) x 200 mm", info)
    assert m, info
    return float(m.group(1))


def test_the_open_page_follows_every_save_by_itself(tmp_path):
    """Edit a parameter: the open page reloads itself and shows the new shape within
    seconds; break the file: the page shows the error over the last shape, dimmed; fix it:
    the shape is back. Ctrl-C ends the watcher with exit 0."""
    browser = find_chromium()
    part = tmp_path / "spacer.toml"
    text = (ROOT / "parts" / "spacer.toml").read_text(encoding="utf-8")
    part.write_text(text, encoding="utf-8")
    proc, url = _watch(part, "-p", "height=200")
    page = None
    try:
        page = Page(browser, url, tmp_path / "chromium")
        first, _ = page.wait(lambda s: s.get("info") and s.get("width", 0) > 0,
                             "the first shape", limit=60)  # a browser starting, not a save
        length0, width0 = _length(first["info"]), first["width"]
        assert 700 < length0 < 800 and not first["error"]
        page.evaluate("window.__testMark = 'before the save'; 1")
        assert page.state()["mark"] == "before the save"

        part.write_text(text.replace("default = 560,", "default = 900,"), encoding="utf-8")
        st, took = page.wait(lambda s: s.get("info") and _length(s["info"]) > 1000,
                             "the new shape")
        assert st["mark"] is None  # a new document: the page reloaded itself
        assert _length(st["info"]) - length0 == pytest.approx(340, abs=0.5)
        assert st["width"] > width0 * 1.3  # drawn wider, not only relabelled
        assert took < WITHIN_S

        page.evaluate("window.__testMark = 'before the error'; 1")
        part.write_text(text.replace('w = "length"', 'w = "lenght"'), encoding="utf-8")
        st, _ = page.wait(lambda s: "lenght" in s.get("error", ""), "the error")
        assert st["mark"] is None and st["stale"]  # the last good shape, dimmed
        assert _length(st["info"]) > 1000

        part.write_text(text.replace("default = 560,", "default = 600,"), encoding="utf-8")
        st, _ = page.wait(lambda s: not s.get("error") and s.get("info")
                          and _length(s["info"]) < 900, "the fixed shape")
        assert not st["stale"]
    finally:
        if page is not None:
            page.close()
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=20) == 0, proc.stderr.read()
