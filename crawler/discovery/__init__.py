"""What leads to pages: feeds, sitemaps and links, parsed without Scrapy."""
