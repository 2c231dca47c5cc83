"""The WARC writer alone (no Scrapy): records, revisits, truncation, rotation, naming."""

from __future__ import annotations

import gzip
import json
import random
import zlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawler.archive.compression import gzip_member
from crawler.archive.warc import (
    GZIP_LEVEL,
    HttpExchange,
    RotatingWarcWriter,
    WarcInfo,
    payload_digest,
)
from tests.warc_checks import validate_warc

pytestmark = pytest.mark.unit


def exchange(url: str, body: bytes, status: int = 200, **kw: object) -> HttpExchange:
    fields: dict[str, object] = {
        "url": url,
        "method": "GET",
        "request_headers": [("User-Agent", "t")],
        "request_body": b"",
        "protocol": "HTTP/1.1",
        "status": status,
        "reason": "OK",
        "response_headers": [
            ("Content-Type", "text/html"),
            ("Set-Cookie", "a=1"),
            ("Set-Cookie", "b=2"),
        ],
        "body": body,
        "fetched_at": datetime(2024, 12, 4, 9, 0, tzinfo=UTC),
        "ip_address": "93.184.216.34",
    }
    fields.update(kw)
    return HttpExchange(**fields)  # type: ignore[arg-type]


def writer(tmp_path: Path, **kw: object) -> tuple[RotatingWarcWriter, list[Path]]:
    closed: list[Path] = []
    kw.setdefault("max_size", 1000**3)
    w = RotatingWarcWriter(
        directory=tmp_path,
        prefix="t",
        host="host1",
        warcinfo=WarcInfo((("software", "test"), ("note", "a"), ("note", "b"))),
        on_close=lambda path, lines: closed.append(path),
        **kw,
    )  # type: ignore[arg-type]
    return w, closed


def test_records_read_back_with_digests_and_locations(tmp_path: Path) -> None:
    w, closed = writer(tmp_path)
    loc = w.write_exchange(exchange("https://a.fr/x?q=1", "Corée".encode()))
    assert w.open_path is not None and Path(str(w.open_path) + ".open").exists()
    w.close()
    assert closed == [w.directory / loc.filename] and not list(tmp_path.glob("*.open"))
    report = validate_warc(closed[0])
    record = next(r for r in report.records if r.offset == loc.offset)
    assert record.length == loc.length and record.get("WARC-Record-ID") == loc.record_id
    assert record.payload == "Corée".encode()
    assert record.get("WARC-Payload-Digest") == payload_digest("Corée".encode())
    assert record.get("WARC-Date") == "2024-12-04T09:00:00.000000Z"
    assert [v for k, v in record.http_headers() if k == "Set-Cookie"] == ["a=1", "b=2"]
    info = report.records[0].block.decode()
    assert info.count("note: ") == 2  # repeated warcinfo fields are kept


def test_identical_payload_is_a_revisit_only_when_complete_2xx(tmp_path: Path) -> None:
    w, closed = writer(tmp_path)
    first = w.write_exchange(exchange("https://a.fr/1", b"same"))
    again = w.write_exchange(exchange("https://a.fr/2", b"same"))
    cut = w.write_exchange(exchange("https://a.fr/3", b"same", truncated="length"))
    error = w.write_exchange(exchange("https://a.fr/4", b"same", status=404))
    empty = w.write_exchange(exchange("https://a.fr/5", b""))
    empty2 = w.write_exchange(exchange("https://a.fr/6", b""))
    assert (first.record_type, again.record_type) == ("response", "revisit")
    assert {cut.record_type, error.record_type, empty.record_type, empty2.record_type} == {
        "response"
    }
    w.close()
    report = validate_warc(closed[0])
    revisit = report.of_type("revisit")[0]
    assert revisit.get("WARC-Refers-To") == first.record_id
    assert revisit.get("WARC-Refers-To-Target-URI") == "https://a.fr/1"
    truncated = report.for_url("https://a.fr/3")[0]
    assert truncated.get("WARC-Truncated") == "length"


def test_rotation_by_size_keeps_pairs_together(tmp_path: Path) -> None:
    w, closed = writer(tmp_path, max_size=2000)
    for i in range(10):
        w.write_exchange(exchange(f"https://a.fr/{i}", bytes(range(256)) * 8 + bytes([i])))
    w.close()
    assert len(closed) >= 3
    serials = [p.name.split("-")[2] for p in closed]
    assert serials == [f"{i:05d}" for i in range(len(closed))]
    assert all(p.name.startswith("t-") and p.name.endswith("-host1.warc.gz") for p in closed)
    total = sum(len(validate_warc(p).of_type("response")) for p in closed)
    assert total == 10


