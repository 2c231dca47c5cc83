"""The annotated extraction sets, read in their own layouts (no Scrapy).

- **scrapinghub-aeb**: ``ground-truth.json`` (id: ``url``, ``articleBody``) and
  ``html/<id>.html.gz``; gold: the article's text.
- **trafilatura-eval**: ``evaldata.json`` (key: ``with`` and ``without`` snippets) and
  ``manifest.json`` (key: ``html_path``); gold: the snippets.
- **htmldate-eval**: ``eval_*.json`` (URL: ``date``) and ``manifest.json``; gold: the
  publication date.
- **french-news**: ``index.json``, a view: the French pages of the two sets above, by their
  keys there (:func:`french_news_view`).

:func:`detect_layout` tells them apart by their gold files; each loader returns the pages as
``(url, body)`` with their gold, in the gold file's order. A missing or unreadable file, or
an entry without its field or its page, raises :class:`EvaluationError` naming the file and
the entry.
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

__all__ = [
    "LAYOUTS",
    "EvaluationError",
    "Page",
    "aeb_set",
    "detect_layout",
    "french_news_view",
    "htmldate_eval_set",
    "trafilatura_eval_set",
]

Page = tuple[str, bytes]
"""A page's URL (empty when the set has none) and its HTML bytes."""

LAYOUTS = {
    "scrapinghub-aeb": "ground-truth.json",
    "trafilatura-eval": "evaldata.json",
    "htmldate-eval": "eval_*.json",
    "french-news": "index.json",
}
"""Each layout by the gold file that tells it (checked in this order)."""


class EvaluationError(RuntimeError):
    """A benchmark folder that cannot be scored; the message names the file."""


def detect_layout(folder: Path) -> str:
    """The layout of ``folder``: a key of :data:`LAYOUTS`."""
    if not folder.is_dir():
        raise EvaluationError(f"{folder}: not a folder")
    for layout, gold in LAYOUTS.items():
        if any(folder.glob(gold)):
            return layout
    looked_for = ", ".join(f"{gold} ({layout})" for layout, gold in LAYOUTS.items())
    raise EvaluationError(f"{folder}: no benchmark's gold file here (looked for {looked_for})")


def _json_object(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise EvaluationError(f"{path}: cannot read the gold file: {exc}") from exc
    if not isinstance(data, dict):
        raise EvaluationError(f"{path}: not a JSON object of entries")
    return data


def _entries(path: Path, field: str) -> Iterator[tuple[str, dict[str, Any], Any]]:
    """Each entry of the gold file at ``path`` with its ``field``."""
    for key, entry in _json_object(path).items():
        if not isinstance(entry, dict) or field not in entry:
            raise EvaluationError(f"{path}: entry {key!r} has no {field!r}")
        yield key, entry, entry[field]


def _html(path: Path, listed_in: Path, key: str) -> bytes:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise EvaluationError(f"{path}: the page of {key!r} in {listed_in.name}: {exc}") from exc
    if path.suffix != ".gz":
        return data
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as exc:
        raise EvaluationError(f"{path}: not a readable gzip file: {exc}") from exc


def _manifest_html(folder: Path) -> Any:
    """A reader of pages by their key in ``manifest.json``."""
    manifest_path = folder / "manifest.json"
    manifest = _json_object(manifest_path)

    def html(key: str, listed_in: Path) -> bytes:
        entry = manifest.get(key)
        if not isinstance(entry, dict) or not isinstance(entry.get("html_path"), str):
            raise EvaluationError(
                f"{manifest_path}: no html_path for {key!r} (listed in {listed_in.name})"
            )
        return _html(folder / entry["html_path"], listed_in, key)

    return html


def aeb_set(folder: Path, only: set[str] | None = None) -> tuple[list[Page], list[str]]:
    """scrapinghub-aeb's pages (those of ``only``, when given) and their gold texts."""
    truth = folder / "ground-truth.json"
    pages, texts = [], []
    for doc_id, entry, text in _entries(truth, "articleBody"):
        if only is not None and doc_id not in only:
            continue
        body = _html(folder / "html" / f"{doc_id}.html.gz", truth, doc_id)
        pages.append((str(entry.get("url") or ""), body))
        texts.append(str(text or ""))
    return pages, texts


def trafilatura_eval_set(
    folder: Path, only: set[str] | None = None
) -> tuple[list[Page], list[tuple[list[str], list[str]]]]:
    """trafilatura-eval's pages (those of ``only``, when given) and their ``with`` and
    ``without`` snippets. Keys that are not URLs (``hard::...``) give pages without one."""
    gold = folder / "evaldata.json"
    html = _manifest_html(folder)
    pages, snippets = [], []
    for key, entry in _json_object(gold).items():
        if only is not None and key not in only:
            continue
        if not isinstance(entry, dict):
            raise EvaluationError(f"{gold}: entry {key!r} is not an object")
        wanted, unwanted = entry.get("with") or [], entry.get("without") or []
        if not (isinstance(wanted, list) and isinstance(unwanted, list)):
            raise EvaluationError(f"{gold}: entry {key!r}: 'with' and 'without' must be lists")
        pages.append((key if key.startswith("http") else "", html(key, gold)))
        snippets.append(([str(s) for s in wanted], [str(s) for s in unwanted]))
    return pages, snippets


def htmldate_eval_set(folder: Path, only: set[str] | None = None) -> tuple[list[Page], list[str]]:
    """htmldate-eval's pages (those of ``only``, when given) and their dates, from every
    ``eval_*.json`` in name order."""
    html = _manifest_html(folder)
    pages, dates = [], []
    for gold in sorted(folder.glob(LAYOUTS["htmldate-eval"])):
        for url, _entry, date in _entries(gold, "date"):
            if only is None or url in only:
                pages.append((url, html(url, gold)))
                dates.append(str(date))
    return pages, dates


def french_news_view(folder: Path) -> dict[str, set[str]]:
    """The keys of the French pages in each parent set (``trafilatura-eval``,
    ``htmldate-eval``), from the view's ``index.json``."""
    index = folder / "index.json"
    keys: dict[str, set[str]] = {}
    for name, _entry, parents in _entries(index, "entries"):
        if not isinstance(parents, dict):
            raise EvaluationError(f"{index}: entry {name!r}: 'entries' must be an object")
        for parent, found in parents.items():
            if not isinstance(found, dict) or not isinstance(found.get("id"), str):
                raise EvaluationError(f"{index}: entry {name!r}: {parent!r} has no 'id'")
            keys.setdefault(parent, set()).add(found["id"])
    return keys
