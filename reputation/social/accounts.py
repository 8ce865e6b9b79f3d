"""A social account as people paste it → one canonical id per network, or the reason why it is none.

``normalize_account("x", "https://mobile.twitter.com/DrJane?s=20")`` is ``Account("x", "drjane")``;
``normalize_account("x", "https://x.com/drjane/status/1")`` raises ``AccountError("a post, not an account")``.

Read: ``http``/``https`` or no scheme, ``www.``/``m.``/``mobile.`` and other subdomains, upper case, trailing
slashes, query strings and tracking parameters, fragments, a profile's sub-page (``/media``, ``/about``), a leading
``@``, surrounding spaces, quotes or angle brackets. Refused with the reason: a post, video, share or redirect
link; a short link (``lnkd.in``, ``fb.me``, ``t.co``: open it and paste where it leads); an address of another
network than the row names; an e-mail address; a name the network does not allow.

Canonical ids (``Account.id``) and the profile address people open (``Account.url``):

=========  ================================================  ================================================
network    id                                                read from (examples)
=========  ================================================  ================================================
x          username, lower case: ``drjane``                  ``@DrJane``, ``x.com/drjane``, ``twitter.com/#!/drjane``
bluesky    handle, lower case, or DID:                       ``@drjane.bsky.social``, ``bsky.app/profile/drjane.com``,
           ``drjane.bsky.social``, ``did:plc:…``             ``did:plc:…`` (a handle is a domain name)
mastodon   ``user@instance``, lower case                     ``@drjane@mastodon.social``, ``mastodon.social/@drjane``,
                                                             ``mastodon.social/users/drjane``
youtube    ``UC…`` channel id (case kept), ``@handle``,      ``youtube.com/@DrJane``, ``/channel/UC…``, ``/user/…``,
           ``user/name`` or ``c/name`` (lower case)          ``/c/…``, ``youtube.com/Name`` (a legacy custom address)
linkedin   ``in/slug``, ``company/slug``, ``school/slug``,   ``linkedin.com/in/jane-doe-md`` (any country subdomain)
           ``showcase/slug`` (lower case)
facebook   page or profile username (lower case), or         ``facebook.com/MountSinaiNYC``, ``profile.php?id=…``,
           numeric id                                        ``/people/Name/…``, ``/p/Name-…/``
instagram  username, lower case                              ``@drjane``, ``instagram.com/drjane``
tiktok     username, lower case                              ``@drjane``, ``tiktok.com/@drjane``
doximity   profile slug, lower case                          ``doximity.com/pub/jane-doe-md``
=========  ================================================  ================================================

Every id reads back as itself: ``normalize_account(n, account.id) == account``. LinkedIn, TikTok and Doximity
have no public read API: their accounts are on record, not checked (``Account.checked``); repmon never scrapes them.

``suggest_accounts`` spots accounts among the links a page carries (schema.org ``sameAs``, a profile page's links):
suggestions for a person to confirm, never accounts taken as the physician's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import parse_qs, quote, unquote, urlsplit

from reputation.social.account_forms import PROFILE_URLS, TEXT_READERS, URL_READERS, AccountError


@dataclass(frozen=True)
class Network:
    key: str
    label: str
    checked: bool  # read every week through a public API; False: on record, not checked
    domains: tuple[str, ...]  # its addresses' hosts, subdomains included; Mastodon lives on any host


NETWORKS = {n.key: n for n in (
    Network("x", "X", True, ("x.com", "twitter.com", "t.co")),
    Network("bluesky", "Bluesky", True, ("bsky.app",)),
    Network("mastodon", "Mastodon", True, ()),
    Network("youtube", "YouTube", True, ("youtube.com", "youtu.be")),
    Network("linkedin", "LinkedIn", False, ("linkedin.com", "lnkd.in")),
    Network("facebook", "Facebook", True, ("facebook.com", "fb.com", "fb.me")),
    Network("instagram", "Instagram", True, ("instagram.com", "instagr.am")),
    Network("tiktok", "TikTok", False, ("tiktok.com",)),
    Network("doximity", "Doximity", False, ("doximity.com",)),
)}
ALIASES = {"twitter": "x", "bsky": "bluesky"}
# Links that hide where they lead: the account is wherever they redirect, which only a browser finds out.
SHORT_LINK_HOSTS = {"t.co", "lnkd.in", "fb.me", "l.facebook.com", "lm.facebook.com", "l.instagram.com",
                    "vm.tiktok.com", "vt.tiktok.com"}
# user@domain with these domains is somebody's e-mail address, not a Mastodon account.
EMAIL_DOMAINS = {"gmail.com", "googlemail.com", "yahoo.com", "outlook.com", "hotmail.com", "live.com", "msn.com",
                 "icloud.com", "me.com", "aol.com", "proton.me", "protonmail.com", "comcast.net"}
# Sites whose /@name pages are no Mastodon accounts (networks of NETWORKS are told apart by their domains).
NOT_MASTODON_DOMAINS = ("medium.com", "threads.net", "threads.com", "substack.com", "pinterest.com")

_URL_WITH_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*://", re.I)
_URL_WITHOUT_SCHEME = re.compile(r"[\w-]+(?:\.[\w-]+)+(?::\d+)?/", re.I)  # "linkedin.com/in/…"
_USER_AT_HOST = re.compile(r"@?[\w.-]+@[\w-]+(?:\.[\w-]+)+(?::\d+)?")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)


@dataclass(frozen=True)
class Account:
    network: str  # a key of NETWORKS
    id: str  # canonical (see the module's table)

    @property
    def checked(self) -> bool:
        """Whether repmon reads the account every week; otherwise it is on record, not checked."""
        return NETWORKS[self.network].checked

    @property
    def url(self) -> str:
        """The profile address people open."""
        return PROFILE_URLS[self.network](quote(self.id, safe="/@:"))


def network_key(network: str) -> str:
    """The network's key for a name people write in a ``network`` column ("X", "twitter", "Bluesky")."""
    key = " ".join(str(network or "").split()).lower()
    key = ALIASES.get(key, key)
    if key not in NETWORKS:
        raise AccountError(f"unknown network {network!r}; networks: {', '.join(NETWORKS)}")
    return key


