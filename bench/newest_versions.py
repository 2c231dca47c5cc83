"""Try the newest releases of every dependency, beside the locked ones CI and the image use.

    python bench/newest_versions.py [--venv .venv-newest] [--limit 300]

A non-blocking check (run by hand, or by a scheduled job that may fail without blocking
anything): a fresh venv gets the project with no constraints (the newest versions its
ranges allow), then it prints which versions differ from ``requirements.lock``, whether the
trafilatura speed-ups switch on for them (they do only for the tested versions), runs the
fast test suite (``pytest -m unit``), and, when trafilatura or lxml changed, compares the
extraction with and without the speed-ups on corpus pages (``bench/speedups_identity.py``).
Exit status: 0 when everything passed, 1 otherwise; the output says what to look at.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


_SPEEDUPS = "from crawler.articles._speedups import speedups_state; print(speedups_state())"


def _locked() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==", 1)
            pins[name.lower().replace("_", "-")] = version.strip()
    return pins


def _installed(python: Path) -> dict[str, str]:
    listing = subprocess.run(
        [str(python), "-m", "pip", "list", "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {p["name"].lower().replace("_", "-"): p["version"] for p in json.loads(listing)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venv", type=Path, default=ROOT / ".venv-newest")
    parser.add_argument("--limit", type=int, default=300, help="corpus pages to compare")
    args = parser.parse_args()
    python = args.venv / "bin" / "python"
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(args.venv)], check=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "-U", "-e", f"{ROOT}[test]"], check=True
    )
    locked, newest = _locked(), _installed(python)
    changed = {n: (locked[n], v) for n, v in newest.items() if n in locked and locked[n] != v}
    print(f"{len(changed)} dependencies newer than the lock:")
    for name, (old, new) in sorted(changed.items()):
        print(f"  {name} {old} -> {new}")
    speedups = subprocess.run(
        [str(python), "-c", _SPEEDUPS],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    print("speed-ups:", (speedups.stdout or speedups.stderr).strip())
    failed = []
    tests = subprocess.run([str(python), "-m", "pytest", "-q", "-m", "unit"], cwd=ROOT)
    if tests.returncode:
        failed.append("pytest -m unit")
    if {"trafilatura", "lxml"} & set(changed):
        identity = subprocess.run(
            [str(python), "bench/speedups_identity.py", "--limit", str(args.limit)], cwd=ROOT
        )
        if identity.returncode:
            failed.append("bench/speedups_identity.py")
    print("FAILED: " + ", ".join(failed) if failed else "all passed with the newest versions")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
