"""Instagram: the Graph API's business discovery, asked through the organization's own Instagram account with its
page token, for the health system's own accounts only; readers in ``crawlers.social.instagram``.

One account a call (``/OWN_IG_ID?fields=business_discovery.username(NAME){…}``), then its media (50 a page,
``media.after(CURSOR)``) until they reach back 28 days.
"""

from __future__ import annotations

from urllib.parse import urlencode

from crawlers.sources import Need
from crawlers.spiders.facebook import GRAPH_VERSION, TOKEN
from crawlers.spiders.social import Chain, SocialSpider

PROFILE = "username,name,biography,followers_count,follows_count,media_count"
MEDIA = "timestamp,like_count,comments_count"
OWN_ACCOUNT = Need("INSTAGRAM_ACCOUNT_ID", "REPMON_INSTAGRAM_ACCOUNT_ID", "own Instagram account id")


class InstagramSpider(SocialSpider):
    name = "instagram"
    label = "Instagram"
    order = 560
    site_url = f"https://graph.facebook.com/{GRAPH_VERSION}"
    needs = (TOKEN, OWN_ACCOUNT)
    network = "instagram"
    own_pages_only = True

    def cannot_run(self) -> str | None:
        missing = [need.env for need in self.needs if not need.value(self.settings)]
        return f"Instagram is not configured (set {', '.join(missing)})" if missing else None

    def _call(self, fields: str) -> str:
        query = {"fields": fields, "access_token": TOKEN.value(self.settings)}
        return f"{self.base}/{OWN_ACCOUNT.value(self.settings)}?" + urlencode(query)

    def profiles_url(self, accounts: list[str]) -> str:
        return self._call(f"business_discovery.username({accounts[0]}){{{PROFILE}}}")

    def feed_url(self, chain: Chain, next_page: str | None) -> str:
        after = f".after({next_page})" if next_page else ""
        return self._call(f"business_discovery.username({chain.account}){{media.limit(50){after}{{{MEDIA}}}}}")
