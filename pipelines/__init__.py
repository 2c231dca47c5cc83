"""Scrapy item pipelines, one responsibility each (article extraction arrives with the articles issue)."""
