"""A local two-outlet news web with a web archive beside it: where a topic's coverage hides.

Two outlets on two loopback addresses publish two years of articles each. The coverage of
the treaty is among them, in every place the crawl must look:

- outlet A (``127.0.0.1``) has slugged URLs
  (``/international/2024/11/05/la-coree-du-nord_17.html``); outlet B (``127.0.0.3``)
  slugless ones (``/international/17.html``): only its listings' link
  texts, feed titles and related blocks say what its pages are about;
- monthly sitemap archives behind a sitemap index (``lastmod``), a two-day news sitemap, an
  RSS feed of the latest items, paginated sections (``?page=N`` on A, ``/page/N/`` on B), a
  paginated tag page;
- on-topic articles reachable only from another on-topic article's related block
  (``hidden``), articles no page links to that only the archive's index lists (``orphan``),
  and articles gone from the site (404) whose copy only the archive's replay has (``gone``);
- articles about North Korea that are not about the treaty, on-topic articles outside the
  window, and a great many articles about something else.

The archive (``127.0.0.4``) answers the Wayback Machine's CDX API (``/cdx``: ``url``,
``matchType``, ``from``/``to``, ``output=json``, ``fl``, ``filter``, ``collapse``, ``limit``,
``showResumeKey``/``resumeKey``) and its raw replay (``/web/<timestamp>id_/<url>``), and has
broken endpoints for bad-input tests (``/broken/cdx``: an HTML page; ``/huge/cdx``: a
million lines; a replay that redirects to another host).

Bodies are real text: the treaty coverage of the demo site (the seed articles); the rest is
assembled from a fixed bank of French sentences, or, in ``bench/coverage.py``, real pages.
"""

from __future__ import annotations

import html
import json
import random
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

__all__ = ["CoverageWeb", "Story"]

_DEMO = Path(__file__).resolve().parent.parent / "crawler" / "demo" / "site" / "articles"
_TOPIC_FILES = [
    "accord-defense-mutuelle-entre-en-vigueur.html",
    "accord-revolutionnaire-poutine-kim.html",
    "coree-du-nord-guerre-koursk.html",
    "coree-du-nord-ratifie-accord-defense.html",
    "pyongyang-soutien-russie-lavrov.html",
]
_TOPIC_TITLES = [
    "Moscou et Pyongyang signent un traité de partenariat stratégique global",
    "La Douma ratifie l'accord de défense mutuelle avec la Corée du Nord",
    "Kim Jong-un ratifie par décret le traité avec la Russie",
    "Entrée en vigueur de l'accord de défense entre la Russie et la Corée du Nord",
    "Des soldats nord-coréens déployés dans la région de Koursk",
    "Choe Son Hui à Moscou : le partenariat stratégique global en actes",
    "Troupes nord-coréennes à Koursk : ce que prévoit le traité",
    "Assistance mutuelle : Pyongyang invoque l'accord avec Moscou",
]
_KOREA_TITLES = [
    "La Corée du Nord tire un missile balistique en mer du Japon",
    "Kim Jong-un inspecte une usine de munitions à Pyongyang",
    "Pyongyang dénonce les manœuvres militaires de Séoul et Washington",
    "Corée du Nord : des inondations frappent le nord du pays",
    "Séoul s'inquiète d'un nouveau satellite espion nord-coréen",
]
_KOREA_SENTENCES = [
    "La Corée du Nord a procédé à un nouveau tir selon l'état-major sud-coréen.",
    "Le dirigeant Kim Jong-un a assisté à l'essai, rapporte l'agence officielle.",
    "Séoul et Tokyo ont condamné un geste jugé provocateur.",
    "Les images diffusées à Pyongyang montrent une foule réunie sur la place centrale.",
    "Les experts estiment que le programme balistique progresse rapidement.",
]
_GENERAL_TITLES = [
    "Le budget de la ville adopté après un long débat",
    "Les festivals d'été affichent complet dans tout le pays",
    "La rentrée scolaire se prépare sous le signe des économies",
    "Le prix de l'énergie recule pour le troisième mois consécutif",
    "Une exposition consacrée aux impressionnistes attire les foules",
    "Le championnat reprend avec un calendrier bouleversé",
    "Les élus locaux réclament davantage de moyens pour les transports",
    "La vendange s'annonce précoce dans le Bordelais",
    "Un nouveau tramway relie la gare au centre-ville",
    "Les bibliothèques municipales étendent leurs horaires",
]
_GENERAL_SENTENCES = [
    "Le conseil municipal a voté le texte en fin de soirée après plusieurs heures de débat.",
    "Les organisateurs se félicitent d'une fréquentation en hausse par rapport à l'an passé.",
    "Selon les chiffres publiés mardi, la tendance devrait se poursuivre cet automne.",
    "Plusieurs associations ont salué une décision attendue depuis longtemps.",
    "Le projet prévoit une première phase de travaux dès le printemps prochain.",
    "Les habitants interrogés se disent partagés sur les changements annoncés.",
    "Le ministère a précisé que les modalités seraient détaillées dans les prochaines semaines.",
    "Les professionnels du secteur restent prudents face à une conjoncture incertaine.",
    "La préfecture a rappelé les règles en vigueur et appelé à la vigilance.",
    "Une réunion publique est prévue pour présenter le calendrier aux riverains.",
]
_SECTIONS = ("international", "economie", "culture")
_LISTED = (*_SECTIONS, "forever")
_WORD = re.compile(r"[^\w]+", re.UNICODE)


