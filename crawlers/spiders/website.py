"""The health system's own find-a-doctor site: every physician page it publishes, read once per crawl.

Any site publishing schema.org data works: a page with a ``Physician`` / ``IndividualPhysician`` (JSON-LD
or microdata) becomes a listing: ``name`` (or ``givenName``/``familyName``), ``medicalSpecialty``, the
practice from ``worksFor`` / ``practicesAt`` / ``memberOf`` (a ``MedicalClinic`` or other business with its
``address`` and ``telephone``: one per location), the physician's own ``address``/``telephone``, the NPI
from ``usNPI`` or an ``identifier`` naming NPI, ``isAcceptingNewPatients``, ``aggregateRating`` (scaled to
five stars) and ``review``. A practice page (``MedicalClinic``/``MedicalBusiness``) that lists physicians
(``employee``, ``member``, ...) gives what it says of each, with the practice as their office; a
physician's own page, when read too, wins over what a practice page said of them.

Where the pages come from (setting ``WEBSITE_START_URL``, env ``REPMON_WEBSITE_URL``; on the sandbox
``{sandbox}/website/sitemap.xml``):
- a sitemap (``urlset``, or a ``sitemapindex`` of them, gzipped or not): every page it lists on the same
  host, optionally only those matching ``WEBSITE_URL_PATTERN`` (a regular expression);
- an HTML page: it and the links it leads to, on the same host below ``WEBSITE_PATH_PREFIX`` (default the
  whole host; on the sandbox ``/website/``).
At most ``WEBSITE_MAX_PAGES`` pages (default 5,000) are read. The targets' known URLs are read too,
whether the sitemap lists them or not: a 404/410 puts the URL in that target's ``gone``.

This is no search per physician, but the records are the same as every spider's: listings, then exactly
one search record per target, once every page is read (on ``spider_idle``). For a target, "ok" results
are the listings showing the target's NPI, and those showing no NPI whose name has the target's first and
last names (the matcher judges them), plus its known URLs that still show a physician. Never an "ok"
when the crawl could not see everything that might hold the listing:
- the start URL could not be read (blocked, error, robots.txt) → every target gets that status and reason;
- no page at all showed a recognisable physician → every target gets "error" (a broken parser or a
  redesigned site, not a missing listing);
- a target without results while some pages could not be read, or the page cap was reached → "blocked"
  or "error" naming what was not seen; a known URL of the target that failed → that failure.
Listings are emitted only when some target's results name them (the other physicians of the site are
counted in the stats, ``listings_unmatched``).

``source_id`` is the last segment of the page's path (the site's slug for the physician).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit, urlunsplit

import scrapy
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap

from crawlers import structured as sd
from crawlers.blocking import block_reason
from crawlers.items import Failed, listing_record, review
from crawlers.spiders.base import GONE_STATUSES, RosterSpider, base_url
from crawlers.text import name_words, without_query, words
from crawlers.sources import Need

SOURCE = "website"
DEFAULT_MAX_PAGES = 5000
MAX_SITEMAPS = 200  # sitemap files read, index files included
SITEMAP_MAX_BYTES = 50 * 1024 * 1024  # the sitemap protocol's own limit for one file, uncompressed
PRACTICE_KEYS = ("worksFor", "practicesAt", "memberOf", "parentOrganization")
MEMBER_KEYS = ("employee", "employees", "member", "members", "physician", "availableService", "department")
NOT_PAGES = re.compile(r"\.(?:pdf|jpe?g|png|gif|svg|webp|ico|css|js|json|xml|gz|zip|docx?|xlsx?|pptx?|mp[34]|mov|ics|vcf)$",
                       re.IGNORECASE)  # links to files, not pages
CREDENTIALS_AFTER_COMMA = re.compile(r",.*$")


@dataclass
class PageListing:
    """A listing found on a page, with what the page said of the name's parts (for matching)."""

    listing: dict
    own: bool  # the page's own physician, not one a practice page lists
    given: str | None = None
    family: str | None = None


