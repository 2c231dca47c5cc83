"""Scrapy item pipelines, one responsibility each: extract (page -> article), relevance,
near-duplicates, store (article files and summary); replay collects a replay's articles.

Thin adapters over :mod:`crawler.articles`; what they write goes into the crawl's archive
through ``CrawlArchive.before_finish``."""
