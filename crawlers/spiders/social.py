"""The chain every social network's spider runs: profile, feed pages, relationship, one record per account.

No spider itself (no ``name``). ``scrapy crawl NETWORK -a targets=accounts.json``: the targets are
``[{"account": canonical id, "main": the system's main account on the network or null}]``. For each account the
spider reads its profile (in batches where the API allows), then the pages of its feed until they reach back 28
days before the crawl time (at most ``FEED_PAGES_MAX``), then, when a main account is given and the API tells,
whether the two follow each other; and yields one ``social`` record (``crawlers.items.social_record``) made by
``crawlers.social.snapshot.weekly_snapshot``. Whatever fails, every account gets its record: a profile that could
not be read has its status (blocked, error; not_found or suspended only when the network said so) and no
numbers, so it is unknown this week, never gone.

A network's spider supplies the URLs of its calls and the readers of their answers (``crawlers.social.<network>``).
Answers of any HTTP status reach the readers (each network's error format tells not_found from refused); the
retry and backoff middlewares have answered 429 and 5xx first.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime
from pathlib import Path

import scrapy

from crawlers.items import social_record
from crawlers.pipelines import crawl_time
from crawlers.social.answers import Failure, PostsPage, Profile
from crawlers.social.calls import parse_answer
from crawlers.social.snapshot import WINDOW, weekly_snapshot
from crawlers.spiders.base import base_url

FEED_PAGES_MAX = 4


def load_accounts(path: str | Path) -> list[dict]:
    """Targets from a JSON list: each ``{"account": ..., "main": ...}`` (main optional)."""
    content = Path(path).read_text(encoding="utf-8-sig").strip()
    rows = json.loads(content) if content else []
    targets = []
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, dict) or not row.get("account"):
            raise ValueError(f"{path}: target {number} has no account")
        targets.append({"account": str(row["account"]), "main": row.get("main") or None})
    return targets


@dataclasses.dataclass
class Chain:
    """One account's reading so far."""

    account: str
    main: str | None
    profile: Profile | Failure | None = None
    pages: list = dataclasses.field(default_factory=list)
    follows: bool | None = None
    followed_by: bool | None = None


