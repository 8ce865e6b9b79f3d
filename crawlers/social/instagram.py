"""Instagram: the Graph API's business discovery, asked through the organization's own Instagram account.

``/OWN_IG_ID?fields=business_discovery.username(NAME){username,name,biography,followers_count,follows_count,
media_count,media{timestamp,like_count,comments_count}}``: the profile of any business or creator account, and
one page of its media, newest first (all its own). Interactions: ``like_count + comments_count``; an account
that hides its like counts leaves ``like_count`` out, and then the interactions are None. Next page: the media's
``paging.cursors.after`` (asked with ``media.after(CURSOR)``); a page without media ends the feed.

Errors: see ``crawlers.social.graph`` (an account business discovery cannot find is not_found).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from crawlers.social.answers import (
    Failure,
    Post,
    PostsPage,
    Profile,
    count,
    moment,
    not_recognised,
    read_json,
    text,
)
from crawlers.social.graph import graph_error

NETWORK = "instagram"
PROFILE_FIELDS = ("username", "name", "biography", "followers_count", "follows_count", "media_count")
_ASKED = re.compile(r"business_discovery\.username\(([^)]+)\)")


def parse_business_discovery(answer) -> Profile | Failure:
    """The profile a business discovery answer gives."""
    found = _discovery(answer)
    if isinstance(found, Failure):
        return found
    if not any(field in found for field in PROFILE_FIELDS):
        return not_recognised(NETWORK, answer, "business discovery profile")
    return Profile(
        NETWORK, str(found.get("username") or _asked(answer) or found["id"]).lower(),
        network_id=str(found["id"]),
        name=text(found.get("name")),
        bio=text(found.get("biography")),
        followers=count(found.get("followers_count")),
        following=count(found.get("follows_count")),
        posts=count(found.get("media_count")),
    )


def parse_business_media(answer) -> PostsPage | Failure:
    """The page of media a business discovery answer gives."""
    found = _discovery(answer)
    if isinstance(found, Failure):
        return found
    media = found.get("media")
    if not isinstance(media, dict) or not isinstance(media.get("data"), list):
        return not_recognised(NETWORK, answer, "business discovery media")
    posts = []
    for number, item in enumerate(media["data"], 1):
        at = moment(item.get("timestamp")) if isinstance(item, dict) else None
        if at is None:
            return Failure(NETWORK, "error", f"Instagram media {number} has no readable date at {answer.url}")
        likes, comments = count(item.get("like_count")), count(item.get("comments_count"))
        posts.append(Post(at, own=True, interactions=likes + comments if likes is not None and comments is not None
                          else None))
    cursors = (media.get("paging") or {}).get("cursors") or {}
    after = text(cursors.get("after")) if posts else None
    return PostsPage(NETWORK, str(found.get("username") or _asked(answer) or found["id"]).lower(), tuple(posts), after)


def parse_business_discovery_answer(answer) -> list[Profile | PostsPage] | Failure:
    """What a business discovery answer holds: the profile, the page of media, or both, as asked."""
    found = _discovery(answer)
    if isinstance(found, Failure):
        return found
    parts = []
    if any(field in found for field in PROFILE_FIELDS):
        parts.append(parse_business_discovery(answer))
    if "media" in found:
        parts.append(parse_business_media(answer))
    return parts or not_recognised(NETWORK, answer, "business discovery")


def _discovery(answer) -> dict | Failure:
    data = read_json(answer)
    if answer.status != 200 or not isinstance(data, dict) or "error" in data:
        return graph_error(NETWORK, answer, data)
    found = data.get("business_discovery")
    if not isinstance(found, dict) or not found.get("id"):
        return not_recognised(NETWORK, answer, "business discovery")
    return found


def _asked(answer) -> str | None:
    fields = " ".join(parse_qs(urlsplit(answer.url).query).get("fields") or [])
    match = _ASKED.search(fields)
    return match.group(1) if match else None