def _slug(title: str) -> str:
    import unicodedata

    flat = unicodedata.normalize("NFKD", title.lower())
    flat = "".join(c for c in flat if not unicodedata.combining(c))
    return _WORD.sub("-", flat).strip("-")[:80]


def _demo_paragraphs(name: str) -> list[str]:
    text = (_DEMO / name).read_text(encoding="utf-8")
    article = text.split("<article>", 1)[-1].split("</article>", 1)[0]
    return [p for p in re.findall(r"<p>(.*?)</p>", article, re.S) if len(p) > 40]


@dataclass
class Story:
    id: int
    outlet: str
    """``a`` (slugged URLs) or ``b`` (slugless)."""
    published: date
    kind: str
    """``topic`` (the treaty), ``korea`` (North Korea, not the treaty) or ``general``."""
    title: str
    section: str
    paragraphs: list[str]
    hidden: bool = False
    """Linked only from other on-topic articles' related blocks."""
    orphan: bool = False
    """Live, but listed only by the archive's index."""
    gone: bool = False
    """404 on the site; its copy is in the archive."""
    broken: bool = False
    """Gone, and its archived copy redirects off the archive (a bad-input case: not counted
    among what the crawl should find)."""
    related: list[int] = field(default_factory=list)

    @property
    def listed(self) -> bool:
        return not (self.hidden or self.orphan or self.gone)

    def path(self) -> str:
        if self.outlet == "a":
            day = self.published
            return f"/{self.section}/{day:%Y/%m/%d}/{_slug(self.title)}_{self.id}.html"
        return f"/{self.section}/{self.id}.html"


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, host: str, web: CoverageWeb, handle: Callable[[Any, str, str], None]):
        super().__init__((host, 0), _Handler)
        self.web = web
        self.handle_path = handle
        self.hits: Counter[str] = Counter()
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        return

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        self.server.hits[parts.path] += 1
        self.server.handle_path(self, parts.path, parts.query)

    def send(
        self, status: int, body: bytes, kind: str, headers: tuple[tuple[str, str], ...] = ()
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def stream(self, lines: Iterator[bytes], kind: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Connection", "close")
        self.end_headers()
        try:
            for line in lines:
                self.wfile.write(line)
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True


@dataclass(frozen=True)
class Expected:
    """An on-topic article in the window: what the crawl should find."""

    url: str
    kind: str
    """``slugged``, ``slugless``, ``hidden``, ``orphan`` or ``gone``."""


class CoverageWeb:
    """The two outlets and the archive, serving until :meth:`close`."""

    def __init__(
        self,
        per_outlet: int = 1100,
        first: date = date(2024, 1, 1),
        last: date = date(2025, 12, 31),
        window: tuple[date, date] = (date(2024, 6, 15), date(2025, 1, 31)),
        general_text: Callable[[random.Random], list[str]] | None = None,
        seed: int = 11,
    ) -> None:
        self.window = window
        self.first, self.last = first, last
        self.rng = random.Random(seed)
        self.general_text = general_text or self._general_paragraphs
        self.topic_text = [_demo_paragraphs(name) for name in _TOPIC_FILES]
        self.stories: dict[int, Story] = {}
        self._build("a", per_outlet, 1)
        self._build("b", per_outlet, 100_000)
        self._link_related()
        self.outlets = {
            "a": _Server("127.0.0.1", self, self._outlet("a")),
            "b": _Server("127.0.0.3", self, self._outlet("b")),
        }
        self.archive = _Server("127.0.0.4", self, self._archive)
        self.by_path = {(s.outlet, s.path()): s for s in self.stories.values()}

    # -- the stories ---------------------------------------------------------------------
    def _general_paragraphs(self, rng: random.Random) -> list[str]:
        return [" ".join(rng.sample(_GENERAL_SENTENCES, 4)) for _ in range(5)]

    def _build(self, outlet: str, count: int, first_id: int) -> None:
        span = (self.last - self.first).days
        start, end = self.window
        topic_days = [start + timedelta(days=int(i * (end - start).days / 19)) for i in range(19)]
        late = [end + timedelta(days=20 + 25 * i) for i in range(6)]
        early = [start - timedelta(days=40 + 30 * i) for i in range(3)]
        specials: list[tuple[date, str, dict[str, bool]]] = []
        for i, day in enumerate(topic_days):
            flags: dict[str, bool] = {}
            if i % 6 == 2:
                flags = {"hidden": True}
            elif outlet == "a" and i % 6 == 4:
                flags = {"orphan": True}
            elif outlet == "a" and i % 6 == 5:
                flags = {"gone": True}
            specials.append((day, "topic", flags))
        specials += [(day, "topic", {}) for day in (*late, *early)]
        if outlet == "a":
            specials.append((topic_days[-2], "topic", {"gone": True, "broken": True}))
        korea_days = [self.first + timedelta(days=17 + 23 * i) for i in range(30)]
        specials += [(day, "korea", {}) for day in korea_days if day <= self.last]
        general = max(0, count - len(specials))
        days = sorted(
            [self.first + timedelta(days=int(i * span / max(general, 1))) for i in range(general)]
            + [d for d, _, _ in specials]
        )
        special_by_day: dict[date, list[tuple[str, dict[str, bool]]]] = {}
        for day, kind, flags in specials:
            special_by_day.setdefault(day, []).append((kind, flags))
        number = first_id
        for day in days:
            waiting = special_by_day.get(day)
            kind, flags = waiting.pop(0) if waiting else ("general", {})
            number += 1
            self.stories[number] = self._story(number, outlet, day, kind, flags)

    def _story(
        self, number: int, outlet: str, day: date, kind: str, flags: dict[str, bool]
    ) -> Story:
        rng = random.Random(number)
        if kind == "topic":
            title = _TOPIC_TITLES[number % len(_TOPIC_TITLES)]
            body = self.topic_text[number % len(self.topic_text)]
            section = "international"
        elif kind == "korea":
            title = _KOREA_TITLES[number % len(_KOREA_TITLES)]
            body = [" ".join(rng.sample(_KOREA_SENTENCES, 4)) for _ in range(4)]
            section = "international"
        else:
            title = _GENERAL_TITLES[number % len(_GENERAL_TITLES)]
            body = self.general_text(rng)
            section = _SECTIONS[number % len(_SECTIONS)]
        title = f"{title} ({day:%d/%m/%Y})"
        return Story(number, outlet, day, kind, title, section, body, **flags)

    def _link_related(self) -> None:
        for outlet in ("a", "b"):
            mine = [s for s in self.stories.values() if s.outlet == outlet]
            by_kind: dict[str, list[Story]] = {}
            for story in mine:
                by_kind.setdefault(story.kind, []).append(story)
            topic = by_kind.get("topic", [])
            for i, story in enumerate(
                topic
            ):  # a chain: each hidden one is linked from a listed one
                story.related = [topic[(i + k) % len(topic)].id for k in (1, 2, 3)]
            for kind in ("korea", "general"):
                group = by_kind.get(kind, [])
                for i, story in enumerate(group):
                    story.related = [group[(i + k) % len(group)].id for k in (1, 7)]

    def url(self, story: Story) -> str:
        return self.outlets[story.outlet].url + story.path()

    def expected(self) -> list[Expected]:
        """The on-topic articles in the window, each with what makes it hard to find."""
        start, end = self.window
        found = []
        for story in self.stories.values():
            if story.kind != "topic" or story.broken or not start <= story.published <= end:
                continue
            kind = (
                "gone"
                if story.gone
                else "orphan"
                if story.orphan
                else "hidden"
                if story.hidden
                else "slugged"
                if story.outlet == "a"
                else "slugless"
            )
            found.append(Expected(self.url(story), kind))
        return found

    def korea_urls(self) -> set[str]:
        return {self.url(s) for s in self.stories.values() if s.kind == "korea"}

    def topic_outside_window(self) -> set[str]:
        start, end = self.window
        return {
            self.url(s)
            for s in self.stories.values()
            if s.kind == "topic" and not start <= s.published <= end
        }

    def requests(self) -> int:
        """Requests the two outlets answered."""
        return sum(sum(server.hits.values()) for server in self.outlets.values())

    def close(self) -> None:
        for server in (*self.outlets.values(), self.archive):
            server.shutdown()
            server.server_close()

    # -- pages ---------------------------------------------------------------------------
    def _listed(self, outlet: str, section: str | None = None, tag: bool = False) -> list[Story]:
        items = [
            s
            for s in self.stories.values()
            if s.outlet == outlet
            and s.listed
            and (section is None or s.section == section)
            and (not tag or s.kind in ("topic", "korea"))
        ]
        return sorted(items, key=lambda s: (s.published, s.id), reverse=True)

    def article_html(self, story: Story) -> str:
        related = "".join(
            f'<li><a href="{self.stories[r].path()}">{html.escape(self.stories[r].title)}</a></li>'
            for r in story.related
        )
        paragraphs = "".join(f"<p>{p}</p>" for p in story.paragraphs)
        when = story.published.isoformat()
        return (
            f'<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">'
            f"<title>{html.escape(story.title)}</title>"
            f'<meta property="og:type" content="article">'
            f'<meta property="article:published_time" content="{when}T08:00:00+01:00">'
            f'</head><body><header><a href="/">Accueil</a> <nav>'
            + "".join(f'<a href="/{s}/">{s.capitalize()}</a> ' for s in _SECTIONS)
            + f"</nav></header><main><article><h1>{html.escape(story.title)}</h1>"
            f'<p class="byline">Le <time datetime="{when}">{when}</time></p>{paragraphs}'
            f'</article><aside class="related"><h2>À lire aussi</h2><ul>{related}</ul></aside>'
            f"</main></body></html>"
        )

    def _listing_html(self, title: str, items: list[Story], next_href: str | None) -> str:
        rows = "".join(
            f'<li><a href="{s.path()}">{html.escape(s.title)}</a> '
            f'<time datetime="{s.published.isoformat()}">{s.published:%d/%m/%Y}</time></li>'
            for s in items
        )
        more = f'<a rel="next" href="{next_href}">Page suivante</a>' if next_href else ""
        return (
            f'<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>{title}</title>'
            f'<meta property="og:type" content="website"></head><body><h1>{title}</h1>'
            f"<nav>"
            + "".join(f'<a href="/{s}/">{s.capitalize()}</a> ' for s in _SECTIONS)
            + f'<a href="/tag/coree-du-nord/">Corée du Nord</a></nav><ul>{rows}</ul>{more}'
            f"</body></html>"
        )

    def _page(self, outlet: str, base: str, number: int, per_page: int) -> tuple[int, str]:
        """The page ``number`` of a listing at ``base`` (A: ``?page=N``; B: ``/page/N/``)."""
        if base.startswith("/tag/"):
            items, title = self._listed(outlet, tag=True), "Corée du Nord"
        elif base == "/forever/":
            return 200, self._listing_html("Sans fin", [], f"/forever/?page={number + 1}")
        else:
            section = base.strip("/")
            if section not in _SECTIONS:
                return 404, "<html><body>Introuvable</body></html>"
            items, title = self._listed(outlet, section), section.capitalize()
        chunk = items[(number - 1) * per_page : number * per_page]
        if not chunk:
            return 404, "<html><body>Introuvable</body></html>"
        more = number * per_page < len(items)
        if outlet == "a":
            next_href = f"{base}?page={number + 1}" if more else None
        else:
            next_href = f"{base}page/{number + 1}/" if more else None
        return 200, self._listing_html(f"{title} - page {number}", chunk, next_href)

    def _outlet(self, outlet: str) -> Callable[[Any, str, str], None]:
        def handle(request: Any, path: str, query: str) -> None:
            origin = self.outlets[outlet].url
            page_match = re.fullmatch(r"(/.+/)page/(\d+)/", path)
            if path == "/robots.txt":
                body = f"User-agent: *\nAllow: /\nSitemap: {origin}/sitemap.xml\n"
                request.send(200, body.encode(), "text/plain")
            elif path == "/":
                latest = self._listed(outlet)[:15]
                request.send(200, self._listing_html("Accueil", latest, None).encode(), "text/html")
            elif path == "/sitemap.xml":
                request.send(200, self._sitemap_index(outlet, origin).encode(), "application/xml")
            elif m := re.fullmatch(r"/sitemaps/(\d{4})-(\d{2})\.xml", path):
                month = (int(m[1]), int(m[2]))
                request.send(200, self._sitemap(outlet, origin, month).encode(), "application/xml")
            elif path == "/sitemap-news.xml":
                request.send(200, self._news_sitemap(outlet, origin).encode(), "application/xml")
            elif path == "/rss.xml":
                request.send(200, self._feed(outlet, origin).encode(), "application/rss+xml")
            elif page_match and outlet == "b":
                status, text = self._page(outlet, page_match[1], int(page_match[2]), 20)
                request.send(status, text.encode(), "text/html; charset=utf-8")
            elif path.endswith("/") and (path.startswith("/tag/") or path.strip("/") in _LISTED):
                number = int(parse_qs(query).get("page", ["1"])[0] or 1)
                status, text = self._page(outlet, path, number, 20)
                request.send(status, text.encode(), "text/html; charset=utf-8")
            else:
                story = self.by_path.get((outlet, path))
                if story is None or story.gone:
                    request.send(404, b"<html><body>Page introuvable</body></html>", "text/html")
                else:
                    body = self.article_html(story).encode()
                    request.send(200, body, "text/html; charset=utf-8")

        return handle

    def _sitemap_index(self, outlet: str, origin: str) -> str:
        months: dict[tuple[int, int], date] = {}
        for story in self._listed(outlet):
            key = (story.published.year, story.published.month)
            months[key] = max(months.get(key, story.published), story.published)
        entries = "".join(
            f"<sitemap><loc>{origin}/sitemaps/{y}-{m:02d}.xml</loc>"
            f"<lastmod>{last.isoformat()}</lastmod></sitemap>"
            for (y, m), last in sorted(months.items())
        )
        return (
            "<?xml version='1.0' encoding='UTF-8'?><sitemapindex "
            f"xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>{entries}</sitemapindex>"
        )

    def _sitemap(self, outlet: str, origin: str, month: tuple[int, int]) -> str:
        entries = "".join(
            f"<url><loc>{origin}{s.path()}</loc><lastmod>{s.published.isoformat()}</lastmod></url>"
            for s in self._listed(outlet)
            if (s.published.year, s.published.month) == month
        )
        return (
            "<?xml version='1.0' encoding='UTF-8'?><urlset "
            f"xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>{entries}</urlset>"
        )

    def _news_sitemap(self, outlet: str, origin: str) -> str:
        latest = self._listed(outlet)
        newest = latest[0].published if latest else self.last
        entries = "".join(
            f"<url><loc>{origin}{s.path()}</loc><news:news><news:publication>"
            "<news:name>Test</news:name><news:language>fr</news:language></news:publication>"
            f"<news:publication_date>{s.published.isoformat()}</news:publication_date>"
            f"<news:title>{html.escape(s.title)}</news:title></news:news></url>"
            for s in latest
            if (newest - s.published).days < 2
        )
        return (
            "<?xml version='1.0' encoding='UTF-8'?><urlset "
            "xmlns='http://www.sitemaps.org/schemas/sitemap/0.9' "
            f"xmlns:news='http://www.google.com/schemas/sitemap-news/0.9'>{entries}</urlset>"
        )

    def _feed(self, outlet: str, origin: str) -> str:
        items = "".join(
            f"<item><title>{html.escape(s.title)}</title><link>{origin}{s.path()}</link>"
            f"<pubDate>{s.published:%a, %d %b %Y} 08:00:00 +0100</pubDate></item>"
            for s in self._listed(outlet)[:30]
        )
        channel = f"<channel><title>T</title>{items}</channel>"
        return f"<?xml version='1.0'?><rss version='2.0'>{channel}</rss>"

    # -- the archive ---------------------------------------------------------------------
    def captures(self) -> list[tuple[str, str, str]]:
        """(urlkey, timestamp, url) of every capture the archive holds, sorted."""
        rows = []
        for story in self.stories.values():
            if story.hidden:
                continue
            url = self.url(story)
            host = urlsplit(url)
            key = ",".join(reversed((host.hostname or "").split("."))) + ")" + host.path
            stamp = (story.published + timedelta(days=1)).strftime("%Y%m%d") + "093000"
            rows.append((key, stamp, url))
        return sorted(rows)

    def _archive(self, request: Any, path: str, query: str) -> None:
        if path == "/cdx":
            self._cdx(request, parse_qs(query))
        elif path == "/broken/cdx":
            request.send(200, b"<html><body>Service unavailable</body></html>", "text/html")
        elif path == "/huge/cdx":
            request.stream(self._huge(), "application/json")
        elif m := re.fullmatch(r"/web/(\d{14})id_/(.+)", path):
            self._replay(request, m[1], unquote(m[2]) + (f"?{query}" if query else ""))
        else:
            request.send(404, b"not here", "text/plain")

    def _huge(self) -> Iterator[bytes]:
        yield b'[["urlkey","timestamp","original","mimetype","statuscode"],\n'
        origin = self.outlets["a"].url
        for i in range(1_000_000):
            row = f'["x)/{i}","20240701000000","{origin}/huge/{i}.html","text/html","200"],\n'
            yield row.encode()
        yield b'["end","20240701000000","x","text/html","200"]]\n'

    def _cdx(self, request: Any, params: dict[str, list[str]]) -> None:
        target = params.get("url", [""])[0]
        match = params.get("matchType", ["exact"])[0]
        since = params.get("from", [""])[0].ljust(14, "0")
        limit = int(params.get("limit", ["100000"])[0])
        offset = int(params.get("resumeKey", ["0"])[0] or 0)
        rows = []
        for key, stamp, url in self.captures():
            host = urlsplit(url).hostname or ""
            if match == "domain" and not (host == target or host.endswith("." + target)):
                continue
            if match == "prefix" and not url.startswith(target):
                continue
            if match == "exact" and url != target:
                continue
            if since.strip("0") and stamp < since:
                continue
            rows.append([key, stamp, url, "text/html", "200"])
        page = rows[offset : offset + limit]
        lines = ['["urlkey","timestamp","original","mimetype","statuscode"]']
        lines += [json.dumps(row) for row in page]
        if params.get("showResumeKey") and offset + limit < len(rows):
            lines += ["[]", json.dumps([str(offset + limit)])]
        body = "[" + ",\n".join(lines) + "]\n"
        request.send(200, body.encode(), "application/json")

    def _replay(self, request: Any, stamp: str, url: str) -> None:
        parts = urlsplit(url)
        outlet = next(
            (k for k, s in self.outlets.items() if s.url == f"{parts.scheme}://{parts.netloc}"),
            None,
        )
        story = self.by_path.get((outlet or "", parts.path))
        if story is None or story.hidden:
            request.send(404, b"not archived", "text/plain")
            return
        if story.id == self.redirecting_copy():
            request.send(
                302,
                b"",
                "text/plain",
                [("Location", f"http://127.0.0.9:9/web/{stamp}id_/{quote(url)}")],
            )
            return
        request.send(200, self.article_html(story).encode(), "text/html; charset=utf-8")

    def redirecting_copy(self) -> int:
        """The one gone story whose archived copy redirects off the archive (bad input)."""
        return next((s.id for s in self.stories.values() if s.broken), -1)

    # -- jobs ----------------------------------------------------------------------------
    def job(
        self, focus: str, pages: int = 0, archive: str = "/cdx", **extra: Any
    ) -> dict[str, Any]:
        """The job a user would write for this web: both outlets' sitemap indexes, news
        sitemaps, feeds, home pages and tag pages, the archive, the window, the topic."""
        from crawler.jobs.jobfile import load_job
        from settings import JOBS_DIR

        topic = load_job(JOBS_DIR / "treaty-fr.yaml").topic
        assert topic is not None
        a, b = self.outlets["a"].url, self.outlets["b"].url
        job: dict[str, Any] = {
            "name": f"coverage-{focus}",
            "seeds": {
                "sitemaps": [
                    f"{a}/sitemap.xml",
                    f"{b}/sitemap.xml",
                    f"{a}/sitemap-news.xml",
                    f"{b}/sitemap-news.xml",
                ],
                "feeds": [f"{a}/rss.xml", f"{b}/rss.xml"],
                "start_pages": [f"{a}/", f"{b}/"],
                "listings": [f"{a}/tag/coree-du-nord/", f"{b}/tag/coree-du-nord/"],
                "archives": [
                    {
                        "name": "local-archive",
                        "cdx": f"{self.archive.url}{archive}",
                        "api": "wayback",
                        "replay": f"{self.archive.url}/web/{{timestamp}}id_/{{url}}",
                        "urls": [f"{a}/international/"],
                        "page_size": 200,
                    }
                ],
            },
            "scope": {"max_depth": 2, "listing_pages": 60},
            "window": {"from": self.window[0].isoformat(), "to": self.window[1].isoformat()},
            "focus": focus,
            "limits": {"pages": pages, "duration": "30m", "download_timeout": "10s"},
            "politeness": {"delay": 0, "concurrency_per_domain": 8},
            "safety": {"allowed_networks": ["127.0.0.0/8"]},
            "topic": topic.model_dump(mode="json"),
        }
        job.update(extra)
        return job
