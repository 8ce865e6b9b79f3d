"""Bluesky: the public AppView API (``https://public.api.bsky.app/xrpc/…``), no key.

- ``app.bsky.actor.getProfiles?actors=A&actors=B`` (up to 25 actors, handles or DIDs) and ``getProfile?actor=A``:
  ``followersCount``, ``followsCount``, ``postsCount``, ``createdAt``, ``description``. getProfiles leaves out
  the actors it cannot show without saying why: those come back as "error" (unknown), for a getProfile of each to
  tell (a 400 ``InvalidRequest`` "Profile not found" is not_found, ``AccountTakedown`` suspended,
  ``AccountDeactivated`` not_found: deactivated by its owner).
- ``app.bsky.feed.getAuthorFeed?actor=A``: the account's posts and replies, newest first, and its reposts (a
  ``reason`` of ``#reasonRepost``: not its own posts; dated when reposted). A pinned post (``#reasonPin``) stands
  first out of order and is left out: it is listed again at its own date. Interactions: ``likeCount +
  repostCount + replyCount + quoteCount`` (no ``quoteCount`` before 2024). Next page: ``cursor``.
- ``app.bsky.graph.getRelationships?actor=A&others=B``: ``following`` (A follows B) and ``followedBy`` (B follows
  A) are at-URIs, absent when false; an unknown actor is a ``#notFoundActor``.

Errors come as ``{"error": NAME, "message": TEXT}``; HTTP 429 (``RateLimitExceeded``) is blocked.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from crawlers.social.answers import (
    Failure,
    Post,
    PostsPage,
    Profile,
    Relationship,
    count,
    http_failure,
    moment,
    not_recognised,
    read_json,
    text,
    total,
    unread,
)

NETWORK = "bluesky"
PROFILES_PER_REQUEST = 25
REPOST = "app.bsky.feed.defs#reasonRepost"
PIN = "app.bsky.feed.defs#reasonPin"
_NOT_FOUND_MESSAGES = ("profile not found", "actor not found", "could not find")
_TAKEN_DOWN_LABELS = {"!takedown", "!suspend"}


def parse_profiles(answer) -> list[Profile] | Failure:
    """getProfiles: a profile for every actor asked, in the order asked ("error" for those left out)."""
    data = read_json(answer)
    if answer.status != 200 or not isinstance(data, dict):
        return error_of(answer, data)
    if not isinstance(data.get("profiles"), list):
        return not_recognised(NETWORK, answer, "getProfiles")
    found = [profile_of(p) for p in data["profiles"] if isinstance(p, dict)]
    by_key = {key: profile for profile in found for key in (profile.account, profile.network_id) if key}
    asked = _query(answer.url).get("actors") or [p.account for p in found]
    return [by_key.get(actor.lower()) or unread(NETWORK, actor, "error", "left out of the getProfiles answer: "
                                                 "getProfile tells why") for actor in asked]


def parse_profile(answer) -> Profile | Failure:
    """getProfile: one actor's profile, or why the AppView cannot show it."""
    data = read_json(answer)
    if answer.status != 200 or not isinstance(data, dict):
        return error_of(answer, data, account=(_query(answer.url).get("actor") or [None])[0])
    if not data.get("did"):
        return not_recognised(NETWORK, answer, "getProfile")
    return profile_of(data)


def profile_of(data: dict) -> Profile:
    handle = str(data.get("handle") or data.get("did")).lower()
    labels = {label.get("val") for label in data.get("labels") or [] if isinstance(label, dict)}
    if labels & _TAKEN_DOWN_LABELS:
        return Profile(NETWORK, handle, "suspended", "taken down by Bluesky's moderation", network_id=data.get("did"))
    return Profile(
        NETWORK, handle,
        network_id=data.get("did"),
        name=text(data.get("displayName")),
        bio=text(data.get("description")),
        followers=count(data.get("followersCount")),
        following=count(data.get("followsCount")),
        posts=count(data.get("postsCount")),
        created_at=moment(data.get("createdAt")),
    )


def parse_author_feed(answer) -> PostsPage | Failure:
    """getAuthorFeed: one page of the actor's feed."""
    data = read_json(answer)
    actor = (_query(answer.url).get("actor") or [""])[0]
    if answer.status != 200 or not isinstance(data, dict):
        return error_of(answer, data, account=actor or None)
    if not isinstance(data.get("feed"), list):
        return not_recognised(NETWORK, answer, "getAuthorFeed")
    posts = []
    for number, item in enumerate(data["feed"], 1):
        post = item.get("post") if isinstance(item, dict) else None
        reason = item.get("reason") if isinstance(item, dict) else None
        kind = reason.get("$type") if isinstance(reason, dict) else None
        if kind == PIN:
            continue
        record = post.get("record") if isinstance(post, dict) else None
        at = moment(reason.get("indexedAt")) if reason else moment((record or {}).get("createdAt"))
        if at is None:
            return Failure(NETWORK, "error", f"getAuthorFeed item {number} has no readable date at {answer.url}")
        posts.append(Post(at, own=reason is None, interactions=total(
            post.get("likeCount"), post.get("repostCount"), post.get("replyCount"), post.get("quoteCount"))))
    return PostsPage(NETWORK, actor, tuple(posts), text(data.get("cursor")))


def parse_relationships(answer) -> list[Relationship] | Failure:
    """getRelationships: whether the actor and each of the others follow each other."""
    data = read_json(answer)
    if answer.status != 200 or not isinstance(data, dict):
        return error_of(answer, data)
    if not isinstance(data.get("relationships"), list) or not data.get("actor"):
        return not_recognised(NETWORK, answer, "getRelationships")
    actor = data["actor"]
    found = []
    for entry in data["relationships"]:
        if not isinstance(entry, dict):
            continue
        if entry.get("notFound") or str(entry.get("$type", "")).endswith("#notFoundActor"):
            found.append(Relationship(NETWORK, actor, str(entry.get("actor")), None, None, "not_found",
                                      "Bluesky has no such account"))
        else:
            found.append(Relationship(NETWORK, actor, str(entry.get("did")), bool(entry.get("following")),
                                      bool(entry.get("followedBy"))))
    return found


def error_of(answer, data, account: str | None = None) -> Failure | Profile:
    """An XRPC error answer: for a named account its profile's status (not found, suspended), else a Failure."""
    if not isinstance(data, dict) or not data.get("error"):
        return http_failure(NETWORK, answer, "Bluesky") if answer.status != 200 else \
            not_recognised(NETWORK, answer, "Bluesky")
    name, message = str(data["error"]), " ".join(str(data.get("message") or "").split())
    reason = f"Bluesky: {name}" + (f": {message}" if message else "")
    status = _status_of(answer.status, name, message)
    if account and status in ("not_found", "suspended"):
        return unread(NETWORK, account.lower(), status, reason)
    return Failure(NETWORK, status, reason)


def _status_of(http: int, name: str, message: str) -> str:
    if name == "AccountTakedown":
        return "suspended"
    if name == "AccountDeactivated" or any(m in message.lower() for m in _NOT_FOUND_MESSAGES):
        return "not_found"
    if http in (401, 403, 429) or name in ("RateLimitExceeded", "BlockedActor", "BlockedByActor"):
        return "blocked"
    return "error"


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)
