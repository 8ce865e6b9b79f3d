"""Downloader middlewares of repmon's own."""

from __future__ import annotations

from scrapy.exceptions import NotConfigured


class SandboxSlotMiddleware:
    """On the sandbox, every source is a path of one host; give each its own download slot, so each
    source is paced as the separate site it plays (one request per second per site, not per sandbox)."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.sandbox_url = (crawler.settings.get("REPMON_SANDBOX_URL") or "").rstrip("/")

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request, spider=None):
        if self.sandbox_url and request.url.startswith(self.sandbox_url + "/"):
            request.meta.setdefault("download_slot", f"sandbox/{self.crawler.spider.name}")
        return None


class BackoffMiddleware:
    """Back off from a site that says it is overloaded: on 429 or 503, the site's download delay doubles
    (at least the ``Retry-After`` it asks for, at most ``BACKOFF_MAX_DELAY`` seconds) before the retry
    middleware asks again; AutoThrottle brings it back down as answers come back healthy."""

    STATUSES = (429, 503)

    def __init__(self, crawler):
        self.crawler = crawler
        self.max_delay = crawler.settings.getfloat("BACKOFF_MAX_DELAY", 60.0)

    @classmethod
    def from_crawler(cls, crawler):
        if crawler.settings.getfloat("DOWNLOAD_DELAY") == 0:
            raise NotConfigured("DOWNLOAD_DELAY is 0 (the sandbox, a test): no backoff either")
        return cls(crawler)

    def process_response(self, request, response, spider=None):
        if response.status in self.STATUSES:
            downloader = self.crawler.engine.downloader
            slot = downloader.slots.get(downloader.get_slot_key(request))
            if slot is not None:
                asked = _seconds(response.headers.get(b"Retry-After"))
                slot.delay = min(self.max_delay, max(slot.delay * 2, asked, 1.0))
                self.crawler.stats.inc_value("repmon/backoff")
        return response


def _seconds(value: bytes | None) -> float:
    try:
        return float(value) if value else 0.0
    except ValueError:  # an HTTP date: not worth parsing, the doubling applies
        return 0.0
