"""Topic relevance of the treaty topic: seeds wrapped in HTML vs off-topic corpus pages.

    python bench/eval_relevance.py

Positives: the five seed articles as the demo site wraps them (with their boilerplate).
Negatives: every page of scrapinghub-aeb, trafilatura-eval and htmldate-eval (DEV), none of
which covers the treaty. Each page goes through the same extraction as a crawl.
"""

from __future__ import annotations

import gzip
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._corpora import corpora

ROOT = Path(__file__).resolve().parent.parent


def _score(args: tuple[str, bytes]) -> tuple[str, bool, float, list[str]]:
    from crawler.articles.extract import extract_page
    from crawler.articles.relevance import TopicMatcher
    from crawler.jobs.jobfile import load_job

    name, body = args
    topic = load_job(ROOT / "settings/jobs/treaty-fr.yaml").topic
    assert topic is not None
    result = extract_page(body, "https://example.org/page")
    relevance = TopicMatcher(topic).score(result.title, result.text)
    return name, relevance.on_topic, relevance.score, sorted(relevance.matched)


def main() -> None:
    positives = [
        (p.name, p.read_bytes())
        for p in sorted((ROOT / "crawler/demo/site/articles").glob("*.html"))
        if "festival" not in p.name
    ]
    negatives = [
        (f"{p.parent.parent.name}/{p.name}", gzip.decompress(p.read_bytes()))
        for name in ("scrapinghub-aeb", "trafilatura-eval", "htmldate-eval")
        for p in sorted((corpora() / name / "html").glob("*.gz"))
    ]
    with ProcessPoolExecutor(2) as pool:
        pos = list(pool.map(_score, positives, chunksize=4))
        neg = list(pool.map(_score, negatives, chunksize=16))
    tp = sum(on for _, on, *_ in pos)
    fp = [n for n in neg if n[1]]
    precision = tp / (tp + len(fp)) if tp + len(fp) else 0.0
    print(f"positives (seeds): {tp}/{len(pos)} on topic; scores {[s for _, _, s, _ in pos]}")
    print(f"negatives (corpus pages): {len(fp)}/{len(neg)} on topic")
    for name, _, score, matched in fp:
        print(f"  false positive {name} score {score}: {matched}")
    near = sorted(neg, key=lambda n: -n[2])[:5]
    print("highest-scoring negatives:", [(n[0], n[2], n[3]) for n in near])
    print(f"precision {precision:.3f}  recall {tp / len(pos):.3f}")


if __name__ == "__main__":
    main()
