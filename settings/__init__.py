"""Scrapy settings of the archive crawler, and the shipped job files (``settings/jobs``)."""

from settings.job_settings import JOBS_DIR, RunOptions, scrapy_settings

__all__ = ["JOBS_DIR", "RunOptions", "scrapy_settings"]
