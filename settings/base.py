"""Base Scrapy settings: what every archive crawl uses, whatever the job.

Every ``ARCHIVE_*`` setting is listed here once with its default.
"""

BOT_NAME = "news-archive-crawler"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

# --- archive components -------------------------------------------------------------------
ARCHIVE_ENABLED = True
ARCHIVE_CRAWL_ID = ""  # set per run
ARCHIVE_JOB: dict[str, object] = {}  # name, config_hash, user_agent, config (the job)
ARCHIVE_STORAGE_URL = "file://./archive"
ARCHIVE_S3: dict[str, object] = {}  # crawler.storage.S3Options fields
ARCHIVE_SPOOL_DIR = ".crawler-spool"
ARCHIVE_WARC_PREFIX = ""
ARCHIVE_WARC_MAX_SIZE = 1000**3
ARCHIVE_UPLOAD_WAIT = 120.0  # seconds to wait for uploads at the end; the rest stays spooled
ARCHIVE_STOP_UPLOAD_WAIT = 3.0  # the same when stopped early (SIGTERM: compose allows 10 s)
ARCHIVE_MAX_RESPONSE_BYTES = 20 * 1000**2  # raw and decoded
ARCHIVE_MAX_DOWNLOAD_TIME = 60.0
ARCHIVE_ALLOW_PRIVATE = False
ARCHIVE_ALLOWED_NETWORKS: list[str] = []
ARCHIVE_PROGRESS_INTERVAL = 10.0
ARCHIVE_STATUS_FILE = ""  # when set: JSON counters rewritten at each progress tick (workers)
ARCHIVE_JOURNAL = ""  # resume journal (crawler.journal); set per run in the spool
ARCHIVE_RESUME = False  # continue an earlier attempt of the same crawl id
ARCHIVE_PREVIOUS_CAPTURES = ""  # incremental run: earlier captures (crawler.captures lines)
ARCHIVE_CAPTURES_OUT = ""  # where to list this run's captures, for the next incremental run

ARCHIVE_EXTRACT_WORKERS = 2  # processes running trafilatura
ARCHIVE_EXTRACT_TIMEOUT = 30.0  # seconds one page may take
ARCHIVE_EXTRACT_MAX_BYTES = 5_000_000  # larger HTML is cut before parsing (the WARC keeps all)

ITEM_PIPELINES = {
    "pipelines.extract.ExtractPipeline": 100,
    "pipelines.relevance.RelevancePipeline": 200,
    "pipelines.dedupe.DuplicatePipeline": 300,
    "pipelines.store.ArticleStorePipeline": 900,
}

EXTENSIONS = {
    "crawler.crawl.components.capture.WarcCapture": 100,
    "crawler.crawl.components.limits.ResponseLimits": 110,
    "crawler.crawl.components.progress.Progress": 120,
    "crawler.crawl.components.journal_keeper.JournalKeeper": 130,
    "crawler.crawl.components.incremental.CaptureRecorder": 140,
    "scrapy.extensions.logstats.LogStats": None,  # Progress reports archive figures instead
    "scrapy.extensions.telnet.TelnetConsole": None,
    "scrapy.extensions.remote_control.RemoteControl": None,  # see REMOTE_CONTROL_ENABLED
}
DOWNLOADER_MIDDLEWARES = {
    "crawler.crawl.components.address_guard.AddressGuardMiddleware": 50,
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.crawl.components.robots.RfcRobotsTxtMiddleware": 100,
    "crawler.crawl.components.incremental.ConditionalRequests": 110,
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "crawler.crawl.components.decompression.BoundedDecompressionMiddleware": 590,
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "crawler.crawl.components.metarefresh.ByteScanMetaRefresh": 580,  # Scrapy's place for it
}
TWISTED_DNS_RESOLVER = "crawler.crawl.components.address_guard.GuardedResolver"
DOWNLOADER = "crawler.crawl.components.downloader.PoliteDownloader"  # per-domain concurrency holds

# Only http and https: no file://, data:, s3:// or ftp:// downloads.
DOWNLOAD_HANDLERS = {
    "file": None,
    "data": None,
    "s3": None,
    "ftp": None,
    # Scrapy's HTTP/1.1 handler, keeping the server's reason phrase for the WARC status line
    "http": "crawler.crawl.components.handler.ReasonKeepingDownloadHandler",
    "https": "crawler.crawl.components.handler.ReasonKeepingDownloadHandler",
}

# Size and time caps are enforced by ResponseLimits, which keeps and marks what arrived.
DOWNLOAD_MAXSIZE = 0
DOWNLOAD_WARNSIZE = 0
DOWNLOAD_FAIL_ON_DATALOSS = False  # keep the partial body; the WARC record says disconnect

CONCURRENT_ITEMS = 16  # a page yields one item; 100 (Scrapy's default) only adds tasks
ROBOTSTXT_OBEY = True
COOKIES_ENABLED = True
RETRY_TIMES = 2
REDIRECT_MAX_TIMES = 10
SPIDER_MIDDLEWARES = {
    # the spider bounds depth itself (archive_depth: feeds and sitemaps do not add depth);
    # Scrapy's own depth, counted for every output of every page, would only cost time
    "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
}
DOWNLOAD_DELAY_JITTER = 0.5  # delays vary by +-50%
AUTOTHROTTLE_ENABLED = False
DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "fr,en;q=0.8",
}
TELNETCONSOLE_ENABLED = False
# Scrapy 2.19 starts, by default, an HTTP server in every crawl that runs Python code sent to
# it (token in a file under the user's state folder): no code execution endpoint in a crawl.
REMOTE_CONTROL_ENABLED = False
LOG_LEVEL = "INFO"
LOG_INSTALL_ROOT_HANDLER = False  # the CLI configures logging (crawler.logs)
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
