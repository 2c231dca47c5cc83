"""``crawler extract --eval``: each annotated set's layout told by its gold file and scored
with its own metric; a broken set named by file and entry."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest

from crawler.articles.benchmark_sets import (
    EvaluationError,
    aeb_set,
    detect_layout,
    french_news_view,
    htmldate_eval_set,
    trafilatura_eval_set,
)
from crawler.articles.evaluation import score_dates
from tests.conftest import ROOT, run_cli

ARTICLE = (
    "Le traité de partenariat stratégique global entre la Russie et la Corée du Nord est "
    "entré en vigueur le 4 décembre 2024, après sa ratification par les deux pays."
)
MENU = "Abonnez-vous à notre lettre d'information"


def _page(day: str) -> bytes:
    paragraphs = "".join(f"<p>{ARTICLE} Paragraphe {n}.</p>" for n in range(4))
    return (
        f'<html lang="fr"><head><title>Le traité</title>'
        f'<meta property="article:published_time" content="{day}T08:00:00+01:00"></head>'
        f"<body><nav><ul><li><a href='/abonnement'>{MENU}</a></li></ul></nav>"
        f"<article><h1>Le traité</h1>{paragraphs}</article></body></html>"
    ).encode()


def _write(folder: Path, files: dict[str, object]) -> Path:
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(gzip.compress(content) if name.endswith(".gz") else content)
        else:
            path.write_text(json.dumps(content))
    return folder


def _trafilatura_eval(folder: Path) -> Path:
    return _write(
        folder,
        {
            "evaldata.json": {
                "hard::traite.html": {"with": [ARTICLE], "without": [MENU]},
                "https://example.org/menu": {"with": [MENU], "without": []},
            },
            "manifest.json": {
                "hard::traite.html": {"html_path": "html/traite.html.gz"},
                "https://example.org/menu": {"html_path": "html/menu.html.gz"},
            },
            "html/traite.html.gz": _page("2024-12-04"),
            "html/menu.html.gz": _page("2024-12-05"),
        },
    )


def _htmldate_eval(folder: Path) -> Path:
    urls = {f"https://example.org/{day}": day for day in ("2024-12-04", "2024-11-12")}
    return _write(
        folder,
        {
            "eval_default.json": {
                url: {"date": "2024-12-04", "file": "a.html"} for url in list(urls)[:1]
            },
            "eval_other.json": {url: {"date": "2023-01-01"} for url in list(urls)[1:]},
            "manifest.json": {url: {"html_path": f"html/{day}.html"} for url, day in urls.items()},
            **{f"html/{day}.html": _page(day) for day in urls.values()},
        },
    )


def test_each_layout_is_told_by_its_gold_file(tmp_path: Path) -> None:
    assert detect_layout(ROOT / "tests/fixtures/aeb-mini") == "scrapinghub-aeb"
    assert detect_layout(_trafilatura_eval(tmp_path / "t")) == "trafilatura-eval"
    assert detect_layout(_htmldate_eval(tmp_path / "h")) == "htmldate-eval"
    assert detect_layout(_write(tmp_path / "f", {"index.json": {}})) == "french-news"
    with pytest.raises(EvaluationError, match=r"no benchmark's gold file.*evaldata\.json"):
        detect_layout(ROOT / "tests/fixtures/trafilatura-eval-mini")
    with pytest.raises(EvaluationError, match="nope: not a folder"):
        detect_layout(tmp_path / "nope")


def test_the_sets_are_read_in_their_gold_files_order(tmp_path: Path) -> None:
    pages, texts = aeb_set(ROOT / "tests/fixtures/aeb-mini")
    assert [url for url, _ in pages][1] == "https://blog.comwrap.com/comwrap-auf-der-dmexco-2018"
    assert texts[1].startswith("Am 12. Bis 13. September") and pages[1][1].startswith(b"<")
    pages, snippets = trafilatura_eval_set(_trafilatura_eval(tmp_path / "t"))
    assert [url for url, _ in pages] == ["", "https://example.org/menu"]  # hard:: is no URL
    assert snippets[0] == ([ARTICLE], [MENU]) and b"2024-12-04" in pages[0][1]
    only = {"https://example.org/2023-01-01", "https://example.org/2024-11-12"}
    pages, dates = htmldate_eval_set(_htmldate_eval(tmp_path / "h"), only=only)
    assert (pages[0][0], dates) == ("https://example.org/2024-11-12", ["2023-01-01"])


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ({"manifest.json": {}}, r"manifest\.json: no html_path for 'hard::traite\.html'"),
        ({"html/traite.html.gz": b"not gzip"}, r"traite\.html\.gz: not a readable gzip file"),
        ({"evaldata.json": ["a", "list"]}, r"evaldata\.json: not a JSON object"),
        ({"evaldata.json": {"k": {"with": "one"}}}, r"entry 'k': 'with' and 'without' must"),
    ],
)
def test_a_broken_set_is_named_by_file_and_entry(
    tmp_path: Path, damage: dict[str, object], message: str
) -> None:
    folder = _trafilatura_eval(tmp_path)
    _write(folder, damage)  # over the good files
    if "html/traite.html.gz" in damage:  # written as given, not compressed
        (folder / "html/traite.html.gz").write_bytes(b"not gzip")
    with pytest.raises(EvaluationError, match=message):
        trafilatura_eval_set(folder)


def test_a_date_entry_without_its_date_is_named(tmp_path: Path) -> None:
    folder = _write(_htmldate_eval(tmp_path), {"eval_other.json": {"https://x.org/": {}}})
    with pytest.raises(EvaluationError, match=r"eval_other\.json: entry 'https://x\.org/' has"):
        htmldate_eval_set(folder)
    (folder / "html/2024-12-04.html").unlink()
    with pytest.raises(EvaluationError, match=r"2024-12-04\.html: the page of 'https://"):
        htmldate_eval_set(folder)


def test_dates_are_scored_right_wrong_or_missing() -> None:
    score = score_dates(["2024-12-04", "2024-11-12", "2024-06-19"], ["2024-12-04", "2024", None])
    assert (score.precision, score.recall, score.accuracy) == (0.5, 0.5, pytest.approx(1 / 3))


def test_the_command_scores_each_layout_with_its_metric(tmp_path: Path) -> None:
    result = run_cli("extract", "--eval", str(_trafilatura_eval(tmp_path / "t")))
    assert result.returncode == 0, result.stderr
    # the first page's wanted snippet found and its menu kept out; the second page's wanted
    # snippet (its menu) missed
    assert re.search(
        r"^trafilatura-eval: F1 0\.667  precision 1\.000  recall 0\.500", result.stdout
    )
    result = run_cli("extract", "--eval", str(_htmldate_eval(tmp_path / "h")))
    assert result.returncode == 0, result.stderr
    # the first page's date right, the second page's (2024-11-12) not its gold 2023-01-01
    assert "htmldate-eval: F1 0.667  precision 0.500  recall 1.000" in result.stdout
    broken = run_cli("extract", "--eval", str(tmp_path))
    assert broken.returncode == 2
    assert f"{tmp_path}: no benchmark's gold file here" in broken.stderr


def test_the_french_view_is_scored_in_its_parent_sets(tmp_path: Path) -> None:
    _trafilatura_eval(tmp_path / "trafilatura-eval")
    _htmldate_eval(tmp_path / "htmldate-eval")
    view = {
        "traite": {"entries": {"trafilatura-eval": {"id": "hard::traite.html"}}},
        "date": {"entries": {"htmldate-eval": {"id": "https://example.org/2024-12-04"}}},
    }
    folder = _write(tmp_path / "french-news", {"index.json": view})
    result = run_cli("extract", "--eval", str(folder))
    assert result.returncode == 0, result.stderr
    # only the view's pages: the article page's snippets, the page whose date is right
    assert result.stdout.splitlines() == [
        "french-news: trafilatura-eval part: F1 1.000  precision 1.000  recall 1.000  "
        "accuracy 1.000  (1 documents)",
        "french-news: htmldate-eval part: F1 1.000  precision 1.000  recall 1.000  "
        "accuracy 1.000  (1 documents)",
    ]
    (tmp_path / "htmldate-eval").rename(tmp_path / "elsewhere")
    alone = run_cli("extract", "--eval", str(folder))
    assert alone.returncode == 2
    assert "a view of htmldate-eval, which is not beside it" in alone.stderr


def test_the_french_view_gives_each_parent_sets_keys(tmp_path: Path) -> None:
    entries = {
        "a": {"entries": {"trafilatura-eval": {"id": "hard::a.html"}}},
        "b": {"entries": {"htmldate-eval": {"id": "https://x.fr/b"}, "trafilatura-eval": {}}},
    }
    _write(tmp_path, {"index.json": entries})
    with pytest.raises(EvaluationError, match=r"index\.json: entry 'b': 'trafilatura-eval' has no"):
        french_news_view(tmp_path)
    del entries["b"]["entries"]["trafilatura-eval"]
    _write(tmp_path, {"index.json": entries})
    assert french_news_view(tmp_path) == {
        "trafilatura-eval": {"hard::a.html"},
        "htmldate-eval": {"https://x.fr/b"},
    }