def test_metadata_record_refers_to_its_response(tmp_path: Path) -> None:
    w, closed = writer(tmp_path)
    loc = w.write_exchange(exchange("https://a.fr/bomb", b"x"))
    w.write_metadata("https://a.fr/bomb", loc.record_id, [("decoded-truncated", "length")])
    w.close()
    meta = validate_warc(closed[0]).of_type("metadata")[0]
    assert meta.get("WARC-Refers-To") == loc.record_id
    assert meta.block == b"decoded-truncated: length\r\n"


def test_unknown_truncation_reason_is_refused() -> None:
    with pytest.raises(ValueError, match="truncation"):
        exchange("https://a.fr/", b"", truncated="because")


def test_the_validator_catches_corruption_and_cut_members(tmp_path: Path) -> None:
    w, closed = writer(tmp_path)
    w.write_exchange(exchange("https://a.fr/x", b"payload bytes " * 50))
    w.close()
    data = closed[0].read_bytes()
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(data[:-7])  # last gzip member incomplete: warcio check would not notice
    with pytest.raises(AssertionError, match="incomplete"):
        validate_warc(cut)
    members = []
    offset = 0
    while offset < len(data):
        stream = zlib.decompressobj(31)
        members.append(bytearray(stream.decompress(data[offset:])))
        offset = len(data) - len(stream.unused_data)
    members[1][-20] ^= 1  # one payload byte of the response
    flipped = tmp_path / "flipped.warc.gz"
    flipped.write_bytes(b"".join(gzip.compress(bytes(m)) for m in members))
    with pytest.raises(AssertionError, match="digest"):
        validate_warc(flipped)


@pytest.mark.parametrize("kept", [0.01, 0.3, 0.7, 0.99])
def test_a_killed_writers_open_file_is_repaired_to_whole_exchanges(
    tmp_path: Path, kept: float
) -> None:
    from crawler.archive.repair import repair_warc

    w, _ = writer(tmp_path)
    for i in range(3):
        last = w.write_exchange(exchange(f"https://example.fr/{i}", f"page {i} ".encode() * 500))
    open_path = next(tmp_path.glob("*.open"))
    whole = open_path.stat().st_size
    with open_path.open("r+b") as handle:  # a crash in the middle of the last exchange
        handle.truncate(last.offset + int((whole - last.offset) * kept))
    repaired = repair_warc(open_path)
    assert repaired.path.name.endswith(".warc.gz") and not open_path.exists()
    report = validate_warc(repaired.path)  # every record whole, every response has its request
    urls = [r.get("WARC-Target-URI") for r in report.of_type("response")]
    assert urls == ["https://example.fr/0", "https://example.fr/1"]
    assert repaired.records == 5 and repaired.cut_bytes > 0  # warcinfo + two exchanges


def test_cut_article_lines_are_salvaged(tmp_path: Path) -> None:
    from crawler.archive.repair import salvage_lines

    path = tmp_path / "a.jsonl.gz"
    handle = gzip.open(path, "wb")  # noqa: SIM115 -- left unclosed on purpose, as after a crash
    for i in range(50):
        noise = random.Random(i).randbytes(300).hex()  # ~300 bytes once compressed
        handle.write(f'{{"n": {i}, "text": "{noise}"}}\n'.encode())
        handle.flush()  # as the article store does
    data = path.read_bytes()  # never closed: no gzip trailer, as after a crash
    path.write_bytes(data[: len(data) - 100])  # the last line half-written
    kept = salvage_lines(path)
    lines = gzip.decompress(path.read_bytes()).decode().splitlines()
    assert kept == len(lines) == 49
    assert [json.loads(line)["n"] for line in lines] == list(range(kept))


