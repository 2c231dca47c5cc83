"""Bounded content decoding: bombs are cut at the cap, corrupt data keeps what decoded."""

from __future__ import annotations

import gzip
import zlib

import pytest

from crawler.crawl.decoding import decode_body

pytestmark = pytest.mark.unit


def test_gzip_and_multi_member_gzip() -> None:
    assert decode_body(gzip.compress(b"abc"), ["gzip"], 100).body == b"abc"
    both = gzip.compress(b"abc") + gzip.compress(b"def")
    assert decode_body(both, ["gzip"], 100).body == b"abcdef"


def test_bomb_is_cut_at_the_cap() -> None:
    bomb = gzip.compress(b"\0" * 50_000_000, compresslevel=9)
    decoded = decode_body(bomb, ["gzip"], 1_000_000)
    assert decoded.truncated and len(decoded.body) == 1_000_000


def test_deflate_zlib_and_raw() -> None:
    assert decode_body(zlib.compress(b"zz"), ["deflate"], 10).body == b"zz"
    raw = zlib.compressobj(wbits=-15)
    data = raw.compress(b"raw deflate") + raw.flush()
    assert decode_body(data, ["deflate"], 100).body == b"raw deflate"


def test_truncated_gzip_keeps_what_decoded() -> None:
    text = " ".join(str(i) for i in range(20000)).encode()
    data = gzip.compress(text)
    decoded = decode_body(data[: len(data) // 2], ["gzip"], 10**6)
    assert decoded.error and text.startswith(decoded.body) and len(decoded.body) > 10_000
    assert not decoded.truncated


def test_stacked_encodings_apply_in_reverse() -> None:
    data = gzip.compress(zlib.compress(b"two layers"))
    assert decode_body(data, ["deflate", "gzip"], 100).body == b"two layers"
