"""Instagram business discovery in the sandbox (``/instagram/{own id}?fields=business_discovery.username(X){…}``),
answering as the Graph API does: the profile fields asked, and/or ``media{…}`` with ``paging.cursors.after``
(asked again with ``media.after(C)``). An unknown username: error 110 subcode 2207013. A token is required.
"""

from __future__ import annotations

import re

from reputation.sandbox.sites import Reply, Request, json_reply
from reputation.sandbox.social_world import account_on, followers_of, posts_page, stamp
from reputation.sandbox.social_world import social_of
from reputation.sandbox.world import World

_ASKED = re.compile(r"business_discovery\.username\(([^)]+)\)\{(.*)\}$")


def _error(code: int, message: str, subcode: int | None = None) -> Reply:
    return json_reply({"error": {"message": message, "type": "OAuthException", "code": code,
                                 **({"error_subcode": subcode} if subcode else {})}}, 400)


def handle(world: World, request: Request) -> Reply:
    if not request.query.get("access_token"):
        return _error(190, "An access token is required to request this resource.")
    asked = _ASKED.fullmatch(request.query.get("fields", ""))
    if not asked:
        return _error(100, "Unsupported get request.")
    name, fields = asked.groups()
    found = account_on(world, "instagram", name)
    if found is None:
        return _error(110, f"Invalid user id: The user with username: {name} cannot be found.", 2207013)
    node = {"id": str(int(found.did[-7:], 36))}
    media = re.match(r"media(?:\.limit\((\d+)\))?(?:\.after\((\d+)\))?\{", fields)
    if media:
        size, start = int(media.group(1) or 25), int(media.group(2) or 0)
        chunk, after = posts_page(world, found, start, size)
        data = [{"id": f"{node['id']}{n}", "timestamp": stamp(at).replace("Z", "+0000"), "like_count": i,
                 "comments_count": 1} for n, (at, own, i) in enumerate(chunk) if own]
        node["media"] = {"data": data, "paging": {"cursors": {"before": str(start),
                                                              **({"after": str(after)} if after is not None else {})}}}
    else:
        social = social_of(world)
        node.update(username=found.handle, name=found.name, biography=found.bio, followers_count=followers_of(world, found),
                    follows_count=found.following, media_count=sum(1 for _, own, _ in social.posts(found) if own))
    return json_reply({"business_discovery": node, "id": request.path.strip("/")})
