"""docker-compose.yml and the Dockerfile checked against the code (no Docker engine here):
every command parses with the real CLI, every variable is one the code reads, every
service has a healthcheck, secrets come from .env, the image runs as a non-root user."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from crawler.cli.program import parser
from crawler.config import Settings
from tests.conftest import ROOT, run_cli

COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES: dict[str, Any] = COMPOSE["services"]
IMAGE = "news-archive-crawler:local"
OURS = [name for name, service in SERVICES.items() if service.get("image") == IMAGE]
ONE_SHOT = {"create-bucket", "pywb-sync"}
"""Jobs that run once at start and exit (``service_completed_successfully``)."""


def _cli(args: list[str]) -> None:
    assert args[0] == "crawler", args
    parser().parse_args(args[1:])  # exits (SystemExit) on anything the CLI does not accept


def _compose_check(path: Path) -> subprocess.CompletedProcess[str]:
    """The Compose Specification's own JSON schema (vendored by check-jsonschema)."""
    tool = Path(sys.executable).with_name("check-jsonschema")
    return subprocess.run(
        [str(tool), "--builtin-schema", "vendor.compose-spec", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_compose_file_follows_the_compose_specification(tmp_path: Path) -> None:
    assert _compose_check(ROOT / "docker-compose.yml").returncode == 0
    broken = dict(COMPOSE, services={**SERVICES, "api": {**SERVICES["api"], "restart": 3}})
    (tmp_path / "broken.yml").write_text(yaml.safe_dump(broken))
    refused = _compose_check(tmp_path / "broken.yml")  # the check can fail
    assert refused.returncode == 1 and "restart" in refused.stdout


def test_every_service_starts_after_what_it_needs_and_is_watched() -> None:
    """Start order as compose would run it: each dependency is a service that reports its
    health (or a one-shot job that completes), and the graph has no cycle."""
    order: list[str] = []

    def visit(name: str, path: tuple[str, ...]) -> None:
        assert name not in path, f"dependency cycle: {(*path, name)}"
        for dependency, condition in (SERVICES[name].get("depends_on") or {}).items():
            wanted = condition["condition"]
            one_shot = "healthcheck" not in SERVICES[dependency]
            assert wanted == ("service_completed_successfully" if one_shot else "service_healthy")
            visit(dependency, (*path, name))
        if name not in order:
            order.append(name)

    for name in SERVICES:
        visit(name, ())
    long_running = [n for n in SERVICES if SERVICES[n].get("command") or SERVICES[n].get("image")]
    assert all(("healthcheck" in SERVICES[n]) != (n in ONE_SHOT) for n in long_running)
    for name in set(OURS) - ONE_SHOT:  # our roles start once the database and bucket are there
        assert order.index(name) > order.index("postgres")
        assert order.index(name) > order.index("create-bucket")
    assert order.index("pywb") > order.index("pywb-sync")  # the collection exists first


def test_one_image_built_once_and_ports_on_loopback_unless_asked() -> None:
    builders = [name for name, service in SERVICES.items() if "build" in service]
    assert builders == ["api"] and SERVICES["api"]["image"] == IMAGE
    assert all(SERVICES[n].get("pull_policy") == "never" for n in OURS if n != "api")
    for name, service in SERVICES.items():
        for port in service.get("ports", []):
            assert port.startswith("${CRAWLER_BIND_ADDRESS:-127.0.0.1}:"), (name, port)
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".git", ".venv", "tests", ".env"} <= set(ignored)


def test_pywb_reads_the_collection_the_crawler_roles_write() -> None:
    collection = SERVICES["worker"]["environment"]["CRAWLER_PYWB_COLLECTION"]
    assert SERVICES["pywb-sync"]["command"][-1] == collection
    for name in ("worker", "pywb-sync", "pywb"):
        mounts = {m.split(":")[1]: m.split(":")[0] for m in SERVICES[name]["volumes"]}
        assert mounts.get("/webarchive") == "pywb-data", name
    assert collection.startswith("/webarchive/collections/")


@pytest.mark.parametrize("name", OURS)
def test_commands_and_healthchecks_are_real_cli_calls(name: str) -> None:
    service = SERVICES[name]
    _cli(service["command"])
    if name in ONE_SHOT:
        return
    test = service["healthcheck"]["test"]
    assert test[0] == "CMD"
    _cli(test[1:])


@pytest.mark.parametrize("name", OURS)
def test_environment_names_only_variables_the_code_reads(name: str) -> None:
    unknown = set(SERVICES[name]["environment"]) - set(Settings.variables())
    assert not unknown, f"{name}: {unknown} are read by nothing"


def test_only_the_configuration_model_reads_the_environment() -> None:
    """And the allocator's choice (``crawler.process.use_jemalloc``), made before a crawl
    imports the model: its variables are the model's."""
    readers = []
    for path in [
        *ROOT.glob("crawler/**/*.py"),
        *ROOT.glob("s*/*.py"),
        *ROOT.glob("pipelines/*.py"),
    ]:
        if path in (ROOT / "crawler" / "config.py", ROOT / "crawler" / "process.py"):
            continue
        if re.search(r"os\.environ|os\.getenv|getenv\(", path.read_text()):
            readers.append(path.relative_to(ROOT).as_posix())
    assert not readers, f"read the environment outside crawler/config.py: {readers}"
    assert "CRAWLER_STORAGE_URL" in Settings.variables()


def test_workers_scale_and_stop_within_the_grace_period() -> None:
    """``--scale worker=3`` needs no fixed name or port; a worker's clean stop (its crawl's
    WARCs closed and stored) fits the grace period the file gives it."""
    worker = SERVICES["worker"]
    assert "container_name" not in worker and "ports" not in worker
    grace = float(worker["stop_grace_period"].removesuffix("s"))
    from settings import base

    assert grace >= base.ARCHIVE_STOP_UPLOAD_WAIT + Settings().heartbeat


def test_secrets_come_from_env_and_the_example_lists_them() -> None:
    text = (ROOT / "docker-compose.yml").read_text()
    required = set(re.findall(r"\$\{([A-Z_]+):\?", text))
    assert {"MINIO_ROOT_PASSWORD", "POSTGRES_PASSWORD"} <= required
    example = (ROOT / ".env.example").read_text()
    listed = set(re.findall(r"^([A-Z_]+)=", example, re.MULTILINE))
    assert required <= listed, required - listed
    assert "password" not in text.lower().replace("_password", "").replace("password:", "")


def test_the_image_is_pinned_runs_unprivileged_and_checks_its_health() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^USER crawler$", dockerfile, re.MULTILINE)
    assert "HEALTHCHECK" in dockerfile and '"crawler", "health"' in dockerfile
    assert "-r requirements.lock" in dockerfile
    lock = {
        line.split("==")[0].lower().replace("_", "-")
        for line in (ROOT / "requirements.lock").read_text().splitlines()
        if "==" in line
    }
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {
        re.split(r"[<>=\[ ;]", spec)[0].lower().replace("_", "-")
        for spec in project["dependencies"]
    }
    assert len(wanted) > 15 and wanted <= lock, wanted - lock


def test_a_bad_variable_stops_a_role_at_start_naming_it(tmp_path: Path) -> None:
    result = run_cli(
        "worker", "--once", env={"CRAWLER_RUN_LEASE": "soon", "CRAWLER_DATA_DIR": str(tmp_path)}
    )
    assert result.returncode == 2
    assert "CRAWLER_RUN_LEASE='soon'" in result.stderr


def test_health_follows_the_roles_signs_of_life(tmp_path: Path) -> None:
    from crawler.service.liveness import touch

    env = {"CRAWLER_DATA_DIR": str(tmp_path)}
    assert run_cli("health", env=env).returncode == 1
    touch(tmp_path, "worker")
    alive = run_cli("health", env=env)
    assert alive.returncode == 0 and "worker" in alive.stdout
    assert run_cli("health", "--api", "http://127.0.0.1:9/health", env=env).returncode == 1
