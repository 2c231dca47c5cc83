"""The archive: WARC writing, CDXJ indexes, manifests, the local spool, storage and uploads,
and reading a stored crawl back (verify, pull). No Scrapy, no trafilatura.
"""
