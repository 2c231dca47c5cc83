"""Scrapy settings of the archive crawler (``settings.base``) and the shipped job files."""

from pathlib import Path

__all__ = ["JOBS_DIR"]

JOBS_DIR = Path(__file__).parent / "jobs"
"""The job files that ship with the crawler (``treaty-fr.yaml``...)."""
