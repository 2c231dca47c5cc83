"""The warcinfo record of a crawl: who, with what, under which policy, and what is not exact."""

from __future__ import annotations

import socket
from typing import Any

from crawler.archive.manifest import software_versions
from crawler.archive.warc import WarcInfo

__all__ = ["CAPTURE_NOTES", "build_warcinfo"]

CAPTURE_NOTES = (
    "Response bodies are stored as received: transfer-decoded (chunked removed), "
    "content-encoding kept; payload digests cover those bytes.",
    "Twisted does not expose Transfer-Encoding and Connection response headers: they are "
    "absent from response records; Content-Length is re-created from the parsed length.",
    "Header names are in canonical case (Twisted/Scrapy normalise them); repeated headers "
    "are kept as separate lines in received order per name; non-ASCII header bytes are "
    "percent-encoded by warcio.",
    "The status line keeps the server's protocol version and reason phrase.",
    "Request records hold the headers Scrapy handed to Twisted, with Host added as Twisted "
    "sends it; the request line is written as HTTP/1.1.",
    "A body cut by the size or time limit, or by a disconnect, is marked WARC-Truncated "
    "(length, time, disconnect). A decoded body cut at the size cap (decompression bomb) "
    "is noted in a metadata record referring to the response.",
    "Identical payloads within the crawl are stored once; later captures are revisit records "
    "(identical-payload-digest profile).",
)


def build_warcinfo(job: dict[str, Any], crawl_id: str) -> WarcInfo:
    """Fields for every warcinfo record of the crawl (``application/warc-fields``)."""
    config = job.get("config", {})
    identity = config.get("identity", {})
    politeness = config.get("politeness", {})
    versions = software_versions()
    software = " ".join(f"{name}/{version}" for name, version in versions.items())
    fields: list[tuple[str, str]] = [
        ("software", software),
        ("format", "WARC File Format 1.1"),
        (
            "conformsTo",
            "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
        ),
        ("isPartOf", crawl_id),
        ("job", str(job.get("name", ""))),
        ("job-config-hash", str(job.get("config_hash", ""))),
        ("description", str(config.get("description", ""))),
        ("operator", str(identity.get("operator", ""))),
        ("hostname", socket.gethostname()),
        ("http-header-user-agent", str(job.get("user_agent", ""))),
        ("robots", "obey" if politeness.get("obey_robots", True) else "ignore"),
    ]
    fields.extend(("capture-note", note) for note in CAPTURE_NOTES)
    return WarcInfo(tuple((name, value) for name, value in fields if value))
