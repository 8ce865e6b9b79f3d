"""The forms each network's accounts are written in: readers from a handle or an address to the canonical id, and
back to the profile address. ``reputation.social.accounts`` chooses the reader; the table of forms is there.

A text reader gets what a person typed (``@DrJane``); an address reader the address's host, its path segments
(decoded) and its query. Either returns the canonical id or raises ``AccountError`` with the reason.
"""

from __future__ import annotations

import re


class AccountError(ValueError):
    """Why a pasted account is no account of its network (the message is for the user)."""


POST = "a post, not an account"
SHARE = "a share link, not an account"
NO_ACCOUNT = "the address names no account"

_HOST = re.compile(r"(?=.{1,253}(?::|$))(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}(?::\d{1,5})?"
                   r"|localhost(?::\d{1,5})?")


def _first(segments: list[str]) -> str:
    if not segments:
        raise AccountError(NO_ACCOUNT)
    return segments[0].lower()


# ----- X ---------------------------------------------------------------------------------------------------------

_X_NAME = re.compile(r"[A-Za-z0-9_]{1,15}")
_X_PAGES = {"home", "explore", "search", "hashtag", "settings", "notifications", "messages", "login", "logout",
            "signup", "tos", "privacy", "compose", "about", "download", "jobs", "account", "i"}


def _x_text(text: str) -> str:
    name = text.removeprefix("@")
    if not _X_NAME.fullmatch(name):
        raise AccountError("not an X username (letters, digits and _, at most 15)")
    if name.lower() in _X_PAGES | {"intent", "share"}:
        raise AccountError(f"not an account's address (x.com/{name.lower()})")
    return name.lower()


def _x_url(host: str, segments: list[str], query: dict) -> str:
    first = _first(segments)
    if first in ("intent", "share") or segments[1:2] == ["intent"]:
        raise AccountError(SHARE)
    if len(segments) > 1 and segments[1].lower() in ("status", "statuses") or "status" in segments[2:3]:
        raise AccountError(POST)  # /name/status/1, /i/web/status/1
    if first in _X_PAGES:
        raise AccountError(f"not an account's address (x.com/{first})")
    return _x_text(segments[0])


# ----- Bluesky ---------------------------------------------------------------------------------------------------

_DID = re.compile(r"did:plc:[a-z2-7]{24}|did:web:[a-z0-9.-]+")
_DOMAIN = re.compile(r"(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?")


def _bluesky_text(text: str) -> str:
    value = text.removeprefix("@").lower()
    if value.startswith("did:"):
        if not _DID.fullmatch(value):
            raise AccountError("not a Bluesky DID (did:plc: and 24 letters and digits, or did:web:…)")
        return value
    if "." not in value:
        raise AccountError("a Bluesky handle is a domain name, e.g. drjane.bsky.social")
    if not _DOMAIN.fullmatch(value):
        raise AccountError("not a Bluesky handle (a domain name such as drjane.bsky.social)")
    return value


def _bluesky_url(host: str, segments: list[str], query: dict) -> str:
    if _first(segments) != "profile" or len(segments) < 2:
        raise AccountError("not a Bluesky profile address (bsky.app/profile/…)")
    more = segments[2].lower() if len(segments) > 2 else ""
    if more == "post":
        raise AccountError(POST)
    if more in ("feed", "lists"):
        raise AccountError("a feed or list, not an account")
    return _bluesky_text(segments[1])


# ----- Mastodon --------------------------------------------------------------------------------------------------

_MASTODON_USER = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?")


def _mastodon_text(text: str) -> str:
    user, at, host = text.removeprefix("@").partition("@")
    if not at:
        raise AccountError("a Mastodon account needs its instance, e.g. @drjane@mastodon.social")
    return _mastodon_id(user, host)


def _mastodon_id(user: str, host: str) -> str:
    host = host.lower()
    if not _MASTODON_USER.fullmatch(user):
        raise AccountError("not a Mastodon username (letters, digits and _)")
    if not _HOST.fullmatch(host):
        raise AccountError(f"not a Mastodon instance ({host})")
    return f"{user.lower()}@{host}"


