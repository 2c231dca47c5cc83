"""Publication dates on htmldate-eval (DEV): our pipeline vs htmldate's own extensive search.

    python bench/eval_dates.py

Metric (htmldate's): correct date = TP, wrong = FP, none = FN; precision, recall, accuracy, F.
"""

from __future__ import annotations

import gzip
import json
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._corpora import corpora


def _ours(args: tuple[str, bytes]) -> str | None:
    from crawler.articles.extract import extract_page

    url, body = args
    result = extract_page(body, url)
    return result.published


def _htmldate(args: tuple[str, bytes]) -> str | None:
    from htmldate import find_date

    url, body = args
    try:
        found: str | None = find_date(body, url=url, extensive_search=True, original_date=True)
    except Exception:
        return None
    return found


def _scores(gold: list[str], found: list[str | None]) -> dict[str, float]:
    tp = sum(g == f for g, f in zip(gold, found, strict=True))
    fp = sum(f is not None and g != f for g, f in zip(gold, found, strict=True))
    fn = sum(f is None for f in found)
    return {
        "precision": tp / (tp + fp) if tp + fp else 0.0,
        "recall": tp / (tp + fn) if tp + fn else 0.0,
        "accuracy": tp / len(gold),
        "f_score": 2 * tp / (2 * tp + fp + fn),
    }


def main() -> None:
    folder = corpora() / "htmldate-eval"
    items = []
    for name in ("eval_default.json", "eval_mediacloud_2020.json"):
        for url, entry in json.loads((folder / name).read_text()).items():
            body = gzip.decompress((folder / "html" / (entry["file"] + ".gz")).read_bytes())
            items.append((url, body, entry["date"]))
    pages = [(url, body) for url, body, _ in items]
    gold = [date for *_, date in items]
    print(f"htmldate-eval DEV: {len(items)} pages", file=sys.stderr)
    with ProcessPoolExecutor(2) as pool:
        results = {
            "htmldate find_date (extensive, original)": list(
                pool.map(_htmldate, pages, chunksize=8)
            ),
            "news-archive-crawler (trafilatura + listing fallback)": list(
                pool.map(_ours, pages, chunksize=8)
            ),
        }
    print("| system | precision | recall | accuracy | F-score |\n|---|---|---|---|---|")
    for name, found in results.items():
        s = _scores(gold, found)
        print(
            f"| {name} | {s['precision']:.3f} | {s['recall']:.3f} | {s['accuracy']:.3f} | "
            f"{s['f_score']:.3f} |"
        )


if __name__ == "__main__":
    main()
