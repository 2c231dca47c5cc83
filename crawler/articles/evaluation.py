"""The article-extraction benchmark metric (scrapinghub/article-extraction-benchmark).

Tokens are ``\\w+`` matches; shingles are word 4-grams (a shorter text is one shorter shingle).
Per document, TP/FP/FN are multiset overlaps of gold and predicted shingles, normalised by
their sum; precision and recall are means over documents, F1 is computed from the means;
accuracy is the share of exact token-sequence matches. Reimplemented from the benchmark's
description (no code copied); reproduces its published figures on the reference outputs.
"""

from __future__ import annotations

import gzip
import json
import re
import sys
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

from crawler.articles.extract import ExtractionResult, ExtractOptions
from crawler.articles.pool import ExtractionPool, PoolOptions

__all__ = [
    "EvaluationError",
    "Score",
    "evaluate_folder",
    "score_documents",
    "score_snippets",
    "shingles",
]

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


_SPACE = re.compile(r"\s+")


def _squeezed(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def score_snippets(items: Iterable[tuple[list[str], list[str], str | None]]) -> Score:
    """trafilatura's evaluation metric: per page, the ``with`` snippets found in the output
    are true positives (the others false negatives), the ``without`` snippets found are
    false positives (the others true negatives); whitespace squeezed; counts summed over
    the pages. ``None`` output: every ``with`` missed, every ``without`` avoided."""
    tp = fn = fp = tn = pages = 0
    for wanted, unwanted, output in items:
        pages += 1
        text = _squeezed(output or "")
        found = [bool(output) and _squeezed(s) in text for s in wanted]
        leaked = [bool(output) and _squeezed(s) in text for s in unwanted]
        tp += sum(found)
        fn += len(found) - sum(found)
        fp += sum(leaked)
        tn += len(leaked) - sum(leaked)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    total = tp + fn + fp + tn
    return Score(f1, precision, recall, (tp + tn) / total if total else 0.0, pages)


class EvaluationError(RuntimeError):
    """A benchmark folder that cannot be scored; the message names the file."""


def evaluate_folder(folder: Path, workers: int = 2, progress: bool = True) -> Score:
    """Score extraction on a folder in the scrapinghub-aeb layout (ground-truth.json, html/)."""
    truth_path = folder / "ground-truth.json"
    try:
        truth: dict[str, dict[str, str]] = json.loads(truth_path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise EvaluationError(f"{truth_path}: cannot read the gold file: {exc}") from exc
    options = ExtractOptions()
    pool = ExtractionPool(PoolOptions(workers=workers, timeout=60), options)
    futures: dict[str, Future[ExtractionResult]] = {}
    try:
        for doc_id, gold in truth.items():
            page = folder / "html" / f"{doc_id}.html.gz"
            if not page.exists():
                raise EvaluationError(f"{page}: listed in ground-truth.json but missing")
            futures[doc_id] = pool.submit(
                body=gzip.decompress(page.read_bytes()),
                url=gold.get("url") or "",
                content_type="text/html; charset=utf-8",
            )
        pairs = []
        for done, (doc_id, future) in enumerate(futures.items(), 1):
            try:
                text = future.result().text
            except Exception:
                text = ""
            pairs.append((truth[doc_id].get("articleBody", ""), text))
            if progress and (done % 25 == 0 or done == len(futures)):
                print(f"  {done}/{len(futures)} pages", file=sys.stderr)
    finally:
        pool.close()
    return score_documents(pairs)
