"""Scrapy settings for Morgue. Every value can be overridden on the command line with -s NAME=value.

The ARCHIVE_* settings are Morgue's own; README.md documents each of them.
"""

BOT_NAME = "morgue"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
# Our `crawl` checks the sites file and the archive before it starts (crawler/commands).
COMMANDS_MODULE = "crawler.commands"

# --- Morgue -------------------------------------------------------------------------------
# The sites to follow, and the SQLite file the archive is written to.
ARCHIVE_SITES = "data/sites.toml"
ARCHIVE_DB = "data/archive.db"
# How many levels of listing pages to follow from a start page (0: only the start page).
ARCHIVE_LISTING_DEPTH = 1
# Fewer words than this left after cleanup: the page holds no article (a failures row).
ARCHIVE_MIN_WORDS = 15
# Dates before this day are taken for parsing accidents, not publication dates.
ARCHIVE_EARLIEST_DATE = "1990-01-01"
# Articles younger than this many days are fetched again on every run (stories get revised);
# older ones only when their feed entry or sitemap lastmod says they changed. 0: never.
ARCHIVE_RECHECK_DAYS = 2
# Extraction and date parsing run in this many worker processes ("auto": one per core), so
# downloads go on meanwhile; 0 runs them inline. A page whose work takes longer than the
# timeout (seconds) becomes a failures row and its worker is replaced; workers are renewed
# after so many tasks (two per page: extraction, dates), which bounds what library caches
# can hold on long crawls.
ARCHIVE_WORKERS = "auto"
ARCHIVE_WORKER_TIMEOUT = 20.0
ARCHIVE_WORKER_MAX_TASKS = 2000
# The archive commits a batch of writes every so many items or seconds, and on close.
ARCHIVE_COMMIT_EVERY = 100
ARCHIVE_COMMIT_SECONDS = 2.0
# What one site may make a run download and hold. Feeds and sitemaps have size limits of
# their own (bytes; a sitemap's once decompressed: 50 MB is the sitemap protocol's limit) and
# are parsed in the worker processes; sitemap indexes are followed so many levels deep, and so
# many sitemaps per site; a site's article and listing URLs are counted up to a limit, so that
# a site generating endless links or sitemaps cannot fill the crawl's memory. Reaching a
# limit leaves a failures row.
ARCHIVE_FEED_MAXSIZE = 10 * 1024 * 1024
ARCHIVE_SITEMAP_MAXSIZE = 50 * 1024 * 1024
ARCHIVE_SITEMAP_DEPTH = 3
ARCHIVE_SITEMAPS_PER_SITE = 1000
ARCHIVE_URLS_PER_SITE = 500_000
# Every article page is kept as fetched, in WARC files (README, "Pages as fetched"): in
# ARCHIVE_WARC_DIR (empty: the folder `warc` beside ARCHIVE_DB), a new file per run and
# whenever one passes ARCHIVE_WARC_MAX_MB megabytes; feeds and sitemaps too with
# ARCHIVE_WARC_DISCOVERY. `scrapy reextract` reads them back.
ARCHIVE_WARC = True
ARCHIVE_WARC_DIR = ""
ARCHIVE_WARC_MAX_MB = 1000
ARCHIVE_WARC_DISCOVERY = False

# A crawl spread over several machines (README, "A distributed crawl"): the Redis or Valkey
# server the coordinator (the crawl that holds the archive) and its workers (`-a role=worker`)
# share, e.g. redis://:password@10.0.0.5:6379/0; empty: one machine, no server. Every key the
# run uses begins with the prefix. A worker exits when the coordinator says the run is over, or
# after so many seconds with nothing to do. A request is leased to a process for so many
# seconds, renewed while it works; a lease that runs out (its holder died) goes back to the
# queue, and a request leased so many times without a result becomes a failures row.
ARCHIVE_REDIS_URL = ""
ARCHIVE_REDIS_PREFIX = "morgue:"
ARCHIVE_WORKER_IDLE_SECONDS = 600
ARCHIVE_LEASE_SECONDS = 60
ARCHIVE_LEASE_ATTEMPTS = 3

DOWNLOADER_MIDDLEWARES = {
    # Every request is checked against its site's boundary before anything else runs (not
    # even robots.txt is fetched for a refused one): see crawler/boundary.py.
    "crawler.middlewares.FetchGuard": 10,
    # Replaced by FetchGuard: it lets retries and redirects through, and drops without a trace.
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    # Before RedirectMiddleware (600) sees the response and RetryMiddleware (550) the error.
    "crawler.middlewares.RedirectAndAddressGuard": 650,
    "crawler.middlewares.RedirectLoops": 640,
    # After HttpCompressionMiddleware (590) has decompressed the body.
    "crawler.middlewares.FalseCharsetClaims": 100,
    # Next to the downloader: the first to see a response, as received.
    "crawler.capture.WarcCapture": 950,
    # A distributed crawl's per-domain budget, shared by every process (only with
    # ARCHIVE_REDIS_URL): after every check that may refuse a request, so that only
    # requests about to be downloaded hold a slot.
    "crawler.cluster.SharedBudget": 940,
}
# Only web pages: a feed, sitemap or redirect naming file:, data:, s3: or ftp: is never fetched.
DOWNLOAD_HANDLERS = {"file": None, "data": None, "s3": None, "ftp": None}
# Host names are resolved by Scrapy's caching resolver, which here refuses an address inside
# the local network for a host the sites file does not list (crawler/resolver.py).
TWISTED_DNS_RESOLVER = "crawler.resolver.GuardedResolver"

ITEM_PIPELINES = {
    "pipelines.extract.ExtractStage": 100,
    "pipelines.dates.DatesStage": 200,
    # Only in a distributed crawl (ARCHIVE_REDIS_URL): what a leased request gave goes to the
    # coordinator's store through the results queue. A worker has no store stage.
    "pipelines.ship.ShipStage": 250,
    "pipelines.store.StoreStage": 300,
}

# --- Politeness ---------------------------------------------------------------------------
# Say who we are. Add a way to reach you when you crawl at scale, e.g.
# -s USER_AGENT="Morgue/0.1 (news archive; mailto:you@example.org)".
USER_AGENT = "Morgue/0.1 (self-hosted news archive)"
ROBOTSTXT_OBEY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
DOWNLOAD_DELAY = 0.5
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
# Scrapy's downloader, holding CONCURRENT_REQUESTS_PER_DOMAIN also when DOWNLOAD_DELAY is 0
# (Scrapy 2.14 and later then send a site up to CONCURRENT_REQUESTS): crawler/politeness.py.
DOWNLOADER = "crawler.politeness.PoliteDownloader"
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 32 * 1024 * 1024
DOWNLOAD_WARNSIZE = 8 * 1024 * 1024
RETRY_TIMES = 2
REDIRECT_MAX_TIMES = 10
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False

# Each response otherwise starts up to 100 item tasks at once; a few are plenty here.
CONCURRENT_ITEMS = 16
# Dropped pages are expected (no article on the page); each one is in the failures table.
DEFAULT_DROPITEM_LOG_LEVEL = "INFO"
LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"
REMOTE_CONTROL_ENABLED = False
