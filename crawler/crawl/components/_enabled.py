"""The switch every archive component checks first."""

from __future__ import annotations

from typing import Any

from scrapy.exceptions import NotConfigured


def require_archive(settings: Any) -> None:
    """Raise NotConfigured unless ``ARCHIVE_ENABLED`` is on."""
    if not settings.getbool("ARCHIVE_ENABLED"):
        raise NotConfigured("ARCHIVE_ENABLED is off")
