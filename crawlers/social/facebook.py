"""Facebook: the Graph API with the organization's own page token, for the health system's own Pages.

- ``/PAGE?fields=id,username,name,about,fan_count,followers_count`` (or ``?ids=A,B&fields=…`` for several):
  ``followers_count`` is the Page's followers, ``fan_count`` its likes (kept apart: they differ, and a Page that
  stops reporting one must not look like a drop in the other). A field not asked for is None.
- ``/PAGE/posts?fields=created_time,from,reactions.summary(true).limit(0),comments.summary(true).limit(0),shares``
  (or ``/feed``): the Page's posts, newest first. A post ``from`` someone else (a visitor's, on ``/feed``) is not
  the Page's own. Interactions: ``reactions.summary.total_count + comments.summary.total_count + shares.count``;
  ``shares`` is left out of the answer when nobody shared, so its absence is 0; without the reaction and comment
  summaries the interactions are None. Next page: ``paging.next``.

Errors: see ``crawlers.social.graph``.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

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

NETWORK = "facebook"
_POSTS_PATH = re.compile(r"/([^/]+)/(posts|feed|published_posts)/?$")


def parse_pages(answer) -> list[Profile] | Failure:
    """A Page node, or the ``?ids=`` batch of several: their profiles."""
    data = read_json(answer)
    if answer.status != 200 or not isinstance(data, dict) or "error" in data:
        return graph_error(NETWORK, answer, data)
    nodes = [data] if "id" in data else [n for n in data.values() if isinstance(n, dict) and n.get("id")]
    if not nodes:
        return not_recognised(NETWORK, answer, "Facebook Page")
    return [page_of(node) for node in nodes]


def page_of(node: dict) -> Profile:
    return Profile(
        NETWORK, str(node.get("username") or node["id"]).lower(),
        network_id=str(node["id"]),
        name=text(node.get("name")),
        bio=text(node.get("about")) or text(node.get("description")),
        followers=count(node.get("followers_count")),
        likes=count(node.get("fan_count")),
    )


def parse_posts(answer) -> PostsPage | Failure:
    """A Page's posts (or feed): one page of them."""
    data = read_json(answer)
    if answer.status != 200 or not isinstance(data, dict) or "error" in data:
        return graph_error(NETWORK, answer, data)
    if not isinstance(data.get("data"), list):
        return not_recognised(NETWORK, answer, "Facebook posts")
    posts = []
    for number, post in enumerate(data["data"], 1):
        at = moment(post.get("created_time")) if isinstance(post, dict) else None
        if at is None:
            return Failure(NETWORK, "error", f"Facebook post {number} has no readable date at {answer.url}")
        page_id = str(post.get("id") or "").split("_")[0]
        author = post.get("from") if isinstance(post.get("from"), dict) else None
        own = author is None or str(author.get("id")) == page_id
        posts.append(Post(at, own, _interactions(post)))
    path = _POSTS_PATH.search(urlsplit(answer.url).path)
    paging = data.get("paging") if isinstance(data.get("paging"), dict) else {}
    return PostsPage(NETWORK, path.group(1).lower() if path else "", tuple(posts), text(paging.get("next")))


def _interactions(post: dict) -> int | None:
    reactions = _summary_total(post.get("reactions"))
    comments = _summary_total(post.get("comments"))
    if reactions is None or comments is None:
        return None
    shares = post.get("shares")
    shared = count(shares.get("count")) if isinstance(shares, dict) else 0  # left out when nobody shared
    return reactions + comments + shared if shared is not None else None


def _summary_total(edge) -> int | None:
    summary = edge.get("summary") if isinstance(edge, dict) else None
    return count(summary.get("total_count")) if isinstance(summary, dict) else None
