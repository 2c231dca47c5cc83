"""Crawls packaged for replay tools: WACZ that the reference validator (py-wacz's
``wacz validate``) accepts, byte-reproducible and self-contained for incremental crawls
(revisits' originals included); a pywb collection kept in step with the archive."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from warcio.archiveiterator import ArchiveIterator

from crawler.archive.storage import LocalStorage
from crawler.demo.server import DemoSite, demo_job
from crawler.service.app import create_app
from crawler.service.auth import create_token
from crawler.service.db import open_database
from crawler.service.research.index import index_crawl
from tests.conftest import run_cli

pytestmark = pytest.mark.e2e

_WACZ = str(Path(sys.executable).with_name("wacz"))  # the console command, whose exit status counts


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo site crawled twice, the second time incrementally ("only new")."""
    tmp = tmp_path_factory.mktemp("wacz")
    with DemoSite() as site:
        job = demo_job(site.base_url, f"file://{tmp / 'archive'}").model_copy(
            update={"only_new": True}
        )
        path = tmp / "demo.json"
        path.write_text(job.model_dump_json(exclude_none=True))
        captures = str(tmp / "captures.jsonl")
        for name, incremental in (("full", "--captures-out"), ("again", "--previous-captures")):
            result = run_cli(
                "crawl",
                str(path),
                "--crawl-id",
                name,
                "--spool",
                str(tmp / "spool"),
                incremental,
                captures,
            )
            assert result.returncode == 0, result.stderr[-2000:]
            time.sleep(1.1)
    return tmp


@pytest.fixture(scope="module")
def client(crawled: Path) -> Iterator[TestClient]:
    """Both crawls indexed, and the API over them."""
    tmp = crawled
    database = open_database(f"sqlite:///{tmp / 'service.db'}")
    for name in ("full", "again"):
        index_crawl(database, LocalStorage(tmp / "archive"), name)
    with database.transaction() as session:
        _, secret = create_token(session, "rita", "researcher", "test")
    test_client = TestClient(create_app(database))
    test_client.headers["Authorization"] = f"Bearer {secret}"
    yield test_client


def _export(client: TestClient, crawl_id: str, folder: Path) -> Path:
    response = client.get(f"/crawls/{crawl_id}/wacz")
    assert response.status_code == 200, response.text
    path = folder / f"{crawl_id}.wacz"
    path.write_bytes(response.content)
    return path


