"""Extraction scored with each annotated set's own metric, and ``crawler extract --eval``.

- scrapinghub/article-extraction-benchmark (:func:`score_documents`): tokens are ``\\w+``
  matches; shingles are word 4-grams (a shorter text is one shorter shingle). Per document,
  TP/FP/FN are multiset overlaps of gold and predicted shingles, normalised by their sum;
  precision and recall are means over documents, F1 is computed from the means; accuracy is
  the share of exact token-sequence matches. Reimplemented from the benchmark's description
  (no code copied); reproduces its published figures on the reference outputs.
- trafilatura's evaluation (:func:`score_snippets`): snippets that must be in the output,
  snippets that must not.
- htmldate's evaluation (:func:`score_dates`): the date right, wrong or missing.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from crawler.articles.benchmark_sets import (
    EvaluationError,
    Page,
    aeb_set,
    detect_layout,
    french_news_view,
    htmldate_eval_set,
    trafilatura_eval_set,
)
from crawler.articles.extract import ExtractionResult, ExtractOptions
from crawler.articles.pool import ExtractionPool, PoolOptions

__all__ = [
    "EvaluationError",
    "Score",
    "evaluate_folder",
    "score_dates",
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


def score_dates(gold: list[str], found: list[str | None]) -> Score:
    """htmldate's evaluation metric: a date found equal to the gold is a true positive, a
    different one a false positive, none a false negative; accuracy is the share right."""
    pairs = list(zip(gold, found, strict=True))
    tp = sum(g == f for g, f in pairs)
    fp = sum(f is not None and g != f for g, f in pairs)
    fn = sum(f is None for _, f in pairs)
    return Score(
        2 * tp / (2 * tp + fp + fn) if tp else 0.0,
        tp / (tp + fp) if tp + fp else 0.0,
        tp / (tp + fn) if tp + fn else 0.0,
        tp / len(gold) if gold else 0.0,
        len(gold),
    )


def _extracted(pages: list[Page], workers: int, progress: bool) -> list[ExtractionResult | None]:
    """Each page extracted as a crawl extracts it (None: the page failed or timed out)."""
    pool = ExtractionPool(PoolOptions(workers=workers, timeout=60), ExtractOptions())
    try:
        futures = [pool.submit(body=body, url=url) for url, body in pages]
        results: list[ExtractionResult | None] = []
        for done, future in enumerate(futures, 1):
            try:
                results.append(future.result())
            except Exception:  # a page that kills or stalls its worker scores as no output
                results.append(None)
            if progress and (done % 25 == 0 or done == len(futures)):
                print(f"  {done}/{len(futures)} pages", file=sys.stderr)
    finally:
        pool.close()
    return results


def _score_aeb(folder: Path, only: set[str] | None, workers: int, progress: bool) -> Score:
    pages, texts = aeb_set(folder, only)
    results = _extracted(pages, workers, progress)
    return score_documents(zip(texts, [r.text if r else "" for r in results], strict=True))


def _score_snippets(folder: Path, only: set[str] | None, workers: int, progress: bool) -> Score:
    pages, snippets = trafilatura_eval_set(folder, only)
    results = _extracted(pages, workers, progress)
    return score_snippets(
        (wanted, unwanted, r.text if r else None)
        for (wanted, unwanted), r in zip(snippets, results, strict=True)
    )


def _score_dates(folder: Path, only: set[str] | None, workers: int, progress: bool) -> Score:
    pages, dates = htmldate_eval_set(folder, only)
    results = _extracted(pages, workers, progress)
    return score_dates(dates, [r.published if r else None for r in results])


_SCORERS = {
    "scrapinghub-aeb": _score_aeb,
    "trafilatura-eval": _score_snippets,
    "htmldate-eval": _score_dates,
}
"""Each set's scoring of the pipeline, in the order of the benchmark table's rows."""


def evaluate_folder(
    folder: Path, workers: int = 2, progress: bool = True
) -> list[tuple[str, Score]]:
    """The pipeline's score on a benchmark folder, with its set's own metric (word 4-grams
    on scrapinghub-aeb, snippets on trafilatura-eval, dates on htmldate-eval), named by the
    layout (:mod:`crawler.articles.benchmark_sets`). The french-news view gives one score
    for each of its parent sets, which must be beside it."""
    layout = detect_layout(folder)
    if layout != "french-news":
        return [(layout, _SCORERS[layout](folder, None, workers, progress))]
    view = french_news_view(folder)
    if unknown := sorted(set(view) - set(_SCORERS)):
        raise EvaluationError(f"{folder / 'index.json'}: unknown parent set(s) {unknown}")
    scores = []
    for parent, score in _SCORERS.items():
        if parent not in view:
            continue
        if not (folder.parent / parent).is_dir():
            raise EvaluationError(
                f"{folder}: a view of {parent}, which is not beside it ({folder.parent / parent})"
            )
        result = score(folder.parent / parent, view[parent], workers, progress)
        scores.append((f"french-news: {parent} part", result))
    return scores
