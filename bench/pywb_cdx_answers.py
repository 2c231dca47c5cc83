"""Record pywb's own CDX server answers on a CDXJ index, for ``tests/test_cdx_parity.py``.

pywb is not a dependency of the project (it pins its own stack); install it in a venv of
its own and point this script at it::

    python3 -m venv /tmp/pywbenv && /tmp/pywbenv/bin/pip install pywb
    .venv/bin/python bench/pywb_cdx_answers.py --pywb /tmp/pywbenv/bin \\
        tests/fixtures/pywb_cdx/index.cdxj tests/fixtures/pywb_cdx/answers.json

It starts ``wayback`` on a loopback port with one collection holding the index, asks every
query of :func:`queries` (valid ones, and bad parameters), and writes status, content type
and body of each answer.
"""

from __future__ import annotations

import argparse
import json
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx


def queries(lines: list[str]) -> list[dict[str, str]]:
    """The queries asked, built from the index: its first URL (captured twice), its
    articles, its host."""
    first, second = (line.split(" ", 2) for line in lines[:2])
    front = json.loads(first[2])["url"]
    base = front.rstrip("/")
    article = next(json.loads(line.split(" ", 2)[2]) for line in lines if "/articles/" in line)
    digest = article["digest"]
    host = {"url": base, "matchType": "host", "output": "json"}
    return [
        {"url": front},
        {"url": front, "output": "json"},
        {"url": front, "limit": "1"},
        {"url": front, "limit": "0"},
        {"url": front, "sort": "reverse", "output": "json"},
        {"url": front, "closest": second[1], "output": "json"},
        {"url": front, "sort": "closest", "closest": first[1], "output": "json"},
        {"url": front, "closest": "20200101", "limit": "1", "output": "json"},
        {"url": base + "/articles/*", "output": "json"},
        host,
        {**host, "matchType": "domain"},
        {"url": base + "/a", "matchType": "prefix", "output": "json"},
        {**host, "filter": "=status:200"},
        {**host, "filter": "!mime:html"},
        {**host, "filter": "~url:.*articles.*"},
        {**host, "filter": "digest:" + digest.split(":")[1]},
        {**host, "filter": "=digest:" + digest},
        {**host, "filter": "=digest:" + digest.split(":")[1]},
        {"url": front, "output": "json", "from": "2026", "to": "2026"},
        {"url": front, "output": "json", "from": second[1]},
        {"url": front, "output": "json", "to": first[1]},
        {"url": front, "fl": "url,timestamp", "output": "json"},
        {"url": front, "fl": "url,status"},
        {"url": article["url"], "output": "json", "limit": "1", "sort": "reverse"},
        {"url": "http://unknown.example/", "output": "json"},
        {"url": front, "output": "link"},
        {"url": front, "output": "text"},
        # bad parameters
        {"url": front, "matchType": "bogus"},
        {"url": front, "limit": "-1"},
        {"url": front, "limit": "abc"},
        {"url": front, "sort": "bogus"},
        {"url": front, "from": "abc"},
        {"url": front, "filter": "bad"},
        {"url": front, "fl": "nope"},
        {"output": "json"},
        {"url": front, "output": "bogus"},
    ]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str, params: dict[str, str]) -> dict[str, Any]:
    answer = httpx.get(url, params=params, timeout=30)
    return {
        "status": answer.status_code,
        "content_type": answer.headers.get("content-type"),
        "body": answer.text,
    }


def record(pywb_bin: Path, index: Path) -> list[dict[str, Any]]:
    lines = [line for line in index.read_text("utf-8").splitlines() if line.strip()]
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        subprocess.run([pywb_bin / "wb-manager", "init", "demo"], cwd=root, check=True)
        shutil.copy(index, root / "collections/demo/indexes/index.cdxj")
        port = _free_port()
        server = subprocess.Popen([pywb_bin / "wayback", "-p", str(port)], cwd=root)
        try:
            endpoint = f"http://127.0.0.1:{port}/demo/cdx"
            for _ in range(100):
                try:
                    httpx.get(endpoint, params={"url": "x"}, timeout=2)
                    break
                except httpx.TransportError:
                    time.sleep(0.2)
            return [{"query": q, **_get(endpoint, q)} for q in queries(lines)]
        finally:
            server.terminate()
            server.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pywb", type=Path, required=True, help="bin folder of pywb's venv")
    parser.add_argument("index", type=Path)
    parser.add_argument("out", type=Path)
    args = parser.parse_args()
    version = subprocess.run(
        [args.pywb / "python", "-c", "import pywb; print(pywb.__version__)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    answers = record(args.pywb, args.index)
    args.out.write_text(json.dumps({"pywb": version, "answers": answers}, indent=1) + "\n")
    for answer in answers:
        print(answer["status"], answer["content_type"], answer["query"])


if __name__ == "__main__":
    main()
