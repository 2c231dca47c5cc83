"""News archive crawler: faithful WARC captures of news coverage, on local or S3 storage."""

import importlib.metadata

try:
    __version__ = importlib.metadata.version("news-archive-crawler")
except importlib.metadata.PackageNotFoundError:  # a source checkout that is not installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
