"""End to end against a real S3 server (SeaweedFS): upload, verify, survive S3 being down."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from tests.conftest import mock_job, run_cli, write_job
from tests.mocksite import MockSite
from tests.s3server import SeaweedS3, free_port_pairs
from tests.warc_checks import validate_warc

pytestmark = [pytest.mark.e2e, pytest.mark.s3]


def _objects(s3: SeaweedS3, bucket: str, prefix: str) -> dict[str, bytes]:
    listing = s3.client.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])
    return {
        o["Key"]: s3.client.get_object(Bucket=bucket, Key=o["Key"])["Body"].read() for o in listing
    }


def _check_crawl_in_bucket(s3: SeaweedS3, bucket: str, prefix: str, tmp: Path) -> dict[str, object]:
    objects = _objects(s3, bucket, prefix)
    manifest = json.loads(objects[prefix + "manifest.json"])
    listed = {prefix + f["path"]: f for f in manifest["files"]}
    assert set(listed) == set(objects) - {prefix + "manifest.json"}
    for key, entry in listed.items():
        assert hashlib.sha256(objects[key]).hexdigest() == entry["sha256"], key
        assert len(objects[key]) == entry["size"]
        if key.endswith(".warc.gz"):
            local = tmp / Path(key).name
            local.write_bytes(objects[key])
            validate_warc(local)
    return manifest


def test_crawl_to_s3_uploads_verified_files(site: MockSite, s3: SeaweedS3, tmp_path: Path) -> None:
    s3.client.create_bucket(Bucket="archive-e2e")
    job = write_job(tmp_path / "job.yaml", mock_job(site, "s3://archive-e2e/news"))
    result = run_cli(
        "crawl",
        str(job),
        "--crawl-id",
        "mock-s3-1",
        "--spool",
        str(tmp_path / "spool"),
        env=s3.env(),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    manifest = _check_crawl_in_bucket(s3, "archive-e2e", "news/crawls/mock-s3-1/", tmp_path)
    assert manifest["crawl_id"] == "mock-s3-1"
    assert not (tmp_path / "spool" / "mock-s3-1").exists(), "local copies removed once verified"
    assert "s3://archive-e2e/news/crawls/mock-s3-1/" in result.stdout


def _crawl_while_s3_is_down(
    site: MockSite, s3: SeaweedS3, tmp_path: Path, crawl_id: str, bucket: str
) -> Path:
    """Crawl with S3 unreachable: the crawl completes, its files wait in the spool."""
    s3.client.create_bucket(Bucket=bucket)
    job = write_job(tmp_path / f"{crawl_id}.yaml", mock_job(site, f"s3://{bucket}/x"))
    dead = {**s3.env(), "AWS_ENDPOINT_URL": f"http://127.0.0.1:{free_port_pairs(1)[0]}"}
    spool = tmp_path / "spool"
    down = run_cli(
        "crawl",
        str(job),
        "--crawl-id",
        crawl_id,
        "--spool",
        str(spool),
        "--upload-wait",
        "3",
        env=dead,
    )
    assert down.returncode == 1, down.stdout + down.stderr
    assert "WAITING" in down.stdout
    waiting = sorted(
        p.relative_to(spool).as_posix()
        for p in spool.rglob("*")
        if p.is_file() and ".state" not in p.parts
    )
    assert f"{crawl_id}/manifest.json" in waiting
    assert any(p.endswith(".warc.gz") for p in waiting)
    for path in spool.rglob("*.warc.gz"):
        validate_warc(path)  # WARCs are complete even though nothing could be stored
    return spool


def test_s3_down_then_crawler_upload_stores_the_spool(
    site: MockSite, s3: SeaweedS3, tmp_path: Path
) -> None:
    spool = _crawl_while_s3_is_down(site, s3, tmp_path, "mock-outage", "archive-outage")
    resumed = run_cli("upload", "--spool", str(spool), "--wait", "60", env=s3.env())
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    _check_crawl_in_bucket(s3, "archive-outage", "x/crawls/mock-outage/", tmp_path)
    assert not (spool / "mock-outage").exists()


def test_s3_down_then_next_crawl_resumes_the_uploads(
    site: MockSite, s3: SeaweedS3, tmp_path: Path
) -> None:
    spool = _crawl_while_s3_is_down(site, s3, tmp_path, "mock-outage-a", "archive-resume")
    job = write_job(tmp_path / "b.yaml", mock_job(site, "s3://archive-resume/x"))
    nxt = run_cli(
        "crawl", str(job), "--crawl-id", "mock-next-b", "--spool", str(spool), env=s3.env()
    )
    assert nxt.returncode == 0, nxt.stdout + nxt.stderr
    for crawl_id in ("mock-outage-a", "mock-next-b"):
        _check_crawl_in_bucket(s3, "archive-resume", f"x/crawls/{crawl_id}/", tmp_path)
        assert not (spool / crawl_id).exists()
