"""Each physician's page model, built from the loaded data: what to fix, what each site shows against the
roster, the weekly ratings, recent reviews and coverage. No database: everything is grouped per physician
once (``PhysicianPages``), then each page only looks things up, so pages can be built on every core."""

from __future__ import annotations

from collections import defaultdict

import pandas as pd

from crawlers.sources import reading_responses
from reports.model import (
    ChecklistItem,
    Location,
    ListingRow,
    Physician,
    PhysicianPage,
    Review,
    Series,
    SiteState,
    Trend,
)
from reputation.findings import ALL_SITES, BY_KEY, address_known, roster_contacts, severity_rank
from reputation.normalize import SAME, format_address, format_phone, normalize_phone
from reputation.reporting.coverage import Scope, scope
from reputation.reporting.display import (
    SHORT_TEXT_CHARS,
    clip,
    count,
    department,
    display_name,
    kind,
    number,
    rows,
    site,
    text,
)
from reputation.replies import draft_reply, patient_relations
from reputation.reporting.load import ReportInput
from reputation.reporting.responses import age_days, response_stats_by_physician
from reputation.reporting.overview import findings_of
from reputation.reporting.ratings import Ratings, values
from reputation.reporting.topics import PhysicianTopics, review_chips
from reputation.reporting.social import PhysicianAccounts


def _grouped(frame: pd.DataFrame, key: str) -> dict:
    """The frame's rows (named tuples) per value of ``key``, in the frame's order."""
    groups: dict = defaultdict(list)
    for row in rows(frame):
        groups[getattr(row, key)].append(row)
    return groups


def _lines(weekly: pd.DataFrame) -> dict:
    """A key x week table as {key: [value or None per week]}, for lookups by the million."""
    return {key: values(row) for key, row in zip(weekly.index, weekly.to_numpy().tolist())}


