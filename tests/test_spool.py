"""The crawl archive's finish order, in process: what components add before the archive
finishes is in its manifest, and the stats it records are those of that moment."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.archive.layout import crawl_key
from crawler.archive.spool import CrawlArchive, CrawlBusyError
from crawler.archive.storage import LocalStorage
from crawler.archive.uploader import Uploader
from crawler.archive.warc import WarcInfo

pytestmark = pytest.mark.unit


def _archive(tmp_path: Path, uploader: Uploader) -> CrawlArchive:
    return CrawlArchive(
        crawl_id="unit-1",
        spool=tmp_path / "spool",
        storage=LocalStorage(tmp_path / "store"),
        uploader=uploader,
        prefix="unit",
        warcinfo=WarcInfo((("software", "test"),)),
        max_warc_size=10**6,
    )


def test_finalizers_run_first_in_order_and_their_files_are_in_the_manifest(
    tmp_path: Path,
) -> None:
    uploader = Uploader()
    archive = _archive(tmp_path, uploader)
    order: list[str] = []
    stats = {"finish_reason": "finished"}

    def summary() -> None:
        path = archive.dir / "articles" / "summary.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("{}", encoding="utf-8")
        archive.add_file(path, "summary")
        stats["archive/articles/summary"] = "{}"  # set while finishing: in the manifest
        order.append("summary")

    archive.before_finish(summary)
    archive.before_finish(lambda: order.append("second"))
    archive.finish({"name": "unit"}, lambda: stats)
    assert uploader.drain(30) == 0
    uploader.stop()
    assert order == ["summary", "second"]
    store = tmp_path / "store"
    manifest = json.loads((store / crawl_key("unit-1", "manifest.json")).read_text())
    assert [f["path"] for f in manifest["files"]] == ["articles/summary.json"]
    assert manifest["stats"]["archive/articles/summary"] == "{}"
    assert (store / crawl_key("unit-1", "articles/summary.json")).is_file()


def test_a_second_writer_of_the_same_crawl_is_refused(tmp_path: Path) -> None:
    uploader = Uploader()
    first = _archive(tmp_path, uploader)
    with pytest.raises(CrawlBusyError):
        _archive(tmp_path, uploader)
    first.release()
    uploader.stop()