def _validate(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([_WACZ, "validate", "-f", str(path)], capture_output=True, text=True)


def _records(wacz: zipfile.ZipFile) -> list[object]:
    records = []
    for name in wacz.namelist():
        if name.startswith("archive/"):
            for record in ArchiveIterator(io.BytesIO(wacz.read(name))):
                record.content_stream().read()
                records.append(record)
    return records


def test_a_crawl_exports_as_a_wacz_the_validator_accepts(
    client: TestClient, tmp_path: Path
) -> None:
    path = _export(client, "full", tmp_path)
    with zipfile.ZipFile(path) as wacz:
        names = set(wacz.namelist())
        assert {"datapackage.json", "datapackage-digest.json", "indexes/index.cdx"} <= names
        package = json.loads(wacz.read("datapackage.json"))
        for resource in package["resources"]:
            data = wacz.read(resource["path"])
            assert resource["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
            assert resource["bytes"] == len(data)
        pages = [json.loads(line) for line in wacz.read("pages/pages.jsonl").splitlines()]
    assert pages[0]["format"] == "json-pages-1.0" and len(pages) > 5
    assert all(page["title"] and page["id"] for page in pages[1:])  # none blank to frictionless
    assert package["mainPageURL"].endswith(":" + package["mainPageURL"].split(":")[-1])
    assert package["mainPageURL"] == pages[1]["url"] or package["mainPageURL"].endswith("/")
    assert package["created"] == package["description"].rsplit(" to ", 1)[1]  # the crawl's end
    check = _validate(path)
    assert check.returncode == 0, check.stdout + check.stderr
    assert client.get("/crawls/nope/wacz").status_code == 404


def test_the_validator_refuses_a_broken_package(client: TestClient, tmp_path: Path) -> None:
    """The check above can fail: one WARC byte changed, and ``wacz validate`` exits non-zero."""
    path = _export(client, "full", tmp_path)
    broken = tmp_path / "broken.wacz"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(broken, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.startswith("archive/"):
                data = data[:-1] + bytes([data[-1] ^ 1])
            target.writestr(info, data)
    assert _validate(broken).returncode != 0


def test_exports_are_byte_reproducible(client: TestClient, tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = _export(client, "full", tmp_path / "a")
    time.sleep(1.1)  # a clock in the package would now differ
    second = _export(client, "full", tmp_path / "b")
    assert first.read_bytes() == second.read_bytes()
    etags = {client.get("/crawls/full/wacz").headers["etag"] for _ in range(2)}
    assert len(etags) == 1 and etags.pop().startswith('"sha256-')


def test_an_incremental_crawl_exports_a_self_contained_package(
    client: TestClient, tmp_path: Path
) -> None:
    path = _export(client, "again", tmp_path)
    with zipfile.ZipFile(path) as wacz:
        records = _records(wacz)
        pages = wacz.read("pages/pages.jsonl").splitlines()[1:]
        index = wacz.read("indexes/index.cdx").decode().splitlines()
    revisits = [r for r in records if r.rec_type == "revisit"]  # type: ignore[attr-defined]
    held = {
        (r.rec_headers.get_header("WARC-Target-URI"), r.rec_headers.get_header("WARC-Date"))  # type: ignore[attr-defined]
        for r in records
        if r.rec_type == "response"  # type: ignore[attr-defined]
    }
    assert len(revisits) >= 10  # nothing changed on the site: the crawl is mostly revisits
    for revisit in revisits:
        headers = revisit.rec_headers  # type: ignore[attr-defined]
        wanted = (
            headers.get_header("WARC-Refers-To-Target-URI"),
            headers.get_header("WARC-Refers-To-Date"),
        )
        assert wanted in held, f"{wanted} is not in the package"
    assert any("-originals.warc.gz" in line for line in index)
    assert len(pages) >= 6  # the revisited pages are pages of the package too
    check = _validate(path)
    assert check.returncode == 0, check.stdout + check.stderr


def test_pywb_sync_keeps_a_collection_pywb_replays_without_a_manual_step(
    crawled: Path, tmp_path: Path
) -> None:
    collection = tmp_path / "collections" / "news"
    storage = f"file://{crawled / 'archive'}"
    first = run_cli("pywb-sync", str(collection), "--storage", storage)
    assert first.returncode == 0 and "2 crawl(s) added" in first.stderr, first.stderr
    again = run_cli("pywb-sync", str(collection), "--storage", storage)
    assert again.returncode == 0 and "0 crawl(s) added" in again.stderr  # nothing to redo
    indexes = sorted(p.name for p in (collection / "indexes").iterdir())
    assert indexes == ["again.cdxj", "full.cdxj"]
    responses: set[tuple[str, str]] = set()
    revisited: list[tuple[str, str]] = []
    for name in indexes:
        for line in (collection / "indexes" / name).read_text().splitlines():
            fields = json.loads(line.split(" ", 2)[2])
            warc = collection / "archive" / fields["filename"]  # pywb's default archive path
            with warc.open("rb") as handle:
                handle.seek(int(fields["offset"]))
                member = handle.read(int(fields["length"]))
            headers = next(iter(ArchiveIterator(io.BytesIO(member)))).rec_headers
            assert headers.get_header("WARC-Target-URI") == fields["url"]
            if headers.get_header("WARC-Type") == "response":
                responses.add((fields["url"], headers.get_header("WARC-Date")))
            else:
                revisited.append(
                    (
                        headers.get_header("WARC-Refers-To-Target-URI"),
                        headers.get_header("WARC-Refers-To-Date"),
                    )
                )
    assert len(revisited) >= 10 and set(revisited) <= responses  # every original is there
