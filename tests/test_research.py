"""Research access end to end: the demo site crawled twice, indexed, then queried through the
API — captures (pywb CDX API, TimeMap), snapshots, article search, exports, WACZ, citations."""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from crawler.archive.storage import LocalStorage
from crawler.demo.server import DemoSite, demo_job
from crawler.service.app import create_app
from crawler.service.auth import create_token
from crawler.service.db import Database
from crawler.service.research.index import index_crawl
from crawler.service.tables import ArticleRow
from tests.conftest import run_cli
from tests.databases import service_database

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str, list[str]]]:
    """Two crawls of the demo site, a few seconds apart: archive root, site URL, crawl ids."""
    tmp = tmp_path_factory.mktemp("research")
    with DemoSite() as site:
        job = tmp / "demo.json"
        job.write_text(
            demo_job(site.base_url, f"file://{tmp / 'archive'}").model_dump_json(exclude_none=True)
        )
        ids = []
        for name in ("first", "second"):
            result = run_cli("crawl", str(job), "--crawl-id", name, "--spool", str(tmp / "spool"))
            assert result.returncode == 0, result.stderr[-2000:]
            ids.append(name)
            time.sleep(1.1)  # the second crawl's captures get later timestamps
        yield tmp / "archive", site.base_url, ids


@pytest.fixture(params=["sqlite", "postgresql"])
def api(
    request: pytest.FixtureRequest, tmp_path: Path, crawled: tuple[Path, str, list[str]]
) -> Iterator[tuple[TestClient, Database]]:
    archive, _, ids = crawled
    with service_database(request.param, tmp_path) as database:
        for crawl_id in ids:
            row = index_crawl(database, LocalStorage(archive), crawl_id)
            assert row.captures == 15 and row.articles == 6  # 15 pages fetched, 6 articles
        with database.transaction() as session:
            _, secret = create_token(session, "rita", "researcher", "test")
        client = TestClient(create_app(database))
        client.headers["Authorization"] = f"Bearer {secret}"
        yield client, database


