"""The finding rules of social accounts: judged on the physicians' accounts (imported or confirmed) and their
weekly snapshots (``Frames.social``), one finding per physician x network x kind, the network as the source.

What a week's read could not tell is held, never judged: a read that was blocked or failed, a count the answer
did not carry, a feed that did not reach back 28 days, an API that does not tell who follows whom.
"""

from __future__ import annotations

import os
import re

import pandas as pd

from reputation.findings.frames import Frames
from reputation.findings.rules import Judgement, finding
from reputation.findings.thresholds import FOLLOWER_DROP, GONE_READS, MIN_FOLLOWERS
from reputation.social.accounts import Account

NAMES_SETTING = "REPMON_SYSTEM_NAMES"


def _accounts(frames: Frames):
    """(npi, network, account, ambassador, reads newest first) of each account with snapshots."""
    social = frames.social
    if social.empty:
        return
    for (npi, network, account), reads in social.sort_values("week", ascending=False).groupby(
            ["npi", "network", "account"], sort=True):
        yield npi, network, account, bool(reads["ambassador"].iloc[0]), reads


def _url(network: str, account: str) -> str:
    return Account(network, account).url


def _value(value):
    return None if value is None or pd.isna(value) else value


def accounts_gone(frames: Frames, _known_phones=None) -> Judgement:
    """The network said twice in a row that there is no such account (failed reads in between not counted)."""
    judgement = Judgement()
    for npi, network, account, _, reads in _accounts(frames):
        key = (npi, network, "social_account_gone")
        told = reads[reads["status"].isin(["ok", "not_found"])]
        if reads["status"].iloc[0] not in ("ok", "not_found"):
            judgement.held.add(key)
            continue
        latest = told.head(GONE_READS)
        if len(latest) == GONE_READS and (latest["status"] == "not_found").all():
            judgement.found.append(finding(npi, network, "social_account_gone", _url(network, account),
                                           f"{account}: {latest['reason'].iloc[0] or 'not found'}",
                                           f"not found in {GONE_READS} reads in a row", latest["crawled_at"].iloc[0]))
    return judgement


def _latest_ok(reads: pd.DataFrame):
    latest = reads.iloc[0]
    return latest if latest["status"] == "ok" else None


def ambassadors_inactive(frames: Frames, _known_phones=None) -> Judgement:
    """An ambassador's own posts of the last 28 days are none, and the posts read covered the 28 days."""
    judgement = Judgement()
    for npi, network, account, ambassador, reads in _accounts(frames):
        if not ambassador:
            continue
        key = (npi, network, "ambassador_inactive")
        latest = _latest_ok(reads)
        if latest is None or _value(latest["own_posts_28d"]) is None:
            judgement.held.add(key)
            continue
        if latest["own_posts_28d"] == 0:
            last = _value(latest["last_own_post_at"])
            shown = f"last own post {pd.Timestamp(last):%Y-%m-%d}" if last is not None else "no own post read"
            judgement.found.append(finding(npi, network, "ambassador_inactive", _url(network, account), shown,
                                           "an own post within 28 days", latest["crawled_at"]))
    return judgement


def not_connected(frames: Frames, _known_phones=None) -> Judgement:
    """The account and the system's main account on the network do not follow each other (both ways), where
    the API told."""
    judgement = Judgement()
    for npi, network, account, _, reads in _accounts(frames):
        key = (npi, network, "not_connected")
        latest = _latest_ok(reads)
        follows = _value(latest["follows_main"]) if latest is not None else None
        followed = _value(latest["followed_by_main"]) if latest is not None else None
        if follows is None or followed is None:
            judgement.held.add(key)
            continue
        missing = [what for what, ok in (("it does not follow the system's main account", follows),
                                          ("the system's main account does not follow it", followed)) if not ok]
        if missing:
            judgement.found.append(finding(npi, network, "not_connected", _url(network, account),
                                           f"{account}: " + "; ".join(missing), "following each other",
                                           latest["crawled_at"]))
    return judgement


def follower_drops(frames: Frames, _known_phones=None) -> Judgement:
    """Followers fell by FOLLOWER_DROP or more between the oldest and the latest ok read in the window."""
    judgement = Judgement()
    for npi, network, account, _, reads in _accounts(frames):
        key = (npi, network, "follower_drop")
        latest = _latest_ok(reads)
        counted = reads[(reads["status"] == "ok") & reads["followers"].notna()]
        if latest is None or _value(latest["followers"]) is None or len(counted) < 2:
            judgement.held.add(key)
            continue
        first, now = int(counted["followers"].iloc[-1]), int(latest["followers"])
        if first >= MIN_FOLLOWERS and now <= first * (1 - FOLLOWER_DROP):
            judgement.found.append(finding(npi, network, "follower_drop", _url(network, account), f"{now:,} followers",
                                           f"{first:,} followers in {counted['week'].iloc[-1]}", latest["crawled_at"]))
    return judgement


def system_names(frames: Frames) -> list[str]:
    """The names a physician's bio may give the health system: REPMON_SYSTEM_NAMES, else its main channels' labels."""
    setting = [n.strip() for n in os.environ.get(NAMES_SETTING, "").split(",") if n.strip()]
    return setting or list(frames.system_names)


def _folded(text: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", text.lower()).split())


def profiles_without_affiliation(frames: Frames, _known_phones=None) -> Judgement:
    """The bio names none of the health system's names (not judged while no name is configured)."""
    judgement = Judgement()
    names = [_folded(n) for n in system_names(frames)]
    for npi, network, account, _, reads in _accounts(frames):
        key = (npi, network, "profile_without_affiliation")
        latest = _latest_ok(reads)
        bio = _value(latest["bio"]) if latest is not None else None
        if not names or bio is None:
            judgement.held.add(key)
            continue
        if not any(f" {name} " in f" {_folded(bio)} " for name in names):
            judgement.found.append(finding(npi, network, "profile_without_affiliation", _url(network, account),
                                           bio[:200], " or ".join(system_names(frames)), latest["crawled_at"]))
    return judgement