@dataclass
class SiteCrawl:
    """What a crawl of the site learned: the input of each target's search record."""

    start_url: str
    start_failure: Failed | None = None  # when the start URL could not be read
    listings: dict[str, PageListing] = field(default_factory=dict)  # listing URL -> listing, in page order
    physician_of: dict[str, str] = field(default_factory=dict)  # page URL asked -> its own listing's URL
    gone: set[str] = field(default_factory=set)  # page URLs that answered 404/410
    failures: dict[str, Failed] = field(default_factory=dict)  # URL -> why it could not be read
    unrecognised: set[str] = field(default_factory=set)  # pages read that showed no physician
    pages_read: int = 0
    capped: bool = False
    profile_links: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # listing URL -> (source, URL)


class WebsiteSpider(RosterSpider):
    name = "website"
    label = "Own website"
    order = 110
    kind = "own_website"
    needs = (Need("WEBSITE_START_URL", "REPMON_WEBSITE_URL", "start URL (a sitemap.xml or a page)"),)
    quality_fields = ("specialty", "practice_name", "address", "phone")  # health systems rarely show ratings

    def __init__(self, targets: str | None = None, *args, **kwargs):
        super().__init__(targets, *args, **kwargs)
        self._crawl: SiteCrawl | None = None
        self._requested: set[str] = set()
        self._sitemaps = 0
        self._link_mode = False
        self._known = {_page_key(u) for t in self.targets for u in t["known_urls"]}

    # ----- settings -----------------------------------------------------------------------------

    @property
    def start_url(self) -> str | None:
        url = self.needs[0].value(self.settings)
        if url:
            return str(url)
        sandbox = self.settings.get("REPMON_SANDBOX_URL")
        return f"{str(sandbox).rstrip('/')}/{SOURCE}/sitemap.xml" if sandbox else None

    @property
    def base_url(self) -> str:
        """The site's root (robots.txt is read there first)."""
        parts = urlsplit(self.start_url or "")
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def path_prefix(self) -> str:
        prefix = self.settings.get("WEBSITE_PATH_PREFIX")
        if prefix:
            return str(prefix)
        sandbox = self.settings.get("REPMON_SANDBOX_URL")
        return f"{urlsplit(str(sandbox)).path.rstrip('/')}/{SOURCE}/" if sandbox else "/"

    def search_query(self, target: dict) -> str:
        name = " ".join(p for p in (target.get("first_name"), target.get("last_name")) if p)
        return f"npi={target['npi']} or name={name} on {self.start_url}"

    # ----- a saved page (repmon parse) ------------------------------------------------------------

    def parse_profile(self, response) -> dict | None:
        found = parse_physician_page(response)
        own = next((p for p in found if p.own), found[0] if found else None)
        return own.listing if own else None

    def parse_saved(self, response) -> list[dict]:
        """A physician or practice page gives its listings; a sitemap gives a ``{"kind": "sitemap"}`` record
        with the URLs it lists (printed by ``repmon parse``, never stored)."""
        sitemap = read_sitemap(response)
        if sitemap:
            kind, urls = sitemap
            return [{"kind": "sitemap", "source": SOURCE, "url": response.url, "type": kind, "urls": urls}]
        return [p.listing for p in parse_physician_page(response)]

    # ----- the crawl ----------------------------------------------------------------------------

    async def start(self):
        start_url = self.start_url
        self._crawl = SiteCrawl(start_url=start_url or "")
        if not start_url:
            self._crawl.start_failure = Failed("error", "no start URL for the health system's site: set WEBSITE_START_URL "
                                                        "(env REPMON_WEBSITE_URL) to its sitemap.xml or find-a-doctor page",
                                               "not_configured")
            return
        async for request in super().start():  # robots.txt first, then start_requests
            yield request

    @classmethod
    def planned_requests(cls, target: dict) -> int:
        """The whole site is crawled once, whoever is on the roster: about one physician page each (the
        sitemaps and other pages come on top)."""
        return max(1, len(target.get("known_urls") or []))

    def start_requests(self):
        """Not a chain per target: the start URL, and every target's known URLs."""
        yield scrapy.Request(self.start_url, callback=self._on_start, errback=self._on_start_failure, dont_filter=True,
                             meta={"download_maxsize": SITEMAP_MAX_BYTES})  # it may be a sitemap
        for target in self.targets:
            for url in target["known_urls"]:
                request = self._page_request(url, known=True)
                if request is not None:
                    yield request

    def _on_start(self, response):
        crawl = self._crawl
        blocked = block_reason(response)
        if blocked:
            crawl.start_failure = Failed("blocked", blocked, "blocked")
            return
        try:
            sitemap = read_sitemap(response)
        except SitemapTooLarge as exc:
            crawl.start_failure = Failed("error", str(exc), "too_large")
            return
        if sitemap:
            yield from self._follow_sitemap(response, sitemap)
        elif b"<html" in response.body[:5000].lower() or b"<!doctype html" in response.body[:5000].lower():
            self._link_mode = True
            self._requested.add(_page_key(response.url))
            yield from self._on_page(response)
        else:
            crawl.start_failure = Failed("error", f"the start URL is neither a sitemap nor an HTML page: {response.url}",
                                         "not_recognised")

    def _on_start_failure(self, failure):
        self._crawl.start_failure = self.failure_status(failure)

    def _on_sitemap(self, response):
        blocked = block_reason(response)
        try:
            sitemap = None if blocked else read_sitemap(response)
        except SitemapTooLarge as exc:
            self._crawl.failures[response.url] = Failed("error", str(exc), "too_large")
            return
        if sitemap is None:
            self._crawl.failures[response.url] = Failed("blocked", blocked, "blocked") if blocked else Failed(
                "error", f"sitemap not recognised at {response.url}", "not_recognised")
            return
        yield from self._follow_sitemap(response, sitemap)

    def _on_sitemap_failure(self, failure):
        self._crawl.failures[failure.request.url] = self.failure_status(failure)

    def _follow_sitemap(self, response, sitemap: tuple[str, list[str]]):
        kind, urls = sitemap
        self.inc_stat("sitemaps")
        if kind == "sitemapindex":
            for url in urls:
                if self._sitemaps >= MAX_SITEMAPS:
                    self._crawl.capped = True
                    self.inc_stat("sitemaps_capped")
                    break
                self._sitemaps += 1
                yield scrapy.Request(url, callback=self._on_sitemap, errback=self._on_sitemap_failure, dont_filter=True,
                                     meta={"download_maxsize": SITEMAP_MAX_BYTES})
            return
        pattern = self.settings.get("WEBSITE_URL_PATTERN")
        for url in urls:
            if not same_site(url, self.start_url):
                self.inc_stat("sitemap_urls_off_site")
                continue
            if pattern and not re.search(pattern, url):
                continue
            request = self._page_request(url)
            if request is not None:
                yield request

    def _page_request(self, url: str, known: bool = False) -> scrapy.Request | None:
        key = _page_key(url)
        if key in self._requested:
            return None
        if not known:  # known URLs are always revisited; the cap bounds the discovery
            if len(self._requested) >= self.settings.getint("WEBSITE_MAX_PAGES", DEFAULT_MAX_PAGES):
                if not self._crawl.capped:
                    self.logger.warning("WEBSITE_MAX_PAGES reached: %s pages; the rest of the site is not read",
                                        len(self._requested))
                self._crawl.capped = True
                self.inc_stat("pages_capped")
                return None
        self._requested.add(key)
        return scrapy.Request(key, callback=self._on_page, errback=self._on_page_failure, dont_filter=True,
                              meta={"handle_httpstatus_list": list(GONE_STATUSES)})

    def _on_page(self, response):
        crawl = self._crawl
        asked = _page_key(response.meta.get("redirect_urls", [response.url])[0])
        blocked = block_reason(response)
        if blocked:
            crawl.failures[asked] = Failed("blocked", blocked, "blocked")
            return
        if response.status in GONE_STATUSES:
            crawl.gone.add(asked)
            self.inc_stat("pages_gone")
            return
        crawl.pages_read += 1
        self.inc_stat("pages")
        try:
            found = parse_physician_page(response)
        except Exception:  # a parser crash on one page is that page unrecognised, not the crawl's end
            self.logger.exception("parsing %s failed", response.url)
            found = []
        if found:
            self.inc_stat("physician_pages")
        else:
            crawl.unrecognised.add(asked)
        for page_listing in found:
            url = page_listing.listing["url"]
            if page_listing.own:
                crawl.physician_of[asked] = url
                links = profile_links(response, self._review_sites())
                if links:
                    crawl.profile_links[url] = links
            known = crawl.listings.get(url)
            if known is None:
                crawl.listings[url] = page_listing
            elif page_listing.own and not known.own:
                crawl.listings[url] = merge(page_listing, known)
            else:
                crawl.listings[url] = merge(known, page_listing)
        if self._link_mode:
            for url in page_links(response, self.path_prefix) + [p.listing["url"] for p in found if not p.own]:
                if same_site(url, self.start_url) and urlsplit(url).path.startswith(self.path_prefix):
                    request = self._page_request(_page_key(url))
                    if request is not None:
                        yield request

    def _review_sites(self) -> list[tuple[str, str, tuple[str, ...]]]:
        """(source key, base URL, domains) of every other source: where a profile link may point."""
        if not hasattr(self, "_sites"):
            from crawlers.sources import sources

            self._sites = []
            for source in sources():
                if source.key == SOURCE:
                    continue
                try:
                    root = base_url(self.settings, source.key, source.site_url)
                except ValueError:
                    root = ""
                self._sites.append((source.key, root, source.listing_domains))
        return self._sites

    def _on_page_failure(self, failure):
        url = _page_key(failure.request.url)
        failed = self.failure_status(failure)
        if failed.status == "disallowed" and url not in self._known:
            # A page robots.txt keeps us from is the site's choice, not a gap in what we could read.
            self.inc_stat("pages_disallowed")
            return
        self._crawl.failures[url] = failed
        self.inc_stat("pages_failed")

    # ----- the end: one search record per target --------------------------------------------------

    def closing_records(self):
        """Every search record comes at the end, once every page is read: the listings some target's results
        name, then one search record per target."""
        crawl = self._crawl or SiteCrawl(start_url="", start_failure=Failed("error", "the crawl did not start", "incomplete"))
        outcomes = [target_outcome(target, crawl) for target in self.targets]
        emitted: set[str] = set()
        for outcome in outcomes:
            for url in outcome["results"]:
                if url not in emitted and url in crawl.listings:
                    emitted.add(url)
                    yield self.count_listing(crawl.listings[url].listing)
        self.inc_stat("listings_unmatched", len(set(crawl.listings) - emitted))
        for target, outcome in zip(self.targets, outcomes):
            record = self.target_record(target, outcome["status"], outcome["reason"], outcome["code"],
                                        results=outcome["results"], gone=outcome["gone"])
            suggested = {(source, link): page for page in outcome["results"]
                         for source, link in crawl.profile_links.get(page, [])}
            if suggested:  # the physician's profiles elsewhere, as their page links them: for a person to confirm
                record["suggested"] = [{"source": source, "url": link, "found_on": page}
                                       for (source, link), page in suggested.items()]
            yield record


