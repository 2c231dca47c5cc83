"""`crawler verify` and `crawler pull`: a good crawl verifies; every kind of damage is named."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.demo.server import DemoSite, demo_job
from crawler.jobs.models import Extraction
from tests.conftest import run_cli
from tests.s3server import SeaweedS3

pytestmark = pytest.mark.e2e


def _crawl(
    tmp: Path, storage: str, env: dict[str, str] | None = None, comments: bool = False
) -> str:
    with DemoSite() as site:
        job = tmp / "demo.json"
        model = demo_job(site.base_url, storage)
        model = model.model_copy(update={"extraction": Extraction(comments=comments)})
        job.write_text(model.model_dump_json(exclude_none=True))
        result = run_cli(
            "crawl", str(job), "--crawl-id", "verify-me", "--spool", str(tmp / "spool"), env=env
        )
    assert result.returncode == 0, result.stderr[-2000:]
    return "verify-me"


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    tmp = tmp_path_factory.mktemp("verify")
    crawl = _crawl(tmp, f"file://{tmp / 'archive'}")
    yield tmp / "archive", crawl


def _copy(stored: tuple[Path, str], tmp: Path) -> tuple[Path, Path]:
    """A private copy of the stored crawl (tests damage it); its storage root and folder."""
    import shutil

    archive, crawl = stored
    root = tmp / "archive"
    shutil.copytree(archive, root)
    return root, root / "crawls" / crawl


def _verify(root: Path, *extra: str) -> tuple[int, str, str]:
    result = run_cli("verify", "verify-me", "--storage", f"file://{root}", *extra)
    return result.returncode, result.stdout, result.stderr


def test_a_stored_crawl_verifies_and_pulls(stored: tuple[Path, str], tmp_path: Path) -> None:
    archive, crawl = stored
    code, out, err = _verify(archive, "--json")
    assert code == 0, out + err
    report = json.loads(out)
    assert report["ok"] and {f["path"].split("/")[0] for f in report["files"]} >= {"warc", "index"}
    warc = next(f for f in report["files"] if f["path"].startswith("warc/"))
    assert warc["records"] == 31
    pulled = run_cli(
        "pull", crawl, "--storage", f"file://{archive}", "--dest", str(tmp_path / "copy")
    )
    assert pulled.returncode == 0, pulled.stderr
    manifest = json.loads((tmp_path / "copy" / "crawls" / crawl / "manifest.json").read_text())
    for entry in manifest["files"]:
        local = tmp_path / "copy" / "crawls" / crawl / entry["path"]
        assert hashlib.sha256(local.read_bytes()).hexdigest() == entry["sha256"]


def test_one_changed_byte_in_a_warc_is_named(stored: tuple[Path, str], tmp_path: Path) -> None:
    root, folder = _copy(stored, tmp_path)
    warc = next((folder / "warc").glob("*.warc.gz"))
    data = bytearray(warc.read_bytes())
    data[len(data) // 2] ^= 0x01
    warc.write_bytes(bytes(data))
    code, out, _ = _verify(root)
    assert code == 1
    line = next(x for x in out.splitlines() if x.startswith(f"warc/{warc.name}"))
    assert "differs from the manifest" in line and "FAILED" in line


def test_a_cut_warc_fails_even_with_a_matching_manifest(
    stored: tuple[Path, str], tmp_path: Path
) -> None:
    root, folder = _copy(stored, tmp_path)
    warc = next((folder / "warc").glob("*.warc.gz"))
    warc.write_bytes(warc.read_bytes()[:-40])  # the last gzip member cut
    manifest = json.loads((folder / "manifest.json").read_text())
    for entry in manifest["files"]:  # as if the manifest had been written for the cut file
        if entry["path"] == f"warc/{warc.name}":
            entry["size"] = warc.stat().st_size
            entry["sha256"] = hashlib.sha256(warc.read_bytes()).hexdigest()
    (folder / "manifest.json").write_text(json.dumps(manifest))
    code, out, _ = _verify(root)
    assert code == 1 and "is cut" in out, out


def test_missing_and_unlisted_files_are_named(stored: tuple[Path, str], tmp_path: Path) -> None:
    root, folder = _copy(stored, tmp_path)
    index = next((folder / "index").glob("*.cdxj"))
    index.unlink()
    (folder / "warc" / "stray.warc.gz").write_bytes(b"x")
    code, out, _ = _verify(root)
    assert code == 1
    assert f"index/{index.name}: FAILED: missing or unreadable" in out
    assert "files not in the manifest: warc/stray.warc.gz" in out
    assert run_cli("verify", "no-such-crawl", "--storage", f"file://{root}").returncode == 1


@pytest.mark.s3
def test_pull_from_s3_checks_every_file(s3: SeaweedS3, tmp_path: Path) -> None:
    s3.client.create_bucket(Bucket="pull")
    crawl = _crawl(tmp_path, "s3://pull/archive", env=s3.env())
    pulled = run_cli(
        "pull",
        crawl,
        "--storage",
        "s3://pull/archive",
        "--dest",
        str(tmp_path / "copy"),
        env=s3.env(),
    )
    assert pulled.returncode == 0, pulled.stderr
    assert list((tmp_path / "copy" / "crawls" / crawl / "warc").glob("*.warc.gz"))
    s3.client.put_object(Bucket="pull", Key=f"archive/crawls/{crawl}/index/extra.cdxj", Body=b"x")
    again = run_cli("verify", crawl, "--storage", "s3://pull/archive", env=s3.env())
    assert again.returncode == 1 and "index/extra.cdxj" in again.stdout


def test_reextract_rebuilds_the_stored_articles_byte_for_byte(stored: tuple[Path, str]) -> None:
    archive, crawl = stored
    result = run_cli("reextract", crawl, "--storage", f"file://{archive}")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "6 stored articles, 6 rebuilt byte-identical from the WARCs" in result.stdout


def test_reextract_extracts_as_the_crawls_job_asked(tmp_path: Path) -> None:
    """A crawl whose job asked for reader comments is rebuilt with them (another
    extraction configuration: another ``extractor.config_hash`` in every article)."""
    crawl = _crawl(tmp_path, f"file://{tmp_path / 'archive'}", comments=True)
    result = run_cli("reextract", crawl, "--storage", f"file://{tmp_path / 'archive'}")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "6 stored articles, 6 rebuilt byte-identical from the WARCs" in result.stdout


def test_reextract_names_the_fields_that_differ(stored: tuple[Path, str], tmp_path: Path) -> None:
    import gzip

    root, folder = _copy(stored, tmp_path)
    articles = next((folder / "articles").glob("*.jsonl.gz"))
    lines = gzip.decompress(articles.read_bytes()).decode().splitlines()
    first = json.loads(lines[0])
    first["title"] = "Un autre titre"  # as if the stored JSON had been edited
    lines[0] = json.dumps(first, ensure_ascii=False)
    articles.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    result = run_cli("reextract", "verify-me", "--storage", f"file://{root}")
    assert result.returncode == 1
    assert "5 rebuilt byte-identical" in result.stdout
    assert "field title: differs in 1 article(s)" in result.stdout


def test_replay_finds_the_same_articles_offline(stored: tuple[Path, str], tmp_path: Path) -> None:
    archive, crawl = stored
    job = archive.parent / "demo.json"
    out = tmp_path / "replayed.jsonl"
    result = run_cli(
        "replay", str(job), "--from", crawl, "--storage", f"file://{archive}", "--out", str(out)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "6 articles found, 6 stored: the same set" in result.stdout
    assert len(out.read_text().splitlines()) == 6
    assert "Disabled" not in result.stderr  # components that are off say nothing


def test_crawl_ids_cannot_reach_outside_the_archive(
    stored: tuple[Path, str], tmp_path: Path
) -> None:
    archive, _ = stored
    secret = archive.parent / "secret" / "manifest.json"
    secret.parent.mkdir(exist_ok=True)
    secret.write_text("{}")
    for command in (["verify"], ["reextract"], ["pull", "--dest", str(tmp_path)]):
        result = run_cli(command[0], "../secret", "--storage", f"file://{archive}", *command[1:])
        assert result.returncode != 0, command
        assert "invalid storage key" in result.stdout + result.stderr, result.stdout + result.stderr


def test_reextract_reads_bodies_a_window_at_a_time(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A crawl of any size: bodies are read from the WARCs as pages are submitted, a window
    at a time, not all held before extraction starts."""
    from concurrent.futures import Future

    from crawler.articles import reextract
    from crawler.articles.extract import ExtractOptions
    from crawler.articles.model import WarcPointer

    events: list[str] = []

    class Pool:
        def __init__(self, *_args: object) -> None:
            pass

        def submit(self, **page: object) -> Future[str]:
            done: Future[str] = Future()
            done.set_result(str(page["url"]))
            return done

        def close(self) -> None:
            pass

    def read(where: tuple[Path, int]) -> bytes:
        events.append(f"read {where[1]}")
        return b"<html></html>"

    monkeypatch.setattr(reextract, "ExtractionPool", Pool)
    monkeypatch.setattr(reextract, "_body_at", read)
    pointer = WarcPointer(
        filename="x.warc.gz",
        offset=0,
        length=1,
        record_id="r",
        record_type="response",
        payload_digest=None,
    )
    pages = [
        reextract._Page(f"https://e.fr/{i}", "text/html", None, (tmp_path, i), pointer, "d")
        for i in range(40)
    ]
    for result in reextract._extract_all(pages, 2, ExtractOptions()):
        events.append(f"result {result}")
    assert len([e for e in events if e.startswith("result")]) == 40
    first_result = events.index("result https://e.fr/0")
    assert first_result == 16  # one window (2 workers x 8) read, then its results
    assert events[-1] == "result https://e.fr/39"