def _mastodon_url(host: str, segments: list[str], query: dict) -> str:
    if segments[:1] == ["web"]:  # the old web app's addresses: /web/@name, /web/statuses/1
        segments = segments[1:]
    first = _first(segments)
    if first.startswith("@"):
        if len(segments) > 1 and segments[1].isdigit():
            raise AccountError(POST)
        user, _, elsewhere = segments[0][1:].partition("@")  # mastodon.social/@name@other.host: a remote account
        return _mastodon_id(user, elsewhere or host)
    if first == "users" and len(segments) > 1:
        if "statuses" in segments[2:3]:
            raise AccountError(POST)
        return _mastodon_id(segments[1], host)
    if first == "statuses":
        raise AccountError(POST)
    raise AccountError(f"not a Mastodon profile address (expected https://{host}/@name)")


# ----- YouTube ---------------------------------------------------------------------------------------------------

_CHANNEL_ID = re.compile(r"UC[A-Za-z0-9_-]{22}")
_YOUTUBE_HANDLE = re.compile(r"[\w.-]{3,30}")
_YOUTUBE_NAME = re.compile(r"[\w.-]{1,100}")
_YOUTUBE_VIDEO = {"watch", "shorts", "live", "embed", "v", "clip", "post"}
_YOUTUBE_PAGES = {"results", "feed", "premium", "account", "redirect", "hashtag", "about", "howyoutubeworks",
                  "kids", "gaming", "music", "signin", "logout", "t"}


def _youtube_text(text: str) -> str:
    if _CHANNEL_ID.fullmatch(text):
        return text
    kind, slash, name = text.partition("/")
    if slash and kind.lower() in ("channel", "user", "c"):
        return _youtube_path(kind.lower(), name.strip("/"))
    return _youtube_handle(text.removeprefix("@"))


def _youtube_handle(name: str) -> str:
    if not _YOUTUBE_HANDLE.fullmatch(name):
        raise AccountError("not a YouTube handle (3 to 30 letters, digits, ., - or _)")
    return "@" + name.lower()


def _youtube_path(kind: str, name: str) -> str:
    if kind == "channel":
        if not _CHANNEL_ID.fullmatch(name):
            raise AccountError("not a YouTube channel id (UC and 22 letters, digits, - or _)")
        return name
    if not _YOUTUBE_NAME.fullmatch(name):
        raise AccountError("not a YouTube channel name")
    return f"{kind}/{name.lower()}"


def _youtube_url(host: str, segments: list[str], query: dict) -> str:
    if host == "youtu.be" or host.endswith(".youtu.be"):
        raise AccountError("a video, not a channel")
    first = _first(segments)
    if first.startswith("@"):
        return _youtube_handle(segments[0][1:])
    if first in _YOUTUBE_VIDEO:
        raise AccountError("a video, not a channel")
    if first == "playlist":
        raise AccountError("a playlist, not a channel")
    if first in ("channel", "user", "c"):
        if len(segments) < 2:
            raise AccountError(NO_ACCOUNT)
        return _youtube_path(first, segments[1])
    if first in _YOUTUBE_PAGES:
        raise AccountError(f"not a channel's address (youtube.com/{first})")
    return _youtube_path("c", segments[0])  # youtube.com/Name: a legacy custom address


# ----- LinkedIn --------------------------------------------------------------------------------------------------

_LINKEDIN_KINDS = ("in", "company", "school", "showcase")
_LINKEDIN_SLUG = re.compile(r"[\w-]{2,100}")
_LINKEDIN_ADDRESS = "linkedin.com/in/… for a person, linkedin.com/company/… for an organization"


def _linkedin_text(text: str) -> str:
    kind, slash, slug = text.partition("/")
    if slash and kind.lower() in _LINKEDIN_KINDS:
        return _linkedin_id(kind.lower(), slug.strip("/"))
    raise AccountError(f"paste the LinkedIn address ({_LINKEDIN_ADDRESS})")


