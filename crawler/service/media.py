"""What a route that does not answer JSON documents in OpenAPI: its real content types."""

from typing import Any

__all__ = ["answers"]

_BINARY = {"type": "string", "format": "binary"}
_TEXT = {"type": "string"}
_BINARY_TYPES = ("application/warc", "application/wacz", "application/vnd.apache.parquet", "*/*")


def answers(*media_types: str, description: str = "") -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route whose 200 is one of ``media_types`` (not JSON)."""
    content = {
        media: {"schema": _BINARY if media in _BINARY_TYPES else _TEXT} for media in media_types
    }
    return {200: {"description": description or "Successful Response", "content": content}}
