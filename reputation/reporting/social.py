"""Social presence in the reports: read once (``load_social``), built as pure functions (``build_social``,
``physician_accounts``).

A physician is *on* a network in a week when an account of theirs there (imported, or a suggestion a person
confirmed) was on record by the end of that week, unless that week's read said it does not exist. An account
whose read failed, or that was not read, is still on record: unknown this week, never gone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import pandas as pd
from sqlalchemy import func, select

from reports.model import NetworkShare, NetworkTotal, Site, SocialAccountRow, SocialOverview
from reputation.findings import read_frame
from reputation.models import SocialAccount, SocialChannel, SocialSnapshot
from reputation.reporting.display import clip, department, display_name, rows, text
from reputation.social.accounts import NETWORKS, Account
from reputation.social.targets import read_for_physicians

MOVERS_SHOWN = 10
TREND_WEEKS = 12  # as the rating trends (reputation.reporting.load)
ACCOUNT_COLUMNS = ["npi", "network", "account", "ambassador", "added_at"]
SUGGESTED_COLUMNS = ["npi", "network", "account"]
CHANNEL_COLUMNS = ["network", "account", "label", "department"]
SNAPSHOT_COLUMNS = ["network", "account", "week", "status", "reason", "followers", "own_posts_28d", "engagement_rate"]


def _frame(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: [] for c in columns}, columns=columns)


@dataclass
class SocialInput:
    accounts: pd.DataFrame = field(default_factory=lambda: _frame(ACCOUNT_COLUMNS))  # the physicians' own
    channels: pd.DataFrame = field(default_factory=lambda: _frame(CHANNEL_COLUMNS))
    snapshots: pd.DataFrame = field(default_factory=lambda: _frame(SNAPSHOT_COLUMNS))  # the last TREND_WEEKS weeks
    suggested: int = 0  # suggestions waiting for a person (repmon social review)


def load_social(conn) -> SocialInput:
    accounts = read_frame(conn, select(*(SocialAccount.__table__.c[c] for c in ACCOUNT_COLUMNS)).where(
        (SocialAccount.added == "import") | (SocialAccount.decision == "confirmed")))
    channels = read_frame(conn, select(*(SocialChannel.__table__.c[c] for c in CHANNEL_COLUMNS)).order_by(SocialChannel.id))
    weeks = conn.execute(select(SocialSnapshot.week).distinct().order_by(SocialSnapshot.week.desc())
                         .limit(TREND_WEEKS)).scalars().all()
    snapshots = _frame(SNAPSHOT_COLUMNS)
    if weeks:
        snapshots = read_frame(conn, select(*(SocialSnapshot.__table__.c[c] for c in SNAPSHOT_COLUMNS)).where(
            SocialSnapshot.week >= min(weeks)))
    suggested = conn.execute(select(func.count()).select_from(SocialAccount).where(
        SocialAccount.added == "suggested", SocialAccount.decision.is_(None))).scalar()
    return SocialInput(accounts, channels, snapshots, int(suggested or 0))


def _site(network: str) -> Site:
    return Site(network, NETWORKS[network].label if network in NETWORKS else network)


def _int(value) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def _float(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


class _Reads:
    """The snapshots by (network, account) and week."""

    def __init__(self, social: SocialInput):
        snaps = social.snapshots
        self.weeks = sorted(set(snaps["week"]))
        self.by_key = {(r.network, r.account, r.week): r for r in rows(snaps)}
        self._read_by: dict[str, set] = {}

    @property
    def week(self) -> str | None:
        return self.weeks[-1] if self.weeks else None

    def read_by(self, week: str) -> set[tuple[str, str]]:
        """The (network, account) read in ``week`` or before."""
        if week not in self._read_by:
            self._read_by[week] = {(n, a) for n, a, w in self.by_key if w <= week}
        return self._read_by[week]

    @property
    def previous(self) -> str | None:
        return self.weeks[-2] if len(self.weeks) > 1 else None

    def row(self, network: str, account: str, **who) -> SocialAccountRow:
        checked = network in NETWORKS and NETWORKS[network].checked
        if who.get("npi"):  # a physician's account: read only where the API reads others' accounts
            checked = checked and read_for_physicians(network)
        now = self.by_key.get((network, account, self.week))
        before = self.by_key.get((network, account, self.previous))
        followers = _int(now.followers) if now is not None and now.status == "ok" else None
        earlier = _int(before.followers) if before is not None and before.status == "ok" else None
        status = "not_checked" if not checked else (now.status if now is not None else "not_read")
        values = []
        for week in self.weeks:
            read = self.by_key.get((network, account, week))
            values.append(_float(read.followers) if read is not None and read.status == "ok" else None)
        return SocialAccountRow(
            site=_site(network), account=account, url=Account(network, account).url if network in NETWORKS else "",
            checked=checked, status=status, reason=clip(now.reason, 200) or "" if now is not None else "",
            followers=followers, change=followers - earlier if followers is not None and earlier is not None else None,
            own_posts_28d=_int(now.own_posts_28d) if now is not None and now.status == "ok" else None,
            engagement=_float(now.engagement_rate) if now is not None and now.status == "ok" else None,
            values=values, **who)


def _on_network(accounts: pd.DataFrame, reads: _Reads, week: str | None) -> pd.DataFrame:
    """The accounts on record by the end of ``week`` (added by then, or read by then), that the week's read did
    not find gone."""
    if week is None or accounts.empty:
        return accounts.iloc[0:0]
    year, number = week.split("-W")
    end = datetime.combine(date.fromisocalendar(int(year), int(number), 1), time(), tzinfo=UTC) + timedelta(weeks=1)
    added = pd.to_datetime(accounts["added_at"], utc=True)
    seen = reads.read_by(week)
    read = pd.Series([(r.network, r.account) in seen for r in rows(accounts)], index=accounts.index, dtype=bool)
    kept = accounts[(added < end) | read]
    gone = [reads.by_key.get((r.network, r.account, week)) for r in rows(kept)]
    return kept[pd.Series([g is None or g.status != "not_found" for g in gone], index=kept.index, dtype=bool)]


def _share(npis: set[str], of: list[str]) -> float | None:
    return round(len(npis & set(of)) / len(of), 4) if of else None


def build_social(social: SocialInput, active: pd.DataFrame, people: dict) -> SocialOverview | None:
    """The overview's social section; None when no account or channel is on record."""
    if social.accounts.empty and social.channels.empty and not social.suggested:
        return None
    reads = _Reads(social)
    accounts = social.accounts[social.accounts["npi"].isin(set(active["npi"]))]
    now, before = _on_network(accounts, reads, reads.week), _on_network(accounts, reads, reads.previous)
    departments = sorted({d for d in active["department"] if isinstance(d, str) and d})
    npis = list(active["npi"])
    by_department = {d: list(active.loc[active["department"] == d, "npi"]) for d in departments}
    networks = []
    for network in [n for n in NETWORKS if n in set(accounts["network"])]:
        present = set(now.loc[now["network"] == network, "npi"])
        share = _share(present, npis)
        earlier = _share(set(before.loc[before["network"] == network, "npi"]), npis) if reads.previous else None
        networks.append(NetworkShare(_site(network), read_for_physicians(network), len(present & set(npis)), share,
                                     round(share - earlier, 4) if share is not None and earlier is not None else None,
                                     {d: _share(present, members) for d, members in by_department.items()}))

    def who(r) -> dict:
        p = people.get(r.npi)
        return {"npi": r.npi, "name": display_name(p) if p else r.npi, "department": department(p) if p else "",
                "report_href": f"physicians/{r.npi}.html", "ambassador": bool(r.ambassador)}

    physician_rows = [reads.row(r.network, r.account, **who(r)) for r in rows(accounts)]
    ambassadors = sorted((a for a in physician_rows if a.ambassador and a.checked),
                         key=lambda a: (-(a.followers or -1), a.name))
    channels = [reads.row(c.network, c.account, name=text(c.label) or c.account, department=text(c.department) or "")
                for c in rows(social.channels)]
    totals = []
    for network in [n for n in NETWORKS if n in {c.site.key for c in channels}]:
        mine = [c for c in channels if c.site.key == network]
        read = [c.followers for c in mine if c.followers is not None]
        both = [c.change for c in mine if c.change is not None]
        totals.append(NetworkTotal(_site(network), len(mine), sum(read) if read else None, sum(both) if both else None))
    known = [t.followers for t in totals if t.followers is not None]
    movers = sorted((a for a in physician_rows if a.change), key=lambda a: (-abs(a.change), a.name))[:MOVERS_SHOWN]
    unknown = sum(1 for a in [*physician_rows, *channels] if a.checked and a.status in ("not_read", "blocked", "error"))
    return SocialOverview(reads.week, reads.previous, reads.weeks, networks, departments, ambassadors, channels, totals,
                          sum(known) if known else None, movers, unknown, social.suggested)


class PhysicianAccounts:
    """Each physician's accounts with their follower trend (the reads grouped once, for every page)."""

    def __init__(self, social: SocialInput):
        self.reads = _Reads(social)
        self.by_npi: dict[str, list] = {}
        for r in rows(social.accounts.sort_values(["network", "account"])):
            self.by_npi.setdefault(r.npi, []).append(r)

    @property
    def weeks(self) -> list[str]:
        return self.reads.weeks

    def of(self, npi: str) -> list[SocialAccountRow]:
        return [self.reads.row(r.network, r.account, npi=npi, ambassador=bool(r.ambassador))
                for r in self.by_npi.get(npi, [])]
