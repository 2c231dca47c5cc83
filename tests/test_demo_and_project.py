"""The README's promises: the demo works, CI runs the README's test command, compose parses."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from tests.conftest import ROOT, run_cli
from tests.warc_checks import validate_warc


def test_demo_writes_a_valid_archive(tmp_path: Path) -> None:
    result = run_cli("demo", "--storage", (tmp_path / "archive").as_uri())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Demo news site on http://127.0.0.1:" in result.stderr
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


def test_compose_file_uses_real_commands_and_required_secrets() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"minio", "create-bucket", "crawl"} <= set(services)
    crawl = services["crawl"]
    command = crawl["command"]
    assert command[:2] == ["crawler", "crawl"] and (ROOT / command[2]).exists()
    assert crawl["depends_on"]["create-bucket"]["condition"] == "service_completed_successfully"
    assert services["minio"]["healthcheck"]["test"]
    for service in ("minio", "create-bucket", "crawl"):
        values = [str(v) for v in services[service].get("environment", {}).values()]
        assert all("${" not in v or ":?" in v for v in values), "secrets must be required"
    env = crawl["environment"]
    assert {"AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} <= set(env)
    assert "mc version enable" in services["create-bucket"]["command"][0]
