"""One crawl with Scrapy: the only package (with ``spiders``, ``pipelines`` and ``settings``)
that imports Scrapy or Twisted. ``run_crawl`` runs a job; ``components/`` holds the Scrapy
extensions and middlewares that drive the Scrapy-free archive and articles packages.
"""
