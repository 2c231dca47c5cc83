"""The switch every archive component checks first."""

from __future__ import annotations

from scrapy.exceptions import NotConfigured
from scrapy.settings import BaseSettings


def require_archive(settings: BaseSettings) -> None:
    """Raise NotConfigured unless ``ARCHIVE_ENABLED`` is on."""
    if not settings.getbool("ARCHIVE_ENABLED"):
        raise NotConfigured("ARCHIVE_ENABLED is off")
