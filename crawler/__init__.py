"""News archive crawler: faithful WARC captures of news coverage, on local or S3 storage."""

from __future__ import annotations

__all__ = ["__version__"]


def __getattr__(name: str) -> str:
    """``__version__``, read from the installed package's metadata when first asked for:
    ``importlib.metadata`` is not imported by every program that imports this package (a
    crawl's first process only runs itself again on jemalloc: ~0.03 s)."""
    if name != "__version__":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib.metadata

    try:
        version = importlib.metadata.version("news-archive-crawler")
    except importlib.metadata.PackageNotFoundError:  # a source checkout that is not installed
        version = "0.0.0+unknown"
    globals()["__version__"] = version
    return version
