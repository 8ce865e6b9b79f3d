"""YouTube: the Data API v3 with a key of the operator's own; readers in ``crawlers.social.youtube``.

Channels by id in batches of 50 (``channels.list``, one quota unit a call), a handle (``@name``) or a legacy
``user/name`` one a call; then the uploads playlist (``playlistItems.list``, 50 a page, one unit) until it reaches
back 28 days. A ``c/name`` custom address has no API lookup: such an account is unknown until its channel id is
given. ``search.list`` (100 units a call) is never used. The default quota is 10,000 units a day.
"""

from __future__ import annotations

from urllib.parse import urlencode

from crawlers.social.answers import Profile
from crawlers.sources import Need
from crawlers.spiders.social import Chain, SocialSpider

CHANNELS_PER_REQUEST = 50
ITEMS_PER_PAGE = 50


class YoutubeSpider(SocialSpider):
    name = "youtube"
    label = "YouTube"
    order = 530
    site_url = "https://www.googleapis.com"
    needs = (Need("YOUTUBE_API_KEY", "REPMON_YOUTUBE_API_KEY", "API key"),)
    network = "youtube"
    profiles_per_request = CHANNELS_PER_REQUEST

    @property
    def key(self) -> str | None:
        return self.needs[0].value(self.settings)

    def cannot_run(self) -> str | None:
        return None if self.key else f"no YouTube Data API key configured (set {self.needs[0].env})"

    def batchable(self, account: str) -> bool:
        return account.startswith("UC")

    def profiles_url(self, accounts: list[str]) -> str | None:
        query = {"part": "snippet,statistics,contentDetails", "key": self.key}
        first = accounts[0]
        if first.startswith("UC"):
            query["id"] = ",".join(accounts)
        elif first.startswith("@"):
            query["forHandle"] = first
        elif first.startswith("user/"):
            query["forUsername"] = first.removeprefix("user/")
        else:
            return None
        return f"{self.base}/youtube/v3/channels?" + urlencode(query)

    def unreadable_reason(self, account: str) -> str:
        return f"YouTube's API cannot look up a custom address ({account}): give the channel id (UC…) or the @handle"

    def feed_url(self, chain: Chain, next_page: str | None) -> str | None:
        profile = chain.profile
        if not isinstance(profile, Profile) or not profile.uploads_playlist:
            return None
        query = {"part": "snippet,contentDetails", "playlistId": profile.uploads_playlist,
                 "maxResults": ITEMS_PER_PAGE, "key": self.key, **({"pageToken": next_page} if next_page else {})}
        return f"{self.base}/youtube/v3/playlistItems?" + urlencode(query)

    def paired(self, chains, profiles, url):
        return super().paired(chains, profiles, url) if len(chains) > 1 else profiles[:1]
