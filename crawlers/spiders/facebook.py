"""Facebook: the Graph API with the organization's own page token, for the health system's own Pages only;
readers in ``crawlers.social.facebook``. Physicians' Facebook accounts are on record, not read.

Pages in batches of 50 (``?ids=A,B&fields=…``: followers and likes kept apart), then each Page's posts
(``/PAGE/posts`` with reaction, comment and share counts, 100 a page) until they reach back 28 days.
"""

from __future__ import annotations

from urllib.parse import urlencode

from crawlers.sources import Need
from crawlers.spiders.social import Chain, SocialSpider

GRAPH_VERSION = "v21.0"
PAGES_PER_REQUEST = 50
POST_FIELDS = "created_time,from,reactions.summary(true).limit(0),comments.summary(true).limit(0),shares"
TOKEN = Need("FACEBOOK_PAGE_TOKEN", "REPMON_FACEBOOK_TOKEN", "page access token")


class FacebookSpider(SocialSpider):
    name = "facebook"
    label = "Facebook"
    order = 550
    site_url = f"https://graph.facebook.com/{GRAPH_VERSION}"
    needs = (TOKEN,)
    network = "facebook"
    profiles_per_request = PAGES_PER_REQUEST
    own_pages_only = True

    @property
    def token(self) -> str | None:
        return TOKEN.value(self.settings)

    def cannot_run(self) -> str | None:
        return None if self.token else f"no Facebook page token configured (set {TOKEN.env})"

    def profiles_url(self, accounts: list[str]) -> str:
        query = {"ids": ",".join(accounts), "fields": "id,username,name,about,fan_count,followers_count",
                 "access_token": self.token}
        return f"{self.base}/?" + urlencode(query)

    def feed_url(self, chain: Chain, next_page: str | None) -> str:
        if next_page:
            return next_page
        query = {"fields": POST_FIELDS, "limit": 100, "access_token": self.token}
        return f"{self.base}/{chain.account}/posts?" + urlencode(query)
