"""Scrapy components (extensions, middlewares, resolver) that drive the Scrapy-free core.

Each reads its settings once in ``from_crawler`` (prefix ``ARCHIVE_``) and connects signals there.
"""