# ----- deciding each target's search record (pure) ---------------------------------------------------


def target_outcome(target: dict, crawl: SiteCrawl) -> dict:
    """``{"status", "reason", "code", "results", "gone"}`` of ``target`` after the crawl (see the module docstring)."""
    known = [_page_key(u) for u in dict.fromkeys(target.get("known_urls") or [])]
    gone = [u for u in known if u in crawl.gone]
    # A known page that now shows another page's physician moved (a redirect): the old address is gone.
    gone += [u for u in known if u in crawl.physician_of and crawl.physician_of[u] != u]
    if crawl.start_failure:
        return {**_outcome(crawl.start_failure), "results": [], "gone": gone}
    if not crawl.listings:
        return {**_no_physicians(crawl), "results": [], "gone": gone}
    results = [crawl.physician_of[u] for u in known if u in crawl.physician_of]
    results += [url for url, page in crawl.listings.items() if listing_matches(target, page)]
    results = list(dict.fromkeys(results))
    failed = [crawl.failures[u] for u in known if u in crawl.failures]
    failed += [Failed("error", f"a known page no longer shows a physician: {u}", "not_recognised")
               for u in known if u in crawl.unrecognised]
    if failed:
        return {**_outcome(failed[0]), "results": results, "gone": gone}
    if not results and (crawl.failures or crawl.capped):
        return {**_incomplete(crawl), "results": [], "gone": gone}
    return {"status": "ok", "reason": "", "code": None, "results": results, "gone": gone}


