"""Which call a saved API answer answers, told by its request URL, and what it says (``repmon parse`` uses this).

``parse_answer("bluesky", Answer(url, status, body))`` is a list of what the answer holds: profiles, a page of
posts, relationships, or one ``Failure``. A URL of a call repmon does not make (a followers list, YouTube's
search) is a Failure naming the calls it reads: never an empty "no account".
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from crawlers.social import bluesky, facebook, instagram, mastodon, x, youtube
from crawlers.social.answers import Failure, PostsPage, Profile, Relationship

Parsed = Profile | PostsPage | Relationship | Failure

# network → (pattern on the URL's path, or on its query for business discovery; reader; the call in words)
CALLS = {
    "bluesky": (
        (r"/xrpc/app\.bsky\.actor\.getProfiles$", bluesky.parse_profiles, "app.bsky.actor.getProfiles"),
        (r"/xrpc/app\.bsky\.actor\.getProfile$", bluesky.parse_profile, "app.bsky.actor.getProfile"),
        (r"/xrpc/app\.bsky\.feed\.getAuthorFeed$", bluesky.parse_author_feed, "app.bsky.feed.getAuthorFeed"),
        (r"/xrpc/app\.bsky\.graph\.getRelationships$", bluesky.parse_relationships,
         "app.bsky.graph.getRelationships"),
    ),
    "mastodon": (
        (r"/api/v1/accounts/[^/]+/statuses/?$", mastodon.parse_statuses, "/api/v1/accounts/ID/statuses"),
        (r"/api/v1/accounts/(lookup|[0-9]+)/?$", mastodon.parse_account, "/api/v1/accounts/lookup or /ID"),
    ),
    "youtube": (
        (r"/youtube/v3/channels/?$", youtube.parse_channels, "channels.list"),
        (r"/youtube/v3/playlistItems/?$", youtube.parse_playlist_items, "playlistItems.list"),
    ),
    "x": (
        (r"/2/users/[^/]+/tweets/?$", lambda a: [x.parse_tweets(a), x.author_of_tweets(a)], "users/:id/tweets"),
        (r"/2/users(/by(/username/[^/]+)?|/[0-9]+)?/?$", x.parse_users, "users lookups"),
    ),
    "facebook": (
        (r"/[^/]+/(posts|feed|published_posts)/?$", facebook.parse_posts, "/PAGE/posts"),
        (r"^(/v[0-9.]+)?/[^/]*/?$", facebook.parse_pages, "/PAGE (or ?ids=)"),
    ),
    "instagram": (
        (r"business_discovery", instagram.parse_business_discovery_answer, "business_discovery"),
    ),
}


def parse_answer(network: str, answer) -> list[Parsed]:
    """What ``answer`` (to a request of ``network``'s API at ``answer.url``) says."""
    if network not in CALLS:
        return [Failure(network, "error", f"no API reader for network {network!r}; readers: {', '.join(CALLS)}")]
    parts = urlsplit(answer.url)
    for pattern, reader, _ in CALLS[network]:
        where = parts.query if pattern == "business_discovery" else parts.path
        if re.search(pattern, where):
            found = reader(answer)
            found = found if isinstance(found, list) else [found]
            return [f for f in found if f is not None]
    calls = "; ".join(call for _, _, call in CALLS[network])
    return [Failure(network, "error", f"not a call repmon reads ({parts.path or answer.url}); it reads {calls}")]
