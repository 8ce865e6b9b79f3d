"""The sandbox world's social presence: which roster physicians have which accounts, and what each shows weekly.

Drawn from the world's seed, so the same world has the same accounts. About half of the roster has a Bluesky
account (``firstlast.bsky.social``), a third of those are ambassadors. Northwind Health runs two Bluesky channels:
its main account (``northwindhealth.bsky.social``) and its heart institute's. Roles, each given to one account
in a seeded order (and named in ``SocialWorld.roles``, account -> role):

- ``gone``: the account is deleted on week 2 (the AppView then answers "Profile not found");
- ``inactive``: an ambassador whose last own post is 40 days old (it reposts others', which are not its own);
- ``no_affiliation``: a bio that names no health system;
- ``not_following``: neither it nor the main account follows the other (everybody else follows both ways);
- ``follower_drop``: loses a third of its followers on week 2.

Followers grow by a few (0 to 39, per account) every week. Time: week ``w`` of the world is ``start + w weeks`` (``World.advance``).
"""

from __future__ import annotations

import hashlib
import random
import re
import weakref
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

from reputation.sandbox.world import SYSTEM, World

MAIN = "northwindhealth.bsky.social"
CHANNELS = ((MAIN, "Northwind Health", None), ("northwindheart.bsky.social", "Northwind Heart Institute", "Cardiology"))
# The system's channels on the other networks (canonical ids), and the share of physicians with an account there.
OTHER_CHANNELS = {"mastodon": "northwind@mastodon.social", "youtube": "UCnorthwindhealth0000000",
                  "x": "northwindhealth", "facebook": "northwindhealth", "instagram": "northwindhealth"}
OTHER_SHARE = {"mastodon": 0.2, "youtube": 0.1, "x": 0.4, "linkedin": 0.6}
ROLES = ("gone", "inactive", "no_affiliation", "not_following", "follower_drop")


@dataclass
class SocialAccount:
    handle: str
    did: str
    npi: str | None  # None: one of the system's channels
    name: str
    bio: str
    followers: int
    following: int
    created_at: datetime
    every_days: int  # an own post every so many days
    ambassador: bool = False
    growth: int = 7  # new followers a week
    posts: list[tuple[datetime, bool, int]] = field(default_factory=list)  # (at, own, interactions), newest first


def did_of(handle: str) -> str:
    alphabet = "abcdefghijklmnopqrstuvwxyz234567"
    digest = hashlib.sha256(handle.encode()).digest()
    return "did:plc:" + "".join(alphabet[b % 32] for b in digest[:24])


