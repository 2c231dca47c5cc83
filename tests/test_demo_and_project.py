"""The README's promises: the demo works, CI runs the README's test command, compose parses."""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import subprocess
from pathlib import Path

import pytest

from crawler.articles.pool import PoolOptions
from tests.conftest import ROOT, run_cli
from tests.mocksite import MockSite
from tests.warc_checks import validate_warc

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    tmp_path = tmp_path_factory.mktemp("demo")
    result = run_cli("demo", "--storage", (tmp_path / "archive").as_uri())
    assert result.returncode == 0, result.stdout + result.stderr
    return tmp_path, result


def test_demo_writes_a_valid_archive(demo: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    tmp_path, result = demo
    assert "Demo news site on http://127.0.0.1:" in result.stderr
    assert "memory allocator: " in result.stderr  # jemalloc where installed (test_process)
    crawls = list((tmp_path / "archive" / "crawls").iterdir())
    assert len(crawls) == 1 and (crawls[0] / "manifest.json").exists()
    warcs = list(crawls[0].glob("warc/*.warc.gz"))
    report = validate_warc(warcs[0])
    urls = {r.get("WARC-Target-URI") or "" for r in report.records}
    assert any(u.endswith("/robots.txt") for u in urls)
    assert any(u.endswith("/feed.xml") for u in urls)
    assert sum("/articles/" in u for u in urls) >= 6
    assert not any("/private/" in u for u in urls), "robots.txt disallows /private/"
    assert "pages fetched" in result.stdout and str(crawls[0]) in result.stdout


def _articles(crawl: Path) -> list[dict[str, object]]:
    return [
        json.loads(line)
        for f in sorted(crawl.glob("articles/*.jsonl.gz"))
        for line in gzip.decompress(f.read_bytes()).decode().splitlines()
    ]


def test_demo_articles_point_at_their_warc_records(
    demo: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    tmp_path, result = demo
    crawl = next((tmp_path / "archive" / "crawls").iterdir())
    articles = _articles(crawl)
    assert len(articles) == 6, [a["final_url"] for a in articles]
    for article in articles:
        pointer = article["warc"]
        assert isinstance(pointer, dict)
        with (crawl / "warc" / pointer["filename"]).open("rb") as handle:
            handle.seek(pointer["offset"])
            raw = gzip.decompress(handle.read(pointer["length"]))
        head = raw.split(b"\r\n\r\n", 1)[0].decode()
        assert f"WARC-Record-ID: {pointer['record_id']}" in head
        assert f"WARC-Target-URI: {article['final_url']}" in head
        assert f"WARC-Payload-Digest: {pointer['payload_digest']}" in head
        assert article["crawl_id"] == crawl.name
        assert article["extractor"]["name"] == "trafilatura"
    on_topic = {a["final_url"].rsplit("/", 1)[1] for a in articles if a["relevance"]["on_topic"]}
    assert "festival-jazz-marciac.html" not in on_topic and len(on_topic) == 5
    assert all(a["published"] and a["language"] == "fr" for a in articles)
    assert "articles         6 extracted, 5 on topic" in result.stdout


def test_demo_article_files_are_in_the_manifest(
    demo: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    tmp_path, _ = demo
    crawl = next((tmp_path / "archive" / "crawls").iterdir())
    manifest = json.loads((crawl / "manifest.json").read_text())
    kinds = {f["path"]: f["kind"] for f in manifest["files"]}
    assert "articles/summary.json" in kinds and "articles/clusters.json" in kinds
    assert any(k == "articles" for k in kinds.values())
    for entry in manifest["files"]:
        assert hashlib.sha256((crawl / entry["path"]).read_bytes()).hexdigest() == entry["sha256"]
    summary = json.loads((crawl / "articles/summary.json").read_text())
    assert summary["articles"] == 6 and summary["on_topic"] == 5
    assert summary["by_language"] == {"fr": 6} and summary["missing_dates"] == 0
    clusters = json.loads((crawl / "articles/clusters.json").read_text())
    assert [sorted(u.rsplit("/", 1)[1] for u in urls) for urls in clusters.values()] == [
        [
            "accord-defense-mutuelle-entre-en-vigueur.html",
            "coree-du-nord-ratifie-accord-defense.html",
        ]
    ]


def test_extract_command_prints_article_json(tmp_path: Path) -> None:
    page = ROOT / "crawler/demo/site/articles/coree-du-nord-guerre-koursk.html"
    result = run_cli(
        "extract", str(page), str(page), "--job", str(ROOT / "settings/jobs/treaty-fr.yaml")
    )
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 2 and lines[0]["relevance"]["on_topic"]
    assert lines[0]["warc"] is None and lines[0]["published"] == "2024-11-02"
    missing = run_cli("extract", str(tmp_path / "nope.html"))
    assert missing.returncode == 2 and "nope.html: cannot read" in missing.stderr


def test_extract_eval_scores_a_benchmark_folder() -> None:
    result = run_cli("extract", "--eval", str(ROOT / "tests/fixtures/aeb-mini"))
    assert result.returncode == 0, result.stderr
    match = re.search(r"F1 ([0-9.]+)\s+precision ([0-9.]+)\s+recall ([0-9.]+)", result.stdout)
    assert match and float(match.group(1)) > 0.8
    assert "(2 documents)" in result.stdout


def test_counts_below_one_are_refused_naming_the_option() -> None:
    # a pool of no worker would take the pages and never answer (it hung before)
    fixture = str(ROOT / "tests/fixtures/aeb-mini")
    for args, said in [
        (("extract", "--eval", fixture, "--workers", "0"), "--workers: must be at least 1, not 0"),
        (("reextract", "x", "--workers", "two"), "--workers: not a whole number: 'two'"),
        (("runs", "list", "--limit", "-3"), "--limit: must be at least 1, not -3"),
        (("runs", "watch", "1", "--interval", "0"), "--interval: must be above 0, not 0"),
        (("runs", "watch", "1", "--interval", "nan"), "--interval: must be above 0, not nan"),
    ]:
        result = run_cli(*args, timeout=60)
        assert result.returncode == 2 and said in result.stderr, result.stderr
    with pytest.raises(ValueError, match="extraction pool: workers must be at least 1, not 0"):
        PoolOptions(workers=0)


def test_validate_command_reports_field_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nseeds:\n  feeds: [nope]\n")
    result = run_cli("validate", str(bad), str(ROOT / "settings/jobs/treaty-fr.yaml"))
    assert result.returncode == 2
    assert "seeds.feeds.0 (line 3)" in result.stderr
    assert "valid job 'treaty-fr'" in result.stdout


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text()
    commands = re.findall(r"```sh\n(python3 -m venv .*?)\n```", readme)
    test_command = next(c for c in commands if "pytest" in c)
    assert test_command in (ROOT / ".ci/run").read_text()
    assert any(c.endswith("crawler demo") for c in commands)


def test_extract_url_applies_the_address_policy(site: MockSite) -> None:
    url = f"{site.url}/articles/a2.html"
    refused = run_cli("extract", "--url", url)
    assert refused.returncode == 2 and "loopback address 127.0.0.1 is not allowed" in refused.stderr
    fetched = run_cli("extract", "--url", url, "--allow-network", "127.0.0.1/32")
    assert fetched.returncode == 0, fetched.stderr
    article = json.loads(fetched.stdout)
    assert article["final_url"] == url and "Corée du Nord" in article["text"]


@pytest.mark.parametrize(
    ("path", "refusal"),
    [
        ("/redirect-private", "127.0.0.2 is not allowed"),
        ("/redirect-metadata", "169.254.169.254"),
    ],
)
def test_extract_url_checks_every_redirect_hop(
    site: MockSite, private_site: MockSite, path: str, refusal: str
) -> None:
    before = sum(private_site.hits.values())
    refused = run_cli("extract", "--url", site.url + path, "--allow-network", "127.0.0.1/32")
    assert refused.returncode == 2 and refusal in refused.stderr, refused.stderr
    assert sum(private_site.hits.values()) == before  # never connected to


def test_extract_url_follows_an_allowed_redirect(site: MockSite) -> None:
    fetched = run_cli(
        "extract", "--url", f"{site.url}/redirect-301", "--allow-network", "127.0.0.1/32"
    )
    assert fetched.returncode == 0, fetched.stderr
    article = json.loads(fetched.stdout)
    assert article["url"] == f"{site.url}/redirect-301"
    assert article["final_url"] == f"{site.url}/articles/a1.html"
