"""Scrapy item pipelines, one responsibility each.

Article extraction, relevance and article storage arrive with the articles issue.
"""
