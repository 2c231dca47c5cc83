"""Repair what a killed crawl left: ``*.warc.gz.open`` files and cut gzip JSON-lines files.

A WARC file here is a series of gzip members, one per record, so a crash can only leave a
cut member at the end: the file is truncated to its last complete member and renamed (the
records before it are intact and keep their offsets). An articles file is one gzip stream
flushed after each line: every line that reached the disk is read back and the file is
rewritten whole.
"""

from __future__ import annotations

import gzip
import logging
import zlib
from dataclasses import dataclass
from pathlib import Path

__all__ = ["MemberScan", "RepairedWarc", "repair_warc", "salvage_lines", "scan_members"]

logger = logging.getLogger(__name__)

_CHUNK = 1 << 20


@dataclass(frozen=True)
class RepairedWarc:
    path: Path
    """The repaired file (``.open`` removed)."""
    records: int
    """Complete records kept."""
    cut_bytes: int
    """Bytes of the incomplete last record removed."""


@dataclass(frozen=True)
class MemberScan:
    members: list[tuple[int, str]]
    """``(end offset, WARC-Type)`` of each complete gzip member, from the start of the file."""
    stop: str | None
    """Why the scan ended before the end of the file (``cut``, ``corrupt: ...``), or None."""

    @property
    def end(self) -> int:
        """Bytes of the file made of complete members."""
        return self.members[-1][0] if self.members else 0


def scan_members(path: Path) -> MemberScan:
    """Walk the gzip members of a WARC file (one record each), stopping at the first that is
    cut or corrupt. The file is read once, front to back: what a member's inflater did not
    use is the start of the next member."""
    members: list[tuple[int, str]] = []
    good = 0
    pending = b""  # bytes read past the end of the last member
    with path.open("rb") as handle:
        while True:
            if not pending:
                pending = handle.read(_CHUNK)
                if not pending:
                    return MemberScan(members, None)
            inflater = zlib.decompressobj(wbits=31)
            used = 0
            head = b""
            while not inflater.eof:
                chunk = pending or handle.read(_CHUNK)
                pending = b""
                if not chunk:
                    return MemberScan(members, "cut (the file ends inside it)")
                try:
                    out = inflater.decompress(chunk)
                except zlib.error as exc:
                    return MemberScan(members, f"corrupt: {exc}")
                used += len(chunk)
                if len(head) < 2048:
                    head += out[:2048]
            pending = inflater.unused_data
            good += used - len(pending)
            kind = head.split(b"\r\nWARC-Type: ", 1)[-1].split(b"\r\n", 1)[0]
            members.append((good, kind.decode("latin-1")))


def repair_warc(open_path: Path) -> RepairedWarc:
    """Truncate ``X.warc.gz.open`` to its complete records and rename it ``X.warc.gz``.

    A response (or revisit) left without the request record written after it is dropped
    too: the file ends on a whole exchange.
    """
    if not open_path.name.endswith(".open"):
        raise ValueError(f"{open_path}: not an unfinished WARC (*.open)")
    size = open_path.stat().st_size
    members = scan_members(open_path).members
    while members and members[-1][1] in ("response", "revisit"):
        members.pop()
    good = members[-1][0] if members else 0
    with open_path.open("r+b") as handle:
        handle.truncate(good)
    final = open_path.with_name(open_path.name.removesuffix(".open"))
    open_path.rename(final)
    if good < size:
        logger.warning(
            "%s: repaired, %d complete records kept, the last %d bytes (an unfinished "
            "exchange) removed",
            final.name,
            len(members),
            size - good,
        )
    return RepairedWarc(final, len(members), size - good)


def salvage_lines(path: Path) -> int:
    """Rewrite a gzip JSON-lines file cut by a crash with the complete lines it holds.
    Returns the number of lines kept."""
    inflater = zlib.decompressobj(wbits=31)
    data = bytearray()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            try:
                data += inflater.decompress(chunk)
            except zlib.error:
                break
    lines = bytes(data[: data.rfind(b"\n") + 1])
    partial = path.with_name(path.name + ".partial")
    with gzip.open(partial, "wb", compresslevel=3) as out:
        out.write(lines)
    partial.replace(path)
    return lines.count(b"\n")
