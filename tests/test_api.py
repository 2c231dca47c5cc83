"""The HTTP API on SQLite and on PostgreSQL: jobs, schedules, runs, tokens, bad input."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from crawler.config import Settings
from crawler.service.app import create_app
from crawler.service.auth import create_token
from crawler.service.db import Database
from crawler.service.tables import AuditEntry
from settings import JOBS_DIR
from tests.databases import service_database

TREATY = (JOBS_DIR / "treaty-fr.yaml").read_text(encoding="utf-8")
SMALL_JOB = """\
name: small
seeds:
  feeds: [https://example.org/feed.xml]
"""


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    with service_database(request.param, tmp_path) as database:
        yield database


def _token(database: Database, name: str, role: str) -> dict[str, str]:
    with database.transaction() as session:
        _, secret = create_token(session, name, role, "test-setup")
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def api(database: Database) -> Iterator[TestClient]:
    with TestClient(
        create_app(database, Settings.model_validate({"CRAWLER_API_MAX_BODY": 200_000}))
    ) as client:
        yield client


@pytest.fixture
def archivist(database: Database) -> dict[str, str]:
    return _token(database, "alice", "archivist")


@pytest.fixture
def researcher(database: Database) -> dict[str, str]:
    return _token(database, "rob", "researcher")


def _yaml(headers: dict[str, str]) -> dict[str, str]:
    return {**headers, "Content-Type": "application/yaml"}


def test_no_anonymous_access_and_roles_are_enforced(
    api: TestClient, archivist: dict[str, str], researcher: dict[str, str]
) -> None:
    assert api.get("/health").status_code == 200  # liveness needs no token
    anonymous = api.post("/jobs", content=SMALL_JOB)
    assert anonymous.status_code == 401 and anonymous.headers["WWW-Authenticate"] == "Bearer"
    bad = api.get("/jobs", headers={"Authorization": "Bearer nac_not-a-token"})
    assert bad.status_code == 401
    assert api.get("/jobs", headers=researcher).status_code == 200
    refused = api.post("/jobs", content=SMALL_JOB, headers=_yaml(researcher))
    assert refused.status_code == 403 and "archivist" in refused.json()["detail"]
    assert (
        api.post("/tokens", json={"name": "x", "role": "admin"}, headers=archivist).status_code
        == 403
    )


def test_jobs_create_show_update_version_and_delete(
    api: TestClient, database: Database, archivist: dict[str, str]
) -> None:
    created = api.post("/jobs", content=TREATY, headers=_yaml(archivist))
    assert created.status_code == 201, created.text
    job = created.json()
    assert (job["name"], job["version"], job["created_by"]) == ("treaty-fr", 1, "alice")
    assert job["config"]["topic"]["strong_terms"]["fr"]
    again = api.post("/jobs", content=TREATY, headers=_yaml(archivist))
    assert again.status_code == 409
    same = api.put("/jobs/treaty-fr", content=TREATY, headers=_yaml(archivist))
    assert same.json()["version"] == 1  # unchanged content: no new version
    changed = TREATY.replace("threshold: 6", "threshold: 7")
    assert changed != TREATY
    updated = api.put("/jobs/treaty-fr", content=changed, headers=_yaml(archivist)).json()
    assert updated["version"] == 2 and updated["config"]["topic"]["threshold"] == 7
    first = api.get("/jobs/treaty-fr?version=1", headers=archivist).json()
    assert first["config"]["topic"]["threshold"] == 6
    versions = api.get("/jobs/treaty-fr/versions", headers=archivist).json()
    assert [v["version"] for v in versions] == [1, 2]
    as_json = json.dumps({"name": "small-json", "seeds": {"sitemaps": ["https://e.org/s.xml"]}})
    created_json = api.post(
        "/jobs", content=as_json, headers={**archivist, "Content-Type": "application/json"}
    )
    assert created_json.status_code == 201
    names = [j["name"] for j in api.get("/jobs", headers=archivist).json()]
    assert names == ["small-json", "treaty-fr"]
    assert api.delete("/jobs/small-json", headers=archivist).status_code == 204
    assert api.get("/jobs/small-json", headers=archivist).status_code == 404
    with database.session() as session:
        actions = [(a.actor, a.action) for a in session.scalars(select(AuditEntry))]
    assert ("alice", "job.create") in actions and ("alice", "job.update") in actions
    assert ("alice", "job.delete") in actions


@pytest.mark.parametrize(
    ("body", "field", "line", "message"),
    [
        ("name: x\nseeds: [oops", "", 2, "not valid YAML"),
        (
            "name: x\nseeds:\n  feeds: [https://e.org/f]\ncolour: red\n",
            "colour",
            4,
            "unknown field",
        ),
        ("name: Bad Name\nseeds:\n  feeds: [https://e.org/f]\n", "name", 1, "pattern"),
        (
            "name: x\nseeds:\n  start_pages: [http://169.254.169.254/latest/]\n",
            "seeds.start_pages.0",
            3,
            "cloud-metadata",
        ),
        (
            "name: x\nseeds:\n  feeds: [https://e.org/f]\nlimits:\n  pages: -1\n",
            "limits.pages",
            5,
            "",
        ),
        ("- just\n- a list\n", "", 1, "mapping"),
    ],
)
def test_bad_job_files_get_422_naming_field_and_line(
    api: TestClient, archivist: dict[str, str], body: str, field: str, line: int, message: str
) -> None:
    for path in ("/jobs", "/jobs/validate"):
        response = api.post(path, content=body, headers=_yaml(archivist))
        assert response.status_code == 422, response.text
        problem = response.json()["problems"][0]
        assert (problem["field"], problem["line"]) == (field, line), problem
        assert message in problem["message"]
    assert api.get("/jobs", headers=archivist).json() == []


def test_validate_only_stores_nothing_and_bodies_are_bounded(
    api: TestClient, archivist: dict[str, str]
) -> None:
    ok = api.post("/jobs/validate", content=SMALL_JOB, headers=_yaml(archivist))
    assert ok.json()["valid"] is True and ok.json()["name"] == "small"
    assert api.get("/jobs", headers=archivist).json() == []
    huge = SMALL_JOB + "description: " + "x" * 300_000 + "\n"
    assert api.post("/jobs", content=huge, headers=_yaml(archivist)).status_code == 413
    assert api.post("/jobs", content=b"", headers=_yaml(archivist)).status_code == 400
    latin1 = "name: caf\xe9\n".encode("latin-1")
    assert api.post("/jobs", content=latin1, headers=_yaml(archivist)).status_code == 400
    assert api.put("/jobs/nope", content=SMALL_JOB, headers=_yaml(archivist)).status_code == 404
    renamed = api.post("/jobs", content=SMALL_JOB, headers=_yaml(archivist))
    assert renamed.status_code == 201
    moved = api.put(
        "/jobs/small", content=SMALL_JOB.replace("small", "other"), headers=_yaml(archivist)
    )
    assert moved.status_code == 422 and moved.json()["problems"][0]["field"] == "name"


def test_hostile_job_bodies_get_a_4xx_at_once(api: TestClient, archivist: dict[str, str]) -> None:
    from tests.test_jobfile import BOMB

    for route in ("/jobs/validate", "/jobs"):
        bomb = api.post(route, content=BOMB, headers=_yaml(archivist))
        assert bomb.status_code == 422 and "aliases are expanded" in bomb.text, bomb.text
    nested = api.post("/jobs/validate", content="[" * 5000, headers=_yaml(archivist))
    assert nested.status_code == 422 and "nested too deeply" in nested.text


def test_jobs_through_the_api_store_only_where_the_service_allows(
    api: TestClient, archivist: dict[str, str]
) -> None:
    for storage in ("file:///etc/cron.d", "file://../../../tmp", "file:///tmp/elsewhere"):
        body = SMALL_JOB + f"storage: {storage}\n"
        refused = api.post("/jobs/validate", content=body, headers=_yaml(archivist))
        assert refused.status_code == 422, (storage, refused.text)
        assert refused.json()["problems"][0]["field"] == "storage"
    for storage in ("file://./archive/treaty", "s3://archive/news"):
        body = SMALL_JOB + f"storage: {storage}\n"
        assert api.post("/jobs/validate", content=body, headers=_yaml(archivist)).status_code == 200
    crlf = SMALL_JOB + 'identity: {operator: "me\\r\\nX-Injected: 1"}\n'
    refused = api.post("/jobs/validate", content=crlf, headers=_yaml(archivist))
    assert refused.status_code == 422 and refused.json()["problems"][0]["field"] == (
        "identity.operator"
    )


def test_schedules_validate_cron_and_zone_and_show_next_fire_times(
    api: TestClient, archivist: dict[str, str]
) -> None:
    api.post("/jobs", content=TREATY, headers=_yaml(archivist))
    bad_cron = api.post(
        "/schedules", json={"job": "treaty-fr", "cron": "61 * * * *"}, headers=archivist
    )
    assert bad_cron.status_code == 422 and bad_cron.json()["problems"][0]["field"] == "cron"
    for enabled in (True, False):  # valid fields, no date ever: refused, enabled or not
        never = api.post(
            "/schedules",
            json={"job": "treaty-fr", "cron": "0 0 30 2 *", "enabled": enabled},
            headers=archivist,
        )
        assert never.status_code == 422 and "never fires" in never.text, never.text
    seconds = api.post(
        "/schedules", json={"job": "treaty-fr", "cron": "* * * * * *"}, headers=archivist
    )
    assert seconds.status_code == 422
    bad_zone = api.post(
        "/schedules",
        json={"job": "treaty-fr", "cron": "0 6 * * *", "timezone": "Mars/Olympus"},
        headers=archivist,
    )
    assert bad_zone.status_code == 422 and bad_zone.json()["problems"][0]["field"] == "timezone"
    unknown = api.post("/schedules", json={"job": "nope", "cron": "0 6 * * *"}, headers=archivist)
    assert unknown.status_code == 404
    extra = api.post(
        "/schedules", json={"job": "treaty-fr", "cron": "0 6 * * *", "every": 3}, headers=archivist
    )
    assert extra.status_code == 422
    assert extra.json()["problems"] == [
        {"field": "every", "line": None, "message": "unknown field"}
    ]
    created = api.post(
        "/schedules",
        json={"job": "treaty-fr", "cron": "0 6,12,18 * * *", "timezone": "Europe/Paris"},
        headers=archivist,
    )
    assert created.status_code == 201, created.text
    schedule = created.json()
    times = [datetime.fromisoformat(t) for t in schedule["next_fire_times"]]
    assert len(times) == 5 and times == sorted(times)
    assert {t.astimezone(ZoneInfo("Europe/Paris")).hour for t in times} <= {6, 12, 18}
    disabled = api.patch(f"/schedules/{schedule['id']}", json={"enabled": False}, headers=archivist)
    assert disabled.json()["enabled"] is False and disabled.json()["next_fire_times"] == []
    assert api.get("/schedules?job=treaty-fr", headers=archivist).json()[0]["id"] == schedule["id"]
    assert api.get("/schedules/999", headers=archivist).status_code == 404
    assert api.delete(f"/schedules/{schedule['id']}", headers=archivist).status_code == 204


def test_runs_trigger_list_cancel_resume_and_logs(
    api: TestClient, archivist: dict[str, str], researcher: dict[str, str]
) -> None:
    api.post("/jobs", content=TREATY, headers=_yaml(archivist))
    run = api.post("/runs", json={"job": "treaty-fr"}, headers=archivist)
    assert run.status_code == 201, run.text
    first = run.json()
    assert first["status"] == "queued" and first["crawl_id"].startswith("treaty-fr-")
    assert first["requested_by"] == "alice" and first["job_version"] == 1
    assert api.post("/runs", json={"job": "treaty-fr"}, headers=archivist).status_code == 409
    assert api.post("/runs", json={"job": "nope"}, headers=archivist).status_code == 404
    assert api.delete("/jobs/treaty-fr", headers=archivist).status_code == 409  # active run
    listed = api.get("/runs?job=treaty-fr&status=queued", headers=researcher).json()
    assert [r["id"] for r in listed] == [first["id"]]
    assert api.get("/runs?status=running", headers=researcher).json() == []
    assert api.get("/runs?since=2026-01-01T00:00:00", headers=researcher).status_code == 422
    assert api.get("/runs?limit=0", headers=researcher).status_code == 422
    assert api.post(f"/runs/{first['id']}/cancel", headers=researcher).status_code == 403
    cancelled = api.post(f"/runs/{first['id']}/cancel", headers=archivist).json()
    assert cancelled["status"] == "cancelled"
    assert api.post(f"/runs/{first['id']}/cancel", headers=archivist).status_code == 409
    resumed = api.post(f"/runs/{first['id']}/resume", headers=archivist).json()
    assert resumed["status"] == "queued" and resumed["crawl_id"] == first["crawl_id"]
    logs = api.get(f"/runs/{first['id']}/logs", headers=researcher).json()
    messages = [e["message"] for e in logs]
    assert messages[0].startswith("queued by alice")
    assert any("cancel requested by alice" in m for m in messages)
    assert any("resume requested by alice" in m for m in messages)
    later = api.get(f"/runs/{first['id']}/logs?after={logs[0]['id']}", headers=researcher).json()
    assert len(later) == len(logs) - 1
    assert api.get("/runs/424242", headers=researcher).status_code == 404
    assert api.get("/runs/abc", headers=researcher).status_code == 422


def test_tokens_are_shown_once_stored_hashed_and_revocable(
    api: TestClient, database: Database
) -> None:
    admin = _token(database, "root", "admin")
    created = api.post("/tokens", json={"name": "carol", "role": "archivist"}, headers=admin)
    assert created.status_code == 201
    secret = created.json()["token"]
    assert secret.startswith("nac_")
    listed = api.get("/tokens", headers=admin).json()
    assert all(t["token"] is None for t in listed) and {t["name"] for t in listed} == {
        "root",
        "carol",
    }
    with database.session() as session:
        from crawler.service.tables import ApiToken

        stored = session.scalar(select(ApiToken).where(ApiToken.name == "carol"))
        assert stored is not None and secret not in stored.token_sha256
    carol = {"Authorization": f"Bearer {secret}"}
    assert api.get("/jobs", headers=carol).status_code == 200
    bad_role = api.post("/tokens", json={"name": "dan", "role": "god"}, headers=admin)
    assert bad_role.status_code == 422 and bad_role.json()["problems"][0]["field"] == "role"
    assert api.delete("/tokens/carol", headers=admin).json()["revoked_at"]
    assert api.get("/jobs", headers=carol).status_code == 401


def test_openapi_documents_every_route(api: TestClient) -> None:
    spec = api.get("/openapi.json").json()
    for path in ("/jobs", "/jobs/{name}", "/schedules", "/runs/{run_id}/cancel", "/tokens"):
        assert path in spec["paths"]
    assert "application/yaml" in spec["paths"]["/jobs"]["post"]["requestBody"]["content"]
    assert api.get("/docs").status_code == 200


def test_ready_and_metrics(database: Database, tmp_path: Path, archivist: dict[str, str]) -> None:
    with TestClient(
        create_app(database, Settings.model_validate({"CRAWLER_STORAGE_URL": f"file://{tmp_path}"}))
    ) as client:
        ready = client.get("/ready")
        assert ready.status_code == 200 and ready.json() == {
            "ready": True,
            "database": "ok",
            "storage": "ok",
        }
        client.post("/jobs", content=SMALL_JOB, headers=_yaml(archivist))
        client.post("/runs", json={"job": "small"}, headers=archivist)
        metrics = client.get("/metrics").text
        assert 'crawler_runs{state="queued"} 1.0' in metrics
        assert 'crawler_running{counter="pages"} 0.0' in metrics
        assert "crawler_api_requests_total" in metrics
    with TestClient(
        create_app(
            database,
            Settings.model_validate({"CRAWLER_STORAGE_URL": "file:///no/such/folder/at/all"}),
        )
    ) as client:
        down = client.get("/ready")
        assert down.status_code == 503 and "does not exist" in down.json()["storage"]


def test_json_logs_carry_the_run_and_job() -> None:
    import logging

    from crawler.cli.logs import configure_logging
    from crawler.config import Settings

    stream = io.StringIO()
    environ = {"CRAWLER_LOG_FORMAT": "json", "CRAWLER_RUN_ID": "7", "CRAWLER_JOB": "treaty-fr"}
    configure_logging(Settings.model_validate(environ))
    handler = logging.getLogger().handlers[0]
    handler.setStream(stream)  # type: ignore[attr-defined]
    logging.getLogger("crawler.test").warning("upload of %s failed", "x.warc.gz")
    entry = json.loads(stream.getvalue())
    assert entry["message"] == "upload of x.warc.gz failed" and entry["level"] == "WARNING"
    assert (entry["run_id"], entry["job"], entry["logger"]) == ("7", "treaty-fr", "crawler.test")