def _ndjson(text: str) -> list[dict[str, str]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_cdx_queries_as_pywb_answers_them(
    api: tuple[TestClient, Database], crawled: tuple[Path, str, list[str]]
) -> None:
    client, _ = api
    _, base, _ = crawled
    front = f"{base}/"
    both = _ndjson(client.get("/cdx", params={"url": front, "output": "json"}).text)
    assert [c["url"] for c in both] == [front, front] and both[0]["timestamp"] < both[1][
        "timestamp"
    ]
    assert set(both[0]) == {
        "urlkey",
        "timestamp",
        "url",
        "mime",
        "status",
        "digest",
        "length",
        "offset",
        "filename",
    }
    cdxj = client.get("/cdx", params={"url": front}).text.splitlines()
    assert (
        cdxj[0].split(" ", 2)[0] == both[0]["urlkey"]
        and json.loads(cdxj[0].split(" ", 2)[2])["url"] == front
    )
    prefix = _ndjson(
        client.get("/cdx", params={"url": f"{base}/articles/*", "output": "json"}).text
    )
    assert prefix and all(c["url"].startswith(f"{base}/articles/") for c in prefix)
    host = _ndjson(
        client.get("/cdx", params={"url": base, "matchType": "host", "output": "json"}).text
    )
    assert len(host) > len(prefix) and any(c["url"].endswith("robots.txt") for c in host)
    html = _ndjson(
        client.get(
            "/cdx",
            params={
                "url": base,
                "matchType": "host",
                "output": "json",
                "filter": ["=status:200", "mime:html"],
            },
        ).text
    )
    assert html and all(c["status"] == "200" and "html" in c["mime"] for c in html)
    not_html = _ndjson(
        client.get(
            "/cdx",
            params={"url": base, "matchType": "host", "output": "json", "filter": "!mime:html"},
        ).text
    )
    assert len(html) + len(not_html) <= len(host) and not any("html" in c["mime"] for c in not_html)
    later = both[1]["timestamp"]
    closest = _ndjson(
        client.get(
            "/cdx",
            params={
                "url": front,
                "output": "json",
                "sort": "closest",
                "closest": later,
                "limit": 1,
            },
        ).text
    )
    assert [c["timestamp"] for c in closest] == [later]
    window = _ndjson(
        client.get("/cdx", params={"url": front, "output": "json", "from": later}).text
    )
    assert [c["timestamp"] for c in window] == [later]
    fields = client.get(
        "/cdx", params={"url": front, "output": "text", "fl": "timestamp,status"}
    ).text
    assert fields.splitlines()[0] == f"{both[0]['timestamp']} 200"
    reverse = _ndjson(
        client.get(
            "/cdx", params={"url": front, "output": "json", "sort": "reverse", "limit": 1}
        ).text
    )
    assert [c["timestamp"] for c in reverse] == [later]
    for params, field in (
        ({"url": front, "from": "2024-12"}, "from"),
        ({"url": front, "matchType": "everything"}, "matchType"),
        ({"url": front, "filter": "colour:red"}, "filter"),
        ({"url": front, "filter": "~url:("}, "filter"),
        ({"url": front, "filter": "~digest:(.|.){0,24}!"}, "filter"),  # exponential backtracking
        ({"url": front, "filter": "~url:(a+)+b"}, "filter"),
        ({"url": front, "filter": "~url:" + "a" * 201}, "filter"),
        ({"url": front, "fl": "urlkey,size"}, "fl"),
        ({"url": front, "sort": "closest"}, "closest"),
    ):
        # 400 as pywb answers its bad parameters
        bad = client.get("/cdx", params=params)
        named = bad.json()["problems"][0]["field"].split(".")[0]  # filter.0: the first
        assert bad.status_code == 400 and named == field, (
            params,
            bad.text,
        )
    assert client.get("/cdx").status_code == 400
    timemap = client.get(f"/timemap/link/{front}")
    assert timemap.headers["content-type"].startswith("application/link-format")
    assert timemap.text.count('rel="memento"') == 2 and f'<{front}>; rel="original"' in timemap.text
    assert client.get(f"/timemap/link/{base}/never-captured").status_code == 404


def test_snapshots_serve_the_closest_capture_sandboxed(
    api: tuple[TestClient, Database], crawled: tuple[Path, str, list[str]]
) -> None:
    client, _ = api
    _, base, _ = crawled
    captures = _ndjson(
        client.get(
            "/cdx",
            params={"url": base, "matchType": "host", "output": "json", "filter": "=status:200"},
        ).text
    )
    article = next(
        c for c in captures if "/articles/" in c["url"] and c["mime"].startswith("text/html")
    )
    page = client.get(f"/snapshots/{article['timestamp']}/{article['url']}")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert (
        "sandbox" in page.headers["content-security-policy"]
        and "script-src 'none'" in page.headers["content-security-policy"]
    )
    assert "<html" in page.text.lower() and page.headers["memento-datetime"]
    assert 'rel="describedby"' in page.headers["link"]
    # the archived response's own headers are the archive's, not the API's
    assert "BaseHTTP" in page.headers["x-archive-orig-server"]
    assert page.headers.get("x-archive-orig-date") and "BaseHTTP" not in page.headers.get(
        "server", ""
    )
    described = page.headers["link"].split('rel="describedby"')[0].rsplit("<", 1)[1].split(">")[0]
    assert client.get(described).json()["final_url"] == article["url"]
    early = client.get(f"/snapshots/2000/{article['url']}")  # closest: the first capture
    assert (
        early.headers["memento-datetime"] == page.headers["memento-datetime"]
        or early.status_code == 200
    )
    raw = client.get(f"/snapshots/{article['timestamp']}/{article['url']}", params={"raw": 1})
    assert raw.headers["content-type"] == "application/warc" and raw.content.startswith(
        b"WARC/1.1\r\n"
    )
    revisits = [c for c in captures if c["mime"] == "warc/revisit"]
    assert revisits, "the demo crawl has an identical payload at two URLs"
    resolved = client.get(f"/snapshots/{revisits[0]['timestamp']}/{revisits[0]['url']}")
    assert resolved.status_code == 200 and len(resolved.content) > 100  # the original's payload
    assert client.get(f"/snapshots/2024/{base}/no-such-page").status_code == 404
    assert client.get(f"/snapshots/not-a-time/{base}/").status_code == 404  # a URL to the TimeGate


def test_article_search_filters_and_exports(api: tuple[TestClient, Database]) -> None:
    client, _ = api
    found = client.get("/articles", params={"q": "traité Pyongyang"}).json()["results"]
    assert found and all(a["crawl_id"] in ("first", "second") for a in found)
    unaccented = client.get("/articles", params={"q": "traite PYONGYANG"}).json()["results"]
    assert [a["id"] for a in unaccented] == [a["id"] for a in found]  # case and accents ignored
    on_topic = client.get("/articles", params={"on_topic": "true", "crawl": "first"}).json()[
        "results"
    ]
    assert len(on_topic) == 5
    dated = [
        a["published"] for a in client.get("/articles", params={"crawl": "first"}).json()["results"]
    ]
    assert dated == sorted(dated, reverse=True)  # newest first
    one_day = client.get("/articles", params={"from": dated[0], "to": dated[0]}).json()["results"]
    assert one_day and {a["published"] for a in one_day} == {dated[0]}
    assert client.get("/articles", params={"from": "5 December"}).status_code == 422
    assert client.get("/articles", params={"q": "!!!"}).status_code == 422
    assert client.get("/articles", params={"sort": "random"}).status_code == 422
    page = client.get("/articles", params={"limit": 4}).json()
    assert len(page["results"]) == 4 and page["next_offset"] == 4

    everything = client.get("/articles/export", params={"format": "jsonl"}).text
    lines = _ndjson(everything)
    assert len(lines) == 12 and all(line["text"] and line["warc"]["record_id"] for line in lines)
    table = list(
        csv.DictReader(
            io.StringIO(
                client.get("/articles/export", params={"format": "csv", "on_topic": "true"}).text
            )
        )
    )
    assert len(table) == 10 and all(row["warc_record_id"] for row in table)
    import pyarrow.parquet as pq

    parquet = client.get("/crawls/first/articles", params={"format": "parquet"})
    frame = pq.read_table(io.BytesIO(parquet.content))
    assert frame.num_rows == 6 and "text" in frame.column_names
    for format in ("jsonl", "csv", "parquet"):  # the same crawl, the same bytes
        again = [
            client.get("/crawls/first/articles", params={"format": format}).content
            for _ in range(2)
        ]
        assert again[0] == again[1], format

    article = lines[0]["id"]
    csl = client.get(f"/articles/{article}/citation").json()[0]
    assert csl["type"] == "article-newspaper" and csl["URL"] and "WARC-Record-ID" in csl["note"]
    bib = client.get(f"/articles/{article}/citation", params={"format": "bibtex"}).text
    assert bib.startswith("@online{") and "urldate" in bib and "payload digest" in bib
    ris = client.get(f"/articles/{article}/citation", params={"format": "ris"})
    assert ris.headers["content-type"].startswith("application/x-research-info-systems")
    assert ris.text.startswith("TY  - NEWS\n") and ris.text.rstrip().endswith("ER  -")
    assert client.get("/articles/99999").status_code == 404


def test_research_routes_need_a_token(api: tuple[TestClient, Database]) -> None:
    client, _ = api
    for path in ("/cdx?url=x", "/articles", "/crawls", "/snapshots/2024/http://x/"):
        assert client.get(path, headers={"Authorization": ""}).status_code == 401, path
    for path in ("/crawls/..%2F..%2Fetc/wacz", "/crawls/../etc", "/crawls/%2e%2e/articles"):
        assert client.get(path).status_code == 404, path  # looked up, never a path


def test_snapshot_urls_keep_their_own_query_string() -> None:
    from starlette.requests import Request

    from crawler.service.research.memento import with_query

    scope = {"type": "http", "query_string": b"q=a%26b&page=2&raw=1", "headers": [], "path": "/"}
    assert with_query("http://e.fr/search", Request(scope)) == "http://e.fr/search?q=a%26b&page=2"
    scope["query_string"] = b"raw=1"
    assert with_query("http://e.fr/", Request(scope)) == "http://e.fr/"


def test_the_web_pages_read_the_index_on_both_databases(api: tuple[TestClient, Database]) -> None:
    """The UI's own queries (months of a search, a cluster's members, captures, status) on
    SQLite and PostgreSQL; the browser tests drive the pages themselves on SQLite."""
    client, database = api
    with database.transaction() as session:
        _, secret = create_token(session, "ann", "archivist", "test")
    pages = TestClient(client.app, base_url="https://testserver")  # the cookie is Secure
    signed = pages.post("/ui/sign-in", data={"token": secret, "next": "/ui/"})
    assert signed.status_code == 200 and "ann" in signed.text
    search = pages.get("/ui/search", params={"q": "Pyongyang", "on_topic": "true"})
    assert search.status_code == 200 and 'id="result-count"' in search.text
    assert "<figure>" in search.text  # the histogram by month
    article = int(search.text.split('href="/ui/articles/', 1)[1].split('"', 1)[0])
    with database.transaction() as session:  # as if its job had asked for reader comments
        row = session.get(ArticleRow, article)
        assert row is not None
        row.data = {**row.data, "comments": "<b>Un lecteur</b> répond.\nUne autre aussi."}
    page = pages.get(f"/ui/articles/{article}")
    assert "Reader comments" in page.text and "<p>Une autre aussi.</p>" in page.text
    assert "<p>&lt;b&gt;Un lecteur&lt;/b&gt; répond.</p>" in page.text  # escaped
    assert page.status_code == 200 and "Captures of this page" in page.text
    assert "Same cluster" in page.text  # the article is in both crawls: its copy clusters
    frame = page.text.split('id="archived-frame"', 1)[1].split('src="', 1)[1].split('"', 1)[0]
    assert pages.get(frame.replace("&amp;", "&")).status_code == 200
    for path in ("/ui/status", "/ui/runs", "/ui/jobs", "/ui/schedules"):
        assert pages.get(path).status_code == 200, path
    exported = pages.get("/ui/search/export", params={"q": "Pyongyang", "format": "csv"})
    assert exported.status_code == 200 and exported.text.startswith("id,")
