"""Backing off from a site that answers 429/503: its download delay grows before the retry."""

from __future__ import annotations

from types import SimpleNamespace

from scrapy.core.downloader import Slot
from scrapy.http import HtmlResponse, Request
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler

from crawlers.middlewares import BackoffMiddleware

URL = "https://www.vitals.com/search?q=a"


def middleware(delay: float = 1.0, **settings):
    crawler = get_crawler(settings_dict=settings)
    crawler.stats = MemoryStatsCollector(crawler)
    slot = Slot(concurrency=1, delay=delay)
    crawler.engine = SimpleNamespace(downloader=SimpleNamespace(slots={"www.vitals.com": slot},
                                                                get_slot_key=lambda request: "www.vitals.com"))
    return BackoffMiddleware(crawler), slot, crawler


def answer(status: int, headers=None):
    return HtmlResponse(URL, status=status, body=b"busy", headers=headers or {}, request=Request(URL))


def test_a_429_doubles_the_sites_delay_each_time_up_to_the_cap():
    backoff, slot, crawler = middleware(BACKOFF_MAX_DELAY=5)
    for expected in (2.0, 4.0, 5.0):
        backoff.process_response(Request(URL), answer(429))
        assert slot.delay == expected
    assert crawler.stats.get_value("repmon/backoff") == 3


def test_retry_after_is_honoured_and_healthy_answers_change_nothing():
    backoff, slot, _ = middleware()
    backoff.process_response(Request(URL), answer(503, {"Retry-After": "30"}))
    assert slot.delay == 30.0
    backoff.process_response(Request(URL), answer(200))
    assert slot.delay == 30.0


def test_no_backoff_where_no_delay_was_asked_for():
    import pytest
    from scrapy.exceptions import NotConfigured

    with pytest.raises(NotConfigured):
        BackoffMiddleware.from_crawler(get_crawler(settings_dict={"DOWNLOAD_DELAY": 0}))
