"""The chain for an official API that needs a key of the operator's own (Google Places, Yelp Fusion).

No spider itself (it has no ``name``: ``scrapy list`` does not show it); it sets ``RosterSpider``'s hooks:
- without a key every physician gets an "error" search record naming the missing key, and nothing is
  requested, robots.txt included (``cannot_run``);
- known listing URLs are public pages: the API answers for them by id, so revisits go to the API
  (``revisit_url``); the listing URL is what is reported gone or moved, never the API's address;
- a 404 the API answered, or a listing the API says closed for good, is gone (``listing_gone``); a 404 the API
  did not say (a wrong base URL, a proxy) is an answer not recognised, not a gone listing;
- an API error answer's own message is the search record's reason (``failure_status``).
"""

from __future__ import annotations

from scrapy.spidermiddlewares.httperror import HttpError

from crawlers.items import Failed
from crawlers.spiders.base import RosterSpider


class ApiKeySpider(RosterSpider):
    """A roster spider for a keyed official API. Subclasses declare the key as their one ``needs`` entry and
    supply ``request_headers`` (the key), ``revisit_url`` (the API URL that answers for a known listing URL),
    ``api_error`` (status and reason of an error answer) and ``is_closed`` (a listing's business closed for good).
    """

    api_label = ""  # "Google Places API"
    profiles_at_listing_urls = False  # profiles are API answers

    @property
    def api_key(self) -> str | None:
        return self.needs[0].value(self.settings)

    def api_error(self, response) -> Failed | None:
        raise NotImplementedError

    def is_closed(self, listing: dict) -> bool:
        return False

    def cannot_run(self) -> str | None:
        return None if self.api_key else f"no {self.api_label} key configured (set {self.needs[0].env})"

    def listing_gone(self, response, listing: dict | None) -> str | None:
        if listing is None:
            return "gone" if self.api_error(response) else None
        return "closed" if self.is_closed(listing) else None

    def failure_status(self, failure) -> Failed:
        if failure.check(HttpError):
            answer = self.api_error(failure.value.response)
            if answer:
                return answer
        return super().failure_status(failure)
