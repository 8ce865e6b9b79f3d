"""An account's weekly snapshot: its profile's counts and its own posts of the last 28 days, as of a given time.

- ``last_own_post_at``: the newest own post read (reposts, boosts and retweets are not the account's own posts;
  replies and quotes are). Posts after ``as_of`` are left out: the snapshot says what was true then.
- ``own_posts_28d``: own posts in the 28 days up to ``as_of``. Only counted when the pages read reach back past
  the window's start, or to the feed's end (no next page, or a page without posts); otherwise None (unknown),
  never a count too low.
- ``interactions_per_post``: the mean interactions (likes, reposts, replies, quotes: see each network's module)
  of those own posts; None without own posts in the window or when the network gives no per-post counts
  (YouTube's playlist items).
- ``engagement_rate``: ``interactions_per_post / followers``, a fraction (0.012 is 1.2 %): how much of its
  audience a typical post reaches. None when followers are unknown or 0, or interactions per post are None.

A profile that could not be read gives its status and reason and no numbers: unknown this week, never gone. A
profile read whose posts could not be read keeps its counts; the post figures are None and the reason says why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from crawlers.social.answers import Failure, PostsPage, Profile

WINDOW = timedelta(days=28)


@dataclass(frozen=True)
class Snapshot:
    network: str
    account: str
    status: str
    reason: str = ""
    followers: int | None = None
    following: int | None = None
    posts: int | None = None
    created_at: datetime | None = None
    last_own_post_at: datetime | None = None
    own_posts_28d: int | None = None
    interactions_per_post: float | None = None
    engagement_rate: float | None = None


def weekly_snapshot(network: str, account: str, profile: Profile | Failure,
                    pages: Sequence[PostsPage | Failure], as_of: datetime) -> Snapshot:
    """The snapshot of ``account`` from its profile answer and the pages of its feed read, newest first."""
    if isinstance(profile, Failure) or profile.status != "ok":
        return Snapshot(network, account, profile.status, profile.reason)
    counts = dict(followers=profile.followers, following=profile.following, posts=profile.posts,
                  created_at=profile.created_at)
    read = []
    for page in pages:
        if isinstance(page, Failure):
            if not read:
                return Snapshot(network, account, "ok", f"posts not read: {page.reason}", **counts)
            break  # the pages before it still tell the newest posts
        read.append(page)
    if not read:
        return Snapshot(network, account, "ok", "posts not read", **counts)
    posts = [post for page in read for post in page.posts if post.at <= as_of]
    own = [post for post in posts if post.own]
    start = as_of - WINDOW
    end = read[-1].next_page is None or not read[-1].posts  # some APIs hand out a cursor to an empty page
    covered = end or any(post.at < start for post in posts)
    recent = [post for post in own if post.at >= start] if covered else None
    per_post = _mean_interactions(recent)
    followers = profile.followers
    return Snapshot(
        network, account, "ok", "", **counts,
        last_own_post_at=max((post.at for post in own), default=None),
        own_posts_28d=len(recent) if recent is not None else None,
        interactions_per_post=per_post,
        engagement_rate=per_post / followers if per_post is not None and followers else None,
    )


def _mean_interactions(posts) -> float | None:
    if not posts or any(post.interactions is None for post in posts):
        return None
    return sum(post.interactions for post in posts) / len(posts)
