"""What a social network's spider reads this week: the physicians' accounts on it and the system's own channels.

A physician's account counts when it was imported or a person confirmed its suggestion (an open or rejected
suggestion is not read). Each target names the system's *main* account on the network (its channel without a
department; the first imported when there are several), for the spider to ask whether the two follow each
other. Accounts already read ok this ISO week are left out unless ``refresh``. On Facebook and Instagram, whose
API reads only the organization's own accounts with its token, the physicians' accounts are on record, not read.
"""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from reputation.models import Physician, SocialAccount, SocialChannel, SocialSnapshot
from reputation.social.accounts import NETWORKS


def read_for_physicians(network: str) -> bool:
    """Whether repmon reads physicians' accounts on ``network`` every week: it has a public read API that is not
    limited to the organization's own accounts (Facebook's and Instagram's are)."""
    from crawlers.sources import keys, source

    if network not in NETWORKS or not NETWORKS[network].checked or network not in keys():
        return False
    return not getattr(source(network).spider, "own_pages_only", False)


def main_channel(channels: list[SocialChannel]) -> str | None:
    """The system's main account among its channels on one network."""
    ranked = sorted(channels, key=lambda c: (c.department is not None, c.id))
    return ranked[0].account if ranked else None


def social_targets(engine: Engine, network: str, week: str, refresh: bool, own_pages_only: bool = False) -> list[dict]:
    """``own_pages_only``: the network's API reads the organization's own accounts only (Facebook, Instagram)."""
    with Session(engine) as session:
        channels = list(session.execute(select(SocialChannel).where(SocialChannel.network == network)).scalars())
        accounts = session.execute(
            select(SocialAccount.account).join(Physician, Physician.npi == SocialAccount.npi)
            .where(SocialAccount.network == network, Physician.active == True,  # noqa: E712
                   or_(SocialAccount.added == "import", SocialAccount.decision == "confirmed"))).scalars().all()
        done = set() if refresh else set(session.execute(select(SocialSnapshot.account).where(
            SocialSnapshot.network == network, SocialSnapshot.week == week, SocialSnapshot.status == "ok")).scalars())
    main = main_channel(channels)
    accounts = [] if own_pages_only else accounts
    wanted = sorted({*accounts, *(c.account for c in channels)} - done)
    return [{"account": account, "main": main if account != main else None} for account in wanted]
