"""Accounts seen on a physician's listings, suggested for a person to confirm, never taken as theirs.

A listing's ``social_links`` (the own website's schema.org ``sameAs``, a profile page's links) are read when the
listing is matched to a roster physician. Each account among them that the physician has not on record, and
that is none of the health system's own channels, becomes a suggestion: ``repmon social review`` lists them,
``confirm`` makes one the physician's account, ``reject`` keeps it from being suggested again. repmon never
searches a network for a physician's name: a namesake's account is not theirs.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from reputation.models import Listing, Match, Physician, SocialAccount, SocialChannel
from reputation.social.account_forms import AccountError
from reputation.social.accounts import Account, normalize_account, suggest_accounts


class SuggestionError(ValueError):
    """A decision that cannot be recorded, with the reason in words."""


def refresh_suggestions(engine: Engine, *, now: datetime | None = None) -> int:
    """Store the accounts newly seen on matched listings as suggestions; returns how many were added."""
    now = now or datetime.now(UTC)
    with Session(engine) as session:
        channels = [Account(c.network, c.account) for c in session.execute(select(SocialChannel)).scalars()]
        known = {(a.npi, a.network, a.account) for a in session.execute(select(SocialAccount)).scalars()}
        rows = session.execute(select(Listing.url, Listing.social_links, Physician.npi)
                               .join(Match, Match.listing_id == Listing.id)
                               .join(Physician, Physician.id == Match.physician_id)
                               .where(Match.status == "matched")).all()
        added = 0
        for url, links, npi in rows:
            for suggestion in suggest_accounts(links or [], ignore=channels):
                key = (npi, suggestion.account.network, suggestion.account.id)
                if key in known:
                    continue
                known.add(key)
                session.add(SocialAccount(npi=npi, network=key[1], account=key[2], added="suggested",
                                          link=suggestion.link, seen_on=url, added_at=now))
                added += 1
        session.commit()
        return added


def open_suggestions(engine: Engine) -> list[dict]:
    """The suggestions no person decided on yet, with the physician's name and where each was seen."""
    with Session(engine) as session:
        rows = session.execute(select(SocialAccount, Physician.first_name, Physician.last_name)
                               .join(Physician, Physician.npi == SocialAccount.npi)
                               .where(SocialAccount.added == "suggested", SocialAccount.decision.is_(None))
                               .order_by(SocialAccount.npi, SocialAccount.network, SocialAccount.account)).all()
        return [{"npi": a.npi, "physician": f"{first} {last}", "network": a.network, "account": a.account,
                 "url": Account(a.network, a.account).url, "link": a.link, "seen_on": a.seen_on}
                for a, first, last in rows]


def decide(engine: Engine, npi: str, network: str, account: str, decision: str) -> SocialAccount:
    """Record a person's decision (``confirmed`` or ``rejected``) on a suggested account."""
    if decision not in ("confirmed", "rejected"):
        raise ValueError(f"decision must be confirmed or rejected, not {decision!r}")
    try:
        wanted = normalize_account(network, account)
    except AccountError as error:
        raise SuggestionError(f"{account}: {error}") from None
    with Session(engine, expire_on_commit=False) as session:
        row = session.execute(select(SocialAccount).where(
            SocialAccount.npi == npi, SocialAccount.network == wanted.network,
            SocialAccount.account == wanted.id)).scalar_one_or_none()
        if row is None:
            raise SuggestionError(f"no suggestion of {wanted.network} account {wanted.id} for NPI {npi} "
                                  "(see repmon social review)")
        if row.added != "suggested":
            raise SuggestionError(f"{wanted.network} account {wanted.id} of NPI {npi} was imported, not suggested: "
                                  "it is the physician's already")
        row.decision = decision
        session.add(row)
        session.commit()
        return row


def is_theirs(account: SocialAccount) -> bool:
    """Whether an account counts as the physician's: imported, or a suggestion a person confirmed."""
    return account.added == "import" or account.decision == "confirmed"