@pytest.mark.parametrize("sort_in_memory", [True, False])
def test_index_lines_collected_while_writing_equal_cdxj_indexer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sort_in_memory: bool
) -> None:
    from crawler.archive import cdxj
    from crawler.archive.cdxj import index_warc, write_index

    if not sort_in_memory:  # runs of 300 bytes sorted on disk and merged, as for a huge WARC
        monkeypatch.setattr(cdxj, "IN_MEMORY_SORT_BYTES", 300)

    got: list[list[str]] = []
    w = RotatingWarcWriter(
        directory=tmp_path / "warc",
        prefix="t",
        warcinfo=WarcInfo((("software", "test"),)),
        max_size=1000**3,
        on_close=lambda path, lines: got.append(lines.read_text().splitlines(keepends=True)),
        index_dir=tmp_path / "state",
    )
    loc = w.write_exchange(exchange("https://a.fr/x?b=2&a=1", b"page"))
    w.write_exchange(exchange("https://a.fr/copy", b"page"))  # revisit
    w.write_exchange(exchange("https://a.fr/none", b"x", response_headers=[]))
    w.write_exchange(exchange("https://a.fr/empty", b"y", response_headers=[("Content-Type", "")]))
    w.write_exchange(
        exchange(
            "https://a.fr/cs",
            b"z",
            response_headers=[("Content-Type", "Text/HTML ; charset=utf-8")],
        )
    )
    w.write_exchange(exchange("https://a.fr/404", b"gone", status=404, reason="Not Found"))
    w.write_exchange(exchange("https://a.fr/cut", b"cu", truncated="length"))
    w.write_exchange(exchange("https://xn--t-9ia.fr/%C3%A9%20path?Q=%20", b"idn"))
    w.write_metadata("https://a.fr/x", loc.record_id, [("outlink", "https://a.fr/y")])
    path = w.close()
    assert path is not None and len(got) == 1 and len(got[0]) == 8
    assert not list((tmp_path / "state").iterdir())  # the lines file is gone once indexed
    (tmp_path / "lines").write_text("".join(reversed(got[0] + got[0][:2])))  # repeats dropped
    write_index(tmp_path / "lines", tmp_path / "written.cdxj")
    index_warc(path, tmp_path / "read.cdxj")
    assert (tmp_path / "written.cdxj").read_text() == (tmp_path / "read.cdxj").read_text()


def test_member_scan_reads_the_file_once_and_finds_every_member(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Many small records: every member found at its offset, with its type; the file read
    once (a scan that went back to each member's start read 1 MiB per member)."""
    from warcio.archiveiterator import ArchiveIterator

    from crawler.archive import repair

    w, _ = writer(tmp_path)
    for i in range(400):
        w.write_exchange(exchange(f"https://example.fr/{i}", b"x" * 50))
    path = next(tmp_path.glob("*.open"))
    expected = []
    with path.open("rb") as handle:
        records = ArchiveIterator(handle)
        for record in records:
            record.content_stream().read()
            expected.append(record.rec_type)
    read = 0
    real_open = Path.open

    def counting_open(self: Path, *args: object, **kwargs: object) -> object:
        handle = real_open(self, *args, **kwargs)  # type: ignore[call-overload]
        if self == path:
            original = handle.read

            def read_counted(size: int = -1) -> bytes:
                nonlocal read
                data = original(size)
                read += len(data)
                return data

            handle.read = read_counted
        return handle

    monkeypatch.setattr(Path, "open", counting_open)
    scan = repair.scan_members(path)
    assert scan.stop is None and [kind for _, kind in scan.members] == expected
    assert scan.members[-1][0] == path.stat().st_size
    assert read == path.stat().st_size  # once, front to back
    monkeypatch.undo()
    whole = path.read_bytes()
    path.write_bytes(whole[:-10])
    assert repair.scan_members(path).stop == "cut (the file ends inside it)"
    path.write_bytes(whole[:200] + b"\x00" * 50 + whole[250:])
    assert (repair.scan_members(path).stop or "").startswith("corrupt")


def test_a_record_is_one_timeless_gzip_member_that_zlib_inflates() -> None:
    """One member per record, inflated by zlib as any WARC reader does; no timestamp in its
    header (the same record gives the same bytes); the level is the one asked for."""
    rng = random.Random(7)
    words = [f"mot{rng.randrange(5000)}".encode() for _ in range(40_000)]
    data = b"HTTP/1.1 200 OK\r\n\r\n<p>" + b" ".join(words) + b"</p>"
    member = gzip_member(data, GZIP_LEVEL)
    assert member == gzip_member(data, GZIP_LEVEL)
    assert member[:4] == b"\x1f\x8b\x08\x00" and member[4:8] == b"\0\0\0\0"  # no name, mtime 0
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    assert inflater.decompress(bytes(member)) == data
    assert inflater.eof and not inflater.unused_data
    assert len(gzip_member(data, 1)) > len(member) > len(gzip_member(data, 9))