def normalize_account(network: str, text: str) -> Account:
    """The account ``text`` names on ``network``, in canonical form; ``AccountError`` says why there is none."""
    key = network_key(network)
    raw = _clean(text)
    if not raw:
        raise AccountError("no account given")
    if raw.lower().startswith("mailto:"):
        raise AccountError("an e-mail address, not an account")
    if _URL_WITH_SCHEME.match(raw):
        return Account(key, _from_url(key, raw))
    if _URL_WITHOUT_SCHEME.match(raw):
        return Account(key, _from_url(key, "https://" + raw))
    return Account(key, _from_text(key, raw))


@dataclass(frozen=True)
class Suggestion:
    account: Account
    link: str  # the link it was seen as


def suggest_accounts(links: Iterable[str], ignore: Iterable[Account] = ()) -> list[Suggestion]:
    """The social accounts among a page's ``links`` (absolute URLs), each once, in the order seen; accounts in
    ``ignore`` (the health system's own channels, in every page's footer) left out. These are suggestions for a
    person to confirm: a link on a physician's page may be the practice's, a colleague's or a share button."""
    skip = set(ignore)
    found: dict[Account, Suggestion] = {}
    for link in links:
        account = account_in_link(link)
        if account and account not in skip and account not in found:
            found[account] = Suggestion(account, link)
    return list(found.values())


def account_in_link(link: str) -> Account | None:
    """The account a page's link points at, if it points at a profile of a known network; a Mastodon account is
    recognised by its ``https://instance/@name`` form."""
    text = _clean(link) if isinstance(link, str) else ""
    if not re.match(r"https?://", text, re.I):
        return None
    try:
        parts = urlsplit(text)
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    network = host_network(host)
    if network is None and re.fullmatch(r"/@[\w.-]+/?", parts.path) and not _on_domain(host, NOT_MASTODON_DOMAINS):
        network = "mastodon"
    if network is None:
        return None
    try:
        return normalize_account(network, text)
    except AccountError:
        return None


def host_network(host: str) -> str | None:
    """The network whose addresses live on ``host`` (any of its subdomains too); None for other hosts."""
    for network in NETWORKS.values():
        if _on_domain(host, network.domains):
            return network.key
    return None


# ----- reading ---------------------------------------------------------------------------------------------------


def _clean(text: str) -> str:
    value = str(text or "").translate(_INVISIBLE).strip()
    while len(value) >= 2 and (value[0], value[-1]) in (("<", ">"), ('"', '"'), ("'", "'")):
        value = value[1:-1].strip()
    return value


def _a(label: str) -> str:
    """'a YouTube', 'an X', 'an Instagram'."""
    return f"an {label}" if label[0] in "AEIOUX" else f"a {label}"


def _on_domain(host: str, domains: Iterable[str]) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)


def _from_url(key: str, text: str) -> str:
    label = NETWORKS[key].label
    try:
        parts = urlsplit(text)
        host = (parts.hostname or "").lower().rstrip(".")
        port = parts.port
    except ValueError:
        raise AccountError("not a web address") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise AccountError(f"not a web address ({parts.scheme}:)")
    if not host:
        raise AccountError("no host in the address")
    if host in SHORT_LINK_HOSTS:
        raise AccountError(f"a short link ({host}): open it and paste the address it leads to")
    owner = host_network(host)
    if owner is None and key != "mastodon":
        raise AccountError(f"not {_a(label)} address ({host})")
    if owner is not None and owner != key:
        raise AccountError(f"{_a(NETWORKS[owner].label)} address in {_a(label)} row")
    path = parts.path
    if parts.fragment.startswith("!/"):  # twitter.com/#!/name: Twitter's links before 2012
        path = parts.fragment[1:]
    segments = [unquote(s) for s in path.split("/") if s]
    if key == "mastodon":
        host = f"{host}:{port}" if port else host
    return URL_READERS[key](host, segments, parse_qs(parts.query))


def _from_text(key: str, text: str) -> str:
    label = NETWORKS[key].label
    if text.lower().startswith("did:") and key != "bluesky":
        raise AccountError(f"a Bluesky id in {_a(label)} row")
    if _USER_AT_HOST.fullmatch(text):
        domain = text.rsplit("@", 1)[1].lower()
        if domain in EMAIL_DOMAINS:
            raise AccountError("an e-mail address, not an account")
        if key != "mastodon":
            if text.startswith("@"):
                raise AccountError(f"a Mastodon address in {_a(label)} row")
            raise AccountError(f"an e-mail address or a Mastodon address, not {_a(label)} account")
    if any(c.isspace() for c in text):
        raise AccountError(f"not {_a(label)} account: it holds spaces (a name? paste the handle or the address)")
    return TEXT_READERS[key](text)
