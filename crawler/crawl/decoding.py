"""Bounded HTTP content decoding (gzip, deflate): a decompression bomb stops at the cap."""

from __future__ import annotations

import zlib
from dataclasses import dataclass

__all__ = ["SUPPORTED_ENCODINGS", "Decoded", "decode_body"]

SUPPORTED_ENCODINGS = ("gzip", "x-gzip", "deflate")
_CHUNK = 256 * 1024


@dataclass(frozen=True)
class Decoded:
    body: bytes
    truncated: bool
    """The decoded body reached the cap and was cut there."""
    error: str | None = None
    """The encoded data was corrupt or incomplete; ``body`` holds what decoded before it."""


def _inflate(data: bytes, wbits: int, cap: int) -> Decoded:
    out = bytearray()
    pending = data
    while pending:
        stream = zlib.decompressobj(wbits)
        chunk = pending
        while chunk:
            try:
                out += stream.decompress(chunk, max(cap + 1 - len(out), 1))
            except zlib.error as exc:
                return Decoded(bytes(out[:cap]), len(out) > cap, str(exc))
            if len(out) > cap:
                return Decoded(bytes(out[:cap]), True)
            chunk = stream.unconsumed_tail
        if not stream.eof:
            return Decoded(bytes(out), False, "incomplete compressed stream")
        # gzip allows several members one after the other
        pending = stream.unused_data if wbits > 16 else b""
    return Decoded(bytes(out), False)


def decode_body(body: bytes, encodings: list[str], cap: int) -> Decoded:
    """Undo ``encodings`` (the Content-Encoding list, applied in order) with an output cap."""
    result = Decoded(body, False)
    for encoding in reversed(encodings):
        if encoding in ("gzip", "x-gzip"):
            step = _inflate(result.body, 16 + zlib.MAX_WBITS, cap)
        elif encoding == "deflate":
            step = _inflate(result.body, zlib.MAX_WBITS, cap)
            if step.error and not step.body:
                step = _inflate(result.body, -zlib.MAX_WBITS, cap)  # raw deflate, no zlib header
        else:
            raise ValueError(f"unsupported content encoding {encoding!r}")
        result = Decoded(step.body, result.truncated or step.truncated, step.error or result.error)
    return result
