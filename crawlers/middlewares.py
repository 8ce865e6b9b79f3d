"""Downloader middlewares of repmon's own."""

from __future__ import annotations


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
