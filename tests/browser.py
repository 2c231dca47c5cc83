"""What the browser tests need: Debian's Chromium (``/usr/bin/chromium``; ``.ci/run``
installs it with apt-get), axe-core from the npm registry (installed once into a cache
folder), and the service running as compose runs it (``crawler serve`` and ``crawler
worker`` processes over one database) beside the demo site."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT

CHROMIUM = Path(os.environ.get("CRAWLER_TEST_CHROMIUM", "/usr/bin/chromium"))
AXE_VERSION = "4.14.1"
_AXE_HOME = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "news-archive-axe"


def chromium_or_skip() -> Path:
    """The browser; without it the browser tests are skipped, unless CI asks for them
    (``CRAWLER_TEST_BROWSER=required``), where its absence fails them."""
    if CHROMIUM.exists():
        return CHROMIUM
    message = f"{CHROMIUM} is missing: apt-get install chromium (Debian's package)"
    if os.environ.get("CRAWLER_TEST_BROWSER") == "required":
        pytest.fail(message)
    pytest.skip(message)


def axe_script() -> Path:
    """axe-core's browser bundle at ``AXE_VERSION``, from the npm registry, cached between
    runs and installed again when the cache holds another version. One install at a time:
    the test workers and concurrent runs share the cache."""
    package = _AXE_HOME / "node_modules" / "axe-core"
    _AXE_HOME.mkdir(parents=True, exist_ok=True)
    with (_AXE_HOME / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if _installed_version(package) != AXE_VERSION:
            npm = shutil.which("npm")
            if npm is None:
                pytest.fail("npm is needed to fetch axe-core for the accessibility checks")
            subprocess.run(
                [npm, "install", "--silent", "--no-audit", "--no-fund", f"axe-core@{AXE_VERSION}"],
                cwd=_AXE_HOME,
                check=True,
                timeout=300,
            )
    return package / "axe.min.js"


def _installed_version(package: Path) -> str | None:
    try:
        return str(json.loads((package / "package.json").read_text(encoding="utf-8"))["version"])
    except (OSError, ValueError, KeyError):
        return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Service:
    """``crawler serve`` and one ``crawler worker`` in child processes, over ``env``."""

    def __init__(self, folder: Path, env: dict[str, str]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "PYTHONPATH": str(ROOT), **env}
        self.folder = folder
        self.processes: list[subprocess.Popen[bytes]] = []

    def _start(self, name: str, *args: str) -> None:
        log = (self.folder / f"{name}.log").open("wb")
        self.processes.append(
            subprocess.Popen(
                [sys.executable, "-m", "crawler.cli", *args],
                env=self.env,
                cwd=self.folder,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )

    def start(self) -> None:
        self._start("api", "serve", "--host", "127.0.0.1", "--port", str(self.port))
        self._start("worker", "worker")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{self.url}/health", timeout=2)
                return
            except OSError:
                time.sleep(0.3)
        raise AssertionError(f"the API did not start: {(self.folder / 'api.log').read_text()}")

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
