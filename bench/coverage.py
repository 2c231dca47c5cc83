"""Finding a topic's coverage: recall, precision and cost of ``focus`` on the local two-outlet
web (tests/coverageweb.py), every crawl in one run, against the same servers.

    python bench/coverage.py [--per-outlet N] [--budget FRACTION]

The web: two outlets of N articles each over two years (default 1,100), the treaty's
coverage among them in every hiding place (slugged and slugless URLs, related blocks only,
only in the archive's index, gone from the site with a copy in the archive), North Korea
articles that are not about the treaty, on-topic articles outside the window. The other
articles' text is real: paragraphs of scrapinghub-aeb's pages when the corpora are beside the
checkout (``../shared/corpora`` or $CORPORA), else the test web's fixed sentences.

Crawls (one run, same web): ``focus: only``; ``focus: off`` with the same job (window and
all); ``focus: off`` without the window (the crawl before topic coverage); then a page budget
of FRACTION of the outlets' articles (default 0.1) for ``focus: prefer`` and ``focus: off``.
Printed: recall of the in-window on-topic articles (overall and by kind), on-topic articles
outside the window counted as coverage, North Korea pages taken for coverage, and the
outlets' requests per coverage article found. Figures, not timings: nothing is asserted.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.coverageweb import CoverageWeb  # noqa: E402


def _aeb_paragraphs() -> list[list[str]] | None:
    folder = Path(os.environ.get("CORPORA", ROOT.parent / "shared" / "corpora")) / "scrapinghub-aeb"
    truth = folder / "ground-truth.json"
    if not truth.is_file():
        return None
    bodies = json.loads(truth.read_text(encoding="utf-8")).values()
    texts = [[p for p in b.get("articleBody", "").split("\n") if len(p) > 80] for b in bodies]
    return [t[:6] for t in texts if len(t) >= 3]


def _crawl(web: CoverageWeb, name: str, focus: str, pages: int, **extra: Any) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix=f"coverage-{name}-"))
    job = web.job(focus, pages=pages, storage=f"file://{folder / 'archive'}", **extra)
    (folder / "job.yaml").write_text(yaml.safe_dump(job, allow_unicode=True), encoding="utf-8")
    before = web.requests()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "crawler.cli",
            "crawl",
            str(folder / "job.yaml"),
            "--progress",
            "60",
        ],
        capture_output=True,
        text=True,
        cwd=folder,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
    )
    if result.returncode != 0:
        sys.exit(f"{name}: the crawl failed\n{result.stdout}\n{result.stderr[-3000:]}")
    articles = []
    for path in folder.glob("archive/crawls/*/articles/*.jsonl.gz"):
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            articles += [json.loads(line) for line in lines]
    coverage = {a["url"] for a in articles if a.get("coverage")}
    expected = web.expected()
    found = [e for e in expected if e.url in coverage]
    by_kind = Counter(e.kind for e in expected)
    found_kind = Counter(e.kind for e in found)
    requests = web.requests() - before
    return {
        "name": name,
        "recall": len(found) / len(expected),
        "by_kind": {k: f"{found_kind[k]}/{n}" for k, n in sorted(by_kind.items())},
        "outside": len(coverage & web.topic_outside_window()),
        "korea": len(coverage & web.korea_urls()),
        "requests": requests,
        "per_found": requests / len(found) if found else float("inf"),
        "found": len(found),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-outlet", type=int, default=1100)
    parser.add_argument("--budget", type=float, default=0.1)
    args = parser.parse_args()
    paragraphs = _aeb_paragraphs()

    def real_text(rng: random.Random) -> list[str]:
        assert paragraphs is not None
        return rng.choice(paragraphs)

    web = CoverageWeb(per_outlet=args.per_outlet, general_text=real_text if paragraphs else None)
    budget = int(2 * args.per_outlet * args.budget)
    print(
        f"web: 2 outlets x {args.per_outlet} articles, {len(web.expected())} on-topic articles "
        f"in the window ({dict(Counter(e.kind for e in web.expected()))}); other text: "
        f"{'scrapinghub-aeb pages' if paragraphs else 'the test web sentences'}",
        file=sys.stderr,
    )
    runs = [
        _crawl(web, "only", "only", 0),
        _crawl(web, "off", "off", 0),
        _crawl(web, "off, no window", "off", 0, window={}),
        _crawl(web, f"prefer, budget {budget}", "prefer", budget),
        _crawl(web, f"off, budget {budget}", "off", budget),
    ]
    web.close()
    header = "| crawl | recall | by kind | outside window counted | Korea pages counted |"
    header += " outlet requests | requests per article found |"
    print(header)
    print("|" + "---|" * 7)
    for run in runs:
        kinds = ", ".join(f"{k} {v}" for k, v in run["by_kind"].items())
        print(
            f"| {run['name']} | {run['recall']:.3f} | {kinds} | {run['outside']} | "
            f"{run['korea']} | {run['requests']} | {run['per_found']:.1f} |"
        )
    only, off, today = runs[0], runs[1], runs[2]
    print(
        f"\nrequests per article found, only / off: {only['per_found'] / off['per_found']:.3f} "
        f"(same job); only / off without the window: {only['per_found'] / today['per_found']:.3f}"
    )
    print(
        f"recall with a budget of {budget} pages: prefer {runs[3]['recall']:.3f}, "
        f"off {runs[4]['recall']:.3f}"
    )


if __name__ == "__main__":
    main()
