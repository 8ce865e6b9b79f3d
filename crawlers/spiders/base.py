"""The roster-driven spider every source builds on: one search record per physician, always.

For each target (a roster physician) the spider runs one sequential chain of requests:

1. ``known_urls`` (listings matched in earlier weeks) are revisited; a 404/410 goes into ``gone``, and so
   does the old address of a listing that moved.
2. If none of them is alive (or there were none), the source is searched.
3. Each candidate profile (at most ``MAX_CANDIDATES``) is fetched and parsed, then its review pages
   (at most ``REVIEW_PAGES_MAX``).
4. The chain ends with exactly one search record: "ok" with the profile URLs found, or the first
   failure: "blocked", "error" or "disallowed" with a reason. A page the parser does not recognise is
   an "error", never an "ok" without results: a broken parser must not look like a missing listing.

Subclasses supply the requests and the pure parse functions; parsing never sees settings or a clock. Where a
source differs from a public web site (an official API with a key, a registry, a whole-site crawl), it overrides
the documented hooks of ``RosterSpider``, never the chain itself.
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

from crawlers import blocking
from crawlers.blocking import block_reason
from crawlers.items import Failed, search_record
from crawlers.sources import Need
from crawlers.text import quietly

MAX_CANDIDATES = 5
GONE_STATUSES = (404, 410)
KNOWN_URL = "repmon_known_url"  # a revisit's request meta: the known listing URL it checks
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
    code: str = "not_recognised"  # the reason code of ``error``: a parser error unless the answer said otherwise


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
    revisits: dict[str, str] = field(default_factory=dict)  # revisit URL not yet fetched -> the known URL it checks
    revisiting: bool = False
    searched: bool = False
    results: list[str] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)
    listing: dict | None = None  # the listing whose reviews are being fetched
    review_page: int = 0
    finished: bool = False
    # What the search could not see (a listing walk capped or failed): the chain then ends with this failure,
    # with the results it did find, never "ok" (a physician not on pages left unread is unknown, not missing).
    unseen: Failed | None = None


def reviews_record(source: str, url: str, page: ReviewsPage, rating: float | None = None,
                   review_count: int | None = None) -> dict:
    """What a page of reviews alone says (``repmon parse`` output; not stored by a crawl)."""
    return {"kind": "reviews", "source": source, "url": url, "rating": rating, "review_count": review_count,
            "total": page.total, "reviews": page.reviews}


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
                                           "specialty", "specialty_code", "city", "state", "zip")}
        target["npi"] = str(row["npi"])
        # Every practice place (city, state, zip): listing walks look in each; the first is city/state/zip.
        target["locations"] = [
            {k: place.get(k) for k in ("city", "state", "zip")}
            for place in row.get("locations") or [] if isinstance(place, dict)
        ]
        target["known_urls"] = [u for u in row.get("known_urls") or [] if u]
        targets.append(target)
    return targets


def search_terms(target: dict) -> tuple[str, str]:
    """(what, where) of a name search: 'Jane Doe' and 'Portland, OR' (the city or the state alone, or '')."""
    what = " ".join(p for p in (target.get("first_name"), target.get("last_name")) if p)
    city, state = target.get("city"), target.get("state")
    where = f"{city}, {state}" if city and state else (city or state or "")
    return what, where


def base_url(settings, source: str, site_url: str = "") -> str:
    """The source's base URL: its path on the sandbox when REPMON_SANDBOX_URL is set, else the setting
    SOURCE_BASE_URLS[source] when given (a mirror, a test server), else the site's own ``site_url``."""
    sandbox = settings.get("REPMON_SANDBOX_URL")
    if sandbox:
        return f"{str(sandbox).rstrip('/')}/{source}"
    url = (settings.getdict("SOURCE_BASE_URLS") or {}).get(source) or site_url
    if not url:
        raise ValueError(f"no base URL for source {source!r}: set SOURCE_BASE_URLS")
    return url.rstrip("/")


