"""Block pages and request failures become "blocked", "error" or "disallowed", never "no listing"."""

from __future__ import annotations

import pytest
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Request, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import DNSLookupError, TCPTimedOutError
from twisted.python.failure import Failure

from crawlers.blocking import block_reason, failure_status
from reputation.sandbox.server import CHALLENGE_PAGE
from test_spider_base import FILES, SHARED, file_response, needs_shared

URL = "https://www.healthgrades.com/usearch?what=Jane+Doe"


def page(body: str, status: int = 200) -> HtmlResponse:
    return HtmlResponse(url=URL, body=body.encode(), encoding="utf-8", status=status)


def failed(exc: Exception, url: str = URL) -> Failure:
    failure = Failure(exc)
    failure.request = Request(url)  # Scrapy attaches the request to an errback's failure
    return failure


@pytest.mark.parametrize("status", [200, 403, 503])
def test_cloudflare_challenge_is_a_block_whatever_the_status(status):
    reason = block_reason(page(CHALLENGE_PAGE, status))
    assert reason.startswith("Cloudflare challenge")
    assert f"HTTP {status}" in reason and URL in reason


@pytest.mark.parametrize("body", [
    "<html><head><title>Attention Required! | Cloudflare</title></head><body>Sorry, you have been blocked</body></html>",
    "<html><head><title>Access denied</title></head><body>You don't have permission</body></html>",
    '<html><body><div id="px-captcha"></div>Press &amp; Hold to confirm you are a human</body></html>',
    "<html><head><title>Verify</title></head><body>Please solve this CAPTCHA to continue</body></html>",
])
def test_other_block_pages_are_recognised(body):
    assert block_reason(page(body)) is not None


def test_ordinary_pages_are_not_blocks():
    assert block_reason(file_response(FILES / "healthgrades" / "profile.html", URL)) is None
    assert block_reason(file_response(FILES / "healthgrades" / "search.html", URL)) is None


def test_a_large_page_that_merely_loads_a_captcha_widget_is_not_a_block():
    body = "<html><head><title>Dr. Jane Doe</title><script src='https://www.google.com/recaptcha/api.js'></script>" \
           "</head><body>" + "<p>profile text</p>" * 3000 + "</body></html>"
    assert block_reason(page(body)) is None


@needs_shared
def test_the_real_2015_profile_is_not_a_block():
    path = SHARED / "fixtures/real/healthgrades/profile-patient-ratings-2015.html"
    assert block_reason(file_response(path, "https://www.healthgrades.com/physician/dr-vinay-aggarwal-3xm3y")) is None


@pytest.mark.parametrize("status, expected, code", [
    (403, "blocked", "blocked"), (401, "blocked", "blocked"), (429, "blocked", "blocked"),
    (500, "error", "http_error"), (503, "error", "http_error"), (404, "error", "http_error"),
    (400, "error", "http_error")])
def test_http_errors_map_to_statuses_and_codes(status, expected, code):
    status_found, reason, code_found = failure_status(failed(HttpError(page("<html><body>nope</body></html>", status))))
    assert (status_found, code_found) == (expected, code)
    assert f"HTTP {status}" in reason and URL in reason


def test_a_503_challenge_page_is_a_block_not_a_server_error():
    assert failure_status(failed(HttpError(page(CHALLENGE_PAGE, 503))))[0] == "blocked"


def test_robots_txt_refusal_is_disallowed_with_the_url():
    assert failure_status(failed(IgnoreRequest("Forbidden by robots.txt"))) == (
        "disallowed", f"robots.txt disallows {URL}", "disallowed")


def test_other_ignored_requests_are_errors():
    assert failure_status(failed(IgnoreRequest("offsite")))[0] == "error"


@pytest.mark.parametrize("exc, words", [(DNSLookupError("x"), "DNS lookup failed"), (TCPTimedOutError(), "timed out"),
                                        (ConnectionRefusedError(), "connection refused")])
def test_network_failures_are_errors_with_a_plain_reason(exc, words):
    assert failure_status(failed(exc)) == ("error", f"{words} for {URL}", "network_error")


def test_an_api_answer_mentioning_a_captcha_is_content_not_a_block():
    body = b'{"reviews": [{"text": {"text": "The portal made me solve a captcha twice. Just a moment... cf-chl"}}]}'
    response = TextResponse(url="https://places.googleapis.com/v1/places/x", body=body, encoding="utf-8",
                            headers={"Content-Type": "application/json"})
    assert block_reason(response) is None
