"""Topic relevance: transparent term matching on title and text (no Scrapy, no model).

Text and terms are normalised the same way: Unicode NFKC, case-folded, accents removed,
apostrophes, hyphens and punctuation turned into spaces - so ``Choe Son-hui`` matches
``Choe Son Hui`` and ``Corée`` matches ``Coree``. A term ending in ``*`` matches any word
starting with it (``Северн* Коре*`` covers Russian cases). Terms in scripts written without
spaces between words and particles (Hangul, CJK) match as substrings.

Score: each matched term adds ``weight x min(count, 3)`` (weight 3 for ``strong_terms``,
1 for ``terms``); a match in the title counts double. An article is on topic when its score
reaches the topic's threshold *and* at least one strong term matched.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

from crawler.jobs.models import Topic

__all__ = ["Relevance", "TopicMatcher", "normalise"]

_UNSPACED = re.compile(r"[\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u4e00-\u9fff\uac00-\ud7af]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_ASCII_SEPARATORS = {code: " " for code in range(128) if not chr(code).isalnum()}
"""Every ASCII character that is not a letter or a digit (``_`` included), as a space."""
STRONG_WEIGHT = 3.0
MAX_COUNT = 3


def normalise(text: str) -> str:
    """Case-folded, accent-free, punctuation-free text with single spaces: its runs of
    letters and digits (``str.isalnum``), once decomposed and without combining marks,
    joined by one space. The same as a regular expression turning each run of other
    characters into one space (a test checks it against one), in 0.6 of its time on AEB's
    English texts and 0.8 on trafilatura-eval's pages: ASCII is mapped by a table and split
    in C (``str.translate``, ``str.split``), not matched run by run."""
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    if not decomposed.isascii():
        decomposed = _NON_ASCII.sub(_words_of, decomposed)
    return " ".join(decomposed.translate(_ASCII_SEPARATORS).split())


def _words_of(run: re.Match[str]) -> str:
    """A run of non-ASCII characters without its combining marks (accents, once decomposed),
    its other non-alphanumeric characters as spaces. Only these runs are looked at character
    by character: most of a text is ASCII."""
    return "".join(c if c.isalnum() else " " for c in run.group() if not unicodedata.combining(c))


@dataclass(frozen=True)
class Relevance:
    score: float
    on_topic: bool
    matched: dict[str, int]
    """Term (as written in the job) to number of matches in title + text."""
    strong: bool = False
    """A strong term matched."""

    @property
    def evidence(self) -> bool:
        """Enough to think a page is about the topic before reading it: a strong term, or
        two different terms (``Corée du Nord`` and ``Koursk``; not ``Corée du Nord`` alone)."""
        return self.strong or len(self.matched) >= 2


@dataclass(frozen=True)
class _Term:
    label: str
    weight: float
    pattern: re.Pattern[str]
    """Matches the term in normalised text padded with a space at each end."""
    needle: str
    """A substring of every match: texts without it are not scanned (most texts, most terms)."""

    def count(self, padded: str) -> int:
        if self.needle not in padded:
            return 0
        return sum(1 for _ in self.pattern.finditer(padded))


def _term(label: str, weight: float) -> _Term | None:
    prefix = label.rstrip().endswith("*")
    words = normalise(label.replace("*", " ")).split()
    if not words:
        return None
    if _UNSPACED.search(label):  # Hangul, CJK: inside words, particles attached
        pattern = re.escape(" ".join(words))
    else:  # whole words (or word prefixes), starting after a space and ending before one
        word = r"{}[^ ]*" if prefix else "{}"
        pattern = " " + " ".join(word.format(re.escape(w)) for w in words) + "(?= )"
    return _Term(label, weight, re.compile(pattern), words[0])


class TopicMatcher:
    """Scores texts against one topic."""

    def __init__(self, topic: Topic) -> None:
        self.topic = topic
        strong = [_term(t, STRONG_WEIGHT) for ts in topic.strong_terms.values() for t in ts]
        plain = [_term(t, 1.0) for ts in topic.terms.values() for t in ts]
        unique: dict[str, _Term] = {}
        for term in (*strong, *plain):  # the same term in two languages counts once
            if term is not None:
                unique.setdefault(term.pattern.pattern, term)
        self.terms = list(unique.values())

    def score(self, title: str | None, text: str) -> Relevance:
        title_padded = f" {normalise(title or '')} "
        text_padded = f" {normalise(text)} "
        matched: Counter[str] = Counter()
        score = 0.0
        strong_hit = False
        for term in self.terms:
            in_title = term.count(title_padded)
            in_text = term.count(text_padded)
            if not (in_title or in_text):
                continue
            matched[term.label] += in_title + in_text
            score += term.weight * (min(in_text, MAX_COUNT) + 2 * min(in_title, MAX_COUNT))
            strong_hit = strong_hit or term.weight == STRONG_WEIGHT
        on_topic = strong_hit and score >= self.topic.threshold
        return Relevance(round(score, 2), on_topic, dict(matched), strong_hit)
