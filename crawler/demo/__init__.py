"""The offline demo: a bundled French news site served on loopback, and the job that crawls it."""

from crawler.demo.server import DemoSite, demo_job

__all__ = ["DemoSite", "demo_job"]
