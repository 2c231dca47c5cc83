"""Memento (RFC 7089) as pywb serves it, on a small archive written here: TimeGate with
``Accept-Datetime``, TimeMap links, inexact timestamps redirected to the exact memento,
archived redirects and errors replayed with their own status, ``HEAD`` everywhere."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler.archive.cdxj import index_warc
from crawler.service.app import create_app
from crawler.service.auth import create_token
from crawler.service.db import open_database
from crawler.service.research.index import index_cdxj
from crawler.service.tables import CrawlRow

pytestmark = pytest.mark.e2e

SITE = "http://news.test"
_CAPTURES = [  # (url, WARC-Date, status, headers, body)
    (f"{SITE}/", "2024-06-19T10:00:00Z", "200 OK", [("Content-Type", "text/html")], b"<p>1</p>"),
    (f"{SITE}/", "2024-12-04T10:00:00Z", "200 OK", [("Content-Type", "text/html")], b"<p>2</p>"),
    (
        f"{SITE}/old",
        "2024-12-04T10:00:01Z",
        "301 Moved Permanently",
        [("Location", "/new"), ("Content-Type", "text/html")],
        b"moved",
    ),
    (
        f"{SITE}/gone",
        "2024-12-04T10:00:02Z",
        "404 Not Found",
        [("Content-Type", "text/html"), ("Set-Cookie", "s=1")],
        b"<h1>gone</h1>",
    ),
]


def _write_warc(path: Path) -> None:
    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        for url, date, status, headers, body in _CAPTURES:
            http = StatusAndHeaders(status, headers, protocol="HTTP/1.1")
            record = writer.create_warc_record(
                url,
                "response",
                payload=io.BytesIO(body),
                http_headers=http,
                warc_headers_dict={"WARC-Date": date},
            )
            writer.write_record(record)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    root = tmp_path_factory.mktemp("memento")
    warc = root / "archive" / "crawls" / "c1" / "warc" / "c1.warc.gz"
    warc.parent.mkdir(parents=True)
    _write_warc(warc)
    index = root / "c1.cdxj"
    index_warc(warc, index)
    database = open_database(f"sqlite:///{root / 'crawler.db'}")
    with index.open(encoding="utf-8") as lines:
        assert index_cdxj(database, "c1", lines, str(index)) == len(_CAPTURES)
    with database.transaction() as session:
        when = datetime(2024, 12, 4, tzinfo=UTC)
        session.add(
            CrawlRow(
                crawl_id="c1",
                storage_url=f"file://{root / 'archive'}",
                job="memento",
                started_at=when,
                finished_at=when,
            )
        )
        _, secret = create_token(session, "rita", "researcher", "test")
    test_client = TestClient(create_app(database), follow_redirects=False)
    test_client.headers["Authorization"] = f"Bearer {secret}"
    yield test_client
    database.engine.dispose()


def _links(header: str) -> dict[str, str]:
    """rel -> URI of a Link header (the first of each rel)."""
    found: dict[str, str] = {}
    for part in header.split(", <"):
        uri, _, params = part.lstrip("<").partition(">")
        rel = params.split('rel="', 1)[1].split('"', 1)[0]
        found.setdefault(rel, uri)
    return found


def test_the_timegate_redirects_to_the_memento_closest_to_accept_datetime(
    client: TestClient,
) -> None:
    june = client.get(
        f"/snapshots/{SITE}/", headers={"Accept-Datetime": "Thu, 20 Jun 2024 00:00:00 GMT"}
    )
    assert june.status_code == 302 and june.headers["vary"] == "accept-datetime"
    assert june.headers["location"] == f"http://testserver/snapshots/20240619100000/{SITE}/"
    links = _links(june.headers["link"])
    assert links["original"] == f"{SITE}/"
    assert links["timemap"] == f"http://testserver/timemap/link/{SITE}/"
    newest = client.get(f"/snapshots/{SITE}/")  # no Accept-Datetime: the newest
    assert newest.headers["location"].endswith(f"/snapshots/20241204100000/{SITE}/")
    bad = client.get(f"/snapshots/{SITE}/", headers={"Accept-Datetime": "last summer"})
    assert bad.status_code == 400 and "accept-datetime" in bad.text.lower()
    assert client.get(f"/snapshots/{SITE}/nothing-here").status_code == 404


def test_a_memento_names_itself_and_its_timegate_with_absolute_links(client: TestClient) -> None:
    memento = client.get(f"/snapshots/20240619100000/{SITE}/")
    assert memento.status_code == 200 and memento.text == "<p>1</p>"
    assert memento.headers["memento-datetime"] == "Wed, 19 Jun 2024 10:00:00 GMT"
    links = _links(memento.headers["link"])
    assert links["timegate"] == f"http://testserver/snapshots/{SITE}/"
    assert links["memento"] == f"http://testserver/snapshots/20240619100000/{SITE}/"
    assert all(uri.startswith("http") for uri in links.values())


def test_an_inexact_timestamp_redirects_to_the_exact_memento(client: TestClient) -> None:
    for asked in ("2024", "20241201", "20240619100001"):
        answer = client.get(f"/snapshots/{asked}/{SITE}/", params={"raw": "1"})
        assert answer.status_code == 302, asked
        assert "/snapshots/2024" in answer.headers["location"]
        assert answer.headers["location"].endswith("?raw=1")  # what was asked for, kept
    followed = client.get(f"/snapshots/2024/{SITE}/", follow_redirects=True)
    assert followed.status_code == 200 and followed.text == "<p>1</p>"


def test_the_timemap_names_the_timegate(client: TestClient) -> None:
    timemap = client.get(f"/timemap/link/{SITE}/").text
    assert f'<http://testserver/snapshots/{SITE}/>; rel="timegate"' in timemap
    assert timemap.count('rel="memento"') == 2 and not timemap.rstrip().endswith(",")


def test_archived_redirects_and_errors_replay_with_their_own_status(client: TestClient) -> None:
    moved = client.get(f"/snapshots/20241204100001/{SITE}/old")
    assert moved.status_code == 301
    assert moved.headers["location"] == f"http://testserver/snapshots/20241204100001/{SITE}/new"
    assert moved.headers["x-archive-orig-location"] == "/new"
    gone = client.get(f"/snapshots/20241204100002/{SITE}/gone")
    assert gone.status_code == 404 and gone.text == "<h1>gone</h1>"
    assert "set-cookie" not in gone.headers and gone.headers["x-archive-orig-set-cookie"]
    assert "sandbox" in gone.headers["content-security-policy"]


def test_head_answers_wherever_get_does(client: TestClient) -> None:
    for path in (
        f"/snapshots/20240619100000/{SITE}/",
        f"/timemap/link/{SITE}/",
        "/cdx?url=news.test/",
        "/health",
    ):
        got, head = client.get(path), client.head(path)
        assert head.status_code == got.status_code == 200, path
        assert head.content == b"" and head.headers["content-type"] == got.headers["content-type"]
    gate = client.head(f"/snapshots/{SITE}/")
    assert gate.status_code == 302 and gate.headers["location"]
