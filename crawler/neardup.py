"""Near-duplicate articles: the same wire copy at several outlets or URLs (no Scrapy here).

Each article gets a 64-bit SimHash of its word 3-grams (``fingerprint``). Two relations are
tracked within a crawl, with bounded memory:

- ``duplicate_of``: an earlier article whose fingerprint is within 3 bits (near-identical
  copy: the same dispatch, or the same page under two URLs);
- ``cluster_id``: articles sharing passages of wire copy. Word 8-grams are hashed and only
  those whose hash is 0 mod 8 are kept (a content-defined 1/8 sample, so two texts sample
  the same shingles); articles sharing at least ``min_shared`` sampled shingles join one
  cluster (union-find). The cluster id is the fingerprint of the cluster's first article.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field

__all__ = ["DuplicateIndex", "Duplication", "simhash"]

_WORD = re.compile(r"\w+")
_MASK = (1 << 64) - 1


def _words(text: str) -> list[str]:
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def _hash64(value: str) -> int:
    return int.from_bytes(hashlib.blake2b(value.encode(), digest_size=8).digest(), "big")


def simhash(text: str, n: int = 3) -> int:
    """64-bit SimHash of the text's word n-grams."""
    words = _words(text)
    grams = [" ".join(words[i : i + n]) for i in range(max(len(words) - n + 1, 1))]
    weights = [0] * 64
    for gram in grams:
        h = _hash64(gram)
        for bit in range(64):
            weights[bit] += 1 if h >> bit & 1 else -1
    return sum(1 << bit for bit in range(64) if weights[bit] > 0)


@dataclass(frozen=True)
class Duplication:
    fingerprint: str
    """16 hex digits."""
    duplicate_of: str | None
    """URL of the earlier near-identical article, if any."""
    cluster_id: str
    """Fingerprint of the first article of its cluster when this one was added (its own when
    alone); :meth:`DuplicateIndex.clusters` gives the final clusters."""


@dataclass
class DuplicateIndex:
    max_distance: int = 3
    min_shared: int = 3
    gram: int = 8
    sample_mod: int = 8
    _bands: list[dict[int, list[int]]] = field(default_factory=lambda: [{} for _ in range(4)])
    _prints: list[int] = field(default_factory=list)
    _urls: list[str] = field(default_factory=list)
    _parent: list[int] = field(default_factory=list)
    _shingles: dict[int, list[int]] = field(default_factory=dict)

    def _find(self, i: int) -> int:
        while self._parent[i] != i:
            self._parent[i] = self._parent[self._parent[i]]
            i = self._parent[i]
        return i

    def _sampled(self, text: str) -> set[int]:
        words = _words(text)
        hashes = (
            _hash64(" ".join(words[i : i + self.gram])) for i in range(len(words) - self.gram + 1)
        )
        return {h for h in hashes if h % self.sample_mod == 0}

    def add(self, url: str, text: str) -> Duplication:
        """Register an article; say which earlier article it duplicates or shares copy with."""
        fp = simhash(text)
        me = len(self._prints)
        duplicate_of = None
        for band, table in enumerate(self._bands):  # pigeonhole: <=3 differing bits -> a band equal
            for other in table.get(fp >> (16 * band) & 0xFFFF, ()):
                if bin(fp ^ self._prints[other]).count("1") <= self.max_distance:
                    duplicate_of = other if duplicate_of is None else min(duplicate_of, other)
        for band, table in enumerate(self._bands):
            table.setdefault(fp >> (16 * band) & 0xFFFF, []).append(me)
        self._prints.append(fp)
        self._urls.append(url)
        self._parent.append(me)
        if duplicate_of is not None:
            self._parent[me] = self._find(duplicate_of)
        shared: dict[int, int] = {}
        for shingle in self._sampled(text):
            owners = self._shingles.setdefault(shingle, [])
            for other in owners:
                shared[other] = shared.get(other, 0) + 1
            owners.append(me)
        for other, count in shared.items():
            if count >= self.min_shared:
                a, b = sorted((self._find(other), self._find(me)))
                self._parent[b] = a
        return Duplication(
            fingerprint=f"{fp:016x}",
            duplicate_of=self._urls[duplicate_of] if duplicate_of is not None else None,
            cluster_id=f"{self._prints[self._find(me)]:016x}",
        )

    def clusters(self) -> dict[str, list[str]]:
        """Final clusters of two or more articles: cluster id to URLs, in crawl order."""
        groups: dict[int, list[str]] = {}
        for i, url in enumerate(self._urls):
            groups.setdefault(self._find(i), []).append(url)
        return {f"{self._prints[r]:016x}": urls for r, urls in groups.items() if len(urls) > 1}