def _outcome(failed: Failed) -> dict:
    return {"status": failed.status, "reason": failed.reason, "code": failed.code}


def _worst_failure(crawl: SiteCrawl) -> Failed:
    """The failure to report: a block first (it says most about what we could not see)."""
    failures = list(crawl.failures.values())
    return next((f for f in failures if f.status == "blocked"), failures[0])


def _no_physicians(crawl: SiteCrawl) -> dict:
    if crawl.failures:
        worst = _worst_failure(crawl)
        return {"status": worst.status, "code": worst.code,
                "reason": f"no physician page could be read ({len(crawl.failures)} failed; first: "
                          f"{worst.reason}; {crawl.pages_read} other pages read from {crawl.start_url})"}
    return {"status": "error", "code": "not_recognised",
            "reason": f"no physician pages recognised ({crawl.pages_read} pages read from "
                      f"{crawl.start_url}): the site's markup may have changed"}


def _incomplete(crawl: SiteCrawl) -> dict:
    if crawl.failures:
        worst = _worst_failure(crawl)
        # Not found among what could be read: the search did not finish, whatever stopped the other pages.
        return {"status": worst.status, "code": worst.code if worst.status != "error" else "incomplete",
                "reason": f"not found among the pages read, but {len(crawl.failures)} page(s) "
                          f"could not be read (first: {worst.reason})"}
    return {"status": "error", "code": "incomplete",
            "reason": f"not found among the {crawl.pages_read} pages read, but WEBSITE_MAX_PAGES "
                      f"was reached before the whole site was read"}


