"""What a social network's API answer says, in one shape for every network.

An answer (``Answer``, or a Scrapy response: anything with ``url``, ``status``, ``body`` and ``headers``) becomes:

- ``Profile``: one account's profile, or why it could not be read (``status``);
- ``PostsPage``: one page of an account's feed, newest first, with the link to the next page;
- ``Relationship``: whether two accounts follow each other;
- ``Failure``: an answer that tells nothing of the accounts asked (rate limited, a server error, not JSON, a call
  repmon does not make). Its accounts are unknown this week, never gone.

Statuses are the searches': ``ok``, ``not_found`` (the network said so: only then is an account gone),
``suspended``, ``blocked`` (refused, rate limited, protected) and ``error`` (anything else, an answer not
understood included). A number an answer does not carry is None, never 0.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

STATUSES = ("ok", "not_found", "suspended", "blocked", "error")
REFUSING_HTTP = (401, 402, 403, 429)  # refused or rate limited: "blocked", as on any source


@dataclass(frozen=True)
class Answer:
    """A saved answer: the request's URL, the HTTP status, the body and the headers (names in any case)."""

    url: str
    status: int = 200
    body: bytes | str = b""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Failure:
    network: str
    status: str
    reason: str


@dataclass(frozen=True)
class Profile:
    network: str
    account: str  # as the network names it: handle, username, user@instance, channel id, page username or id
    status: str = "ok"
    reason: str = ""
    network_id: str | None = None  # the network's own lasting id: DID, numeric id, channel id
    name: str | None = None
    bio: str | None = None
    followers: int | None = None
    following: int | None = None
    posts: int | None = None
    created_at: datetime | None = None
    moved_to: str | None = None  # Mastodon: the account it moved to
    likes: int | None = None  # Facebook: the Page's likes (fan_count), not its followers
    views: int | None = None  # YouTube: the channel's views
    uploads_playlist: str | None = None  # YouTube: where the channel's uploads are listed


def unread(network: str, account: str, status: str, reason: str) -> Profile:
    """The profile of an account the answer names but could not give (not found, suspended, ...)."""
    return Profile(network, account, status=status, reason=reason)


@dataclass(frozen=True)
class Post:
    at: datetime  # when it entered the account's feed: written, or reposted
    own: bool  # False: a repost, boost or retweet of someone else's post
    interactions: int | None  # likes, reposts, replies and quotes (per network: see its module); None: not given


@dataclass(frozen=True)
class PostsPage:
    network: str
    account: str  # as the request named it
    posts: tuple[Post, ...]
    next_page: str | None  # cursor, token or URL of the next page; None: the feed ends here


@dataclass(frozen=True)
class Relationship:
    network: str
    actor: str
    other: str
    follows: bool | None  # actor follows other
    followed_by: bool | None  # other follows actor
    status: str = "ok"
    reason: str = ""


# ----- reading answers -------------------------------------------------------------------------------------------


def read_json(answer):
    """The answer's JSON, or None when its body is none."""
    body = answer.body
    try:
        return json.loads(body.decode("utf-8-sig") if isinstance(body, bytes) else body)
    except (ValueError, UnicodeDecodeError, AttributeError):
        return None


def header(answer, name: str) -> str | None:
    """A header of the answer (a Scrapy response's or a saved answer's), or None."""
    headers = getattr(answer, "headers", None) or {}
    if hasattr(headers, "getlist"):  # Scrapy's Headers: bytes, case-insensitive
        value = headers.get(name)
        return value.decode("latin-1") if value is not None else None
    for key, value in headers.items():
        if key.lower() == name.lower():
            return str(value)
    return None


def http_failure(network: str, answer, what: str) -> Failure:
    """An answer the network's own error format did not explain: refused (401/402/403/429) or an error."""
    status = "blocked" if answer.status in REFUSING_HTTP else "error"
    return Failure(network, status, f"{what} answered HTTP {answer.status}")


def not_recognised(network: str, answer, what: str) -> Failure:
    """A 200 answer without what the call returns: the API changed, or the wrong call; never "no account"."""
    return Failure(network, "error", f"{what} answer not recognised at {answer.url}")


def count(value) -> int | None:
    """A count as the APIs write it (1036, "1927873"); None for anything else (absent, negative, a boolean)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def total(*values) -> int | None:
    """The sum of the counts given; None when none is given (an absent count is not a zero)."""
    known = [c for c in map(count, values) if c is not None]
    return sum(known) if known else None


def moment(value) -> datetime | None:
    """An API's time ("2023-10-03T02:49:12.980686Z", "2021-07-09T19:09:52+0000", a date) in UTC, or None."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def text(value) -> str | None:
    return value if isinstance(value, str) and value.strip() else None
