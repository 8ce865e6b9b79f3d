"""The Graph API for Facebook Pages in the sandbox (``/facebook/...``), answering as the real one does.

- ``?ids=A,B&fields=…``: ``{A: {...}, B: {...}}``; an unknown alias: ``400`` error 803;
- ``{page}/posts?fields=…&limit=N&after=C``: ``{"data": [...], "paging": {"next": URL}}``, each post with its
  reaction and comment summaries (``shares`` left out when nobody shared).
A token is required (``access_token=``; none: error 190). Broken: ``followers`` for ``followers_count``.
"""

from __future__ import annotations

from urllib.parse import urlencode

from reputation.sandbox.sites import Reply, Request, json_reply
from reputation.sandbox.social_world import account_on, followers_of, posts_page, stamp
from reputation.sandbox.world import World


def _error(code: int, message: str, status: int = 400) -> Reply:
    return json_reply({"error": {"message": message, "type": "OAuthException", "code": code}}, status)


def _page_id(found) -> str:
    return str(int(found.did[-7:], 36))


def handle(world: World, request: Request) -> Reply:
    if not request.query.get("access_token"):
        return _error(190, "An access token is required to request this resource.")
    path = request.path.strip("/")
    if path == "" and request.query.get("ids"):
        nodes = {}
        for alias in request.query["ids"].split(","):
            found = account_on(world, "facebook", alias)
            if found is None:
                return _error(803, "(#803) Some of the aliases you requested do not exist: " + alias)
            nodes[alias] = {"id": _page_id(found), "username": found.handle, "name": found.name, "about": found.bio,
                            "fan_count": followers_of(world, found) - 100,
                            "followers" if request.broken else "followers_count": followers_of(world, found)}
        return json_reply(nodes)
    alias, _, edge = path.partition("/")
    if edge == "posts":
        found = account_on(world, "facebook", alias)
        if found is None:
            return _error(803, "(#803) Some of the aliases you requested do not exist: " + alias)
        size = min(100, int(request.query.get("limit") or 25))
        chunk, after = posts_page(world, found, int(request.query.get("after") or 0), size)
        posts = []
        for number, (at, own, interactions) in enumerate(chunk):
            post = {"id": f"{_page_id(found)}_{number}", "created_time": stamp(at).replace("Z", "+0000"),
                    "from": {"id": _page_id(found) if own else "999", "name": found.name},
                    "reactions": {"data": [], "summary": {"total_count": interactions}},
                    "comments": {"data": [], "summary": {"total_count": 1}}}
            if number % 3 == 0:
                post["shares"] = {"count": 2}
            posts.append(post)
        body = {"data": posts, "paging": {}}
        if after is not None:
            query = {k: v for k, v in request.query.items() if k != "after"}
            body["paging"]["next"] = f"{request.origin}{request.prefix}/{alias}/posts?" + urlencode({**query, "after": after})
        return json_reply(body)
    return _error(100, "Unsupported get request.")
