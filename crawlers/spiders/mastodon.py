"""Mastodon: the public API of each account's own instance, no key; readers in ``crawlers.social.mastodon``.

One account a call (``/api/v1/accounts/lookup?acct=NAME`` on its instance), then its statuses
(``/api/v1/accounts/ID/statuses``, 40 a page, boosts included so that they are told apart from own posts) until
they reach back 28 days. Who follows whom needs a login on Mastodon: not asked. Instances publish their own rate
limits (300 requests per five minutes per address by default); the crawl's pace is one request a second.
"""

from __future__ import annotations

from urllib.parse import urlencode

from crawlers.social.answers import Profile
from crawlers.spiders.social import Chain, SocialSpider

STATUSES_LIMIT = 40


class MastodonSpider(SocialSpider):
    name = "mastodon"
    label = "Mastodon"
    order = 520
    site_url = ""  # each account's own instance
    network = "mastodon"

    def instance(self, account: str) -> str:
        user, _, host = account.partition("@")
        sandbox = self.settings.get("REPMON_SANDBOX_URL")
        return f"{str(sandbox).rstrip('/')}/mastodon/{host}" if sandbox else f"https://{host}"

    def profiles_url(self, accounts: list[str]) -> str:
        user = accounts[0].partition("@")[0]
        return f"{self.instance(accounts[0])}/api/v1/accounts/lookup?" + urlencode({"acct": user})

    def feed_url(self, chain: Chain, next_page: str | None) -> str | None:
        if next_page:
            return next_page
        profile = chain.profile
        if not isinstance(profile, Profile) or not profile.network_id:
            return None
        return (f"{self.instance(chain.account)}/api/v1/accounts/{profile.network_id}/statuses?"
                + urlencode({"limit": STATUSES_LIMIT}))
