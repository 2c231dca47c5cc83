"""Article body extraction on scrapinghub-aeb (DEV): our pipeline vs trafilatura's default.

    python bench/eval_extraction.py [DIR]

Uses the benchmark's own word-4-gram metric (crawler/evaluation.py). The same pages and
metric are behind ``crawler extract --eval DIR``.
"""

from __future__ import annotations

import gzip
import json
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._corpora import corpora
from crawler.articles.evaluation import score_documents


def _ours(args: tuple[str, bytes]) -> str:
    from crawler.articles.extract import extract_page

    url, body = args
    return str(extract_page(body, url, "text/html; charset=utf-8").text)


def _trafilatura_default(args: tuple[str, bytes]) -> str:
    import trafilatura

    url, body = args
    return trafilatura.extract(body.decode("utf-8"), url=url) or ""


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else corpora() / "scrapinghub-aeb"
    truth = json.loads((folder / "ground-truth.json").read_text())
    pages = [
        (
            truth[k].get("url") or "",
            gzip.decompress((folder / "html" / f"{k}.html.gz").read_bytes()),
        )
        for k in truth
    ]
    gold = [truth[k]["articleBody"] for k in truth]
    print("| system | F1 | precision | recall | accuracy |\n|---|---|---|---|---|")
    with ProcessPoolExecutor(2) as pool:
        for name, func in (
            ("trafilatura extract() defaults", _trafilatura_default),
            ("news-archive-crawler pipeline", _ours),
        ):
            s = score_documents(zip(gold, pool.map(func, pages, chunksize=4), strict=True))
            print(
                f"| {name} | {s.f1:.3f} | {s.precision:.3f} | {s.recall:.3f} | {s.accuracy:.3f} |"
            )


if __name__ == "__main__":
    main()
