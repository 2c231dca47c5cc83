"""The CDX API answers as pywb's own CDX server does, on the same CDXJ index.

``tests/fixtures/pywb_cdx/answers.json`` holds pywb 2.10's answers to each query (recorded
by ``bench/pywb_cdx_answers.py``, which runs pywb from a venv of its own); every query is
asked again here and the answers compared: status, content type and the captures (pywb
adds ``source``, ``source-coll`` and ``access`` fields of its own, left out)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from crawler.service.app import create_app
from crawler.service.auth import create_token
from crawler.service.db import open_database
from crawler.service.research.cdx import FIELDS
from crawler.service.research.index import index_cdxj

pytestmark = pytest.mark.e2e

_FIXTURES = Path(__file__).parent / "fixtures" / "pywb_cdx"
_ANSWERS = json.loads((_FIXTURES / "answers.json").read_text())["answers"]

# Where pywb is lax or fails, this API refuses the parameter with 400 (the status pywb
# gives its own bad parameters): a negative or non-numeric limit (pywb: everything, or a
# 500), an unknown sort, a from= that is no timestamp, a filter or field list it cannot read.
_REFUSED = {
    ("limit", "-1"),
    ("limit", "abc"),
    ("sort", "bogus"),
    ("from", "abc"),
    ("filter", "bad"),
    ("fl", "nope"),
}


def _exact_digest_without_prefix(query: dict[str, str]) -> bool:
    """``=digest:<base32>``: pywb compares with the ``sha1:`` the index keeps, finds nothing
    and answers its fuzzy match (other URLs' captures); this API matches the digest either
    way, as its contains-filter and pywb's do."""
    return query.get("filter", "").startswith("=digest:") and "sha1:" not in query["filter"]


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    database = open_database(f"sqlite:///{tmp_path_factory.mktemp('cdx') / 'crawler.db'}")
    index = _FIXTURES / "index.cdxj"
    with index.open(encoding="utf-8") as lines:
        assert index_cdxj(database, "demo", lines, str(index)) == 30
    with database.transaction() as session:
        _, secret = create_token(session, "rita", "researcher", "test")
    test_client = TestClient(create_app(database))
    test_client.headers["Authorization"] = f"Bearer {secret}"
    yield test_client
    database.engine.dispose()


def _captures(body: str, output: str) -> list[Any]:
    lines = [line for line in body.splitlines() if line.strip()]
    if output == "json":
        return [_ours(json.loads(line)) for line in lines]
    if output == "text":
        return [line.split(" ")[: len(FIELDS)] for line in lines]
    if output == "link":
        return [line.split(";")[2:3] for line in lines]  # the datetimes
    return [(*line.split(" ", 2)[:2], _ours(json.loads(line.split(" ", 2)[2]))) for line in lines]


def _ours(fields: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in fields.items() if k in FIELDS}


def _label(answer: dict[str, Any]) -> str:
    return "&".join(f"{k}={v}" for k, v in answer["query"].items() if k != "url") or "url"


@pytest.mark.parametrize("answer", _ANSWERS, ids=_label)
def test_the_same_answer_as_pywb(client: TestClient, answer: dict[str, Any]) -> None:
    query = answer["query"]
    ours = client.get("/cdx", params=query)
    if set(query.items()) & _REFUSED:
        assert ours.status_code == 400, ours.text
        return
    assert ours.status_code == answer["status"], ours.text
    if answer["status"] != 200:
        return
    assert ours.headers["content-type"].split(";")[0] == answer["content_type"].split(";")[0]
    output = query.get("output", "cdxj")
    if _exact_digest_without_prefix(query):
        digest = "sha1:" + query["filter"].split(":", 1)[1]
        found = _captures(ours.text, output)
        assert len(found) == 2 and all(c["digest"] == digest for c in found)
        return
    assert _captures(ours.text, output) == _captures(answer["body"], output)
