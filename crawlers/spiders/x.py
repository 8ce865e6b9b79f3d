"""X: API v2 with a bearer token of the operator's own; readers in ``crawlers.social.x``. X charges for read
access (its Basic tier or pay-per-use): every call here is paid for.

Users by username in batches of 100 (``users/by?usernames=…`` with ``public_metrics``), then each user's posts
(``users/ID/tweets``, 100 a page) until they reach back 28 days. Whether two accounts follow each other is not
asked (it needs a paid follows lookup per account).
"""

from __future__ import annotations

from urllib.parse import urlencode

from crawlers.social.answers import Profile
from crawlers.sources import Need
from crawlers.spiders.social import Chain, SocialSpider

USERS_PER_REQUEST = 100
TWEETS_PER_PAGE = 100


class XSpider(SocialSpider):
    name = "x"
    label = "X"
    order = 540
    site_url = "https://api.x.com"
    needs = (Need("X_BEARER_TOKEN", "REPMON_X_BEARER_TOKEN", "bearer token"),)
    network = "x"
    profiles_per_request = USERS_PER_REQUEST

    def cannot_run(self) -> str | None:
        return None if self.needs[0].value(self.settings) else f"no X bearer token configured (set {self.needs[0].env})"

    def request_headers(self) -> dict:
        return {"Authorization": f"Bearer {self.needs[0].value(self.settings)}"}

    def profiles_url(self, accounts: list[str]) -> str:
        query = {"usernames": ",".join(accounts), "user.fields": "public_metrics,created_at,description"}
        return f"{self.base}/2/users/by?" + urlencode(query)

    def feed_url(self, chain: Chain, next_page: str | None) -> str | None:
        profile = chain.profile
        if not isinstance(profile, Profile) or not profile.network_id:
            return None
        query = {"max_results": TWEETS_PER_PAGE, "tweet.fields": "created_at,public_metrics,referenced_tweets",
                 **({"pagination_token": next_page} if next_page else {})}
        return f"{self.base}/2/users/{profile.network_id}/tweets?" + urlencode(query)
