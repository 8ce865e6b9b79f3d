"""The sources: each declared once, by its spider class, and listed here for the rest of repmon.

A spider carries what the program needs to know of its source as class attributes: ``name`` (the key),
``label``, ``order`` (where it stands in reports), ``kind``, ``site_url`` (where it lives), ``reads_responses``
(its reviews carry the practice's replies, so a review without one is unanswered, not unknown),
``copies_reviews_of`` (the source whose reviews it shows again: those copies count once) and ``needs``
(settings of the user's own it cannot run without, such as an API key). ``sources()`` reads them from
every spider Scrapy finds, for the settings, the crawl, the reports, the CLI's help and the tests: adding
a source is a spider module, its sandbox site and its tests.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

KINDS = {
    "directory": "official directory",
    "api": "official API",
    "review_site": "review site",
    "own_website": "own website",
    "social": "social network API",
}


@dataclass(frozen=True)
class Need:
    """A setting a source cannot run without, and the environment variable a user sets it with."""

    setting: str  # the Scrapy setting, e.g. GOOGLE_PLACES_API_KEY
    env: str  # the environment variable, e.g. REPMON_GOOGLE_API_KEY
    what: str  # "API key", "start URL"

    def value(self, settings=None) -> str | None:
        value = (settings.get(self.setting) if settings is not None else None) or os.environ.get(self.env)
        return str(value).strip() or None if value else None


@dataclass(frozen=True)
class Source:
    key: str
    label: str
    order: int
    kind: str
    site_url: str
    needs: tuple[Need, ...]
    spider: type
    reads_responses: bool = False
    listing_domains: tuple[str, ...] = ()  # where its profiles live: "healthgrades.com" (subdomains included)
    copies_reviews_of: str | None = None  # the source whose reviews this site shows again (Sharecare: healthgrades)

    def is_listing_url(self, url: str) -> bool:
        """Whether ``url`` is an http(s) address on the site's own domains (a profile URL of this source)."""
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
        return parts.scheme in ("http", "https") and any(host == d or host.endswith("." + d) for d in self.listing_domains)

    def missing(self, settings=None) -> list[Need]:
        """The needs not configured yet."""
        return [need for need in self.needs if not need.value(settings)]


@lru_cache(maxsize=1)
def sources() -> tuple[Source, ...]:
    """Every source, in the order a marketer thinks of them (the registry, the big sites, the rest)."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawlers.settings")
    from scrapy.spiderloader import SpiderLoader
    from scrapy.utils.project import get_project_settings

    loader = SpiderLoader.from_settings(get_project_settings())
    found = []
    for key in loader.list():
        spider = loader.load(key)
        if spider.kind not in KINDS:
            raise ValueError(f"spider {key!r} declares kind {spider.kind!r}, not one of {', '.join(KINDS)}")
        found.append(Source(key, spider.label or key, spider.order, spider.kind, spider.site_url, tuple(spider.needs), spider,
                            bool(getattr(spider, "reads_responses", False)),
                            tuple(getattr(spider, "listing_domains", ())) or _registered_domain(spider.site_url),
                            getattr(spider, "copies_reviews_of", None)))
    return tuple(sorted(found, key=lambda s: (s.order, s.key)))


def _registered_domain(site_url: str) -> tuple[str, ...]:
    """"www.healthgrades.com" -> ("healthgrades.com",): the site's profiles may live on any of its subdomains."""
    host = (urlsplit(site_url).hostname or "").lower()
    return (".".join(host.split(".")[-2:]),) if host else ()


def source(key: str) -> Source:
    """The source with ``key`` (``KeyError`` naming the known keys if there is none)."""
    for found in sources():
        if found.key == key:
            return found
    raise KeyError(f"no source {key!r}; sources: {', '.join(keys())}")


def keys() -> list[str]:
    return [s.key for s in sources()]


def labels() -> dict[str, str]:
    return {s.key: s.label for s in sources()}


def ordered(keys_seen) -> list[str]:
    """Source keys in the sources' order; keys no spider declares (old data) at the end, alphabetically."""
    rank = {s.key: i for i, s in enumerate(sources())}
    return sorted(set(keys_seen), key=lambda k: (rank.get(k, len(rank)), k))


def syndication() -> dict[str, str]:
    """Each source that shows another source's reviews again -> that source ({"sharecare": "healthgrades"})."""
    return {s.key: s.copies_reviews_of for s in sources() if s.copies_reviews_of}


def reading_responses() -> set[str]:
    """The keys of the sources whose reviews show the practice's replies."""
    return {s.key for s in sources() if s.reads_responses}
