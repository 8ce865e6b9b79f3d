"""The roster-driven spider every source builds on: one search record per physician, always.

For each target (a roster physician) the spider runs one sequential chain of requests:

1. ``known_urls`` (listings matched in earlier weeks) are revisited; a 404/410 goes into ``gone``.
2. If none of them is alive (or there were none), the source is searched.
3. Each candidate profile (at most ``MAX_CANDIDATES``) is fetched and parsed, then its review pages
   (at most ``REVIEW_PAGES_MAX``).
4. The chain ends with exactly one search record: "ok" with the profile URLs found, or the first
   failure: "blocked", "error" or "disallowed" with a reason. A page the parser does not recognise is
   an "error", never an "ok" without results: a broken parser must not look like a missing listing.

Subclasses supply the requests and the pure parse functions; parsing never sees settings or a clock.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.defer import maybe_deferred_to_future

from crawlers.blocking import block_reason, failure_status
from crawlers.items import search_record

MAX_CANDIDATES = 5
GONE_STATUSES = (404, 410)
# Listing fields whose absence is counted per source, to notice a site changing its markup.
QUALITY_FIELDS = {
    "specialty": lambda l: bool(l.get("specialty")),
    "practice_name": lambda l: bool(l.get("practice_name")),
    "address": lambda l: bool(l.get("addresses")),
    "phone": lambda l: bool(l.get("phones")),
    "rating": lambda l: l.get("rating") is not None,
    "review_count": lambda l: l.get("review_count") is not None,
}


@dataclass
class SearchOutcome:
    """What a search page or API answer held. ``error`` set means the answer was not understood."""

    profile_urls: list[str] = field(default_factory=list)
    listings: list[dict] = field(default_factory=list)  # complete listings, when the search answers with them
    error: str | None = None


@dataclass
class ReviewsPage:
    reviews: list[dict]
    total: int | None = None  # how many reviews the site says exist, when it says
    recognised: bool = True


@dataclass
class TargetState:
    """One physician's chain: what is left to fetch and what was learned so far."""

    key: int
    target: dict
    query: str
    queue: list[str] = field(default_factory=list)  # profile URLs still to fetch
    revisiting: bool = False
    searched: bool = False
    results: list[str] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)
    listing: dict | None = None  # the listing whose reviews are being fetched
    review_page: int = 0
    finished: bool = False


def reviews_record(source: str, url: str, page: ReviewsPage, rating: float | None = None,
                   review_count: int | None = None) -> dict:
    """What a page of reviews alone says (``repmon parse`` output; not stored by a crawl)."""
    return {"kind": "reviews", "source": source, "url": url, "rating": rating, "review_count": review_count,
            "total": page.total, "reviews": page.reviews}


def _quietly(parse, response):
    """``parse(response)``, or None when it is not implemented or fails on this kind of page."""
    try:
        return parse(response)
    except Exception:
        return None


def load_targets(path: str | Path) -> list[dict]:
    """Targets from a JSON list or a JSON-lines file; each needs npi, first_name and last_name."""
    content = Path(path).read_text(encoding="utf-8-sig").strip()
    if not content:
        return []
    rows = json.loads(content) if content.startswith("[") else [json.loads(l) for l in content.splitlines() if l.strip()]
    targets = []
    for number, row in enumerate(rows, start=1):
        missing = [k for k in ("npi", "first_name", "last_name") if not row.get(k)]
        if missing:
            raise ValueError(f"{path}: target {number} lacks {', '.join(missing)}")
        target = {k: row.get(k) for k in ("first_name", "middle_name", "last_name", "credentials",
                                           "specialty", "city", "state", "zip")}
        target["npi"] = str(row["npi"])
        target["known_urls"] = [u for u in row.get("known_urls") or [] if u]
        targets.append(target)
    return targets


def base_url(settings, source: str) -> str:
    """The source's base URL, or its path on the sandbox when REPMON_SANDBOX_URL is set."""
    sandbox = settings.get("REPMON_SANDBOX_URL")
    if sandbox:
        return f"{str(sandbox).rstrip('/')}/{source}"
    urls = settings.getdict("SOURCE_BASE_URLS")
    if source not in urls:
        raise ValueError(f"no base URL for source {source!r} in SOURCE_BASE_URLS")
    return urls[source].rstrip("/")