class SocialWorld:
    """The Bluesky accounts of a ``World`` (see the module's docstring)."""

    def __init__(self, world: World):
        self.world = world
        rng = random.Random(f"{world.seed}:social")
        self.accounts: dict[str, SocialAccount] = {}
        for handle, label, department in CHANNELS:
            self._add(rng, handle, None, label, f"{label}: care close to home. Official account.", ambassador=False)
        roster = sorted(world.roster, key=lambda p: p.npi)
        chosen = [p for p in roster if rng.random() < 0.5] or roster[:1]
        for p in chosen:
            handle = re.sub(r"[^a-z]", "", f"{p.first_name}{p.last_name}".lower()) + ".bsky.social"
            if handle in self.accounts:
                continue
            bio = f"{p.specialty} physician at {SYSTEM}. Views my own."
            self._add(rng, handle, p.npi, f"Dr. {p.first_name} {p.last_name}", bio, ambassador=rng.random() < 0.35)
        physicians = [a for a in self.accounts.values() if a.npi]
        ambassadors = [a for a in physicians if a.ambassador]
        others = [a for a in physicians if not a.ambassador]
        self.roles: dict[str, str] = {}
        pool = others + ambassadors[1:]
        for role in ROLES:
            candidates = ambassadors[:1] if role == "inactive" else pool
            pick = next((a for a in candidates if a.handle not in self.roles), None)
            if pick is not None:
                self.roles[pick.handle] = role
        for handle, role in self.roles.items():
            if role == "no_affiliation":
                self.accounts[handle].bio = "Doctor, runner, dad. Views my own."
            if role == "inactive":
                self.accounts[handle].every_days = 0
        self.networks: dict[str, dict[str, SocialAccount]] = {"bluesky": self.accounts}
        self._other_networks(random.Random(f"{world.seed}:social:others"), roster)

    def _other_networks(self, rng: random.Random, roster) -> None:
        """Mastodon, YouTube, X and LinkedIn accounts of some physicians; the system's channels everywhere."""
        for network, channel in OTHER_CHANNELS.items():
            found = self.networks.setdefault(network, {})
            found[channel] = self._make(rng, channel, None, "Northwind Health",
                                        f"Northwind Health: care close to home. Official account.", ambassador=False)
        for p in roster:
            slug = re.sub(r"[^a-z]", "", f"{p.first_name}{p.last_name}".lower())
            for network, share in OTHER_SHARE.items():
                if rng.random() >= share:
                    continue
                key = {"mastodon": f"{slug}@mastodon.social", "youtube": "UC" + did_of(slug)[8:30],
                       "x": f"dr{slug}"[:15], "linkedin": f"in/{slug}-md"}[network]
                bio = f"{p.specialty} physician at {SYSTEM}."
                self.networks.setdefault(network, {})[key] = self._make(rng, key, p.npi, f"Dr. {p.first_name} {p.last_name}",
                                                                         bio, ambassador=False)

    def _add(self, rng: random.Random, handle: str, npi: str | None, name: str, bio: str, *, ambassador: bool) -> None:
        self.accounts[handle] = self._make(rng, handle, npi, name, bio, ambassador=ambassador)

    def _make(self, rng: random.Random, handle: str, npi: str | None, name: str, bio: str, *,
              ambassador: bool) -> SocialAccount:
        followers = rng.randrange(8000, 30000) if npi is None else rng.randrange(40, 4000)
        created = datetime.combine(self.world.start, time(12, tzinfo=UTC)) - timedelta(days=rng.randrange(200, 700))
        return SocialAccount(handle, did_of(handle), npi, name, bio, followers, rng.randrange(20, 600),
                             created, rng.choice((2, 3, 5, 9)), ambassador, rng.randrange(0, 40))

    # ----- what the sandbox site and the demo ask ----------------------------------------------------------

    @property
    def today(self) -> datetime:
        return datetime.combine(self.world.start, time(0, tzinfo=UTC)) + timedelta(weeks=self.world.week)

    def account(self, actor: str) -> SocialAccount | None:
        actor = actor.lower()
        found = self.accounts.get(actor) or next((a for a in self.accounts.values() if a.did == actor), None)
        if found is None or (self.roles.get(found.handle) == "gone" and self.world.week >= 2):
            return None
        return found

    def on(self, network: str, key: str) -> SocialAccount | None:
        """An account of ``network`` by its canonical id (Bluesky: its handle or DID); None when there is none."""
        if network == "bluesky":
            return self.account(key)
        return self.networks.get(network, {}).get(key.lower()) or next(
            (a for a in self.networks.get(network, {}).values() if a.did == key or a.handle.lower() == key.lower()), None)

    def followers(self, account: SocialAccount) -> int:
        grown = account.followers + account.growth * self.world.week
        if self.roles.get(account.handle) == "follower_drop" and self.world.week >= 2:
            return grown * 2 // 3
        return grown

    def posts(self, account: SocialAccount) -> list[tuple[datetime, bool, int]]:
        """(at, own, interactions), newest first: 90 days of posts up to the day before ``today``."""
        rng = random.Random(f"{account.handle}:{self.world.week}")
        day, found = self.today - timedelta(days=1, hours=3), []
        last = self.today - timedelta(days=90)
        if account.every_days == 0:  # inactive: reposts only in the last 40 days
            for n in range(1, 40, 6):
                found.append((self.today - timedelta(days=n, hours=2), False, rng.randrange(0, 30)))
            day = self.today - timedelta(days=40)
        step = account.every_days or 7
        while day > last:
            found.append((day, True, rng.randrange(0, 60)))
            if rng.random() < 0.2:
                found.append((day - timedelta(hours=5), False, rng.randrange(0, 30)))
            day -= timedelta(days=step)
        return sorted(found, key=lambda p: p[0], reverse=True)

    def follow_each_other(self, account: SocialAccount) -> bool:
        return self.roles.get(account.handle) != "not_following"

    def accounts_rows(self) -> list[dict[str, str]]:
        """The health system's accounts file (``repmon social import``), as a person would paste them."""
        rows = []
        for number, a in enumerate(a for a in self.accounts.values() if a.npi):
            written = f"https://bsky.app/profile/{a.handle}" if number % 2 else f"@{a.handle}"
            rows.append({"npi": a.npi, "network": "bluesky", "account": written,
                         "ambassador": "yes" if a.ambassador else "no"})
        pasted = {"mastodon": lambda k: "@" + k, "youtube": lambda k: f"https://www.youtube.com/channel/{k}",
                  "x": lambda k: f"https://x.com/{k}", "linkedin": lambda k: f"https://www.linkedin.com/{k}/"}
        for network, accounts in self.networks.items():
            if network == "bluesky":
                continue
            for a in accounts.values():
                if a.npi:
                    rows.append({"npi": a.npi, "network": network, "account": pasted[network](a.handle), "ambassador": "no"})
        return rows

    def channels_rows(self) -> list[dict[str, str]]:
        rows = [{"network": "bluesky", "account": handle, "label": label, "department": department or ""}
                for handle, label, department in CHANNELS]
        return rows + [{"network": network, "account": key, "label": "Northwind Health", "department": ""}
                       for network, key in OTHER_CHANNELS.items()]


_SOCIAL: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def social_of(world: World) -> SocialWorld:
    """The social presence of ``world`` (made once per world)."""
    found = _SOCIAL.get(world)
    if found is None:
        found = _SOCIAL[world] = SocialWorld(world)
    return found


def write_social_files(world: World, folder) -> tuple:
    """The world's accounts and channels files, for ``repmon social import`` and ``social channels import``."""
    import csv
    from pathlib import Path

    social = social_of(world)
    paths = []
    for name, rows in (("social_accounts.csv", social.accounts_rows()), ("social_channels.csv", social.channels_rows())):
        path = Path(folder) / name
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        paths.append(path)
    return tuple(paths)


# ----- what the sandbox's social API sites share ------------------------------------------------------------------


def account_on(world: World, network: str, key: str) -> SocialAccount | None:
    return social_of(world).on(network, key)


def posts_page(world: World, found: SocialAccount, start: int, size: int) -> tuple[list, int | None]:
    """One page of the account's posts (at, own, interactions) from ``start``, and where the next starts."""
    posts = social_of(world).posts(found)
    return posts[start:start + size], start + size if start + size < len(posts) else None


def followers_of(world: World, found: SocialAccount) -> int:
    return social_of(world).followers(found)


def stamp(moment) -> str:
    """An API's time: ISO 8601 in UTC with a Z."""
    return moment.isoformat().replace("+00:00", "Z")
