"""Job files: the shipped treaty job validates; bad files name the field and the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.jobs.jobfile import JobFileError, load_job, parse_job
from crawler.jobs.models import parse_duration, parse_size
from settings import JOBS_DIR

pytestmark = pytest.mark.unit

MINIMAL = "name: t\nseeds:\n  feeds: ['https://www.lemonde.fr/rss/une.xml']\n"


def test_treaty_job_validates_with_outlets_and_topic() -> None:
    job = load_job(JOBS_DIR / "treaty-fr.yaml")
    assert job.name == "treaty-fr"
    assert job.seeds.feeds and job.seeds.sitemaps
    assert "lemonde.fr" in job.scope.domains
    assert job.topic is not None
    assert {"fr", "en", "ru", "ko", "de"} <= set(job.topic.terms)
    assert job.politeness.obey_robots
    assert "+https://" in job.identity.user_agent
    assert job.safety.allow_private_addresses is False


def test_defaults_are_safe_and_polite() -> None:
    job = parse_job(MINIMAL)
    assert job.limits.response_bytes == 20_000_000
    assert job.warc.max_size == 1_000_000_000
    assert job.politeness.obey_robots and job.politeness.delay == 1.0
    assert job.safety.allow_private_addresses is False
    assert job.storage == "file://./archive"


def test_errors_name_field_and_line() -> None:
    text = MINIMAL + "scope:\n  max_depth: -1\n  colour: red\nlimits:\n  duration: soon\n"
    with pytest.raises(JobFileError) as info:
        parse_job(text, "bad.yaml")
    problems = {field: line for field, line, _ in info.value.problems}
    assert problems == {"scope.max_depth": 5, "scope.colour": 6, "limits.duration": 8}
    assert "bad.yaml" in str(info.value) and "unknown field" in str(info.value)


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("name: t\nseeds: {}\n", "seeds"),
        ("name: T!\nseeds:\n  feeds: ['https://a.fr/f']\n", "name"),
        (MINIMAL + "storage: ftp://x\n", "storage"),
        (MINIMAL + "scope:\n  exclude: ['(unclosed']\n", "scope.exclude.0"),
        (MINIMAL + "scope:\n  domains: ['https://lemonde.fr/']\n", "scope.domains.0"),
        (MINIMAL + "safety:\n  allowed_networks: ['not-a-net']\n", "safety.allowed_networks.0"),
        ("name: t\nseeds:\n  feeds: ['file:///etc/passwd']\n", "seeds.feeds.0"),
    ],
)
def test_bad_values_are_refused(text: str, field: str) -> None:
    with pytest.raises(JobFileError) as info:
        parse_job(text)
    assert field in [f for f, _, _ in info.value.problems]


def test_not_yaml_and_not_a_mapping(tmp_path: Path) -> None:
    with pytest.raises(JobFileError, match="line 2"):
        parse_job("name: t\n  bad: [\n")
    with pytest.raises(JobFileError, match="mapping"):
        parse_job("- a\n- b\n")
    with pytest.raises(JobFileError, match="cannot read"):
        load_job(tmp_path / "missing.yaml")


def test_sizes_and_durations() -> None:
    assert parse_size("20MB") == 20_000_000 and parse_size("1KiB") == 1024 and parse_size(5) == 5
    assert parse_duration("30m") == 1800 and parse_duration("2h") == 7200
    with pytest.raises(ValueError, match="not a size"):
        parse_size("lots")
    with pytest.raises(ValueError, match="duration"):
        parse_duration(True)


def test_config_hash_is_stable_and_sensitive() -> None:
    assert parse_job(MINIMAL).config_hash == parse_job(MINIMAL).config_hash
    assert parse_job(MINIMAL).config_hash != parse_job(MINIMAL + "description: x\n").config_hash


def test_seeds_on_private_addresses_are_refused_unless_allowed() -> None:
    text = (
        "name: t\nseeds:\n  start_pages:\n    - https://www.lemonde.fr/\n"
        "    - http://169.254.169.254/latest/\n  feeds: ['http://localhost:8080/feed']\n"
    )
    with pytest.raises(JobFileError) as info:
        parse_job(text)
    problems = {field: (line, message) for field, line, message in info.value.problems}
    assert set(problems) == {"seeds.start_pages.1", "seeds.feeds.0"}
    assert problems["seeds.start_pages.1"][0] == 5
    assert "cloud-metadata" in problems["seeds.start_pages.1"][1]
    allowed = text + "safety:\n  allow_private_addresses: true\n"
    assert parse_job(allowed).seeds.feeds


BOMB = (
    "".join(
        f"{name}: &{name} [{', '.join([f'*{prev}'] * 9 if prev else ['x'] * 9)}]\n"
        for prev, name in zip(["", "a", "b", "c", "d", "e", "f"], "abcdefg", strict=True)
    )
    + "name: [*g, *g, *g, *g, *g, *g, *g, *g, *g]\n"
)


def test_alias_bombs_and_deep_nesting_are_refused_at_once() -> None:
    import time

    started = time.process_time()
    with pytest.raises(JobFileError, match=r"\(line \d+\): more than 20000 values"):
        parse_job(BOMB)  # 9**8 values once expanded: 43 million
    assert time.process_time() - started < 1
    with pytest.raises(JobFileError, match="nested too deeply"):
        parse_job("[" * 5000)
    with pytest.raises(JobFileError, match=r"\(line 2\): nested more than 30 levels"):
        parse_job("name: x\nseeds: " + "{a: " * 40 + "1" + "}" * 40)
