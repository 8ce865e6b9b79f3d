"""Scrapy settings for repmon's spiders: polite, honest, and easy to point at the sandbox.

Every value here can be overridden per run (``scrapy crawl SITE -s NAME=VALUE``); ``repmon crawl``
passes REPMON_DB, REPMON_RUN_ID, REPMON_CRAWL_TIME and, for the demo, REPMON_SANDBOX_URL.
"""

from __future__ import annotations

import os

BOT_NAME = "repmon"
SPIDER_MODULES = ["crawlers.spiders"]
NEWSPIDER_MODULE = "crawlers.spiders"

# Politeness: one request at a time per site, at least a second apart, slower when the site slows.
ROBOTSTXT_OBEY = True
DOWNLOAD_DELAY = 1.0
DOWNLOAD_DELAY_JITTER = 0  # Scrapy >= 2.14 (was RANDOMIZE_DOWNLOAD_DELAY): never go below the delay
CONCURRENT_REQUESTS_PER_DOMAIN = 1
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

# Say who we are and how to reach the operator: site owners should be able to complain, not guess.
REPMON_CONTACT = os.environ.get("REPMON_CONTACT") or "set REPMON_CONTACT"
USER_AGENT = f"repmon/0.1 (+https://github.com/repmon/repmon; contact: {REPMON_CONTACT})"

# Retry what is transient. 403 is a refusal, not a hiccup: retrying it only looks more like a bot.
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]
BACKOFF_MAX_DELAY = 60.0  # a site answering 429/503 gets twice the delay each time, up to this (seconds)
DOWNLOAD_TIMEOUT = 30
# Answers larger than this are cut off and their search is an "error" ("answer larger than 10 MB"), never
# "no listing"; compressed answers are measured as they inflate, so a gzip bomb stops here too. Real profile
# and search pages are up to about 1 MB. Sitemaps may be 50 MB (the protocol's limit): the website spider
# allows them that much.
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024  # logged, still read

TELNETCONSOLE_ENABLED = False
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"

# A local HTTP cache speeds up parser development; never on for real monitoring runs.
HTTPCACHE_ENABLED = os.environ.get("REPMON_HTTPCACHE", "").strip().lower() in {"1", "true", "yes", "on"}
HTTPCACHE_DIR = "httpcache"
HTTPCACHE_EXPIRATION_SECS = 24 * 3600

# Where each source lives is declared by its spider (``site_url``; see crawlers/sources.py), and so are the
# settings of your own a source needs (an API key: GOOGLE_PLACES_API_KEY from REPMON_GOOGLE_API_KEY, ...;
# without it the source's searches are recorded as errors naming the missing key, never as "no listing").
# SOURCE_BASE_URLS = {"healthgrades": "https://mirror.example"} points a source elsewhere. With
# REPMON_SANDBOX_URL set (e.g. "http://127.0.0.1:8123") every source is served by the bundled sandbox
# instead, at f"{REPMON_SANDBOX_URL}/{source}".
SOURCE_BASE_URLS: dict[str, str] = {}
WEBSITE_MAX_PAGES = 5000  # pages read per crawl of the site, at most
WEBSITE_PATH_PREFIX = None  # following links from a start page: stay below this path (default: the whole host)
WEBSITE_URL_PATTERN = None  # reading a sitemap: only URLs matching this regular expression
REPMON_SANDBOX_URL = None

# Sites without a usable name search (RateMDs, WebMD, Vitals) are searched by walking their specialty-in-city
# listing pages (crawlers/spiders/walk.py): one walk serves every roster physician of that specialty and city.
# SEARCH_BY picks, per source with both, "walk" (the default) or "name" (one name search per physician);
# REPMON_SEARCH_BY="ratemds=name,webmd=walk" sets it from the environment. A walk reads at most
# WALK_PAGES_MAX pages; a longer list is "incomplete" (unknown), never a missing listing.
SEARCH_BY: dict[str, str] = dict(
    part.strip().split("=", 1) for part in os.environ.get("REPMON_SEARCH_BY", "").split(",") if "=" in part
)
WALK_PAGES_MAX = 10

# How many pages of reviews to follow per listing: the newest reviews matter most, and each page is a
# request to a site that did not ask to be crawled.
REVIEW_PAGES_MAX = 3

DOWNLOADER_MIDDLEWARES = {
    "crawlers.middlewares.SandboxSlotMiddleware": 50,
    # Below RetryMiddleware (550) in priority, so it sees the 429/503 answer before a retry is scheduled.
    "crawlers.middlewares.BackoffMiddleware": 560,
}

# Stamping (crawl time, run id) first; storing last (800), after any cleaning pipeline in between.
# The store is handed in by `repmon crawl` (reputation.crawl_child adds reputation.crawl_store's pipeline).
ITEM_PIPELINES = {
    "crawlers.pipelines.StampPipeline": 100,
}
# Set by `repmon crawl`: where to store records, which Run they belong to, the (simulated) crawl time.
REPMON_DB = None
REPMON_RUN_ID = None
REPMON_CRAWL_TIME = None
