"""X: API v2 with a bearer token (``https://api.x.com/2/…``; X charges for read access).

- ``users/by/username/NAME``, ``users/by?usernames=A,B`` (up to 100), ``users/ID``, ``users?ids=…``, each with
  ``user.fields=public_metrics,created_at,description``: ``public_metrics.followers_count``,
  ``following_count``, ``tweet_count``. Without ``public_metrics`` in the answer (the default fields) the counts
  are None. Accounts the answer cannot give come as ``errors[]`` entries naming them: "Could not find user" is
  not_found, "User has been suspended" suspended, a protected or otherwise forbidden account blocked.
- ``users/ID/tweets?tweet.fields=created_at,public_metrics,referenced_tweets,author_id``: the account's posts,
  newest first. A retweet (``referenced_tweets`` of type ``retweeted``; without that field, a text starting
  "RT @") is not its own post; replies and quotes are. Interactions: ``like_count + retweet_count + reply_count +
  quote_count``. Next page: ``meta.next_token``. With ``expansions=author_id`` the answer also carries the
  author's profile (``includes.users``), read by ``author_of_tweets``.

Errors of the whole call: ``{"title", "detail", "status"}`` (or the older ``{"errors": [{"message", "code"}]}``).
401, 402 (no credits left), 403 and 429 are blocked; the rest an error.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from crawlers.social.answers import (
    REFUSING_HTTP,
    Failure,
    Post,
    PostsPage,
    Profile,
    count,
    http_failure,
    moment,
    not_recognised,
    read_json,
    text,
    total,
    unread,
)

NETWORK = "x"
USERS_PER_REQUEST = 100
_TWEETS_PATH = re.compile(r"/2/users/([^/]+)/tweets/?$")


def parse_users(answer) -> list[Profile] | Failure:
    """Any users lookup: a profile for every user the answer names, those it could not give included."""
    data = read_json(answer)
    if answer.status != 200 or not isinstance(data, dict) or not ("data" in data or "errors" in data):
        return error_of(answer, data)
    users = data.get("data")
    users = [users] if isinstance(users, dict) else users if isinstance(users, list) else []
    found = [user_of(u) for u in users if isinstance(u, dict) and u.get("id")]
    missing = [_unread_user(e) for e in data.get("errors") or [] if isinstance(e, dict) and e.get("value")]
    if not found and not missing:
        return _call_error(answer, data)
    return found + missing


def user_of(data: dict) -> Profile:
    metrics = data.get("public_metrics") if isinstance(data.get("public_metrics"), dict) else {}
    return Profile(
        NETWORK, str(data.get("username") or data["id"]).lower(),
        network_id=str(data["id"]),
        name=text(data.get("name")),
        bio=text(data.get("description")),
        followers=count(metrics.get("followers_count")),
        following=count(metrics.get("following_count")),
        posts=count(metrics.get("tweet_count")),
        created_at=moment(data.get("created_at")),
    )


def parse_tweets(answer) -> PostsPage | Failure:
    """users/:id/tweets: one page of the account's posts."""
    data = read_json(answer)
    if answer.status != 200 or not isinstance(data, dict):
        return error_of(answer, data)
    if "data" not in data and "meta" not in data:
        return _call_error(answer, data)
    path = _TWEETS_PATH.search(urlsplit(answer.url).path)
    user_id = path.group(1) if path else None
    posts = []
    for number, tweet in enumerate(data.get("data") or [], 1):
        at = moment(tweet.get("created_at")) if isinstance(tweet, dict) else None
        if at is None:
            return Failure(NETWORK, "error", f"post {number} has no readable date (ask tweet.fields=created_at) "
                                             f"at {answer.url}")
        metrics = tweet.get("public_metrics") or {}
        author = tweet.get("author_id")
        own = not _is_retweet(tweet) and (author is None or user_id is None or str(author) == user_id)
        posts.append(Post(at, own, total(metrics.get("like_count"), metrics.get("retweet_count"),
                                         metrics.get("reply_count"), metrics.get("quote_count"))))
    meta = data.get("meta") if isinstance(data.get("meta"), dict) else {}
    return PostsPage(NETWORK, user_id or "", tuple(posts), text(meta.get("next_token")))


def author_of_tweets(answer) -> Profile | None:
    """The author's profile a users/:id/tweets answer carries (``expansions=author_id``), if it does."""
    data = read_json(answer)
    path = _TWEETS_PATH.search(urlsplit(answer.url).path)
    if not isinstance(data, dict) or not path:
        return None
    users = (data.get("includes") or {}).get("users") or []
    author = next((u for u in users if isinstance(u, dict) and str(u.get("id")) == path.group(1)), None)
    return user_of(author) if author else None


def _is_retweet(tweet: dict) -> bool:
    references = tweet.get("referenced_tweets")
    if isinstance(references, list):
        return any(isinstance(r, dict) and r.get("type") == "retweeted" for r in references)
    return str(tweet.get("text") or "").startswith("RT @")


def _unread_user(error: dict) -> Profile:
    detail = " ".join(str(error.get("detail") or error.get("title") or "").split())
    title = str(error.get("title") or "")
    kind = str(error.get("type") or "")
    if "suspended" in detail.lower():
        status = "suspended"
    elif title == "Not Found Error" or kind.endswith("/resource-not-found"):
        status = "not_found"
    elif title in ("Authorization Error", "Forbidden") or kind.endswith("/not-authorized-for-resource"):
        status = "blocked"
    else:
        status = "error"
    return unread(NETWORK, str(error["value"]).lower(), status, f"X: {detail}")


def error_of(answer, data) -> Failure:
    """An answer with the API's error format, or one that is not the API's at all."""
    if not isinstance(data, dict):
        return http_failure(NETWORK, answer, "X API")
    return _call_error(answer, data)


def _call_error(answer, data: dict) -> Failure:
    errors = [e for e in data.get("errors") or [] if isinstance(e, dict)] if isinstance(data.get("errors"), list) \
        else []
    if errors and errors[0].get("value"):  # about the account asked: the posts of a protected account, say
        account = _unread_user(errors[0])
        return Failure(NETWORK, account.status, account.reason)
    first = errors[0] if errors else {}
    message = data.get("detail") or data.get("title") or first.get("detail") or first.get("message")
    if not message:
        return not_recognised(NETWORK, answer, "X API") if answer.status == 200 else \
            http_failure(NETWORK, answer, "X API")
    status = "blocked" if answer.status in REFUSING_HTTP else "error"
    return Failure(NETWORK, status, f"X API (HTTP {answer.status}): {' '.join(str(message).split())}")
