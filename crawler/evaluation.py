"""The article-extraction benchmark metric (scrapinghub/article-extraction-benchmark).

Tokens are ``\\w+`` matches; shingles are word 4-grams (a shorter text is one shorter shingle).
Per document, TP/FP/FN are multiset overlaps of gold and predicted shingles, normalised by
their sum; precision and recall are means over documents, F1 is computed from the means;
accuracy is the share of exact token-sequence matches. Reimplemented from the benchmark's
description (no code copied); reproduces its published figures on the reference outputs.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["Score", "score_documents", "shingles"]

_WORD = re.compile(r"\w+")


def _tokens(text: str) -> list[str]:
    return _WORD.findall(text or "")


def shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    tokens = _tokens(text)
    if len(tokens) < n:
        return Counter([tuple(tokens)]) if tokens else Counter()
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


@dataclass(frozen=True)
class Score:
    f1: float
    precision: float
    recall: float
    accuracy: float
    documents: int

    def __str__(self) -> str:
        return (
            f"F1 {self.f1:.3f}  precision {self.precision:.3f}  recall {self.recall:.3f}  "
            f"accuracy {self.accuracy:.3f}  ({self.documents} documents)"
        )


def score_documents(pairs: Iterable[tuple[str, str]]) -> Score:
    """Score ``(gold, predicted)`` text pairs."""
    precisions: list[float] = []
    recalls: list[float] = []
    exact = 0
    count = 0
    for gold, predicted in pairs:
        count += 1
        g, p = shingles(gold), shingles(predicted)
        overlap, extra, missing = (sum(c.values()) for c in (g & p, p - g, g - p))
        total = (overlap + extra + missing) or 1
        tp, fp, fn = overlap / total, extra / total, missing / total
        if tp + fp > 0:
            precisions.append(tp / (tp + fp))
        elif fn == 0:
            precisions.append(1.0)
        if tp + fn > 0:
            recalls.append(tp / (tp + fn))
        elif fp == 0:
            recalls.append(1.0)
        exact += _tokens(gold) == _tokens(predicted)
    precision = sum(precisions) / len(precisions) if precisions else 0.0
    recall = sum(recalls) / len(recalls) if recalls else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Score(f1, precision, recall, exact / count if count else 0.0, count)