def profile_links(response, sites: list[tuple[str, str, tuple[str, ...]]]) -> list[tuple[str, str]]:
    """(source, URL) of the links on a physician's page to a page of another source's site (their Healthgrades
    or Vitals profile, say): under the source's base URL, or on its domains; the site's home page is no profile."""
    found = []
    for href in response.css("a::attr(href)").getall():
        url = urljoin(response.url, href.strip())
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            continue
        host = (parts.hostname or "").lower()
        for key, root, domains in sites:
            if root and url.startswith(root.rstrip("/") + "/"):
                rest = url[len(root.rstrip("/")) + 1:]
            elif any(host == d or host.endswith("." + d) for d in domains):
                rest = parts.path.strip("/") + parts.query
            else:
                continue
            if rest.strip("/"):
                found.append((key, url.split("#")[0]))
            break
    return list(dict.fromkeys(found))


def listing_matches(target: dict, page: PageListing) -> bool:
    """The page shows the target's NPI; or it shows no NPI and the target's first and last names."""
    npi = page.listing.get("npi")
    if npi:
        return npi == str(target["npi"])
    first, last = name_words(target.get("first_name")), name_words(target.get("last_name"))
    if not first or not last:
        return False
    if page.given and page.family:
        return first <= name_words(page.given) and last <= name_words(page.family)
    return first | last <= name_words(CREDENTIALS_AFTER_COMMA.sub("", page.listing.get("name") or ""))


def _name_slug(name: str | None) -> str:
    """'Jonah L. Whitfield, MD' -> 'jonah-l-whitfield': a practice page's physician without a page of their own."""
    return "-".join(words(CREDENTIALS_AFTER_COMMA.sub("", name or "")))


def merge(first: PageListing, second: PageListing) -> PageListing:
    """``first``, its empty fields filled from ``second`` (the same physician seen twice)."""
    listing = dict(first.listing)
    for key, value in second.listing.items():
        if listing.get(key) in (None, [], "") and value not in (None, [], ""):
            listing[key] = value
    return PageListing(listing, first.own or second.own, first.given or second.given, first.family or second.family)


# ----- sitemaps and links (pure) ----------------------------------------------------------------------


class SitemapTooLarge(ValueError):
    """A gzipped sitemap inflating beyond the protocol's 50 MB: cut off, and said so."""