def _linkedin_id(kind: str, slug: str) -> str:
    if not _LINKEDIN_SLUG.fullmatch(slug):
        raise AccountError("not a LinkedIn profile name (letters, digits and -)")
    return f"{kind}/{slug.lower()}"


def _linkedin_url(host: str, segments: list[str], query: dict) -> str:
    first = _first(segments)
    if first in _LINKEDIN_KINDS and len(segments) > 1:
        return _linkedin_id(first, segments[1])
    if first == "pub":
        raise AccountError("an old /pub/ address: paste the profile's current linkedin.com/in/… address")
    if first in ("posts", "feed", "pulse"):
        raise AccountError(POST)
    raise AccountError(f"not a LinkedIn profile or page ({_LINKEDIN_ADDRESS})")


# ----- Facebook --------------------------------------------------------------------------------------------------

_FACEBOOK_NAME = re.compile(r"[A-Za-z0-9.]{5,50}")
_FACEBOOK_ID_AT_END = re.compile(r".+-(\d{6,})")  # Dr-Jane-Doe-100063512345678: a page without a username
_FACEBOOK_POSTS = {"watch", "photo", "photo.php", "photos", "story.php", "permalink.php", "reel", "reels", "videos",
                   "video.php", "posts", "media", "notes", "stories"}
_FACEBOOK_NOT_ACCOUNTS = {
    "groups": "a group, not a page or profile",
    "events": "an event, not a page or profile",
    "share": SHARE, "sharer": SHARE, "sharer.php": SHARE, "dialog": SHARE, "plugins": SHARE,
}
_FACEBOOK_PAGES = {"tr", "login", "login.php", "home.php", "help", "policies", "privacy", "settings", "marketplace",
                   "gaming", "hashtag", "search", "business", "ads", "legal", "about"}
_FACEBOOK_SPECIAL = _FACEBOOK_PAGES | _FACEBOOK_POSTS | set(_FACEBOOK_NOT_ACCOUNTS) | {"people", "pages", "profile.php"}


def _facebook_text(text: str) -> str:
    value = text.removeprefix("@")
    return value if value.isdigit() else _facebook_name(value)


def _facebook_name(name: str) -> str:
    if not _FACEBOOK_NAME.fullmatch(name):
        raise AccountError("not a Facebook page or profile name (at least 5 letters, digits or dots)")
    if name.lower() in _FACEBOOK_SPECIAL:
        raise AccountError(f"not a page or profile (facebook.com/{name.lower()})")
    return name.lower()


def _facebook_url(host: str, segments: list[str], query: dict) -> str:
    first = _first(segments)
    if first == "profile.php":
        number = (query.get("id") or [""])[0]
        if not number.isdigit():
            raise AccountError(NO_ACCOUNT)
        return number
    if first in ("people", "pages", "p", "pg"):
        rest = segments[1:]
        numbers = [s for s in rest if s.isdigit()]
        if numbers:
            return numbers[-1]  # /people/Jane-Doe/100…, /pages/Name/123
        if first == "p" and rest and _FACEBOOK_ID_AT_END.fullmatch(rest[0]):
            return _FACEBOOK_ID_AT_END.fullmatch(rest[0]).group(1)
        if first == "pg" and rest:
            return _facebook_name(rest[0])
        raise AccountError(NO_ACCOUNT)
    if first in _FACEBOOK_NOT_ACCOUNTS:
        raise AccountError(_FACEBOOK_NOT_ACCOUNTS[first])
    if first in _FACEBOOK_POSTS or len(segments) > 2 and segments[1].lower() in _FACEBOOK_POSTS:
        raise AccountError("a post, photo or video, not a page or profile")
    if first in _FACEBOOK_PAGES:
        raise AccountError(f"not a page or profile (facebook.com/{first})")
    numbered = _FACEBOOK_ID_AT_END.fullmatch(segments[0])
    return numbered.group(1) if numbered else _facebook_text(segments[0])


# ----- Instagram, TikTok, Doximity -------------------------------------------------------------------------------

