"""A local mock news site for end-to-end crawls: every behaviour the archive must survive.

Counts every request per path, so tests can prove what was (never) fetched.
"""

from __future__ import annotations

import gzip
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

CP1252_TEXT = "Le traité entre Moscou et Pyongyang : « coopération » renforcée, déjà évoquée."
BOMB_DECODED_SIZE = 30 * 1024 * 1024
BIG_SIZE = 3 * 1024 * 1024


def _article(n: int, title: str) -> bytes:
    paragraphs = "".join(
        f"<p>Paragraphe {i} de l'article {n} : la Corée du Nord et la Russie, Koursk.</p>"
        for i in range(5)
    )
    return (
        f"<!DOCTYPE html><html lang='fr'><head><meta charset='utf-8'><title>{title}</title>"
        f"</head><body><article><h1>{title}</h1>{paragraphs}</article>"
        f"<a href='/'>Accueil</a></body></html>"
    ).encode()


class MockSite(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self,
        host: str = "127.0.0.1",
        private_url: str = "http://127.0.0.2:9/",
        robots_status: int = 200,
    ) -> None:
        super().__init__((host, 0), _Handler)
        self.robots_status = robots_status
        self.hits: Counter[str] = Counter()
        self.private_url = private_url
        self.bomb = gzip.compress(b"\0" * BOMB_DECODED_SIZE, compresslevel=9)
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def close(self) -> None:
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    server: MockSite
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        return

    def _send(
        self,
        status: int,
        body: bytes,
        ctype: str = "text/html; charset=utf-8",
        headers: list[tuple[str, str]] | None = None,
        reason: str | None = None,
    ) -> None:
        self.send_response(status, reason)
        self.send_header("Content-Type", ctype)
        for name, value in headers or []:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        self.server.hits[path] += 1
        base = self.server.url
        if path == "/robots.txt" and self.server.robots_status != 200:
            self._send(self.server.robots_status, b"<html><body>robots.txt error</body></html>")
        elif path == "/robots.txt":
            self._send(200, b"User-agent: *\nDisallow: /private/\n", "text/plain")
        elif path == "/":
            links = [
                "/section/monde",
                "/private/secret.html",
                "file:///etc/passwd",
                "http://10.0.0.1/internal",
                self.server.private_url + "leak",
                "/redirect-301",
                "/redirect-metadata",
                "/redirect-private",
                "/missing",
                "/error",
                "/unavailable",
                "/slow",
                "/truncated",
                "/bomb",
                "/big",
                "/dup-headers",
                "/cp1252",
                "/refresh",
                "/refresh-utf16",
                "/articles/a1.html?ref=home",
                "data:text/html,hello",
            ]
            body = "".join(f"<a href='{link}'>{link}</a> " for link in links)
            self._send(200, f"<html><body><h1>Accueil</h1>{body}</body></html>".encode())
        elif path == "/section/monde":
            links = "".join(f"<a href='/articles/a{i}.html'>a{i}</a>" for i in (1, 2, 4))
            self._send(200, f"<html><body>{links}<a href='/'>home</a></body></html>".encode())
        elif path.startswith("/articles/a") and path.endswith(".html"):
            n = int(path[len("/articles/a") : -len(".html")])
            self._send(200, _article(n, f"Article {n}"))
        elif path == "/feed.xml":
            items = "".join(
                f"<item><title>A{i}</title><link>{base}/articles/a{i}.html</link>"
                f"<pubDate>Tue, 12 Nov 2024 10:0{i}:00 +0100</pubDate></item>"
                for i in (1, 2)
            )
            rss = f"<?xml version='1.0'?><rss version='2.0'><channel>{items}</channel></rss>"
            self._send(200, rss.encode(), "application/rss+xml")
        elif path == "/sitemap.xml":
            index = (
                "<?xml version='1.0'?><sitemapindex xmlns='http://www.sitemaps.org/schemas/"
                f"sitemap/0.9'><sitemap><loc>{base}/sitemap-news.xml.gz</loc></sitemap>"
                "</sitemapindex>"
            )
            self._send(200, index.encode(), "application/xml")
        elif path == "/sitemap-news.xml.gz":
            urlset = (
                "<?xml version='1.0'?><urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'"
                " xmlns:news='http://www.google.com/schemas/sitemap-news/0.9'><url>"
                f"<loc>{base}/articles/a3.html</loc><news:news><news:publication_date>"
                "2024-12-04T09:00:00+01:00</news:publication_date></news:news></url></urlset>"
            )
            self._send(200, gzip.compress(urlset.encode()), "application/x-gzip")
        elif path == "/redirect-301":
            self._send(301, b"", headers=[("Location", "/articles/a1.html")])
        elif path == "/redirect-metadata":
            self._send(302, b"", headers=[("Location", "http://169.254.169.254/latest/meta-data/")])
        elif path == "/redirect-private":
            self._send(302, b"", headers=[("Location", self.server.private_url + "via-redirect")])
        elif path == "/missing":
            self._send(404, b"<html><body>Not here</body></html>")
        elif path == "/error":
            self._send(500, b"<html><body>Oops</body></html>")
        elif path == "/unavailable":
            self._send(
                503,
                b"<html><body>Later</body></html>",
                headers=[("Retry-After", "1")],
                reason="Temporarily Overloaded",
            )
        elif path == "/slow":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            try:
                for _ in range(60):
                    self.wfile.write(b"<p>slow</p>\n")
                    self.wfile.flush()
                    time.sleep(0.1)
            except OSError:
                pass
            self.close_connection = True
        elif path == "/silent":  # accepts the connection, never answers
            time.sleep(20)
            self.close_connection = True
        elif path == "/truncated":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", "5000")
            self.end_headers()
            self.wfile.write(b"<html><body>" + b"x" * 988)
            self.wfile.flush()
            self.close_connection = True
        elif path == "/bomb":
            self._send(200, self.server.bomb, headers=[("Content-Encoding", "gzip")])
        elif path == "/big":
            self._send(200, b"<html><body>" + b"b" * BIG_SIZE + b"</body></html>")
        elif path == "/dup-headers":
            self._send(
                200,
                b"<html><body>dup</body></html>",
                headers=[
                    ("Set-Cookie", "a=1; Path=/"),
                    ("Set-Cookie", "b=2; Path=/"),
                    ("X-Dup", "first"),
                    ("X-Dup", "second"),
                ],
            )
        elif path == "/refresh":  # the tag late in a long head, its attribute in capitals
            head = "<meta name='filler' content='x'>" * 100
            tag = "<META HTTP-EQUIV='Refresh' content='0; url=/articles/a5.html'>"
            page = f"<html><head>{head}{tag}"
            self._send(200, (page + "</head><body>moved</body></html>").encode())
        elif path == "/refresh-utf16":
            page = "<html><head><meta http-equiv='refresh' content='0;url=/articles/a6.html'>"
            body = (page + "</head><body>déplacé</body></html>").encode("utf-16")
            self._send(200, body, "text/html; charset=utf-16")
        elif path == "/cp1252":
            page = (
                f"<html><head><title>cp1252</title></head><body><p>{CP1252_TEXT}</p></body></html>"
            )
            self._send(200, page.encode("cp1252"), "text/html; charset=windows-1252")
        else:
            self._send(404, b"<html><body>404</body></html>")
