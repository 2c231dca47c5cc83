"""Strict, independent WARC validation for tests (stricter than ``warcio check``).

Each gzip member is inflated on its own and must end cleanly; each record is parsed by hand,
its block and payload digests recomputed; then warcio reads every record to the end.
"""

from __future__ import annotations

import base64
import hashlib
import subprocess
import sys
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator


@dataclass
class Record:
    offset: int
    length: int
    headers: dict[str, list[str]]
    block: bytes

    def get(self, name: str) -> str | None:
        values = self.headers.get(name.lower())
        return values[0] if values else None

    @property
    def type(self) -> str:
        return self.get("WARC-Type") or ""

    @property
    def http_head(self) -> bytes:
        return self.block.split(b"\r\n\r\n", 1)[0]

    @property
    def payload(self) -> bytes:
        parts = self.block.split(b"\r\n\r\n", 1)
        return parts[1] if len(parts) == 2 else b""

    def http_headers(self) -> list[tuple[str, str]]:
        lines = self.http_head.decode("latin-1").split("\r\n")[1:]
        return [(k.strip(), v.strip()) for k, v in (ln.split(":", 1) for ln in lines if ":" in ln)]

    @property
    def status_line(self) -> str:
        return self.http_head.split(b"\r\n", 1)[0].decode("latin-1")


@dataclass
class WarcReport:
    path: Path
    records: list[Record] = field(default_factory=list)

    def of_type(self, kind: str) -> list[Record]:
        return [r for r in self.records if r.type == kind]

    def for_url(self, url: str, kind: str = "response") -> list[Record]:
        return [r for r in self.records if r.get("WARC-Target-URI") == url and r.type == kind]


def _b32(algorithm: str, data: bytes) -> str:
    return algorithm + ":" + base64.b32encode(hashlib.new(algorithm, data).digest()).decode()


def _members(data: bytes) -> list[tuple[int, int, bytes]]:
    """(offset, compressed length, inflated bytes) of every gzip member; each must be whole."""
    members, offset = [], 0
    while offset < len(data):
        stream = zlib.decompressobj(16 + zlib.MAX_WBITS)
        inflated = stream.decompress(data[offset:])
        assert stream.eof, f"gzip member at offset {offset} is incomplete"
        used = len(data) - offset - len(stream.unused_data)
        members.append((offset, used, inflated))
        offset += used
    return members


def _parse(offset: int, length: int, raw: bytes) -> Record:
    head, _, rest = raw.partition(b"\r\n\r\n")
    lines = head.decode("utf-8").split("\r\n")
    assert lines[0] == "WARC/1.1", f"record at {offset}: version line {lines[0]!r}"
    headers: dict[str, list[str]] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers.setdefault(name.strip().lower(), []).append(value.strip())
    size = int(headers["content-length"][0])
    block = rest[:size]
    assert len(block) == size, f"record at {offset}: block shorter than Content-Length"
    assert rest[size:] == b"\r\n\r\n", f"record at {offset}: record does not end with CRLF CRLF"
    return Record(offset, length, headers, block)


def check_revisits(reports: list[WarcReport]) -> None:
    """Every revisit refers to a response with the same payload digest, in any file."""
    responses = {r.get("WARC-Record-ID"): r for rep in reports for r in rep.of_type("response")}
    for report in reports:
        for revisit in report.of_type("revisit"):
            original = responses.get(revisit.get("WARC-Refers-To"))
            assert original is not None, f"{report.path}@{revisit.offset}: revisit of nothing"
            assert original.get("WARC-Payload-Digest") == revisit.get("WARC-Payload-Digest")
            assert original.get("WARC-Target-URI") == revisit.get("WARC-Refers-To-Target-URI")
            assert original.get("WARC-Date") == revisit.get("WARC-Refers-To-Date")


def validate_warc(path: Path) -> WarcReport:
    """Check one WARC strictly; return its records for further assertions."""
    data = path.read_bytes()
    report = WarcReport(path)
    for offset, length, raw in _members(data):
        record = _parse(offset, length, raw)
        assert record.get("WARC-Record-ID"), f"{path}@{offset}: no WARC-Record-ID"
        block_digest = record.get("WARC-Block-Digest")
        if block_digest:
            algo = block_digest.split(":")[0]
            assert _b32(algo, record.block) == block_digest, f"{path}@{offset}: block digest"
        if record.type == "response":
            assert _b32("sha1", record.payload) == record.get("WARC-Payload-Digest"), (
                f"{path}@{offset}: payload digest"
            )
        report.records.append(record)
    assert report.records and report.records[0].type == "warcinfo", "first record is warcinfo"
    assert sum(r.type == "warcinfo" for r in report.records) == 1, "one warcinfo per file"

    with path.open("rb") as handle:
        seen = 0
        for wrecord in ArchiveIterator(handle, check_digests="raise"):
            wrecord.content_stream().read()
            seen += 1
    assert seen == len(report.records), "warcio read every record"

    ids = {r.get("WARC-Record-ID"): r for r in report.records}
    for request in report.of_type("request"):
        target = ids.get(request.get("WARC-Concurrent-To"))
        assert target is not None and target.type in ("response", "revisit"), (
            f"{path}@{request.offset}: request without its response"
        )
    answered = {r.get("WARC-Concurrent-To") for r in report.of_type("request")}
    for response in report.of_type("response") + report.of_type("revisit"):
        assert response.get("WARC-Record-ID") in answered, f"{path}@{response.offset}: no request"
    for revisit in report.of_type("revisit"):
        original = ids.get(revisit.get("WARC-Refers-To"))
        if original is not None:  # else in an earlier file: see check_revisits()
            assert original.get("WARC-Payload-Digest") == revisit.get("WARC-Payload-Digest")

    check = subprocess.run(
        [sys.executable, "-m", "warcio.cli", "check", str(path)], capture_output=True, text=True
    )
    assert check.returncode == 0, f"warcio check failed: {check.stdout}{check.stderr}"
    return report


def check_index_as_reindexed(crawl_dir: Path, tmp: Path) -> int:
    """Every WARC's CDXJ index, collected while writing, equals cdxj-indexer's reading of
    the file, byte for byte. Returns the number of lines compared."""
    from crawler.archive.cdxj import index_warc

    compared = 0
    for warc in sorted((crawl_dir / "warc").glob("*.warc.gz")):
        written = crawl_dir / "index" / (warc.name.removesuffix(".warc.gz") + ".cdxj")
        reread = tmp / (warc.name + ".reread.cdxj")
        index_warc(warc, reread)
        assert written.read_text() == reread.read_text(), warc.name
        compared += len(reread.read_text().splitlines())
    return compared
