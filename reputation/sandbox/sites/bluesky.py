"""Bluesky's public AppView API in the sandbox (``/bluesky/xrpc/...``), answering as the real one does.

- ``app.bsky.actor.getProfiles?actors=A&actors=B`` (at most 25): ``{"profiles": [...]}``, the actors it cannot
  show left out without a word;
- ``app.bsky.actor.getProfile?actor=A``: the profile, or ``400 {"error": "InvalidRequest", "message": "Profile
  not found"}``;
- ``app.bsky.feed.getAuthorFeed?actor=A&limit=N&cursor=C``: ``{"feed": [{"post": ...}, {"post": ..., "reason":
  {"$type": "app.bsky.feed.defs#reasonRepost", ...}}], "cursor": ...}`` (no cursor on the last page);
- ``app.bsky.graph.getRelationships?actor=A&others=B``: ``{"actor": DID, "relationships": [...]}`` with
  ``following``/``followedBy`` at-URIs present only when true, ``#notFoundActor`` for an unknown other.
Errors: ``{"error", "message"}``. Broken: the same data under other names (``followers`` for ``followersCount``,
``items`` for ``feed``). Accounts and their weeks: ``reputation.sandbox.social_world``.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from reputation.sandbox.sites import Reply, Request, json_reply
from reputation.sandbox.social_world import SocialAccount, social_of
from reputation.sandbox.world import World

MAX_ACTORS = 25
REPOST = "app.bsky.feed.defs#reasonRepost"


def handle(world: World, request: Request) -> Reply:
    social = social_of(world)
    query = parse_qs(request.raw_query)
    call = request.path.removeprefix("xrpc/")
    if call == "app.bsky.actor.getProfiles":
        actors = query.get("actors", [])
        if not actors or len(actors) > MAX_ACTORS:
            return _error("InvalidRequest", f"actors must hold 1 to {MAX_ACTORS} actors")
        found = [social.account(a) for a in actors]
        return json_reply({"profiles": [_profile(social, a, request.broken) for a in found if a]})
    if call == "app.bsky.actor.getProfile":
        account = social.account(request.query.get("actor", ""))
        return json_reply(_profile(social, account, request.broken)) if account else _error("InvalidRequest", "Profile not found")
    if call == "app.bsky.feed.getAuthorFeed":
        account = social.account(request.query.get("actor", ""))
        if account is None:
            return _error("InvalidRequest", "Profile not found")
        return _feed(social, account, request)
    if call == "app.bsky.graph.getRelationships":
        return _relationships(social, request, query)
    return _error("MethodNotImplemented", "Method Not Implemented", 501)


def _error(name: str, message: str, status: int = 400) -> Reply:
    return json_reply({"error": name, "message": message}, status)


def _author(account: SocialAccount) -> dict:
    return {"did": account.did, "handle": account.handle, "displayName": account.name}


def _profile(social, account: SocialAccount, broken: bool) -> dict:
    counts = {"followersCount": social.followers(account), "followsCount": account.following,
              "postsCount": sum(1 for _, own, _ in social.posts(account) if own)}
    if broken:
        counts = {"followers": counts["followersCount"], "follows": counts["followsCount"], "posts": counts["postsCount"]}
    return {**_author(account), "description": account.bio, **counts, "createdAt": account.created_at.isoformat(),
            "indexedAt": account.created_at.isoformat(), "labels": []}


def _feed(social, account: SocialAccount, request: Request) -> Reply:
    posts = social.posts(account)
    start = int(request.query.get("cursor") or 0)
    limit = max(1, min(100, int(request.query.get("limit") or 50)))
    items = []
    for number, (at, own, interactions) in enumerate(posts[start:start + limit], start):
        author = account if own else social.accounts[next(iter(social.accounts))]
        stamp = at.isoformat().replace("+00:00", "Z")
        post = {"uri": f"at://{author.did}/app.bsky.feed.post/{number}", "author": _author(author),
                "record": {"$type": "app.bsky.feed.post", "text": "…", "createdAt": stamp},
                "likeCount": interactions, "repostCount": 0, "replyCount": 0, "quoteCount": 0, "indexedAt": stamp}
        item = {"post": post}
        if not own:
            item["reason"] = {"$type": REPOST, "by": _author(account), "indexedAt": stamp}
        items.append(item)
    body = {"items" if request.broken else "feed": items}
    if start + limit < len(posts):
        body["cursor"] = str(start + limit)
    return json_reply(body)


def _relationships(social, request: Request, query: dict) -> Reply:
    actor = social.account(request.query.get("actor", ""))
    if actor is None:
        return _error("InvalidRequest", "Profile not found")
    found = []
    for other_name in query.get("others", []):
        other = social.account(other_name)
        if other is None:
            found.append({"$type": "app.bsky.graph.defs#notFoundActor", "actor": other_name, "notFound": True})
            continue
        entry = {"$type": "app.bsky.graph.defs#relationship", "did": other.did}
        if social.follow_each_other(actor) and social.follow_each_other(other):
            entry["following"] = f"at://{actor.did}/app.bsky.graph.follow/{other.did[-6:]}"
            entry["followedBy"] = f"at://{other.did}/app.bsky.graph.follow/{actor.did[-6:]}"
        found.append(entry)
    return json_reply({"actor": actor.did, "relationships": found})
