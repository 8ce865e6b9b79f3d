"""``repmon export social``: every account's weekly reads, physicians' and the system's channels', one row each.

An account on record with no read that week (LinkedIn, TikTok, Doximity; or not read yet) has one row with its
status ``not_checked`` or ``not_read`` and no numbers: on record, never shown as 0.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from reputation.models import Physician, SocialAccount, SocialChannel, SocialSnapshot
from reputation.social.accounts import NETWORKS, Account
from reputation.social.targets import read_for_physicians

NUMBERS = ("followers", "following", "posts", "own_posts_28d", "interactions_per_post", "engagement_rate")


def social_rows(engine: Engine) -> list[dict]:
    with Session(engine) as session:
        reads: dict[tuple[str, str], list[SocialSnapshot]] = {}
        for snap in session.execute(select(SocialSnapshot).order_by(SocialSnapshot.week)).scalars():
            reads.setdefault((snap.network, snap.account), []).append(snap)
        owners = session.execute(
            select(SocialAccount, Physician.first_name, Physician.last_name, Physician.department)
            .join(Physician, Physician.npi == SocialAccount.npi)
            .where((SocialAccount.added == "import") | (SocialAccount.decision == "confirmed"))
            .order_by(SocialAccount.npi, SocialAccount.network, SocialAccount.account)).all()
        channels = session.execute(select(SocialChannel).order_by(SocialChannel.network, SocialChannel.account)).scalars().all()
    rows = []
    whose = [({"npi": a.npi, "name": f"{first} {last}", "department": department or "", "ambassador": a.ambassador,
               "channel": ""}, a.network, a.account) for a, first, last, department in owners]
    whose += [({"npi": "", "name": c.label or "", "department": c.department or "", "ambassador": False,
                "channel": "yes"}, c.network, c.account) for c in channels]
    for who, network, account in whose:
        url = Account(network, account).url if network in NETWORKS else ""
        base = {**who, "network": network, "account": account, "url": url}
        found = reads.get((network, account))
        if not found:
            checked = read_for_physicians(network) if who["npi"] else network in NETWORKS and NETWORKS[network].checked
            rows.append({**base, "week": "", "status": "not_read" if checked else "not_checked", "reason": "",
                         **dict.fromkeys(NUMBERS), "last_own_post_at": None})
            continue
        for snap in found:
            rows.append({**base, "week": snap.week, "status": snap.status, "reason": snap.reason or "",
                         **{n: getattr(snap, n) for n in NUMBERS},
                         "last_own_post_at": snap.last_own_post_at.isoformat() if snap.last_own_post_at else None})
    return rows
