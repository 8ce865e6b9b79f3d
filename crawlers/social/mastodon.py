"""Mastodon: the public API of the account's own instance, no key.

- ``/api/v1/accounts/lookup?acct=NAME`` and ``/api/v1/accounts/ID``: ``followers_count``, ``following_count``,
  ``statuses_count``, ``created_at`` (a day), ``note`` (HTML). ``suspended: true`` is suspended (the counts are
  then left out); ``moved`` names the account it moved to. ``last_status_at`` is not read: it is a day, and it
  counts boosts and statuses the public cannot see, so it is no "last own post".
- ``/api/v1/accounts/ID/statuses?exclude_reblogs=true``: the account's statuses, newest first. A boost (``reblog``
  set) is not its own post; its counts belong to the boosted status. Interactions: ``replies_count +
  reblogs_count + favourites_count``. Next page: the ``Link`` header's ``rel="next"``; without one, the page
  after the oldest status listed (``max_id``), until a page comes back empty.

Errors come as ``{"error": TEXT}``: 404 ("Record not found") and 410 are not_found; 401/403 (an instance that
shows nothing without a login) and 429 are blocked.
"""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from crawlers.social.answers import (
    Failure,
    Post,
    PostsPage,
    Profile,
    count,
    header,
    http_failure,
    moment,
    not_recognised,
    read_json,
    text,
    total,
    unread,
)

NETWORK = "mastodon"
_STATUSES_PATH = re.compile(r"/api/v1/accounts/([^/]+)/statuses/?$")
_NEXT_LINK = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')
_BREAK = re.compile(r"<br\s*/?>|</p>", re.I)
_TAG = re.compile(r"<[^>]+>")


def parse_account(answer) -> Profile | Failure:
    """An account answer (lookup or by id)."""
    data = read_json(answer)
    if answer.status != 200 or not isinstance(data, dict):
        return error_of(answer, data)
    if not data.get("id") or not data.get("username"):
        return not_recognised(NETWORK, answer, "Mastodon account")
    account = qualified(data.get("acct") or data["username"], answer.url)
    if data.get("suspended"):
        return Profile(NETWORK, account, "suspended", "suspended by its instance", network_id=str(data["id"]))
    moved = data.get("moved")
    return Profile(
        NETWORK, account,
        network_id=str(data["id"]),
        name=text(data.get("display_name")),
        bio=_plain(data.get("note")),
        followers=count(data.get("followers_count")),
        following=count(data.get("following_count")),
        posts=count(data.get("statuses_count")),
        created_at=moment(data.get("created_at")),
        moved_to=qualified(moved["acct"], answer.url) if isinstance(moved, dict) and moved.get("acct") else None,
    )


def parse_statuses(answer) -> PostsPage | Failure:
    """One page of an account's statuses."""
    data = read_json(answer)
    if answer.status != 200 or not isinstance(data, list):
        return error_of(answer, data) if answer.status != 200 else not_recognised(NETWORK, answer, "Mastodon statuses")
    path = _STATUSES_PATH.search(urlsplit(answer.url).path)
    posts = []
    for number, status in enumerate(data, 1):
        at = moment(status.get("created_at")) if isinstance(status, dict) else None
        if at is None:
            return Failure(NETWORK, "error", f"Mastodon status {number} has no readable date at {answer.url}")
        posts.append(Post(at, own=not status.get("reblog"), interactions=total(
            status.get("replies_count"), status.get("reblogs_count"), status.get("favourites_count"))))
    return PostsPage(NETWORK, path.group(1) if path else "", tuple(posts), _next_page(answer, data))


def qualified(acct: str, url: str) -> str:
    """``user@instance`` for an ``acct`` as the instance writes it (its own accounts without the instance)."""
    acct = str(acct).lower().removeprefix("@")
    return acct if "@" in acct else f"{acct}@{urlsplit(url).netloc.lower()}"


def error_of(answer, data) -> Failure | Profile:
    message = data.get("error") if isinstance(data, dict) else None
    if not message:
        return http_failure(NETWORK, answer, "Mastodon")
    reason = f"Mastodon: {' '.join(str(message).split())} (HTTP {answer.status})"
    if answer.status in (404, 410):
        asked = (parse_qs(urlsplit(answer.url).query).get("acct") or [None])[0]
        return unread(NETWORK, qualified(asked, answer.url), "not_found", reason) if asked else \
            Failure(NETWORK, "not_found", reason)
    return Failure(NETWORK, "blocked" if answer.status in (401, 403, 429) else "error", reason)


def _next_page(answer, statuses: list) -> str | None:
    link = header(answer, "Link") or ""
    found = _NEXT_LINK.search(link)
    if found:
        return found.group(1)
    if not statuses or not statuses[-1].get("id"):
        return None
    parts = urlsplit(answer.url)
    query = {k: v[-1] for k, v in parse_qs(parts.query).items() if k not in ("max_id", "min_id", "since_id")}
    return urlunsplit(parts._replace(query=urlencode({**query, "max_id": statuses[-1]["id"]})))


def _plain(html) -> str | None:
    """A note's text: markup dropped, paragraphs and line breaks kept apart by a space (an affiliation is looked
    for in words; links are split into spans that must join up again)."""
    if not isinstance(html, str):
        return None
    return text(" ".join(unescape(_TAG.sub("", _BREAK.sub(" ", html))).split()))