def read_sitemap(response) -> tuple[str, list[str]] | None:
    """``("urlset" | "sitemapindex", [loc...])``, or None when the response is no sitemap.

    A gzipped sitemap (a ``.gz`` file, which Scrapy does not inflate) is inflated here, up to
    ``SITEMAP_MAX_BYTES``: beyond that, ``SitemapTooLarge``.
    """
    body = response.body or b""
    if body[:2] == b"\x1f\x8b":
        try:
            body = gunzip(body, max_size=SITEMAP_MAX_BYTES)
        except ValueError:  # gunzip's way of saying "beyond max_size" (a corrupt file raises OSError)
            raise SitemapTooLarge(f"sitemap larger than {SITEMAP_MAX_BYTES // 2**20} MB uncompressed (the sitemap "
                                  f"protocol's limit) at {response.url}") from None
        except Exception:
            return None
    head = body[:2000].lower()
    if not re.search(rb"<(?:\w+:)?(?:urlset|sitemapindex)\b", head):
        return None
    try:
        sitemap = Sitemap(body)
        if sitemap.type not in ("urlset", "sitemapindex"):
            return None
        urls = [urljoin(response.url, entry["loc"]) for entry in sitemap if entry.get("loc")]
    except Exception:
        return None
    return sitemap.type, list(dict.fromkeys(urls))


def page_links(response, prefix: str = "/") -> list[str]:
    """The page's links to other pages (no fragments, no files), on any host: the caller bounds them."""
    links = []
    for href in response.css("a::attr(href), link[rel=next]::attr(href)").getall():
        url = _page_key(response.urljoin(href.strip()))
        parts = urlsplit(url)
        if parts.scheme in ("http", "https") and parts.path.startswith(prefix) and not NOT_PAGES.search(parts.path):
            links.append(url)
    return list(dict.fromkeys(links))


def same_site(url: str, start_url: str | None) -> bool:
    def host(u):
        name = (urlsplit(u).hostname or "").lower()
        return name[4:] if name.startswith("www.") else name

    return bool(start_url) and host(url) == host(start_url) and urlsplit(url).port == urlsplit(start_url).port


def _page_key(url: str) -> str:
    """A page's address without its fragment (the query stays: a directory's ?page=2 is another page)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, parts.query, ""))


# ----- physician pages (pure) -------------------------------------------------------------------------


def parse_physician_page(response) -> list[PageListing]:
    """The physicians a page's schema.org data shows, the page's own one (if any) marked ``own``."""
    objects = sd.structured_objects(response)
    physicians = sd.find_objects(objects, *sd.PHYSICIAN_TYPES)
    if not physicians:
        return []
    page_url = page_url_of(response, physicians)
    ids = {id(p) for p in physicians}
    listed_by = {}  # id(physician) -> the practice whose page lists it
    for business in sd.find_objects(objects, *sd.BUSINESS_TYPES, "Hospital"):
        for key in MEMBER_KEYS:
            for value in _as_list(business.get(key)):
                if isinstance(value, dict) and id(value) in ids:
                    listed_by.setdefault(id(value), business)
    urls = [_absolute(response, sd.text(p.get("url"))) for p in physicians]
    own_indexes = {i for i, u in enumerate(urls) if u and _same_page(u, page_url)}
    if not own_indexes:
        # No physician names this page as theirs: the one physician no practice lists is the page's own
        # (JSON-LD and microdata may both describe them: the same name twice is still one physician).
        alone = [i for i, p in enumerate(physicians) if id(p) not in listed_by]
        if len({frozenset(name_words(sd.text(physicians[i].get("name")))) for i in alone}) == 1:
            own_indexes = set(alone)
    found: dict[str, PageListing] = {}
    for index, physician in enumerate(physicians):
        own = index in own_indexes
        if own:
            url = page_url
        elif urls[index]:
            url = without_query(urls[index])
        else:
            url = f"{page_url}#{_name_slug(sd.text(physician.get('name'))) or index}"
        page_listing = physician_listing(physician, url, listed_by.get(id(physician)), own=own)
        if page_listing is None:
            continue
        found[url] = merge(found[url], page_listing) if url in found else page_listing
    return list(found.values())


def page_url_of(response, physicians: list[dict]) -> str:
    """The page's canonical URL: the address it was fetched from; for a saved file, what the page says."""
    if response.url.startswith(("http://", "https://")):
        return without_query(response.url)
    declared = (response.css('link[rel="canonical"]::attr(href)').get()
                or response.css('meta[property="og:url"]::attr(content)').get())
    if not declared and len(physicians) == 1:
        declared = sd.text(physicians[0].get("url"))
    return without_query(_absolute(response, declared) or response.url)


