"""Scrapy spiders: discovery and scope only; capture and storage live in components."""
