"""Base Scrapy settings: what every archive crawl uses, whatever the job.

Every ``ARCHIVE_*`` setting is listed here once. Those a run sets (``crawler.crawl.settings``
maps the job and the run options onto them) are listed empty; the others carry their default,
written once: job defaults come from the job model, and components read these values with
no fallback of their own.
"""

from scrapy.settings import default_settings

from crawler.articles.extract import ExtractOptions
from crawler.articles.pool import PoolOptions
from crawler.jobs.models import DEFAULT_RESPONSE_BYTES, DEFAULT_STORAGE, DEFAULT_WARC_SIZE, Limits

BOT_NAME = "news-archive-crawler"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

# --- archive components (set per run: empty here) -----------------------------------------
ARCHIVE_ENABLED = True  # off: no component of the archive is loaded (tests of Scrapy alone)
ARCHIVE_CRAWL_ID = ""
ARCHIVE_JOB: dict[str, object] = {}  # name, config_hash, user_agent, config (the job)
ARCHIVE_S3: dict[str, object] = {}  # crawler.archive.storage.S3Options fields
ARCHIVE_SPOOL_DIR = ""
ARCHIVE_WARC_PREFIX = ""  # empty: the job's name
ARCHIVE_UPLOAD_WAIT = 0.0  # seconds to wait for uploads at the end; the rest stays spooled
ARCHIVE_PROGRESS_INTERVAL = 0.0  # 0: no progress lines
ARCHIVE_STATUS_FILE = ""  # when set: JSON counters rewritten at each progress tick (workers)
ARCHIVE_JOURNAL = ""  # resume journal (crawler.crawl.journal), in the spool
ARCHIVE_RESUME = False  # continue an earlier attempt of the same crawl id
ARCHIVE_PREVIOUS_CAPTURES = ""  # incremental run: earlier captures (crawler.archive.captures)
ARCHIVE_CAPTURES_OUT = ""  # where to list this run's captures, for the next incremental run
ARCHIVE_REPLAY_CRAWL = ""  # crawler replay: the crawl whose WARCs answer every request
ARCHIVE_REPLAY_STORAGE = ""
ARCHIVE_REPLAY_OUT = ""  # crawler replay: where to write the articles found

# --- archive components (defaults) --------------------------------------------------------
ARCHIVE_STORAGE_URL = DEFAULT_STORAGE
ARCHIVE_WARC_MAX_SIZE = DEFAULT_WARC_SIZE
ARCHIVE_STOP_UPLOAD_WAIT = 3.0  # upload wait when stopped early (SIGTERM: compose allows 10 s)
ARCHIVE_MAX_RESPONSE_BYTES = DEFAULT_RESPONSE_BYTES  # raw and decoded
ARCHIVE_MAX_DOWNLOAD_TIME = Limits().download_timeout
ARCHIVE_ALLOW_PRIVATE = False
ARCHIVE_ALLOWED_NETWORKS: list[str] = []

ARCHIVE_EXTRACT_WORKERS = PoolOptions().workers  # processes running trafilatura
ARCHIVE_EXTRACT_TIMEOUT = PoolOptions().timeout  # seconds one page may take
ARCHIVE_EXTRACT_MAX_BYTES = ExtractOptions().max_html_bytes  # larger HTML is cut before parsing
ARCHIVE_EXTRACT_COMMENTS = ExtractOptions().comments  # reader comments in their own field
ARCHIVE_EXTRACT_SPEEDUPS = ExtractOptions().speedups  # off: trafilatura exactly as it ships

ITEM_PIPELINES = {
    "pipelines.extract.ExtractPipeline": 100,
    "pipelines.relevance.RelevancePipeline": 200,
    "pipelines.coverage.CoveragePipeline": 250,
    "pipelines.dedupe.DuplicatePipeline": 300,
    "pipelines.store.ArticleStorePipeline": 900,
}

EXTENSIONS = {
    "crawler.crawl.components.capture.WarcCapture": 100,
    "crawler.crawl.components.limits.ResponseLimits": 110,
    "crawler.crawl.components.progress.Progress": 120,
    "crawler.crawl.components.journal_keeper.JournalKeeper": 130,
    "crawler.crawl.components.incremental.CaptureRecorder": 140,
    "crawler.crawl.components.closing.PromptCloseSpider": 0,  # CloseSpider's place
}
# Scrapy's own extensions, less those a crawl never runs. They are left out of this list, not
# set to None in EXTENSIONS: Scrapy imports every extension named there, and the remote
# control's module imports aiohttp's server (~0.1 s of each crawl's start).
_NOT_RUN = {
    "scrapy.extensions.closespider.CloseSpider",  # waited out every delay: PromptCloseSpider
    "scrapy.extensions.logstats.LogStats",  # Progress reports archive figures instead
    "scrapy.extensions.telnet.TelnetConsole",
    "scrapy.extensions.remote_control.RemoteControl",  # see REMOTE_CONTROL_ENABLED
}
EXTENSIONS_BASE = {
    name: order for name, order in default_settings.EXTENSIONS_BASE.items() if name not in _NOT_RUN
}
DOWNLOADER_MIDDLEWARES = {
    "crawler.crawl.components.superseded.SupersededRequests": 5,  # before all (replay: 10)
    "scrapy.downloadermiddlewares.cookies.CookiesMiddleware": None,
    "crawler.crawl.components.cookies.OfflineCookiesMiddleware": 700,  # Scrapy's place for it
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
STATS_CLASS = "crawler.crawl.components.stats.ArchiveStats"  # Scrapy's, without its access hook

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
# Scrapy's list without DownloadTimeoutError: a server silent for the job's whole
# download_timeout is not asked twice more (it is logged as failed, once)
RETRY_EXCEPTIONS = [
    "scrapy.exceptions.CannotResolveHostError",
    "scrapy.exceptions.DownloadConnectionRefusedError",
    "scrapy.exceptions.DownloadFailedError",
    "scrapy.exceptions.ResponseDataLossError",
    "twisted.internet.error.ConnectionDone",
    "twisted.internet.error.ConnectError",
    "twisted.internet.error.ConnectionLost",
    "builtins.OSError",
    "scrapy.core.downloader.handlers.http11.TunnelError",
]
REDIRECT_MAX_TIMES = 10
SPIDER_MIDDLEWARES = {
    # the spider bounds depth itself (archive_depth: feeds and sitemaps do not add depth);
    # Scrapy's own depth, counted for every output of every page, would only cost time
    "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
}
DOWNLOAD_DELAY_JITTER = 0.5  # each delay 0.5x to 1.5x DOWNLOAD_DELAY (Scrapy >= 2.19)
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