class PhysicianPages:
    """Every physician's page, from data grouped once per physician."""

    def __init__(self, data: ReportInput, s: Scope | None = None):
        self.data, self.scope = data, s or scope(data)
        frames = data.frames
        self.roster = self.scope.people
        self.contacts = roster_contacts(frames.locations)
        self.listings = _grouped(frames.listings.sort_values(["source", "url"]), "physician_id")
        self.locations = _grouped(frames.locations.sort_values("id"), "physician_id")
        self.reviews = _grouped(data.recent_reviews, "physician_id")
        self.unanswered = _grouped(unanswered_negative_reviews(frames), "physician_id")
        self.responses = response_stats_by_physician(data.responses, data.frames.latest_crawl)  # once for all pages
        self.contact = patient_relations()
        self.shown = reading_responses()
        open_now = data.findings[data.findings["status"] == "open"]
        urgency = open_now["kind"].map(lambda k: severity_rank(kind(k).severity))
        self.findings = _grouped(open_now.assign(urgency=urgency).sort_values(["urgency", "kind", "source"]), "npi")
        self.coverage: dict = defaultdict(dict)
        for row in rows(self.scope.coverage[["npi", "source", "state", "note"]]):
            self.coverage[row.npi][row.source] = (row.state, clip(row.note, SHORT_TEXT_CHARS))
        self.accounts = PhysicianAccounts(data.social)
        ratings = Ratings(self.scope)
        self.listing_weeks, self.physician_weeks = _lines(ratings.listing_weeks), _lines(ratings.physician_weeks)
        self.topics = PhysicianTopics(data)
        self.chips = review_chips(data.recent_topics)

    def npis(self) -> list[str]:
        """The active physicians, each of whom gets a page."""
        return list(self.scope.active["npi"])

    def page(self, npi: str) -> PhysicianPage:
        p = self.roster[npi]
        listings = self.listings.get(p.id, [])
        findings = self.findings.get(npi, [])
        coverage = self.coverage.get(npi, {})
        series = self._series(p.id, listings)
        return PhysicianPage(
            title=self.data.title, generated_at=self.data.generated_at, week=self.scope.week,
            physician=Physician(p.npi, display_name(p), text(p.specialty) or "", department(p), bool(p.active),
                                [self._location(loc) for loc in self.locations.get(p.id, [])]),
            listings=[self._listing(p.id, row, series) for row in listings],
            coverage=[SiteState(site(source), *coverage.get(source, ("not_crawled", ""))) for source in self.scope.sources],
            trend=Trend(self.scope.weeks, list(series.values())),
            reviews=[self._review(r, self.chips) for r in self.reviews.get(p.id, [])],
            checklist=[_checklist_item(f) for f in findings],
            findings=findings_of(findings, self.roster),
            topics=self.topics.of(p.id),
            unanswered=[self._unanswered(r) for r in self.unanswered.get(p.id, [])],
            responses=self.responses.get(p.id, []),
            social=self.accounts.of(npi), social_weeks=self.accounts.weeks,
        )

    def _unanswered(self, r) -> Review:
        return Review(site(r.source), r.url, clip(r.date, SHORT_TEXT_CHARS), number(r.rating), clip(r.text),
                      clip(r.author, SHORT_TEXT_CHARS), age_days=count(r.age_days), replies_shown=r.source in self.shown,
                      draft=draft_reply(f"{r.source}:{r.review_key}", self.contact))

    def _listing(self, physician_id: int, row, series: dict) -> ListingRow:
        roster = self.contacts.get(physician_id, {"phones": set(), "addresses": []})
        phones = [normalize_phone(x) for x in row.phones or []]
        addresses = row.addresses or []
        known = self.data.known_phones
        line = series.get(row.id)
        return ListingRow(
            site=site(row.source), url=row.url, name=clip(row.name, SHORT_TEXT_CHARS),
            rating=number(row.rating), review_count=count(row.review_count), match_status=row.match_status,
            phones=[format_phone(x) if x else "" for x in phones], addresses=[format_address(a) for a in addresses],
            phone_ok=None if not phones else all((x in roster["phones"] or x in known) for x in phones if x),
            address_ok=None if not addresses else all(address_known(a, roster["addresses"]) == SAME for a in addresses),
            first_seen=pd.Timestamp(row.first_seen).date().isoformat(),
            last_seen=pd.Timestamp(row.last_seen).date().isoformat(),
            values=line.values if line else None,
        )

    def _series(self, physician_id: int, listings: list) -> dict:
        """One weekly line per matched listing (by listing id, labelled by site), and the review-weighted
        average when there are several."""
        series: dict = {}
        per_site: dict[str, int] = defaultdict(int)
        for row in listings:
            if row.match_status != "matched":
                continue
            per_site[row.source] += 1
            line = self.listing_weeks.get(row.id)
            if line and any(v is not None for v in line):
                label = site(row.source).label
                series[row.id] = Series(label if per_site[row.source] == 1 else f"{label} ({per_site[row.source]})", line)
        if len(series) > 1 and physician_id in self.physician_weeks:
            series["average"] = Series("Weighted average", self.physician_weeks[physician_id], emphasis=True)
        return series

    @staticmethod
    def _location(loc) -> Location:
        phone = text(loc.phone)
        return Location(text(loc.practice_name) or "", text(loc.street) or "", text(loc.city) or "",
                        text(loc.state) or "", text(loc.zip) or "", format_phone(normalize_phone(phone)) if phone else "")

    def _review(self, r, chips: dict) -> Review:
        return Review(site(r.source), r.url, clip(r.date, SHORT_TEXT_CHARS), number(r.rating), clip(r.text),
                      clip(r.author, SHORT_TEXT_CHARS), clip(r.response), replies_shown=r.source in self.shown,
                      topics=chips.get(getattr(r, "review_id", None), []))


def _checklist_item(f) -> ChecklistItem:
    where = "all sites" if f.source == ALL_SITES else f.source
    declared = BY_KEY.get(f.kind)
    wording = declared.checklist if declared else kind(f.kind).label + " on {source}: {shown}"
    return ChecklistItem(kind(f.kind), site(f.source), f.url if isinstance(f.url, str) else None,
                         wording.format(source=where, shown=clip(f.shown), expected=clip(f.expected)))


def unanswered_negative_reviews(frames) -> pd.DataFrame:
    """Negative reviews (2 stars or less) without a reply on matched listings, newest first, with their age in
    days at the latest crawl: from the review's date, or from when it was first seen when the site shows no date."""
    columns = ["physician_id", "source", "url", "review_key", "date", "rating", "text", "author", "age_days"]
    if frames.reviews.empty or frames.matched.empty:
        return pd.DataFrame(columns=columns)
    joined = frames.reviews.merge(frames.matched[["id", "physician_id", "source", "url"]], left_on="listing_id", right_on="id")
    joined["age_days"] = age_days(joined["date"], joined["first_seen"], frames.latest_crawl).to_numpy()
    joined = joined.sort_values(["physician_id", "age_days"], ascending=[True, True])
    return joined[columns]
