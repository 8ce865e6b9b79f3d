"""X API v2 in the sandbox (``/x/2/...``), answering as the real one does.

- ``users/by?usernames=A,B&user.fields=…``: ``{"data": [...], "errors": [...]}``, an unknown username as a
  "Not Found Error" naming it;
- ``users/{id}/tweets?max_results=N&pagination_token=T``: ``{"data": [...], "meta": {"next_token": ...}}``, a
  retweet with ``referenced_tweets`` of type ``retweeted``.
A bearer token is required (none: ``401 Unauthorized``). Broken: ``metrics`` for ``public_metrics``.
"""

from __future__ import annotations

import re

from reputation.sandbox.sites import Reply, Request, json_reply
from reputation.sandbox.social_world import account_on, followers_of, posts_page, stamp
from reputation.sandbox.social_world import social_of
from reputation.sandbox.world import World


def _user_id(found) -> str:
    return str(int(found.did[-8:], 36))


def handle(world: World, request: Request) -> Reply:
    if not request.headers.get("authorization", "").startswith("Bearer ") or request.headers["authorization"] == "Bearer ":
        return json_reply({"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}, 401)
    social = social_of(world)
    if request.path == "2/users/by":
        data, errors = [], []
        for name in [n for n in request.query.get("usernames", "").split(",") if n]:
            found = account_on(world, "x", name)
            if found is None:
                errors.append({"value": name, "detail": f"Could not find user with usernames: [{name}].",
                               "title": "Not Found Error", "resource_type": "user", "parameter": "usernames",
                               "type": "https://api.twitter.com/2/problems/resource-not-found"})
                continue
            metrics = {"followers_count": followers_of(world, found), "following_count": found.following,
                       "tweet_count": sum(1 for _, own, _ in social.posts(found) if own), "listed_count": 0}
            data.append({"id": _user_id(found), "username": found.handle, "name": found.name,
                         "description": found.bio, "created_at": stamp(found.created_at),
                         "metrics" if request.broken else "public_metrics": metrics})
        return json_reply({**({"data": data} if data else {}), **({"errors": errors} if errors else {})})
    match = re.fullmatch(r"2/users/(\d+)/tweets", request.path)
    if match:
        found = next((a for a in social.networks["x"].values() if _user_id(a) == match.group(1)), None)
        if found is None:
            return json_reply({"errors": [{"value": match.group(1), "detail": "Could not find user",
                                           "title": "Not Found Error"}]})
        size = min(100, int(request.query.get("max_results") or 10))
        chunk, after = posts_page(world, found, int(request.query.get("pagination_token") or 0), size)
        tweets = []
        for number, (at, own, interactions) in enumerate(chunk):
            tweet = {"id": f"{match.group(1)}{number}", "text": "…", "created_at": stamp(at),
                     "public_metrics": {"like_count": interactions, "retweet_count": 0, "reply_count": 0, "quote_count": 0}}
            if not own:
                tweet["referenced_tweets"] = [{"type": "retweeted", "id": "1"}]
            tweets.append(tweet)
        meta = {"result_count": len(tweets), **({"next_token": str(after)} if after is not None else {})}
        return json_reply({**({"data": tweets} if tweets else {}), "meta": meta})
    return json_reply({"title": "Not Found Error", "status": 404, "detail": "Not found"}, 404)
