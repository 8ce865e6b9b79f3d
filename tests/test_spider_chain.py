"""The per-physician request chain, driven by hand with saved responses (no network, no reactor)."""

from __future__ import annotations

import json

import pytest
from scrapy.exceptions import DontCloseSpider
from scrapy.http import JsonRequest, Request, TextResponse
from scrapy.utils.test import get_crawler

from crawlers.spiders.base import MAX_CANDIDATES, TargetState
from crawlers.spiders.healthgrades import HealthgradesSpider
from reputation.sandbox.sites.healthgrades import comments_json, profile_page, search_page
from reputation.sandbox.world import World

BASE = "https://www.healthgrades.com"
WORLD = World(size=30)


@pytest.fixture
def spider(tmp_path):
    targets = tmp_path / "targets.json"
    targets.write_text(json.dumps(WORLD.targets()[:3]))
    crawler = get_crawler(HealthgradesSpider, {"REVIEW_PAGES_MAX": 2})
    crawler.stats.open_spider()
    return HealthgradesSpider.from_crawler(crawler, targets=str(targets))


def state_for(spider) -> TargetState:
    target = spider.targets[0]
    state = TargetState(key=0, target=target, query=spider.search_query(target))
    spider._states[0] = state
    return state


def respond(request_or_url, body: str, status: int = 200) -> TextResponse:
    request = request_or_url if isinstance(request_or_url, Request) else Request(request_or_url)
    return TextResponse(url=request.url, body=body.encode(), encoding="utf-8", status=status, request=request)


def test_start_searches_each_target_once(spider):
    requests = list(spider.start_requests())
    assert len(requests) == 3
    assert requests[0].url.startswith(f"{BASE}/usearch?what=")
    assert all(r.dont_filter for r in requests)  # two namesakes' identical searches must both run


def test_candidates_are_capped(spider):
    state = state_for(spider)
    listings = list(WORLD.healthgrades.values())[:MAX_CANDIDATES + 2]
    page = search_page(listings, "x", "y").replace('href="/healthgrades/', 'href="/')
    [first_profile] = list(spider.on_search(respond(f"{BASE}/usearch?what=x", page), state))
    assert first_profile.url == f"{BASE}/{listings[0].path}"
    assert len(state.queue) == MAX_CANDIDATES - 1
    assert spider.crawler.stats.get_value("repmon/healthgrades/candidates_capped") == 1


def test_a_profile_that_does_not_parse_ends_the_search_in_error(spider):
    state = state_for(spider)
    listing = next(iter(WORLD.healthgrades.values()))
    url = f"{BASE}/{listing.path}"
    [record] = list(spider._on_profile(respond(url, profile_page(listing, broken=True)), state))
    assert record["kind"] == "search" and record["status"] == "error"
    assert record["reason"] == f"profile page not recognised (no name found) at {url}"


def test_review_pages_stop_at_the_cap_and_the_gap_is_counted(spider):
    state = state_for(spider)
    listing = max(WORLD.healthgrades.values(), key=lambda l: len(l.reviews))
    assert len(listing.reviews) > 20
    [reviews_request] = list(spider._on_profile(respond(f"{BASE}/{listing.path}", profile_page(listing)), state))
    assert isinstance(reviews_request, JsonRequest)
    [page_two] = list(spider._on_reviews(respond(reviews_request, json.dumps(comments_json(listing, 1, 10))), state))
    out = list(spider._on_reviews(respond(page_two, json.dumps(comments_json(listing, 2, 10))), state))
    # REVIEW_PAGES_MAX is 2 here: the listing comes out with 20 reviews, then the next step (the search).
    assert out[0]["kind"] == "listing" and len(out[0]["reviews"]) == 20
    assert spider.crawler.stats.get_value("repmon/healthgrades/reviews_truncated") == 1


def test_blocked_review_page_keeps_the_listing(spider):
    state = state_for(spider)
    listing = max(WORLD.healthgrades.values(), key=lambda l: len(l.reviews))
    [reviews_request] = list(spider._on_profile(respond(f"{BASE}/{listing.path}", profile_page(listing)), state))
    out = list(spider._on_reviews(respond(reviews_request, "<html><title>Just a moment...</title></html>"), state))
    assert out[0]["kind"] == "listing" and out[0]["reviews"] == []
    assert spider.crawler.stats.get_value("repmon/healthgrades/reviews_failed") == 1


def test_a_known_url_answering_404_is_gone_and_a_search_follows(spider):
    state = state_for(spider)
    state.revisiting = True
    url = f"{BASE}/physician/dr-x-y-abcde"
    [search] = list(spider._on_profile(respond(url, "<html>not found</html>", status=404), state))
    assert state.gone == [url]
    assert search.url.startswith(f"{BASE}/usearch?")


class _Engine:
    def __init__(self):
        self.scheduled = []

    def crawl(self, request):
        self.scheduled.append(request)


def test_a_chain_that_died_still_gets_its_search_record(spider):
    finished, stuck = state_for(spider), TargetState(key=1, target=spider.targets[1], query="q")
    finished.finished = True
    spider._states[1] = stuck
    spider.crawler.engine = _Engine()
    with pytest.raises(DontCloseSpider):
        spider._on_idle()
    spider._on_idle()  # scheduled once only
    assert len(spider.crawler.engine.scheduled) == 1
    [record] = list(spider._emit_closing_records(None))
    assert (record["npi"], record["status"]) == (spider.targets[1]["npi"], "error")
    assert "stopped unexpectedly" in record["reason"]