class RosterSpider(scrapy.Spider):
    """Base for roster-driven spiders: ``scrapy crawl SOURCE -a targets=targets.json``.

    A source supplies the requests and parse functions (below). Where it differs from a public web site, it
    overrides the hooks (defaults: a web site); a source with steps of its own (NPPES's name search, Yelp's
    withheld details) builds them from the building blocks. A source that is no chain per target (the whole-site
    crawl) replaces ``start_requests`` and makes its records in ``closing_records``. Nothing else of the chain
    is meant to be overridden or called.

    Hooks:
      ``base_url``          where the source lives (robots.txt is read at its root first)
      ``cannot_run``        why nothing can be asked at all (a missing API key): every target gets an "error"
      ``request_headers``   headers for every request of the chain (an API key)
      ``revisit_url``       the URL that checks a known listing URL (an API: its answer for the listing's id)
      ``listing_gone``      whether a profile answer says its listing is no more (404/410; a closed business)
      ``failure_status``    (status, reason) of a failed request (an API's own error message)
      ``closing_records``   the records owed when no request is left (the whole-site crawl makes all of its own)
      ``search_step``       the search of a chain (a listing walk joins one shared by many targets)
    Building blocks: ``on_search`` (callback), ``on_failure`` (errback), ``next_step``, ``listing_found``,
    ``finish``, ``target_record``, ``count_listing``, ``inc_stat``.
    """

    # What the rest of repmon knows of the source (crawlers.sources): declared by each source's spider.
    label = ""  # how people name the site: "Healthgrades"
    order = 1000  # where it stands in reports and lists: the registry first, the big sites, the rest
    kind = "review_site"  # one of crawlers.sources.KINDS
    site_url = ""  # where it lives (SOURCE_BASE_URLS[key] overrides it)
    reads_responses = False  # its reviews carry the practice's public reply when there is one (None: no reply)
    copies_reviews_of: str | None = None  # the source whose reviews this site shows again (syndication), if any
    needs: tuple[Need, ...] = ()  # settings of the user's own it cannot run without (an API key)
    listing_domains: tuple[str, ...] = ()  # where its profile URLs live, when not on site_url's domain

    revisit_known_urls = True  # False when a revisit is the same request as the search (an API by id)
    # False when profiles are fetched at other addresses than the listings' own (an API): then only a revisit's
    # known URL or an answer's listing URL is reported gone or moved, never the address asked.
    profiles_at_listing_urls = True
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
        self._closing: list[dict] | None = None  # the closing records, once computed

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider._on_idle, signal=signals.spider_idle)
        crawler.signals.connect(_count_bytes, signal=signals.bytes_received)
        return spider

    # ----- to be provided by each source -------------------------------------------------------

    def search_query(self, target: dict) -> str:
        """The search as the search record names it; by default 'Jane Doe near Portland, OR'."""
        what, where = search_terms(target)
        return f"{what} near {where}" if where else what

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

    # ----- hooks: where a source differs from a public web site -------------------------------------

    @property
    def base_url(self) -> str:
        """Where the source lives (robots.txt is read at its root first)."""
        return base_url(self.settings, self.name, self.site_url)

    def cannot_run(self) -> str | None:
        """Why this spider cannot ask anything (a missing API key), or None. When it says why, every target
        gets an "error" search record with that reason and nothing is requested, robots.txt included."""
        return None

    def request_headers(self) -> dict[str, str]:
        """Headers for every request of the chain: revisits, search, profiles, reviews (an API key, say).
        A request keeps the headers its builder set: these only fill in the missing ones."""
        return {}

    def revisit_url(self, url: str) -> str | None:
        """The URL that checks the known listing URL ``url``: the URL itself on a web site, an API's answer
        for the listing's id; None when it cannot be checked (counted ``known_url_unrecognised``)."""
        return url

    def listing_gone(self, response, listing: dict | None) -> str | None:
        """Whether a profile answer says its listing is no more: the stats key to count it under ("gone",
        "closed"), or None. Asked with ``listing`` None for a 404/410 answer (a 404/410 that is not called gone
        is then parsed like any answer), and with the parsed listing for every recognised answer.
        Default: every 404/410 is gone."""
        return "gone" if listing is None and response.status in GONE_STATUSES else None

    def failure_status(self, failure) -> Failed:
        """(search status, reason, code) of a request that failed (an errback's Failure); see ``crawlers.blocking``."""
        request = getattr(failure, "request", None)
        limit = request.meta.get("download_maxsize") if request is not None else None
        return blocking.failure_status(failure, limit or self.settings.getint("DOWNLOAD_MAXSIZE"))

    def closing_records(self):
        """The records still owed once no request is left (computed once, on the first ``spider_idle``): by
        default the "error" search record of each chain that died (a callback crashed, a request was dropped)."""
        for state in self._states.values():
            if not state.finished:
                self.inc_stat("abandoned")
                yield self.finish(state, "error", "the crawl of this physician stopped unexpectedly (see the log)", "incomplete")

    # ----- the plan (repmon crawl --plan) ------------------------------------------------------------

    planned_profiles_per_search = 1  # candidate profiles a search is expected to fetch (one: the physician's)

    @classmethod
    def planned_requests(cls, target: dict) -> int:
        """The requests the chain of ``target`` is expected to make: each known URL's profile (and its first page
        of reviews) when it has known URLs, else the search and ``planned_profiles_per_search`` profiles (each
        with its first page of reviews). An estimate: more candidates, more review pages or a dead known URL
        (then the search too) cost more; ``benchmarks/bench_crawl.py`` measures it on the sandbox."""
        per_profile = 2 if cls.fetch_reviews else 1
        if target.get("known_urls") and cls.revisit_known_urls:
            return len(target["known_urls"]) * per_profile
        return 1 + cls.planned_profiles_per_search * per_profile

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
        listing = quietly(self.parse_profile, response)
        if listing:
            page = quietly(self.parse_reviews, response)
            if page and page.recognised:
                known = {r.get("review_id") for r in listing["reviews"]}
                listing["reviews"] += [r for r in page.reviews if not r.get("review_id") or r["review_id"] not in known]
            return [listing]
        outcome = quietly(self.parse_search, response)
        if outcome and not outcome.error:
            results = [l["url"] for l in outcome.listings] + outcome.profile_urls
            record = search_record(source=self.name, npi="", query="", status="ok", results=list(dict.fromkeys(results)))
            return [*outcome.listings, record]
        page = quietly(self.parse_reviews, response)
        if page and page.recognised and page.reviews:
            return [reviews_record(self.name, response.url, page)]
        return []

    # ----- the chain ----------------------------------------------------------------------------

    async def start(self):
        reason = self.cannot_run()
        if reason:
            for target in self.targets:
                yield self.target_record(target, "error", reason, "not_configured")
            return
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
                for url in target["known_urls"]:
                    checked_at = self.revisit_url(url)
                    if checked_at:
                        state.revisits[checked_at] = url
                    else:
                        self.inc_stat("known_url_unrecognised")
                state.queue = list(state.revisits)
                state.revisiting = bool(state.queue)
            yield from self.next_step(state)

    def _with_headers(self, request: scrapy.Request | None) -> scrapy.Request | None:
        if request is not None:
            for name, value in self.request_headers().items():
                request.headers.setdefault(name, value)
        return request

    def next_step(self, state: TargetState):
        """The next request of the chain (a queued profile, else the search), or the search record that ends it."""
        if state.queue:
            url = state.queue.pop(0)
            meta = {"handle_httpstatus_list": list(GONE_STATUSES)}
            known = state.revisits.pop(url, None)
            if known is not None:
                meta[KNOWN_URL] = known
            yield self._with_headers(scrapy.Request(
                url, callback=self._on_profile, errback=self.on_failure, dont_filter=True,
                cb_kwargs={"state": state}, meta=meta,
            ))
        elif not state.searched and not (state.revisiting and state.results):
            # Nothing known is alive (or nothing was known): search the source afresh.
            state.searched = True
            yield from self.search_step(state)
        elif state.unseen is not None:
            yield self.finish(state, *state.unseen)
        else:
            yield self.finish(state, "ok")

    def search_step(self, state: TargetState):
        """The search of ``state``'s chain: by default the one request of ``search_request``, answered by
        ``on_search``. A source walking listing pages (``crawlers.spiders.walk``) joins the walk instead, and
        goes on with ``next_step`` once the walk has ended."""
        yield self._with_headers(self.search_request(
            state, callback=self.on_search, errback=self.on_failure, dont_filter=True,
            cb_kwargs={"state": state},
        ))

    def on_search(self, response, state: TargetState):
        """The callback of a search answer: its listings and candidate profiles, then the next step."""
        outcome, finished = self.read_search(response, state)
        if finished is not None:
            yield finished
            return
        yield from self.take_listings(state, outcome)
        self.queue_candidates(state, outcome.profile_urls)
        yield from self.next_step(state)

    def read_search(self, response, state: TargetState) -> tuple[SearchOutcome | None, dict | None]:
        """A search answer read: (its outcome, None), or (None, the record that ends the search) when the answer
        is a bot wall or a page the parser does not recognise (a parser crash is reported like one)."""
        blocked = block_reason(response)
        if blocked:
            return None, self.finish(state, "blocked", blocked)
        try:
            outcome = self.parse_search(response)
        except Exception as exc:
            self.logger.exception("parsing search %s failed", response.url)
            outcome = SearchOutcome(error=f"search page not recognised ({type(exc).__name__}) at {response.url}")
        if outcome.error:
            return None, self.finish(state, "error", outcome.error, outcome.code)
        return outcome, None

    def take_listings(self, state: TargetState, outcome: SearchOutcome):
        """The listings a search page itself gives (each once), counted."""
        for listing in outcome.listings:
            if listing["url"] not in state.results:
                state.results.append(listing["url"])
                yield self.count_listing(listing)

    def queue_candidates(self, state: TargetState, urls) -> None:
        """The profiles to fetch next: those not already found or gone, at most MAX_CANDIDATES."""
        fresh = [u for u in dict.fromkeys(urls) if u not in state.results and u not in state.gone]
        if len(fresh) > MAX_CANDIDATES:
            self.inc_stat("candidates_capped")
        state.queue = fresh[:MAX_CANDIDATES]

    def _listing_url_asked(self, response, default: str | None = None) -> str | None:
        """The listing URL a profile request asked about: where it was before any redirect, or, when profiles
        are fetched elsewhere (an API), the known URL a revisit checks (None for a search candidate)."""
        if self.profiles_at_listing_urls:
            return response.meta.get("redirect_urls", [default or response.url])[0]
        return response.meta.get(KNOWN_URL)

    def _on_profile(self, response, state: TargetState):
        # A challenge page may come with any status, 404 included: it is a block, never a gone listing.
        blocked = block_reason(response)
        if blocked:
            yield self.finish(state, "blocked", blocked)
            return
        if response.status in GONE_STATUSES:
            gone = self.listing_gone(response, None)
            if gone:
                _add_gone(state, self._listing_url_asked(response))
                self.inc_stat(gone)
                yield from self.next_step(state)
                return
        try:
            listing = self.parse_profile(response)
        except Exception:
            self.logger.exception("parsing profile %s failed", response.url)
            listing = None
        if listing is None:
            yield self.finish(state, "error", f"profile page not recognised (no name found) at {response.url}", "not_recognised")
            return
        gone = self.listing_gone(response, listing)
        if gone:
            _add_gone(state, self._listing_url_asked(response, listing["url"]), listing["url"])
            self.inc_stat(gone)
            yield from self.next_step(state)
            return
        asked = self._listing_url_asked(response, listing["url"])
        if asked and asked != listing["url"]:
            # The profile moved (a redirect, an API answering under a new id): the old address is no listing
            # any more, or it would count as a duplicate.
            _add_gone(state, asked)
            self.inc_stat("moved")
        if self.fetch_reviews:
            state.listing, state.review_page = listing, 1
            request = self._with_headers(self.reviews_request(
                listing, 1, callback=self._on_reviews, errback=self._on_reviews_failure, dont_filter=True,
                cb_kwargs={"state": state},
            ))
            if request is not None:
                yield request
                return
        yield from self.listing_found(state, listing)

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
            self.inc_stat("reviews_failed")
            yield from self.listing_found(state, listing)
            return
        known = {r.get("review_id") for r in listing["reviews"] if r.get("review_id")}
        new = [r for r in page.reviews if not r.get("review_id") or r["review_id"] not in known]
        listing["reviews"].extend(new)
        more = bool(new) and (page.total is None or len(listing["reviews"]) < page.total)
        cap = self.settings.getint("REVIEW_PAGES_MAX", 3)
        if more and state.review_page < cap:
            state.review_page += 1
            request = self._with_headers(self.reviews_request(
                listing, state.review_page, callback=self._on_reviews, errback=self._on_reviews_failure,
                dont_filter=True, cb_kwargs={"state": state},
            ))
            if request is not None:
                yield request
                return
        if more:
            self.inc_stat("reviews_truncated")
        yield from self.listing_found(state, listing)

    def _on_reviews_failure(self, failure):
        state = failure.request.cb_kwargs["state"]
        self.inc_stat("reviews_failed")
        yield from self.listing_found(state, state.listing)

    def listing_found(self, state: TargetState, listing: dict):
        """Record ``listing`` as one of the target's results (yielded once), then the next step."""
        state.listing = None
        if listing["url"] not in state.results:
            state.results.append(listing["url"])
            yield self.count_listing(listing)
        yield from self.next_step(state)

    def on_failure(self, failure):
        """The errback of the chain's search and profile requests: the search record of ``failure_status``.
        A source that can go on after some failures extends it (Yelp's withheld details)."""
        state = failure.request.cb_kwargs["state"]
        yield self.finish(state, *self.failure_status(failure))

    def finish(self, state: TargetState, status: str, reason: str = "", code: str | None = None) -> dict:
        """The search record that ends ``state``'s chain: what was found so far, with ``status``."""
        state.finished = True
        state.queue = []
        return self.target_record(state.target, status, reason, code, results=state.results, gone=state.gone,
                                  query=state.query)

    def target_record(self, target: dict, status: str, reason: str = "", code: str | None = None, *, results=(), gone=(),
                      query: str | None = None) -> dict:
        """A target's search record (with the URLs found ``gone``), counted under ``search_status/STATUS``."""
        self.inc_stat(f"search_status/{status}")
        record = search_record(
            source=self.name, npi=target["npi"], query=self.search_query(target) if query is None else query,
            status=status, reason=reason, reason_code=code, results=list(results),
        )
        record["gone"] = list(gone)
        return record

    def count_listing(self, listing: dict) -> dict:
        """``listing``, counted in the stats (listings, reviews, missing quality fields): yield what it returns."""
        self.inc_stat("listings")
        self.inc_stat("reviews", len(listing.get("reviews") or []))
        for name in self.quality_fields:
            if not QUALITY_FIELDS[name](listing):
                self.inc_stat(f"field_missing/{name}")
        return listing

    def inc_stat(self, key: str, count: int = 1) -> None:
        """Add ``count`` to the crawl stat ``repmon/SOURCE/key``."""
        self.crawler.stats.inc_value(f"repmon/{self.name}/{key}", count)

    # ----- the safety net -----------------------------------------------------------------------

    def _on_idle(self):
        """Once no request is left: have ``closing_records`` emitted (once) before the spider closes."""
        if self._closing is None:
            self._closing = list(self.closing_records())
            if self._closing:
                self.crawler.engine.crawl(scrapy.Request("data:,", callback=self._emit_closing_records,
                                                         dont_filter=True))
                raise DontCloseSpider

    def _emit_closing_records(self, response):
        yield from self._closing or []


def _count_bytes(data: bytes, request, spider) -> None:
    # An answer cut off mid-stream for its size fails without saying why: the count tells (see blocking).
    request.meta[blocking.RECEIVED] = request.meta.get(blocking.RECEIVED, 0) + len(data)


def _add_gone(state: TargetState, *urls: str | None) -> None:
    for url in urls:
        if url and url not in state.gone:
            state.gone.append(url)
