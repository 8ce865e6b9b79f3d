"""YouTube: the Data API v3 with a key (``https://www.googleapis.com/youtube/v3/…``).

- ``channels?part=snippet,statistics,contentDetails&id=UC…,UC…`` (up to 50 ids), or ``&forHandle=@name``,
  ``&forUsername=name`` (a legacy ``/user/`` name): ``statistics.subscriberCount`` (a string, rounded by YouTube
  to three figures; None when ``hiddenSubscriberCount`` is true), ``videoCount``, ``viewCount``;
  ``snippet.publishedAt``, ``title``, ``description``; the uploads playlist in
  ``contentDetails.relatedPlaylists.uploads``. A channel asked for that the answer leaves out does not exist (or
  was terminated): YouTube answers an unknown id with no item, so that is not_found.
- ``playlistItems?part=snippet,contentDetails&playlistId=UU…``: the uploads, newest first, each dated by
  ``contentDetails.videoPublishedAt`` (else ``snippet.publishedAt``, when it was added). A video another channel
  owns (``videoOwnerChannelId``) is not the channel's own. The items carry no views or likes: interactions are
  None. Next page: ``nextPageToken``.

Errors come as ``{"error": {"code", "message", "errors": [{"reason"}]}}``: quota and rate limits, a forbidden
key are blocked; ``channelNotFound``/``playlistNotFound`` not_found; anything else (an invalid key) an error.
``search.list`` costs 100 quota units a call: repmon does not use it.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from crawlers.social.answers import (
    Failure,
    Post,
    PostsPage,
    Profile,
    count,
    http_failure,
    moment,
    not_recognised,
    read_json,
    text,
    unread,
)

NETWORK = "youtube"
CHANNELS_PER_REQUEST = 50
_BLOCKED = {"quotaExceeded", "rateLimitExceeded", "userRateLimitExceeded", "dailyLimitExceeded", "forbidden",
            "accessNotConfigured", "ipRefererBlocked"}
_NOT_FOUND = {"channelNotFound", "playlistNotFound", "notFound"}


def parse_channels(answer) -> list[Profile] | Failure:
    """channels.list: a profile for every channel asked, in the order asked (not_found for those left out)."""
    data = read_json(answer)
    if answer.status != 200 or not isinstance(data, dict) or "error" in data:
        return error_of(answer, data)
    if data.get("kind") != "youtube#channelListResponse":
        return not_recognised(NETWORK, answer, "channels.list")
    found = [channel_of(item) for item in data.get("items") or [] if isinstance(item, dict) and item.get("id")]
    query = parse_qs(urlsplit(answer.url).query)
    if query.get("id"):
        by_id = {p.account: p for p in found}
        asked = [i for v in query["id"] for i in v.split(",") if i]
        return [by_id.get(i) or unread(NETWORK, i, "not_found", "YouTube has no channel with this id") for i in asked]
    for key, what in (("forHandle", "handle"), ("forUsername", "user name")):
        if query.get(key) and not found:
            return [unread(NETWORK, query[key][0], "not_found", f"YouTube has no channel with this {what}")]
    return found


def channel_of(item: dict) -> Profile:
    snippet = item.get("snippet") or {}
    statistics = item.get("statistics") or {}
    uploads = ((item.get("contentDetails") or {}).get("relatedPlaylists") or {}).get("uploads")
    hidden = statistics.get("hiddenSubscriberCount") is True
    return Profile(
        NETWORK, item["id"],
        network_id=item["id"],
        name=text(snippet.get("title")),
        bio=text(snippet.get("description")),
        followers=None if hidden else count(statistics.get("subscriberCount")),
        posts=count(statistics.get("videoCount")),
        views=count(statistics.get("viewCount")),
        created_at=moment(snippet.get("publishedAt")),
        uploads_playlist=text(uploads),
    )


def parse_playlist_items(answer) -> PostsPage | Failure:
    """playlistItems.list of a channel's uploads: one page of its videos."""
    data = read_json(answer)
    if answer.status != 200 or not isinstance(data, dict) or "error" in data:
        return error_of(answer, data)
    if data.get("kind") != "youtube#playlistItemListResponse":
        return not_recognised(NETWORK, answer, "playlistItems.list")
    posts = []
    for number, item in enumerate(data.get("items") or [], 1):
        snippet = (item.get("snippet") if isinstance(item, dict) else None) or {}
        details = (item.get("contentDetails") if isinstance(item, dict) else None) or {}
        at = moment(details.get("videoPublishedAt")) or moment(snippet.get("publishedAt"))
        if at is None:
            return Failure(NETWORK, "error", f"playlist item {number} has no readable date at {answer.url}")
        owner = snippet.get("videoOwnerChannelId")
        posts.append(Post(at, own=owner is None or owner == snippet.get("channelId"), interactions=None))
    asked = (parse_qs(urlsplit(answer.url).query).get("playlistId") or [""])[0]
    return PostsPage(NETWORK, asked, tuple(posts), text(data.get("nextPageToken")))


def error_of(answer, data) -> Failure:
    error = data.get("error") if isinstance(data, dict) else None
    if not isinstance(error, dict):
        return http_failure(NETWORK, answer, "YouTube Data API")
    reasons = {e.get("reason") for e in error.get("errors") or [] if isinstance(e, dict)}
    message = " ".join(str(error.get("message") or "no message").split())
    named = ", ".join(sorted(filter(None, reasons))) or "no reason"
    reason = f"YouTube Data API error {error.get('code', answer.status)} ({named}): {message}"
    if reasons & _NOT_FOUND:
        return Failure(NETWORK, "not_found", reason)
    if reasons & _BLOCKED or answer.status == 429:
        return Failure(NETWORK, "blocked", reason)
    return Failure(NETWORK, "error", reason)
