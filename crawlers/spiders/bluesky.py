"""Bluesky: the public AppView API (``public.api.bsky.app``), no key; readers in ``crawlers.social.bluesky``.

Profiles in batches of 25 (``app.bsky.actor.getProfiles``; an actor the batch leaves out is asked alone with
``getProfile``, whose error tells not found from taken down), the author feed (``getAuthorFeed``, 100 items a
page, until the pages reach back 28 days) and whether the account and the system's main Bluesky account follow
each other (``app.bsky.graph.getRelationships``). The AppView allows a few thousand requests per five minutes
per address; repmon's default pace (one request a second, backing off on 429) stays far below that.
"""

from __future__ import annotations

from urllib.parse import urlencode

from crawlers.social.bluesky import PROFILES_PER_REQUEST
from crawlers.spiders.social import Chain, SocialSpider

FEED_LIMIT = 100


class BlueskySpider(SocialSpider):
    name = "bluesky"
    label = "Bluesky"
    order = 510
    site_url = "https://public.api.bsky.app"
    network = "bluesky"
    profiles_per_request = PROFILES_PER_REQUEST

    def profiles_url(self, accounts: list[str]) -> str:
        return f"{self.base}/xrpc/app.bsky.actor.getProfiles?" + urlencode([("actors", a) for a in accounts])

    def profile_url(self, account: str) -> str:
        return f"{self.base}/xrpc/app.bsky.actor.getProfile?" + urlencode({"actor": account})

    def feed_url(self, chain: Chain, next_page: str | None) -> str:
        query = {"actor": chain.account, "limit": FEED_LIMIT, **({"cursor": next_page} if next_page else {})}
        return f"{self.base}/xrpc/app.bsky.feed.getAuthorFeed?" + urlencode(query)

    def relationship_url(self, chain: Chain) -> str:
        return f"{self.base}/xrpc/app.bsky.graph.getRelationships?" + urlencode({"actor": chain.account,
                                                                                 "others": chain.main})
