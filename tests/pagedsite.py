"""A plain news site with sections, for crawls that must last a while (worker tests).

``/`` links to ``/section/<k>``, each of which links to its articles ``/a/<k>-<j>``: with
``max_depth: 2`` the articles are reachable only through their section. Every response waits
``delay`` seconds; every request is counted by path, and the most requests ever in flight at
once is kept (``peak``). Articles carry an ``ETag``, sections a ``Last-Modified``, and both
answer conditional requests with ``304``; ``add_article(k)`` publishes one more article in
section ``k`` (which changes that section page and its date).
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class PagedSite(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, sections: int = 3, per_section: int = 10, delay: float = 0.1) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.sections = sections
        self.per_section = per_section
        self.delay = delay
        self.hits: Counter[str] = Counter()
        self.in_flight = 0
        self.peak = 0
        self.added = [0] * sections
        self.requests: list[tuple[str, dict[str, str]]] = []
        self._lock = threading.Lock()
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def articles_in(self, section: int) -> int:
        return self.per_section + self.added[section]

    def add_article(self, section: int) -> str:
        self.added[section] += 1
        return f"/a/{section}-{self.articles_in(section) - 1}"

    def page_paths(self) -> set[str]:
        """Every HTML page of the site."""
        paths = {"/"} | {f"/section/{k}" for k in range(self.sections)}
        return paths | {
            f"/a/{k}-{j}" for k in range(self.sections) for j in range(self.articles_in(k))
        }

    def close(self) -> None:
        self.shutdown()
        self.server_close()


def _html(title: str, body: str) -> bytes:
    return (
        f"<!DOCTYPE html><html lang='fr'><head><meta charset='utf-8'><title>{title}</title>"
        f"<meta property='article:published_time' content='2024-12-04T10:00:00+01:00'>"
        f"</head><body>{body}</body></html>"
    ).encode()


class _Handler(BaseHTTPRequestHandler):
    server: PagedSite
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        return

    def do_GET(self) -> None:
        site = self.server
        with site._lock:
            site.hits[self.path] += 1
            site.in_flight += 1
            site.peak = max(site.peak, site.in_flight)
        try:
            self._answer(site)
        finally:
            with site._lock:
                site.in_flight -= 1

    def _answer(self, site: PagedSite) -> None:
        site.requests.append((self.path, dict(self.headers.items())))
        time.sleep(site.delay)
        status, ctype = 200, "text/html; charset=utf-8"
        validators: list[tuple[str, str]] = []
        if self.path == "/robots.txt":
            body, ctype = b"User-agent: *\nAllow: /\n", "text/plain"
        elif self.path == "/":
            links = "".join(
                f"<a href='/section/{k}'>Rubrique {k}</a>" for k in range(site.sections)
            )
            body = _html("Accueil", links)
        elif self.path.startswith("/section/"):
            k = int(self.path.rsplit("/", 1)[1])
            links = "".join(
                f"<li><a href='/a/{k}-{j}'>Article {k}-{j}</a></li>"
                for j in range(site.articles_in(k))
            )
            body = _html(f"Rubrique {k}", f"<ul>{links}</ul>")
            modified = f"Wed, 0{1 + site.added[k]} Jan 2025 10:00:00 GMT"
            validators.append(("Last-Modified", modified))
            if self.headers.get("If-Modified-Since") == modified:
                status = 304
        elif self.path.startswith("/a/"):
            name = self.path.rsplit("/", 1)[1]
            text = "".join(
                f"<p>Article {name}, paragraphe {i} : Pyongyang et Moscou, le traité de "
                f"partenariat stratégique global, la Corée du Nord.</p>"
                for i in range(6)
            )
            body = _html(f"Article {name}", f"<article><h1>Article {name}</h1>{text}</article>")
            etag = f'"{hashlib.sha1(body).hexdigest()[:16]}"'  # noqa: S324 -- an ETag, not security
            validators.append(("ETag", etag))
            if self.headers.get("If-None-Match") == etag:
                status = 304
        else:
            status, body, ctype = 404, b"not found", "text/plain"
        if status == 304:
            body = b""
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        for name, value in validators:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
