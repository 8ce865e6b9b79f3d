"""A profile that moved or a challenge served as 404: what a revisit records."""

from __future__ import annotations

import json

from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from crawlers.spiders.base import TargetState
from crawlers.spiders.healthgrades import HealthgradesSpider
from test_spider_base import FILES

NEW = "https://www.healthgrades.com/physician/dr-rosa-khan-g8p5v"
OLD = "https://www.healthgrades.com/physician/dr-rosa-khan-old01"


def spider(tmp_path):
    targets = tmp_path / "t.json"
    targets.write_text(json.dumps([{"npi": "1234567893", "first_name": "Rosa", "last_name": "Khan"}]))
    crawler = get_crawler(HealthgradesSpider)
    s = HealthgradesSpider.from_crawler(crawler, targets=str(targets))
    s.fetch_reviews = False
    return s


def response(url, body, status=200, redirected_from=None):
    meta = {"redirect_urls": [redirected_from]} if redirected_from else {}
    return HtmlResponse(url=url, body=body, encoding="utf-8", status=status, request=Request(url, meta=meta))


def test_a_known_profile_that_redirected_is_recorded_as_gone_so_it_is_no_duplicate(tmp_path):
    s = spider(tmp_path)
    state = TargetState(key=0, target={"npi": "1234567893", "known_urls": [OLD]}, query="Rosa Khan", revisiting=True)
    body = (FILES / "healthgrades" / "profile.html").read_bytes()
    records = list(s._on_profile(response(NEW, body, redirected_from=OLD), state))
    assert any(r.get("kind") == "listing" and r["url"] == NEW for r in records if isinstance(r, dict))
    assert OLD in state.gone


def test_a_challenge_page_served_as_404_is_a_block_not_a_gone_listing(tmp_path):
    s = spider(tmp_path)
    state = TargetState(key=0, target={"npi": "1234567893", "known_urls": [OLD]}, query="Rosa Khan", revisiting=True)
    challenge = b"<html><head><title>Just a moment...</title></head><body>cf-chl</body></html>"
    records = [r for r in s._on_profile(response(OLD, challenge, status=404), state) if isinstance(r, dict)]
    assert state.gone == []
    assert [r["status"] for r in records if r.get("kind") == "search"] == ["blocked"]
