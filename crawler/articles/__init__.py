"""Articles: extraction (trafilatura, in worker processes), dates, language, relevance,
near-duplicates, the Article model and its builder, re-extraction from WARCs. No Scrapy.
"""
