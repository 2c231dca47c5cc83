"""Scale of the research indexes: 1,000,000 synthetic captures and 1,000,000 synthetic
articles in the service database, then closest-capture lookups and filtered article
searches, as the API runs them.

    python bench/index_scale.py [--captures N] [--articles N] [--postgres URL]

Default: a new SQLite file (the embedded default); ``--postgres`` a fresh database created
on that server (and dropped afterwards). Prints index build rates and query latencies
(p50 / p95 / max over 500 queries each). Not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from itertools import accumulate
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.service.db import Database, open_database  # noqa: E402
from crawler.service.research.cdx import closest_capture  # noqa: E402
from crawler.service.research.index import search_text  # noqa: E402
from crawler.service.research.search import ArticleQuery, find_articles  # noqa: E402
from crawler.service.tables import ArticleRow, CaptureRow  # noqa: E402

SITES = [f"site{n}.fr" for n in range(400)]
VOCABULARY = [f"mot{n}" for n in range(30_000)]
"""Article words are drawn from this vocabulary with Zipf-like frequencies (as in news text),
plus the topic words below."""
CUMULATIVE = list(accumulate(1 / (rank + 10) for rank in range(len(VOCABULARY))))
TOPIC = [
    "russie",
    "corée",
    "nord",
    "traité",
    "partenariat",
    "stratégique",
    "pyongyang",
    "moscou",
    "kim",
    "poutine",
    "koursk",
    "soldats",
    "défense",
    "accord",
    "ratification",
    "sanctions",
    "missile",
    "sommet",
    "ukraine",
    "armée",
    "coopération",
    "économie",
    "gouvernement",
    "élection",
    "président",
    "ministre",
    "parlement",
    "réforme",
    "budget",
    "europe",
    "chine",
    "japon",
    "séoul",
    "washington",
    "diplomatie",
    "frontière",
    "militaire",
    "nucléaire",
    "énergie",
    "gaz",
    "pétrole",
    "commerce",
    "marché",
    "entreprise",
    "emploi",
    "santé",
    "école",
    "climat",
    "tempête",
    "culture",
    "sport",
    "football",
]
BATCH = 5000


def _urlkey(site: str, n: int) -> str:
    host = ",".join(reversed(site.split(".")))
    return f"{host})/article/{n}"


def _captures(count: int, rng: random.Random) -> Iterator[dict[str, object]]:
    for i in range(count):
        site = SITES[i % len(SITES)]
        page = i // 3  # about three captures of each URL
        ts = 20240101000000 + rng.randrange(0, 2) * 10000000000 + rng.randrange(1, 12) * 100000000
        ts += rng.randrange(1, 28) * 1000000 + rng.randrange(0, 24) * 10000
        yield {
            "crawl_id": f"crawl-{i % 50}",
            "urlkey": _urlkey(site, page),
            "ts": ts,
            "url": f"https://{site}/article/{page}",
            "mime": "text/html",
            "status": "200",
            "digest": f"sha1:{rng.getrandbits(160):040x}",
            "length": rng.randrange(2000, 90000),
            "offset": rng.randrange(0, 10**9),
            "filename": f"news-{i % 50}.warc.gz",
        }


def _articles(count: int, rng: random.Random) -> Iterator[dict[str, object]]:
    for i in range(count):
        site = SITES[i % len(SITES)]
        title = " ".join(rng.choices(VOCABULARY, cum_weights=CUMULATIVE, k=8)).capitalize()
        words = rng.choices(VOCABULARY, cum_weights=CUMULATIVE, k=150) + rng.sample(TOPIC, 3)
        text = " ".join(words)
        day = f"2024-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"
        yield {
            "crawl_id": f"crawl-{i % 50}",
            "url": f"https://{site}/article/{i}",
            "final_url": f"https://{site}/article/{i}",
            "title": title,
            "authors": rng.choice(["", "AFP", "Marie Dupont", "Jean Martin"]),
            "published": day,
            "site": site,
            "language": "fr",
            "on_topic": rng.random() < 0.1,
            "score": rng.random() * 40,
            "captured_at": None,
            "data": {"title": title},
            "search_text": search_text(title, text),
        }


def _load(
    database: Database, table: object, rows: Iterator[dict[str, object]], count: int
) -> float:
    start = time.perf_counter()
    done = 0
    while done < count:
        batch = [next(rows) for _ in range(min(BATCH, count - done))]
        with database.transaction() as session:
            session.execute(table.__table__.insert(), batch)  # type: ignore[attr-defined]
        done += len(batch)
        if done % 200_000 == 0:
            print(f"  {done:,} rows", file=sys.stderr)
    return count / (time.perf_counter() - start)


def _latencies(run: Callable[[], object], n: int = 500) -> tuple[float, float, float]:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[int(0.95 * n) - 1], times[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--captures", type=int, default=1_000_000)
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument(
        "--postgres", help="admin URL of a PostgreSQL server to create a database on"
    )
    args = parser.parse_args()
    rng = random.Random(42)
    with tempfile.TemporaryDirectory() as tmp:
        if args.postgres:
            sys.path.insert(0, str(ROOT / "tests"))
            import os

            os.environ["TEST_POSTGRES_URL"] = args.postgres
            from tests.databases import postgres_database

            context = postgres_database()
            url = context.__enter__()
        else:
            url = f"sqlite:///{Path(tmp) / 'scale.db'}"
        database = open_database(url)
        try:
            backend = "PostgreSQL" if args.postgres else "SQLite"
            print(f"{backend}: loading {args.captures:,} captures", file=sys.stderr)
            capture_rate = _load(database, CaptureRow, _captures(args.captures, rng), args.captures)
            print(f"{backend}: loading {args.articles:,} articles", file=sys.stderr)
            article_rate = _load(database, ArticleRow, _articles(args.articles, rng), args.articles)
            with database.engine.begin() as connection:
                connection.exec_driver_sql("ANALYZE")
            pages = args.captures // 3

            def lookup() -> object:
                n = rng.randrange(pages)
                site = SITES[(n * 3) % len(SITES)]
                when = f"2024{rng.randrange(1, 13):02d}{rng.randrange(1, 29):02d}"
                with database.session() as session:
                    return closest_capture(session, f"https://{site}/article/{n}", when)

            def search() -> object:
                filters = rng.choice(
                    [
                        {"site": rng.choice(SITES)},
                        {"on_topic": True},
                        {"published_from": "2024-06-01", "published_to": "2024-06-30"},
                    ]
                )
                words = [rng.choice(TOPIC), VOCABULARY[rng.randrange(50, 5000)]]
                query = ArticleQuery(q=" ".join(words), limit=50, **filters)
                with database.session() as session:
                    return list(find_articles(session, query))

            closest = _latencies(lookup)
            searched = _latencies(search)
        finally:
            database.engine.dispose()
            if args.postgres:
                context.__exit__(None, None, None)

    def ms(figures: tuple[float, float, float]) -> str:
        return " / ".join(f"{value:.1f}" for value in figures) + " ms"

    print(f"| {backend} | rows/s or ms |")
    print("|---|---|")
    print(f"| index build, captures | {capture_rate:,.0f} rows/s |")
    print(f"| index build, articles (with full-text index) | {article_rate:,.0f} rows/s |")
    print(f"| closest capture, p50 / p95 / max | {ms(closest)} |")
    print(f"| search with a filter, p50 / p95 / max | {ms(searched)} |")


if __name__ == "__main__":
    main()