def physician_listing(physician: dict, url: str, practice: dict | None = None, *,
                      own: bool = True) -> PageListing | None:
    """The listing of one ``Physician`` object; ``practice`` is the practice whose page lists them."""
    given, family = sd.text(physician.get("givenName")), sd.text(physician.get("familyName"))
    name = sd.text(physician.get("name"))
    if not name and (given or family):
        parts = [sd.text(physician.get(k)) for k in ("honorificPrefix", "givenName", "additionalName", "familyName")]
        name = " ".join(p for p in parts if p)
        suffix = sd.text(physician.get("honorificSuffix"))
        name = f"{name}, {suffix}" if suffix else name
    if not name:
        return None
    practices = [p for key in PRACTICE_KEYS for p in _as_list(physician.get(key)) if isinstance(p, dict)]
    if practice is not None:
        practices.append(practice)
    addresses, phones = [], []
    for holder in [physician, *practices]:
        for entry in sd.postal_addresses(holder):
            if any(entry.values()) and entry not in addresses:
                addresses.append(entry)
        for phone in sd.telephones(holder):
            phone = phone.removeprefix("tel:").strip()
            if phone and phone not in phones:
                phones.append(phone)
    rating, count = sd.aggregate_rating(physician)  # stars out of 5, the listing format
    path = urlsplit(url)
    slug = None if path.fragment else path.path.rstrip("/").rsplit("/", 1)[-1] or None
    listing = listing_record(
        source=SOURCE,
        url=url,
        source_id=slug,
        name=name,
        specialty=specialty(physician.get("medicalSpecialty")),
        practice_name=next((sd.text(p.get("name")) for p in practices if sd.text(p.get("name"))), None),
        addresses=addresses,
        phones=phones,
        npi=sd.npi_of(physician),
        rating=rating,
        review_count=count,
        accepting_new_patients=next((_boolean(h["isAcceptingNewPatients"]) for h in [physician, *practices]
                                     if h.get("isAcceptingNewPatients") is not None), None),
        reviews=[r for r in (_review(v) for v in _as_list(physician.get("review"))) if r],
        social_links=sd.same_as(physician),
    )
    return PageListing(listing, own, given, family)


def specialty(value) -> str | None:
    """The first specialty named; a schema.org enumeration URL as its words ('…/PublicHealth' -> 'Public Health')."""
    for entry in _as_list(value):
        name = sd.text(entry)
        if not name:
            continue
        if name.startswith(("http://", "https://")):
            name = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name.rstrip("/").rsplit("/", 1)[-1])
        return name or None
    return None


def _review(value) -> dict | None:
    if not isinstance(value, dict):
        return None
    body = sd.text(value.get("reviewBody")) or sd.text(value.get("description"))
    rating = sd.stars(value.get("reviewRating")) if value.get("reviewRating") is not None else None
    if body is None and rating is None:
        return None
    date = sd.text(value.get("datePublished"))
    match = re.match(r"\d{4}-\d{2}-\d{2}", date or "")
    identifier = sd.text(value.get("identifier")) or sd.text(value.get("@id"))
    return review(review_id=identifier, date=match.group() if match else date, rating=rating, text=body,
                  author=sd.text(value.get("author")))


def _boolean(value) -> bool | None:
    if isinstance(value, bool):
        return value
    text = (sd.text(value) or "").lower()
    if text in ("true", "yes", "1", "https://schema.org/true", "http://schema.org/true"):
        return True
    if text in ("false", "no", "0", "https://schema.org/false", "http://schema.org/false"):
        return False
    return None


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value] if value is not None else []


def _absolute(response, url: str | None) -> str | None:
    return response.urljoin(url) if url else None


def _same_page(a: str, b: str) -> bool:
    return without_query(a).rstrip("/") == without_query(b).rstrip("/")
