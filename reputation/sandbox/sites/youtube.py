"""The YouTube Data API v3 in the sandbox (``/youtube/youtube/v3/...``), answering as the real one does.

- ``channels?part=…&id=A,B`` (or ``forHandle=@name``, ``forUsername=name``): ``youtube#channelListResponse`` with
  the channels found (an unknown id is simply left out), ``subscriberCount`` as a string;
- ``playlistItems?part=…&playlistId=UU…&pageToken=T``: ``youtube#playlistItemListResponse``, uploads newest first,
  ``nextPageToken`` while there are more.
A key is required (``key=``; none: ``403 forbidden``). Broken: ``subscribers`` for ``subscriberCount``.
"""

from __future__ import annotations

from reputation.sandbox.sites import Reply, Request, json_reply
from reputation.sandbox.social_world import account_on, followers_of, posts_page, stamp
from reputation.sandbox.social_world import social_of
from reputation.sandbox.world import World


def _error(code: int, reason: str, message: str) -> Reply:
    return json_reply({"error": {"code": code, "message": message, "errors": [{"reason": reason, "message": message}]}},
                      code)


def handle(world: World, request: Request) -> Reply:
    if not request.query.get("key"):
        return _error(403, "forbidden", "The request is missing a valid API key.")
    call = request.path.removeprefix("youtube/v3/")
    social = social_of(world)
    if call == "channels":
        q = request.query
        keys = q["id"].split(",") if q.get("id") else [q.get("forHandle") or q.get("forUsername") or ""]
        items = []
        for key in keys:
            found = account_on(world, "youtube", key)  # the world's channels are known by id only
            if found is None:
                continue
            stats = {"viewCount": str(followers_of(world, found) * 40), "hiddenSubscriberCount": False,
                     "videoCount": str(sum(1 for _, own, _ in social.posts(found) if own))}
            stats["subscribers" if request.broken else "subscriberCount"] = str(followers_of(world, found))
            items.append({"kind": "youtube#channel", "id": found.handle,
                          "snippet": {"title": found.name, "description": found.bio, "publishedAt": stamp(found.created_at)},
                          "statistics": stats,
                          "contentDetails": {"relatedPlaylists": {"uploads": "UU" + found.handle[2:]}}})
        return json_reply({"kind": "youtube#channelListResponse", "pageInfo": {"totalResults": len(items)}, "items": items})
    if call == "playlistItems":
        playlist = request.query.get("playlistId", "")
        found = account_on(world, "youtube", "UC" + playlist[2:])
        if found is None:
            return _error(404, "playlistNotFound", "The playlist identified with the request's playlistId parameter cannot be found.")
        size = min(50, int(request.query.get("maxResults") or 5))
        chunk, after = posts_page(world, found, int(request.query.get("pageToken") or 0), size)
        items = [{"kind": "youtube#playlistItem",
                  "snippet": {"publishedAt": stamp(at), "channelId": found.handle,
                              "videoOwnerChannelId": found.handle if own else "UCsomebodyelse0000000000"},
                  "contentDetails": {"videoPublishedAt": stamp(at)}} for at, own, _ in chunk]
        body = {"kind": "youtube#playlistItemListResponse", "items": items}
        if after is not None:
            body["nextPageToken"] = str(after)
        return json_reply(body)
    return _error(404, "notFound", "Not Found")
