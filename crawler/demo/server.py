"""The offline demo: a bundled French news site served on loopback, and the job that crawls it."""

from __future__ import annotations

import gzip
import mimetypes
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from types import TracebackType
from typing import Self
from urllib.parse import urlsplit

from crawler.jobs.models import Job

__all__ = ["DemoSite", "demo_job"]

_TEXT_TYPES = ("text/", "application/xml", "application/rss+xml")


def _site_root() -> Path:
    return Path(str(resources.files("crawler.demo") / "site"))


class _Handler(BaseHTTPRequestHandler):
    server: _DemoServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        return

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        self.server.hits.append(path)
        target = (self.server.root / path.lstrip("/")).resolve()
        if target.is_dir():
            target = target / "index.html"
        if not target.is_relative_to(self.server.root) or not target.is_file():
            self._send(404, b"<html><body><h1>404 Not Found</h1></body></html>", "text/html")
            return
        ctype = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if target.suffix == ".xml":
            ctype = "application/rss+xml" if target.name.startswith("feed") else "application/xml"
        body = target.read_bytes().replace(b"{{BASE}}", self.server.base_url.encode())
        self._send(200, body, ctype)

    def _send(self, status: int, body: bytes, ctype: str) -> None:
        gzipped = "gzip" in self.headers.get("Accept-Encoding", "") and ctype == "text/html"
        if gzipped:
            body = gzip.compress(body, mtime=0)
        self.send_response(status)
        charset = "; charset=utf-8" if ctype.startswith(_TEXT_TYPES) else ""
        self.send_header("Content-Type", ctype + charset)
        if gzipped:
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Vary", "Accept-Encoding")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "max-age=60")
        self.end_headers()
        self.wfile.write(body)


class _DemoServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, root: Path, port: int = 0) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.root = root.resolve()
        self.hits: list[str] = []

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class DemoSite:
    """The demo news site on ``127.0.0.1`` (``port``, or a free one), in a background thread."""

    def __init__(self, root: Path | None = None, port: int = 0) -> None:
        self._server = _DemoServer(root or _site_root(), port)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return self._server.base_url

    @property
    def hits(self) -> list[str]:
        """Paths requested so far, in order."""
        return list(self._server.hits)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()


def demo_job(base_url: str, storage_url: str) -> Job:
    """The demo crawl: front page, feed and news sitemap of the local site; loopback allowed."""
    return Job.model_validate(
        {
            "name": "demo",
            "description": "Offline demo: the bundled news site on loopback",
            "seeds": {
                "start_pages": [f"{base_url}/"],
                "feeds": [f"{base_url}/feed.xml"],
                "sitemaps": [f"{base_url}/sitemap-news.xml"],
            },
            "scope": {"max_depth": 3},
            "limits": {"pages": 200, "duration": "5m"},
            "politeness": {"delay": 0, "concurrency_per_domain": 4},
            "identity": {"archive": "news-archive-demo", "operator": "demo user"},
            "safety": {"allowed_networks": ["127.0.0.1/32"]},
            "storage": storage_url,
            "topic": _treaty_topic(),
        }
    )


def _treaty_topic() -> dict[str, object] | None:
    """The treaty job's topic, so the demo scores its articles the way a real crawl does."""
    from crawler.jobs.jobfile import load_job
    from settings import JOBS_DIR

    topic = load_job(JOBS_DIR / "treaty-fr.yaml").topic
    return topic.model_dump() if topic else None