class RosterSpider(scrapy.Spider):
    """Base for roster-driven spiders: ``scrapy crawl SOURCE -a targets=targets.json``."""

    revisit_known_urls = True  # False when a revisit is the same request as the search (an API by id)
    fetch_reviews = False
    quality_fields: tuple[str, ...] = tuple(QUALITY_FIELDS)  # the fields this source is expected to show

    def __init__(self, targets: str | None = None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not targets:
            raise ValueError(
                f"{self.name}: the spider argument 'targets' is required, a JSON or JSON-lines file of "
                f"roster physicians, e.g. scrapy crawl {self.name} -a targets=targets.json -O out.jsonl"
            )
        self.targets_path = targets
        self.targets = load_targets(targets)
        self._states: dict[int, TargetState] = {}
        self._rescue_scheduled = False

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider._on_idle, signal=signals.spider_idle)
        return spider

    # ----- to be provided by each source -------------------------------------------------------

    def search_query(self, target: dict) -> str:
        raise NotImplementedError

    def search_request(self, state: TargetState, **kwargs) -> scrapy.Request:
        raise NotImplementedError

    def parse_search(self, response) -> SearchOutcome:
        raise NotImplementedError

    def parse_profile(self, response) -> dict | None:
        """A listing record, or None when the page has no recognisable profile."""
        raise NotImplementedError

    def reviews_request(self, listing: dict, page: int, **kwargs) -> scrapy.Request | None:
        return None

    def parse_reviews(self, response) -> ReviewsPage:
        raise NotImplementedError

    # ----- a saved page (repmon parse) ------------------------------------------------------------

    @classmethod
    def for_parsing(cls) -> RosterSpider:
        """This spider without targets or a crawler: enough to run its pure parse functions."""
        spider = cls.__new__(cls)
        scrapy.Spider.__init__(spider, name=cls.name)
        return spider

    def parse_saved(self, response) -> list[dict]:
        """The records this spider makes of one saved page, whatever kind of page it is.

        A profile gives its listing (with the reviews the page itself shows); a search page gives the
        listings it carries and a search record (``npi`` empty) with the result URLs; a page of reviews
        gives a ``{"kind": "reviews"}`` record. An unrecognised page gives nothing. Sources with other
        kinds of pages (an API answer, older embedded JSON) override this.
        """
        listing = _quietly(self.parse_profile, response)
        if listing:
            page = _quietly(self.parse_reviews, response)
            if page and page.recognised:
                known = {r.get("review_id") for r in listing["reviews"]}
                listing["reviews"] += [r for r in page.reviews if not r.get("review_id") or r["review_id"] not in known]
            return [listing]
        outcome = _quietly(self.parse_search, response)
        if outcome and not outcome.error:
            results = [l["url"] for l in outcome.listings] + outcome.profile_urls
            record = search_record(source=self.name, npi="", query="", status="ok", results=list(dict.fromkeys(results)))
            return [*outcome.listings, record]
        page = _quietly(self.parse_reviews, response)
        if page and page.recognised and page.reviews:
            return [reviews_record(self.name, response.url, page)]
        return []

    # ----- the chain ----------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return base_url(self.settings, self.name)

    async def start(self):
        if self.settings.getbool("ROBOTSTXT_OBEY"):
            await self._read_robots_txt_first()
        for request in self.start_requests():
            yield request

    async def _read_robots_txt_first(self) -> None:
        """Have robots.txt parsed before the first target's request goes out.

        Scrapy's RobotsTxtMiddleware (2.19) hands the parser to only the first of the requests waiting
        for robots.txt; the others see no parser and pass unchecked. Fetching one URL of the site first,
        alone, means every target request finds the parser ready.
        """
        parts = urlsplit(self.base_url)
        request = scrapy.Request(f"{parts.scheme}://{parts.netloc}/robots.txt", callback=NO_CALLBACK, dont_filter=True)
        try:
            download = getattr(self.crawler.engine, "download_async", None)
            if download is not None:
                await download(request)
            else:  # Scrapy < 2.13
                await maybe_deferred_to_future(self.crawler.engine.download(request))
        except Exception as exc:  # no robots.txt, or it disallows itself: the middleware decides per request
            self.logger.debug("reading robots.txt first: %s", exc)

    def start_requests(self):
        for key, target in enumerate(self.targets):
            state = TargetState(key=key, target=target, query=self.search_query(target))
            self._states[key] = state
            if target["known_urls"] and self.revisit_known_urls:
                state.revisiting = True
                state.queue = list(dict.fromkeys(target["known_urls"]))
            yield from self._next(state)

    def _next(self, state: TargetState):
        """The next request of the chain, or the search record that ends it."""
        if state.queue:
            url = state.queue.pop(0)
            yield scrapy.Request(
                url, callback=self._on_profile, errback=self._on_failure, dont_filter=True,
                cb_kwargs={"state": state}, meta={"handle_httpstatus_list": list(GONE_STATUSES)},
            )
        elif not state.searched and not (state.revisiting and state.results):
            # Nothing known is alive (or nothing was known): search the source afresh.
            state.searched = True
            yield self.search_request(
                state, callback=self._on_search, errback=self._on_failure, dont_filter=True,
                cb_kwargs={"state": state},
            )
        else:
            yield self._finish(state, "ok")

    def _on_search(self, response, state: TargetState):
        blocked = block_reason(response)
        if blocked:
            yield self._finish(state, "blocked", blocked)
            return
        try:
            outcome = self.parse_search(response)
        except Exception as exc:  # a parser crash is a parser error, reported like one
            self.logger.exception("parsing search %s failed", response.url)
            outcome = SearchOutcome(error=f"search page not recognised ({type(exc).__name__}) at {response.url}")
        if outcome.error:
            yield self._finish(state, "error", outcome.error)
            return
        for listing in outcome.listings:
            state.results.append(listing["url"])
            yield self._count_listing(listing)
        fresh = [u for u in dict.fromkeys(outcome.profile_urls) if u not in state.results and u not in state.gone]
        if len(fresh) > MAX_CANDIDATES:
            self._inc("candidates_capped")
        state.queue = fresh[:MAX_CANDIDATES]
        yield from self._next(state)

    def _on_profile(self, response, state: TargetState):
        # A challenge page may come with any status, 404 included: it is a block, never a gone listing.
        blocked = block_reason(response)
        if blocked:
            yield self._finish(state, "blocked", blocked)
            return
        if response.status in GONE_STATUSES:
            # Record the URL we asked for (a known URL), not where a redirect may have ended.
            state.gone.append(response.meta.get("redirect_urls", [response.url])[0])
            self._inc("gone")
            yield from self._next(state)
            return
        try:
            listing = self.parse_profile(response)
        except Exception:
            self.logger.exception("parsing profile %s failed", response.url)
            listing = None
        if listing is None:
            yield self._finish(state, "error", f"profile page not recognised (no name found) at {response.url}")
            return
        asked = response.meta.get("redirect_urls", [listing["url"]])[0]
        if asked != listing["url"]:
            # The profile moved: the old address is no listing any more, or it would count as a duplicate.
            state.gone.append(asked)
            self._inc("moved")
        if self.fetch_reviews:
            state.listing, state.review_page = listing, 1
            request = self.reviews_request(
                listing, 1, callback=self._on_reviews, errback=self._on_reviews_failure, dont_filter=True,
                cb_kwargs={"state": state},
            )
            if request is not None:
                yield request
                return
        yield from self._listing_done(state, listing)

    def _on_reviews(self, response, state: TargetState):
        listing = state.listing
        blocked = block_reason(response)
        page = ReviewsPage([], recognised=False)
        if not blocked:
            try:
                page = self.parse_reviews(response)
            except Exception:
                self.logger.exception("parsing reviews %s failed", response.url)
        if blocked or not page.recognised:
            # Reviews are a supplement: keep the listing with what we have and count the gap.
            self._inc("reviews_failed")
            yield from self._listing_done(state, listing)
            return
        known = {r.get("review_id") for r in listing["reviews"] if r.get("review_id")}
        new = [r for r in page.reviews if not r.get("review_id") or r["review_id"] not in known]
        listing["reviews"].extend(new)
        more = bool(new) and (page.total is None or len(listing["reviews"]) < page.total)
        cap = self.settings.getint("REVIEW_PAGES_MAX", 3)
        if more and state.review_page < cap:
            state.review_page += 1
            request = self.reviews_request(
                listing, state.review_page, callback=self._on_reviews, errback=self._on_reviews_failure,
                dont_filter=True, cb_kwargs={"state": state},
            )
            if request is not None:
                yield request
                return
        if more:
            self._inc("reviews_truncated")
        yield from self._listing_done(state, listing)

    def _on_reviews_failure(self, failure):
        state = failure.request.cb_kwargs["state"]
        self._inc("reviews_failed")
        yield from self._listing_done(state, state.listing)

    def _listing_done(self, state: TargetState, listing: dict):
        state.listing = None
        if listing["url"] not in state.results:
            state.results.append(listing["url"])
            yield self._count_listing(listing)
        yield from self._next(state)

    def _on_failure(self, failure):
        state = failure.request.cb_kwargs["state"]
        status, reason = failure_status(failure)
        yield self._finish(state, status, reason)

    def _finish(self, state: TargetState, status: str, reason: str = "") -> dict:
        state.finished = True
        state.queue = []
        self._inc(f"search_status/{status}")
        record = search_record(
            source=self.name, npi=state.target["npi"], query=state.query, status=status, reason=reason,
            results=list(state.results),
        )
        record["gone"] = list(state.gone)
        return record

    def _count_listing(self, listing: dict) -> dict:
        self._inc("listings")
        self._inc("reviews", len(listing.get("reviews") or []))
        for name in self.quality_fields:
            if not QUALITY_FIELDS[name](listing):
                self._inc(f"field_missing/{name}")
        return listing

    def _inc(self, key: str, count: int = 1) -> None:
        self.crawler.stats.inc_value(f"repmon/{self.name}/{key}", count)

    # ----- the safety net -----------------------------------------------------------------------

    def _on_idle(self):
        """A chain that died (a callback crashed, a request was dropped) still gets its search record."""
        if not self._rescue_scheduled and any(not s.finished for s in self._states.values()):
            self._rescue_scheduled = True
            self.crawler.engine.crawl(scrapy.Request("data:,", callback=self._finish_abandoned, dont_filter=True))
            raise DontCloseSpider

    def _finish_abandoned(self, response):
        for state in self._states.values():
            if not state.finished:
                self._inc("abandoned")
                yield self._finish(state, "error", "the crawl of this physician stopped unexpectedly (see the log)")
