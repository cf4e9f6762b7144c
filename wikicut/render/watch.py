"""Live part editing: a part file re-rendered on every save, served on 127.0.0.1 to a page
that reloads itself (a few lines of polling script, no dependencies). A part that fails to
load shows its one-line error in the page, over the last shape that loaded; so does one
that meets a bug (an internal error), and the server keeps running."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from ..errors import WikicutError
from ..io.parts import load_part
from .svg import part_svg

POLL_S = 0.3  # how often the file is looked at; the page asks twice a second

PAGE_JS = """<script>
const shown = %d;
setInterval(() => fetch('/version', {cache: 'no-store'}).then(r => r.text())
  .then(v => { if (+v !== shown) location.reload(); }).catch(() => {}), 500);
</script>"""


class PartWatch:
    """The current page of a part file: rendered again when the file changes."""

    def __init__(self, path: Path, params: dict[str, float], thickness: float):
        self.path, self.params, self.thickness = Path(path), params, thickness
        self.version = 0
        self.svg = ""
        self.error = ""
        self.lock = threading.Lock()
        self._seen: tuple[int, int] | None = None

    def _stamp(self) -> tuple[int, int] | None:
        try:
            st = self.path.stat()
        except OSError:
            return None
        return st.st_mtime_ns, st.st_size

    def refresh(self) -> bool:
        """Render again if the file changed since the last look; whether it did."""
        stamp = self._stamp()
        if stamp == self._seen and self.version:
            return False
        self._seen = stamp
        try:
            part = load_part(self.path, self.params, thickness=self.thickness,
                             display=str(self.path))
            svg, error = part_svg(part), ""
        except WikicutError as exc:
            svg, error = None, str(exc)
        except OSError as exc:
            svg, error = None, f"{self.path}: {exc.strerror}"
        except Exception as exc:  # a bug: said in the page, as the CLI says it; the server
            # keeps serving, and the next save is rendered again
            svg, error = None, f"internal error: {type(exc).__name__}: {exc} ({self._debug()})"
        with self.lock:
            self.svg = svg if svg is not None else self.svg
            self.error = error
            self.version += 1
        return True

    def _debug(self) -> str:
        """How to see the traceback of a bug met in a render: the same render from the CLI."""
        params = "".join(f" -p {k}={v:g}" for k, v in self.params.items())
        return (f"run `wikicut --debug part {self.path}{params} -t {self.thickness:g} -o"
                " OUT.svg` for the traceback, and please report it")

    def page(self) -> str:
        with self.lock:
            version, svg, error = self.version, self.svg, self.error
        status = (f'<p class="error">{escape(error)}</p>' if error else
                  f'<p class="ok">{escape(str(self.path))}: rendered '
                  f'{time.strftime("%H:%M:%S")} (version {version})</p>')
        return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                f"<title>{escape(self.path.name)} v{version}</title><style>"
                "body{font-family:sans-serif;margin:1em}svg{width:100%;height:auto;"
                "max-height:85vh}.error{background:#fbb;border:1px solid #c00;padding:.5em}"
                f".stale{{opacity:.35}}</style></head><body>{status}"
                f'<div class="{"stale" if error else "shape"}">{svg}</div>'
                f"{PAGE_JS % version}</body></html>\n")


def _handler(watch: PartWatch) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            if self.path.split("?")[0] == "/version":
                body, kind = str(watch.version).encode(), "text/plain"
            elif self.path.split("?")[0] in ("/", "/index.html"):
                body, kind = watch.page().encode("utf-8"), "text/html; charset=utf-8"
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Cache-Control", "no-store")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:  # the terminal shows renders, not requests
            pass

    return Handler


def watch_part(path: Path, params: dict[str, float], thickness: float, port: int = 0,
               ready: Callable[[str], None] | None = None,
               rendered: Callable[[PartWatch], None] | None = None,
               stop: threading.Event | None = None) -> None:
    """Serve a part file's live preview on 127.0.0.1 until `stop` is set (or Ctrl-C):
    `ready(url)` once listening, `rendered(watch)` after each render."""
    watch = PartWatch(path, params, thickness)
    watch.refresh()
    server = ThreadingHTTPServer(("127.0.0.1", port), _handler(watch))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        if rendered:
            rendered(watch)
        if ready:
            ready(f"http://127.0.0.1:{server.server_address[1]}/")
        while not (stop and stop.is_set()):
            time.sleep(POLL_S)
            if watch.refresh() and rendered:
                rendered(watch)
    finally:
        server.shutdown()
        server.server_close()