_INSTAGRAM_NAME = re.compile(r"[A-Za-z0-9._]{1,30}")
_INSTAGRAM_POSTS = {"p", "reel", "reels", "tv", "stories"}
_INSTAGRAM_PAGES = {"explore", "accounts", "direct", "about", "legal", "developer", "web"}
_TIKTOK_NAME = re.compile(r"[A-Za-z0-9._]{2,24}")
_DOXIMITY_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def _instagram_text(text: str) -> str:
    name = text.removeprefix("@")
    if not _INSTAGRAM_NAME.fullmatch(name):
        raise AccountError("not an Instagram username (letters, digits, . and _, at most 30)")
    if name.lower() in _INSTAGRAM_PAGES | _INSTAGRAM_POSTS:
        raise AccountError(f"not an account's address (instagram.com/{name.lower()})")
    return name.lower()


def _instagram_url(host: str, segments: list[str], query: dict) -> str:
    first = _first(segments)
    if first in _INSTAGRAM_POSTS or len(segments) > 1 and segments[1].lower() in _INSTAGRAM_POSTS:
        raise AccountError(POST)
    if first in _INSTAGRAM_PAGES:
        raise AccountError(f"not an account's address (instagram.com/{first})")
    return _instagram_text(segments[0])


def _tiktok_text(text: str) -> str:
    name = text.removeprefix("@")
    if not _TIKTOK_NAME.fullmatch(name):
        raise AccountError("not a TikTok username (letters, digits, . and _, 2 to 24)")
    return name.lower()


def _tiktok_url(host: str, segments: list[str], query: dict) -> str:
    first = _first(segments)
    if not first.startswith("@"):
        if first == "t":
            raise AccountError("a short link (tiktok.com/t/…): open it and paste the address it leads to")
        raise AccountError("not a TikTok profile address (tiktok.com/@name)")
    if len(segments) > 1 and segments[1].lower() in ("video", "photo"):
        raise AccountError(POST)
    return _tiktok_text(segments[0])


def _doximity_text(text: str) -> str:
    slug = text.lower().removeprefix("pub/").strip("/")
    if not _DOXIMITY_SLUG.fullmatch(slug):
        raise AccountError("not a Doximity profile name (letters, digits and -, as in doximity.com/pub/jane-doe-md)")
    return slug


def _doximity_url(host: str, segments: list[str], query: dict) -> str:
    if _first(segments) != "pub" or len(segments) < 2:
        raise AccountError("not a Doximity profile address (doximity.com/pub/…)")
    return _doximity_text(segments[1])


TEXT_READERS = {
    "x": _x_text, "bluesky": _bluesky_text, "mastodon": _mastodon_text, "youtube": _youtube_text,
    "linkedin": _linkedin_text, "facebook": _facebook_text, "instagram": _instagram_text, "tiktok": _tiktok_text,
    "doximity": _doximity_text,
}
URL_READERS = {
    "x": _x_url, "bluesky": _bluesky_url, "mastodon": _mastodon_url, "youtube": _youtube_url,
    "linkedin": _linkedin_url, "facebook": _facebook_url, "instagram": _instagram_url, "tiktok": _tiktok_url,
    "doximity": _doximity_url,
}


def _mastodon_profile(id: str) -> str:
    user, _, host = id.partition("@")
    return f"https://{host}/@{user}"


def _youtube_channel(id: str) -> str:
    return f"https://www.youtube.com/{'channel/' + id if id.startswith('UC') else id}"


PROFILE_URLS = {
    "x": lambda id: f"https://x.com/{id}",
    "bluesky": lambda id: f"https://bsky.app/profile/{id}",
    "mastodon": _mastodon_profile,
    "youtube": _youtube_channel,
    "linkedin": lambda id: f"https://www.linkedin.com/{id}",
    "facebook": lambda id: f"https://www.facebook.com/{'profile.php?id=' + id if id.isdigit() else id}",
    "instagram": lambda id: f"https://www.instagram.com/{id}",
    "tiktok": lambda id: f"https://www.tiktok.com/@{id}",
    "doximity": lambda id: f"https://www.doximity.com/pub/{id}",
}
