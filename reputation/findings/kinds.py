"""The finding kinds: each declared once, here, with everything the rest of repmon needs to know of it.

Findings, the flags output, the exports, the reports, the digest and the README's table all read this
table; adding a kind is one rule (``reputation.findings.rules``), one entry below, and its tests.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from reputation.findings import rules, social_rules
from reputation.findings.frames import Frames

# What a kind needs to be judged; when it is missing the finding is held (neither confirmed nor resolved).
SEARCH_OK = "the latest search of the source succeeded and its results are matched"
MATCH_SETTLED = "no listing of the physician on the source waits for a person's review"
PARSER_HEALTHY = "the source's parser read the field that week"
VALUE_SHOWN = "the listing shows the value this week"
READ_OK = "the account's latest read succeeded (or, for a gone account, the network said so)"
POSTS_COVERED = "the posts read reached back 28 days"
RELATION_TOLD = "the network's API told whether the two follow each other"


# Severities, most urgent first, with what each asks of a person (the README and the reports say the same).
SEVERITIES = {
    "critical": "act today: it may break the law",
    "high": "act this week",
    "medium": "fix when convenient",
}


def severity_rank(severity: str) -> int:
    """0 for the most urgent; an unknown severity after all known ones."""
    return list(SEVERITIES).index(severity) if severity in SEVERITIES else len(SEVERITIES)


@dataclass(frozen=True)
class FindingKind:
    key: str
    label: str
    severity: str  # a key of SEVERITIES
    checklist: str  # what to do, with {source}, {shown} and {expected}
    rule: Callable[[Frames, set[str]], rules.Judgement]
    needs: tuple[str, ...] = ()
    replaces_value: bool = False  # the listing shows a wrong value to replace (struck through, roster value beside)
    when: str = ""  # when it is raised, for the README


KINDS: tuple[FindingKind, ...] = (
    FindingKind(
        "phi_in_reply", "Patient information in a reply", "critical",
        "Take down the practice's reply on {source} today and tell your privacy officer (HIPAA): {shown}",
        rules.phi_in_replies, needs=(MATCH_SETTLED,),
        when="a public reply of the practice confirms that the reviewer is a patient or discloses their health or "
             "account: a name beyond the reviewer's display name, visit dates, procedures, diagnoses, medications, "
             "test results, missed appointments, insurance or balances, the practice's records (`repmon reply check` "
             "runs the same check); resolved when the site shows the review without the reply (in a crawl that read "
             "the site's replies)"),
    FindingKind(
        "missing_listing", "Missing listing", "high", "Claim or create a listing on {source}",
        rules.missing_listings, needs=(SEARCH_OK, MATCH_SETTLED, PARSER_HEALTHY),
        when="the latest search of the source (within four weeks) succeeded and found no listing of the physician; "
             "a blocked, failed or missing search leaves the physician *unknown* there, never missing"),
    FindingKind(
        "outdated_phone", "Outdated phone", "medium",
        "Update the phone on {source}: it shows {shown}; the roster says {expected}",
        rules.outdated_phones, needs=(MATCH_SETTLED, VALUE_SHOWN, PARSER_HEALTHY), replaces_value=True,
        when="the listing shows a phone that is none of the physician's roster phones, after normalization "
             "(known call-center numbers excepted)"),
    FindingKind(
        "outdated_address", "Outdated address", "medium",
        "Update the address on {source}: it shows {shown}; the roster says {expected}",
        rules.outdated_addresses, needs=(MATCH_SETTLED, VALUE_SHOWN, PARSER_HEALTHY), replaces_value=True,
        when="the listing shows an address that is none of the roster locations (USPS form; a suite shown on one "
             "side only is the same place, another suite is outdated and said so)"),
    FindingKind(
        "duplicate_listing", "Duplicate listing", "medium", "Ask {source} to merge duplicate listings: {shown}",
        rules.duplicate_listings, needs=(MATCH_SETTLED,),
        when="two or more listings of one physician on one source"),
    FindingKind(
        "rating_drop", "Rating drop", "high", "Look into the rating drop on {source}: {expected} → {shown}",
        rules.rating_drops, needs=(MATCH_SETTLED, VALUE_SHOWN, PARSER_HEALTHY),
        when="a listing's rating fell 0.3 stars or more over four weekly crawls (this week and the three before) "
             "and it has at least 10 reviews; or, site `all`, the physician's review-weighted average across sites "
             "fell 0.3 stars (same listings at both ends, 10 reviews or more) though no single listing did"),
    FindingKind(
        "negative_review", "Negative review", "high",
        "Respond to the negative review on {source} (do not confirm the reviewer is a patient)",
        rules.negative_reviews, needs=(MATCH_SETTLED,),
        when="a review of 2 stars or less without a response, new since the listing's first crawl "
             "(or dated within four weeks before it)"),
    FindingKind(
        "complaint_rising", "Complaints rising", "medium",
        "Look into what patients complain of more often now: {shown}",
        rules.complaint_rising, needs=(MATCH_SETTLED,),
        when="across sites, the share of a physician's reviews that complain of one care topic (`repmon reviews "
             "tag`) rose by 25 points or more and at least doubled: the last 90 days (by review date) against the "
             "year before, with 3 or more such complaints and 5 or more tagged reviews in each period; a review "
             "syndicated to another site counts once"),
    FindingKind(
        "social_account_gone", "Social account gone", "medium",
        "Check the {source} account on record: {shown}; update or remove it (repmon social import)",
        social_rules.accounts_gone, needs=(READ_OK,),
        when="the network answered twice in a row (reads that failed in between not counted) that the account does "
             "not exist; a blocked or failed read leaves it *unknown*, never gone"),
    FindingKind(
        "ambassador_inactive", "Ambassador inactive", "medium",
        "Encourage an own post on {source}: {shown}",
        social_rules.ambassadors_inactive, needs=(READ_OK, POSTS_COVERED),
        when="an ambassador's account has no own post (reposts and boosts are not their own) in the 28 days before "
             "the week's read, and the posts read reached back 28 days"),
    FindingKind(
        "not_connected", "Not connected", "medium",
        "Follow each other on {source}: {shown}",
        social_rules.not_connected, needs=(READ_OK, RELATION_TOLD),
        when="the physician's account and the system's main account on the network (its channel without a "
             "department) do not follow each other both ways, where the network's API tells"),
    FindingKind(
        "follower_drop", "Follower drop", "medium",
        "Look into the follower drop on {source}: {expected} → {shown}",
        social_rules.follower_drops, needs=(READ_OK,),
        when="an account's followers fell 10 % or more between the oldest and the latest successful read of the "
             "last four weeks, from at least 100 followers"),
    FindingKind(
        "profile_without_affiliation", "Profile without affiliation", "medium",
        "Add the affiliation to the {source} profile: the bio names none of {expected}",
        social_rules.profiles_without_affiliation, needs=(READ_OK,),
        when="the account's bio names none of the health system's names (`REPMON_SYSTEM_NAMES`, else the labels of "
             "its channels without a department); an empty or unread bio is not judged"),
)
BY_KEY = {kind.key: kind for kind in KINDS}


def kind(key: str) -> FindingKind:
    return BY_KEY[key]


def current_findings(frames: Frames, known_phones: set[str]) -> tuple[list[dict], set[tuple]]:
    """Every finding the stored data shows now, and the keys (npi, source, kind) it cannot judge this time.

    ``known_phones``: known call-center numbers, never an outdated phone. Besides what each rule holds, a
    kind that needs the match settled is held for a physician and source with a listing in review.
    """
    found: list[dict] = []
    held: set[tuple] = set()
    in_review = set(zip(frames.in_review["npi"], frames.in_review["source"]))
    for entry in KINDS:
        judgement = entry.rule(frames, known_phones)
        found += judgement.found
        held |= judgement.held
        if MATCH_SETTLED in entry.needs:
            held.update((npi, source, entry.key) for npi, source in in_review)
    return found, held
