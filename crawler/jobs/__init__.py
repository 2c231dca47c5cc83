"""Crawl jobs: the validated models, job files, URL scope and the address policy.

Pydantic only: no Scrapy, no storage, no network. Everything downstream reads a :class:`Job`,
never raw YAML.
"""