class SocialSpider(scrapy.Spider):
    """Base of the networks' spiders (see the module's docstring). Hooks a network supplies:

    ``profiles_url(accounts)``          the call reading these accounts' profiles (``profiles_per_request`` of them,
                                        those ``batchable``), or None when the API cannot look the account up
    ``profile_url(account)``            the call reading one profile (after a batch left it out), or None
    ``feed_url(chain, next_page)``      the call reading a page of the feed (``next_page`` None: the first), or None
    ``relationship_url(chain)``         the call telling whether account and main follow each other, or None
    ``request_headers()``               headers every call carries (a key, a token)
    ``cannot_run()``                    why nothing can be asked (a key not configured)
    """

    kind = "social"
    label = ""
    order = 500
    site_url = ""
    needs = ()
    network = ""
    profiles_per_request = 1
    custom_settings: dict = {}

    def __init__(self, targets: str | None = None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not targets:
            raise ValueError(f"{self.name}: the spider argument 'targets' is required, a JSON file of accounts, "
                             f"e.g. scrapy crawl {self.name} -a targets=accounts.json -O out.jsonl")
        self.targets = load_accounts(targets)

    # ----- hooks ------------------------------------------------------------------------------------------

    def profiles_url(self, accounts: list[str]) -> str:
        raise NotImplementedError

    def profile_url(self, account: str) -> str | None:
        return None

    def batchable(self, account: str) -> bool:
        """Whether the account can be asked for with others in one call."""
        return True

    def unreadable_reason(self, account: str) -> str:
        return f"the {self.label} API cannot look up {account}"

    def feed_url(self, chain: Chain, next_page: str | None) -> str | None:
        return None

    def relationship_url(self, chain: Chain) -> str | None:
        return None

    def request_headers(self) -> dict:
        return {}

    def cannot_run(self) -> str | None:
        return None

    # ----- helpers ----------------------------------------------------------------------------------------

    @property
    def base(self) -> str:
        return base_url(self.settings, self.name, self.site_url)

    @property
    def as_of(self) -> datetime:
        return crawl_time(self.settings.get("REPMON_CRAWL_TIME"))

    def request(self, url: str, callback, chains, **kwargs) -> scrapy.Request:
        return scrapy.Request(url, callback=callback, errback=self.on_failure, headers=self.request_headers(),
                              meta={"handle_httpstatus_all": True}, cb_kwargs={"chains": chains, **kwargs},
                              dont_filter=True)

    # ----- the chain --------------------------------------------------------------------------------------

    async def start(self):
        reason = self.cannot_run()
        if reason:
            for target in self.targets:
                yield self.record(Chain(target["account"], None, Failure(self.network, "error", reason)))
            return
        size = max(1, self.profiles_per_request)
        batched = [t for t in self.targets if self.batchable(t["account"])]
        alone = [t for t in self.targets if not self.batchable(t["account"])]
        groups = [batched[i:i + size] for i in range(0, len(batched), size)] + [[t] for t in alone]
        for group in groups:
            chains = [Chain(t["account"], t["main"]) for t in group]
            url = self.profiles_url([c.account for c in chains])
            if url is None:  # an account form the API cannot look up
                for chain in chains:
                    chain.profile = Failure(self.network, "error", self.unreadable_reason(chain.account))
                    yield self.record(chain)
                continue
            yield self.request(url, self.on_profiles, chains)

    def on_profiles(self, response, chains: list[Chain]):
        found = [p for p in parse_answer(self.network, response) if isinstance(p, (Profile, Failure))]
        failure = next((f for f in found if isinstance(f, Failure)), None)
        profiles = [p for p in found if isinstance(p, Profile)]
        if failure is not None and failure.status == "not_found" and len(chains) > 1:
            # A batch refused whole for one name it does not know (Graph API's error 803): ask each alone, so
            # that only the unknown one is not found.
            for chain in chains:
                yield self.request(self.profile_url(chain.account) or self.profiles_url([chain.account]),
                                   self.on_profiles, [chain])
            return
        if failure is not None or not profiles:
            failure = failure or Failure(self.network, "error", f"the profiles answer at {response.url} names none "
                                                                "of the accounts asked")
            for chain in chains:
                chain.profile = failure
                yield self.record(chain)
            return
        for chain, profile in zip(chains, self.paired(chains, profiles, response.url)):
            chain.profile = profile
            single = self.profile_url(chain.account) if len(chains) > 1 and profile.status == "error" else None
            if single:  # a batch left it out without saying why: ask for it alone
                yield self.request(single, self.on_profiles, [chain])
            else:
                yield from self.after_profile(chain)

    def paired(self, chains: list[Chain], profiles: list[Profile], url: str) -> list[Profile]:
        """The profile of each account asked: the answer's only one for a single account, else the one naming it
        (by name or the network's own id); an account the answer does not name is an error (unknown)."""
        if len(chains) == 1 and len(profiles) == 1:
            return profiles
        by_key = {key.lower(): p for p in profiles for key in (p.account, p.network_id) if key}
        return [by_key.get(c.account.lower()) or Profile(self.network, c.account, "error",
                                                         f"the answer at {url} does not name this account")
                for c in chains]

    def after_profile(self, chain: Chain):
        url = self.feed_url(chain, None) if chain.profile.status == "ok" else None
        if url:
            yield self.request(url, self.on_feed, [chain])
        else:
            yield from self.after_feed(chain)

    def on_feed(self, response, chains: list[Chain]):
        chain = chains[0]
        found = parse_answer(self.network, response)
        page = next((p for p in found if isinstance(p, (PostsPage, Failure))), None)
        if page is None:
            page = Failure(self.network, "error", f"the feed answer at {response.url} holds no page of posts")
        if isinstance(page, Profile):  # an error answer naming the account
            page = Failure(self.network, page.status, page.reason)
        chain.pages.append(page)
        if isinstance(page, PostsPage) and page.next_page and page.posts and len(chain.pages) < FEED_PAGES_MAX:
            start = self.as_of - WINDOW
            if not any(post.at < start for post in page.posts):
                url = self.feed_url(chain, page.next_page)
                if url:
                    yield self.request(url, self.on_feed, [chain])
                    return
        yield from self.after_feed(chain)

    def after_feed(self, chain: Chain):
        url = self.relationship_url(chain) if chain.main and chain.profile.status == "ok" else None
        if url:
            yield self.request(url, self.on_relationship, [chain])
        else:
            yield self.record(chain)

    def on_relationship(self, response, chains: list[Chain]):
        chain = chains[0]
        for found in parse_answer(self.network, response):
            if getattr(found, "status", None) == "ok" and hasattr(found, "follows"):
                chain.follows, chain.followed_by = found.follows, found.followed_by
                break
        yield self.record(chain)

    def on_failure(self, failure):
        """No answer (DNS, timeout, refused; robots.txt): the step's accounts are unknown this week."""
        request = failure.request
        chains = request.cb_kwargs.get("chains") or []
        reason = f"no answer from {request.url}: {failure.getErrorMessage() or failure.type.__name__}"
        status = "blocked" if "robots.txt" in reason.lower() or "Forbidden by robots" in reason else "error"
        for chain in chains:
            if request.callback == self.on_profiles:
                chain.profile = Failure(self.network, status, reason)
                yield self.record(chain)
            elif request.callback == self.on_feed:
                chain.pages.append(Failure(self.network, status, reason))
                yield from self.after_feed(chain)
            else:
                yield self.record(chain)

    def record(self, chain: Chain) -> dict:
        profile = chain.profile
        snapshot = weekly_snapshot(self.network, chain.account, profile, chain.pages, self.as_of)
        bio = profile.bio if isinstance(profile, Profile) else None
        return social_record(snapshot, bio=bio, follows_main=chain.follows, followed_by_main=chain.followed_by)

    # ----- a saved answer (repmon parse) ------------------------------------------------------------------

    @classmethod
    def for_parsing(cls) -> SocialSpider:
        spider = cls.__new__(cls)
        scrapy.Spider.__init__(spider, name=cls.name)
        return spider

    def parse_saved(self, response) -> list[dict]:
        """What the saved answer says, the call told by its URL: profiles, a page of posts (with its newest own
        post), relationships, or why it says nothing of the accounts."""
        return [described(found) for found in parse_answer(self.network, response)]


def described(found) -> dict:
    kind = {Profile: "profile", PostsPage: "posts", Failure: "failure"}.get(type(found), "relationship")
    data = {"kind": kind, **dataclasses.asdict(found)}
    if isinstance(found, PostsPage):
        own = [post for post in found.posts if post.own]
        newest = max((post.at for post in own), default=None)
        data.update(own_posts=len(own), last_own_post_at=newest.isoformat() if newest else None)
    return data
