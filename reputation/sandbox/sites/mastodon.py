"""Mastodon instances in the sandbox (``/mastodon/{instance}/api/v1/...``), answering as Mastodon does.

- ``api/v1/accounts/lookup?acct=NAME``: the account, or ``404 {"error": "Record not found"}``;
- ``api/v1/accounts/{id}/statuses?limit=N&max_id=ID``: statuses newest first, a boost with ``reblog`` set, and a
  ``Link: <...>; rel="next"`` header while there are more.
Broken: ``followers`` for ``followers_count``.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlencode

from reputation.sandbox.sites import Reply, Request, json_reply
from reputation.sandbox.social_world import account_on, followers_of, posts_page, stamp
from reputation.sandbox.social_world import social_of
from reputation.sandbox.world import World


def handle(world: World, request: Request) -> Reply:
    host, _, call = request.path.partition("/")
    if call == "api/v1/accounts/lookup":
        found = account_on(world, "mastodon", f"{request.query.get('acct', '').lower()}@{host}")
        if found is None:
            return json_reply({"error": "Record not found"}, 404)
        counts = {"followers_count": followers_of(world, found), "following_count": found.following,
                  "statuses_count": sum(1 for _, own, _ in social_of(world).posts(found) if own)}
        if request.broken:
            counts = {"followers": counts["followers_count"]}
        user = found.handle.partition("@")[0]
        return json_reply({"id": str(int(found.did[-6:], 36)), "username": user, "acct": user,
                           "display_name": found.name, "note": f"<p>{found.bio}</p>",
                           "created_at": found.created_at.date().isoformat() + "T00:00:00.000Z", **counts})
    match = re.fullmatch(r"api/v1/accounts/(\d+)/statuses", call)
    if match:
        found = next((a for a in social_of(world).networks["mastodon"].values()
                      if str(int(a.did[-6:], 36)) == match.group(1) and a.handle.endswith("@" + host)), None)
        if found is None:
            return json_reply({"error": "Record not found"}, 404)
        limit = min(40, int(request.query.get("limit") or 20))
        start = int(request.query.get("max_id") or 0)
        chunk, after = posts_page(world, found, start, limit)
        statuses = []
        for number, (at, own, interactions) in enumerate(chunk, start + 1):
            status = {"id": str(number), "created_at": stamp(at), "replies_count": 0, "reblogs_count": 0,
                      "favourites_count": interactions, "reblog": None}
            if not own:
                status["reblog"] = {"id": f"9{number}", "created_at": stamp(at), "favourites_count": 3}
            statuses.append(status)
        headers = {}
        if after is not None:
            link = f"{request.origin}{request.prefix}/{host}/{call}?" + urlencode({"limit": limit, "max_id": after})
            headers["Link"] = f'<{link}>; rel="next"'
        return Reply(200, json.dumps(statuses), "application/json", headers)
    return json_reply({"error": "Not Found"}, 404)
