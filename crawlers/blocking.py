"""Telling "the site refused us" apart from "the site has nothing": block pages and request failures.

A challenge page often comes with HTTP 200, and Cloudflare serves its challenge with 403 or 503. Read
as an ordinary page it would parse to "no results"; every spider checks each response here first.
"""

from __future__ import annotations

import re

from scrapy.exceptions import IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError

from crawlers.items import Failed

# Matched against the page <title>: what challenge and denial pages call themselves.
BLOCK_TITLES = {
    "just a moment": "Cloudflare challenge",
    "attention required! | cloudflare": "Cloudflare block",
    "access denied": "access denied page",
    "pardon our interruption": "bot-protection page",
    "are you a robot": "bot-check page",
    "verify you are human": "bot-check page",
    "security check": "bot-check page",
}
# Matched anywhere in the body: markers that only challenge pages carry.
BLOCK_MARKERS = {
    "cf-chl": "Cloudflare challenge",
    "cf_chl_opt": "Cloudflare challenge",
    # Not the bare "/cdn-cgi/challenge-platform/": Cloudflare injects .../scripts/jsd/main.js into ordinary pages.
    "/cdn-cgi/challenge-platform/h/": "Cloudflare challenge",
    "px-captcha": "PerimeterX captcha",
    "_incapsula_resource": "Incapsula block",
    "captcha-delivery.com": "DataDome captcha",
}
# Ordinary pages may load a captcha widget for a review form, so a bare "captcha" counts only on a
# small page: challenge pages are a few kilobytes, real profiles are hundreds.
SMALL_PAGE = 20_000

_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def block_reason(response) -> str | None:
    """Why ``response`` is a block or challenge page rather than content, or None if it is content."""
    body = response.body or b""
    content_type = (response.headers.get(b"Content-Type") or b"").lower() if hasattr(response, "headers") else b""
    if b"json" in content_type or body.lstrip()[:1] in (b"{", b"["):
        return None  # an API answer: challenge pages are HTML, and review texts may say anything
    head = body[:200_000].lower()
    title_match = _TITLE.search(head)
    title = title_match.group(1).decode("utf-8", "replace").strip() if title_match else ""
    for needle, what in BLOCK_TITLES.items():
        if needle in title:
            return f"{what} (HTTP {response.status}) at {response.url}"
    for needle, what in BLOCK_MARKERS.items():
        if needle.encode() in head:
            return f"{what} (HTTP {response.status}) at {response.url}"
    if len(body) < SMALL_PAGE and b"captcha" in head:
        return f"captcha page (HTTP {response.status}) at {response.url}"
    return None


def failure_status(failure, max_size: int | None = None) -> Failed:
    """Map a request failure (an errback's Failure) to a search status, a short human reason and its code.

    ``max_size``: the download limit the request had (DOWNLOAD_MAXSIZE), to name an answer cut off for it.
    """
    request = getattr(failure, "request", None)
    url = request.url if request is not None else "?"
    if max_size and _too_large(failure, request, max_size):
        return Failed("error", f"answer larger than {max_size / 2**20:g} MB (the download limit) at {url}", "too_large")
    if failure.check(HttpError):
        response = failure.value.response
        block = block_reason(response)
        if block:
            return Failed("blocked", block, "blocked")
        code = response.status
        if code in (401, 403, 429):
            return Failed("blocked", f"HTTP {code} at {response.url}", "blocked")
        if code >= 500:
            return Failed("error", f"HTTP {code} (server error, after retries) at {response.url}", "http_error")
        return Failed("error", f"HTTP {code} at {response.url}", "http_error")
    if failure.check(IgnoreRequest):
        message = str(failure.value)
        if "robots.txt" in message.lower():
            return Failed("disallowed", f"robots.txt disallows {url}", "disallowed")
        return Failed("error", f"request dropped ({message or 'IgnoreRequest'}) for {url}", "incomplete")
    problem = _NETWORK_PROBLEMS.get(_exception_name(failure))
    if problem:
        return Failed("error", f"{problem} for {url}", "network_error")
    return Failed("error", f"{_exception_name(failure)}: {str(failure.value)[:120]} for {url}", "network_error")


RECEIVED = "repmon_bytes_received"  # request meta: bytes of the answer received so far (RosterSpider counts)


def _too_large(failure, request, max_size: int) -> bool:
    """Whether Scrapy cut the answer off for its size: announced too large (Content-Length), grown too large
    while streaming (an empty cancellation, but we counted the bytes), or inflated too large (a gzip bomb)."""
    name, message = _exception_name(failure), str(failure.value)
    if name == "DownloadCancelledError":
        received = request.meta.get(RECEIVED, 0) if request is not None else 0
        return "max size" in message or received > max_size
    return failure.check(IgnoreRequest) is not None and "DOWNLOAD_MAXSIZE" in message


# Network failures by exception name: Twisted's, and Scrapy's own since 2.14 (which wrap Twisted's).
_NETWORK_PROBLEMS = {
    "DNSLookupError": "DNS lookup failed",
    "CannotResolveHostError": "DNS lookup failed",
    "TimeoutError": "timed out",
    "TCPTimedOutError": "timed out",
    "DownloadTimeoutError": "timed out",
    "ConnectionRefusedError": "connection refused",
    "DownloadConnectionRefusedError": "connection refused",
    "ConnectError": "could not connect",
    "ConnectionLost": "connection lost",
    "ConnectionDone": "connection closed without an answer",
    "ResponseNeverReceived": "connection closed without an answer",
    "DownloadFailedError": "download failed (connection closed or reset)",
    "ResponseFailed": "connection failed mid-answer",
    "ResponseDataLossError": "incomplete answer",
    "PotentialDataLoss": "incomplete answer",
}


def _exception_name(failure) -> str:
    return type(failure.value).__name__
