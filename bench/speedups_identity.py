"""The speed-ups change no output: every page of the corpora extracted with and without them,
in two separate processes (the speed-ups patch trafilatura process-wide), compared in full.

    python bench/speedups_identity.py [--limit N]

Pages: scrapinghub-aeb, trafilatura-eval and htmldate-eval (``../shared/corpora`` beside the
checkout, or $CORPORA). Each result (every field of ``ExtractionResult``) is hashed; the
script prints how many pages differ and exits 1 if any does, naming them. Run it whenever
trafilatura or lxml is upgraded, before adding the new version to
``crawler.articles._speedups.TESTED``.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._corpora import corpora  # noqa: E402


def _pages(limit: int | None) -> list[Path]:
    found = []
    for name in ("scrapinghub-aeb", "trafilatura-eval", "htmldate-eval"):
        found += sorted((corpora() / name / "html").glob("*.html.gz"))
    return found[:limit] if limit else found


def _hashes(paths: list[str], speedups: bool) -> dict[str, str]:
    """In this process: the hash of each page's full extraction result."""
    from crawler.articles.extract import ExtractOptions, extract_page

    options = ExtractOptions(speedups=speedups)
    out = {}
    for path in paths:
        body = gzip.decompress(Path(path).read_bytes())
        result = extract_page(body, "https://example.org/page.html", options=options)
        canonical = json.dumps(asdict(result), sort_keys=True, default=str)
        out[path] = hashlib.sha256(canonical.encode()).hexdigest()
    return out


def _run(paths: list[str], speedups: bool) -> dict[str, str]:
    code = (
        "import json, sys; sys.path.insert(0, sys.argv[1]); "
        "from bench.speedups_identity import _hashes; "
        "paths = json.load(sys.stdin); "
        "print(json.dumps(_hashes(paths, sys.argv[2] == 'on')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(ROOT), "on" if speedups else "off"],
        input=json.dumps(paths),
        capture_output=True,
        text=True,
        check=True,
    )
    hashes: dict[str, str] = json.loads(result.stdout)
    return hashes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, help="only the first N pages")
    args = parser.parse_args()
    from crawler.articles._speedups import speedups_state

    state = speedups_state(True)
    if not state.startswith("on"):
        sys.exit(f"speed-ups are {state}: nothing to compare")
    paths = [str(p) for p in _pages(args.limit)]
    with_speedups, without = _run(paths, True), _run(paths, False)
    differ = [p for p in paths if with_speedups[p] != without[p]]
    print(f"{len(paths)} pages, speed-ups {state}: {len(differ)} differ")
    for path in differ[:20]:
        print(f"  differs: {path}")
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
