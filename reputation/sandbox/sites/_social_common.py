"""What the sandbox's social network APIs share: the world's accounts and their posts, newest first."""

from __future__ import annotations

from reputation.sandbox.social_world import SocialAccount, social_of
from reputation.sandbox.world import World


def account(world: World, network: str, key: str) -> SocialAccount | None:
    return social_of(world).on(network, key)


def page(world: World, found: SocialAccount, start: int, size: int) -> tuple[list, int | None]:
    """One page of the account's posts (at, own, interactions) from ``start``, and where the next starts."""
    posts = social_of(world).posts(found)
    chunk = posts[start:start + size]
    return chunk, start + size if start + size < len(posts) else None


def followers(world: World, found: SocialAccount) -> int:
    return social_of(world).followers(found)


def stamp(moment) -> str:
    return moment.isoformat().replace("+00:00", "Z")
