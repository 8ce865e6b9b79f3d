"""What the reports show, as typed page models: the templates read these and nothing else.

Built by ``reputation.reporting`` from the stored data (pure functions of what its loader read); the
digest reads the same ``Overview``. Everything a page names comes in the model with its display form:
a site with its label, a finding kind with its label, severity and whether the listing shows a wrong
value to replace, so a new site or finding kind needs no template or renderer change. Scraped text
arrives clipped and is escaped by the templates.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Site:
    key: str  # "healthgrades"
    label: str  # "Healthgrades"


@dataclass(frozen=True, slots=True)
class Kind:
    key: str  # "outdated_phone"
    label: str  # "Outdated phone"
    severity: str  # "critical": act today; "high": act this week; "medium": fix when convenient
    replaces_value: bool  # the listing shows a wrong value: struck through, the roster's value beside it


# -- the overview ------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Figure:
    """A headline figure and its change since the previous week's crawl (None: nothing to compare)."""

    value: float | int | None
    change: float | int | None = None


@dataclass(slots=True)
class Headline:
    physicians: int
    coverage: Figure  # share listed of the physicians whose listing state is known
    open_findings: Figure
    average_rating: Figure  # review-weighted, over matched listings
    new_reviews: Figure


@dataclass(slots=True)
class KindCount:
    kind: Kind
    count: int
    change: int | None


@dataclass(slots=True)
class SiteCoverage:
    """Physicians per coverage state on one site; share = listed / (listed + missing)."""

    site: Site
    listed: int
    missing: int
    review: int
    unknown: int
    not_crawled: int
    share: float | None


@dataclass(slots=True)
class CoverageCounts:
    listed: int
    missing: int
    review: int
    unknown: int
    share: float | None


@dataclass(slots=True)
class DepartmentCoverage:
    department: str
    physicians: int
    cells: dict[str, CoverageCounts]  # by site key


@dataclass(slots=True)
class Cell:
    """One physician on one site: listed, review, missing, unknown or not_crawled."""

    state: str
    note: str = ""  # the crawler's note, only where the state needs explaining
    url: str | None = None
    rating: float | None = None


@dataclass(slots=True)
class MatrixRow:
    npi: str
    name: str
    department: str
    report_href: str
    cells: dict[str, Cell]  # by site key; a site missing from it was not crawled


@dataclass(slots=True)
class MatrixNote:
    shown: int
    physicians: int
    with_gaps: int
    complete: int


@dataclass(slots=True)
class Finding:
    npi: str
    name: str
    department: str
    kind: Kind
    site: Site
    url: str | None
    shown: str | None
    expected: str | None
    first_seen: str  # ISO date
    last_seen: str


@dataclass(slots=True)
class ContactFixes:
    """The outdated contact details on one site: what to hand to whoever updates it."""

    site: Site
    total: int
    items: list[Finding]  # up to a limit; ``total`` says how many there are


@dataclass(slots=True)
class Series:
    label: str
    values: list[float | None]  # one per week of the trend; None: no rating read that week
    emphasis: bool = False  # an average across listings, drawn thicker


@dataclass(slots=True)
class Trend:
    weeks: list[str]
    series: list[Series]


@dataclass(slots=True)
class DepartmentRating:
    department: str
    values: list[float | None]
    now: float | None
    change: float | None
    reviews: int | None


@dataclass(slots=True)
class Mover:
    npi: str
    name: str
    department: str
    site: Site
    url: str | None
    start: float  # the rating in the first week shown
    to: float
    change: float
    values: list[float | None]
    review_count: int | None


@dataclass(slots=True)
class Reviewed:
    """Who a review on the overview is about."""

    npi: str
    name: str
    department: str

    @property
    def report_href(self) -> str:
        return f"physicians/{self.npi}.html"


@dataclass(frozen=True, slots=True)
class Chip:
    """A care topic a review speaks of, with its polarity."""

    topic: str
    label: str
    polarity: str


@dataclass(slots=True)
class Review:
    site: Site
    url: str | None
    date: str | None
    rating: float | None
    text: str | None
    author: str | None
    response: str | None = None
    physician: Reviewed | None = None  # on the overview
    topics: list[Chip] = field(default_factory=list)  # on a physician's page: the care topics it speaks of
    age_days: int | None = None  # an unanswered negative review: days since its date (or first sighting) to the latest crawl
    draft: str | None = None  # ... and a safe reply to post (``reputation.replies.draft_reply``)
    replies_shown: bool = True  # the site shows the practice's replies: without one, the review is unanswered


@dataclass(slots=True)
class Quote:
    polarity: str  # positive | negative | neutral
    phrase: str  # the words of a review that decided a topic (scraped text: escaped by the templates)


@dataclass(slots=True)
class TopicCount:
    """How many reviews speak of a care topic, by polarity (reputation.reviews)."""

    topic: str  # "wait_time"
    label: str  # "Wait time"
    positive: int
    negative: int
    neutral: int
    quotes: list[Quote] = field(default_factory=list)  # on a physician's page: up to two, a praise and a complaint

    @property
    def mentions(self) -> int:
        return self.positive + self.negative + self.neutral


@dataclass(slots=True)
class DepartmentTopics:
    department: str
    reviews: int  # tagged reviews of the department's physicians
    praised: list[TopicCount]  # the most praised topics, most first (up to three)
    complained: list[TopicCount]  # the most complained-of topics, most first (up to three)


@dataclass(slots=True)
class PatientTopics:
    """What patients say, system-wide and by department: tagged reviews of matched listings."""

    reviews: int
    topics: list[TopicCount]  # every topic spoken of, in the topics' order
    departments: list[DepartmentTopics]

    @property
    def praised(self) -> list[TopicCount]:
        return sorted((t for t in self.topics if t.positive), key=lambda t: (-t.positive, t.topic))[:3]

    @property
    def complained(self) -> list[TopicCount]:
        return sorted((t for t in self.topics if t.negative), key=lambda t: (-t.negative, t.topic))[:3]


@dataclass(slots=True)
class ResponseStats:
    """The practice's replies on one site (``all``: every site that shows replies)."""

    site: Site
    reviews: int
    answered: int
    rate: float | None  # answered / reviews
    median_days: float | None  # from the review's date to the reply's, over the replies both dates are known of
    timed: int  # how many replies that median is of
    unanswered_negative: int  # reviews of 2 stars or less without a reply
    oldest_unanswered_days: int | None


@dataclass(slots=True)
class DepartmentResponses:
    """The practice's replies to a department's physicians' reviews, over every site that shows replies."""

    department: str
    stats: ResponseStats


@dataclass(slots=True)
class CrawlHealth:
    site: Site
    searched: int
    ok: int
    blocked: int
    errors: int
    disallowed: int
    note: str
    parser_broken: bool
    broken_fields: list[str]
    parser_reason: str


# -- social presence ---------------------------------------------------------------------------------------


@dataclass(slots=True)
class NetworkShare:
    """How many active physicians have an account on a network (imported or confirmed), overall and by department."""

    site: Site
    checked: bool  # read every week; False: on record, not checked (no public API)
    physicians: int
    share: float | None
    change: float | None  # share points since the previous week
    by_department: dict[str, float | None]  # department -> share


@dataclass(slots=True)
class SocialAccountRow:
    """An account with this week's read: a physician's (ambassadors, movers, their page) or one of the system's."""

    site: Site
    account: str
    url: str
    checked: bool
    status: str  # ok | not_found | suspended | blocked | error | not_read (no read this week) | not_checked
    reason: str
    followers: int | None
    change: int | None  # followers since the previous week's read
    own_posts_28d: int | None
    engagement: float | None  # interactions per post / followers
    values: list[float | None]  # followers by week (the weeks of ``SocialOverview.weeks``)
    npi: str = ""
    name: str = ""  # the physician's, or the channel's label
    department: str = ""
    report_href: str | None = None
    ambassador: bool = False


@dataclass(slots=True)
class NetworkTotal:
    site: Site
    channels: int
    followers: int | None  # of the channels read ok this week
    change: int | None  # of the same channels since last week


@dataclass(slots=True)
class SocialOverview:
    week: str | None
    previous_week: str | None
    weeks: list[str]
    networks: list[NetworkShare]
    departments: list[str]
    ambassadors: list[SocialAccountRow]
    channels: list[SocialAccountRow]
    channel_totals: list[NetworkTotal]
    channel_followers: int | None  # across networks, of the channels read ok
    movers: list[SocialAccountRow]  # physicians' accounts with the largest follower changes since last week
    unknown: int  # accounts whose read this week failed or did not happen: unknown, never gone
    suggested: int = 0  # accounts seen on listings waiting for a person's decision (repmon social review)


@dataclass(slots=True)
class Overview:
    title: str
    generated_at: str
    week: str | None  # the latest crawl's ISO week; None when nothing was crawled yet
    previous_week: str | None
    headline: Headline
    findings_by_kind: list[KindCount]
    sites: list[Site]
    departments: list[str]
    coverage_by_source: list[SiteCoverage]
    coverage_by_department: list[DepartmentCoverage]
    coverage: list[MatrixRow]
    coverage_note: MatrixNote
    contact_fixes: list[ContactFixes]
    rating_trend: Trend
    department_ratings: list[DepartmentRating]
    movers: list[Mover]
    negative_reviews: list[Review]
    negative_reviews_total: int
    crawl_health: list[CrawlHealth]
    findings_file: str | None = None  # the workbook of every open finding, beside the overview
    patient_topics: PatientTopics | None = None  # what patients say; None: no review is tagged
    responses: list[ResponseStats] = field(default_factory=list)  # replies to reviews, all sites first
    responses_by_department: list[DepartmentResponses] = field(default_factory=list)  # by department, all sites
    take_down: list[Finding] = field(default_factory=list)  # open critical findings: replies to take down today
    social: SocialOverview | None = None  # None: no social account or channel on record


# -- one physician -----------------------------------------------------------------------------------------


@dataclass(slots=True)
class Location:
    practice_name: str
    street: str
    city: str
    state: str
    zip: str
    phone: str


@dataclass(slots=True)
class Physician:
    npi: str
    name: str
    specialty: str
    department: str
    active: bool
    locations: list[Location] = field(default_factory=list)


@dataclass(slots=True)
class ListingRow:
    site: Site
    url: str | None
    name: str | None
    rating: float | None
    review_count: int | None
    match_status: str  # "matched" or "review"
    phones: list[str]
    addresses: list[str]
    phone_ok: bool | None  # None: the listing shows none
    address_ok: bool | None
    first_seen: str
    last_seen: str
    values: list[float | None] | None = None  # its weekly ratings, when matched
    score: float | None = None


@dataclass(slots=True)
class SiteState:
    site: Site
    state: str
    note: str


@dataclass(slots=True)
class ChecklistItem:
    kind: Kind
    site: Site
    url: str | None
    text: str


@dataclass(slots=True)
class PhysicianPage:
    title: str
    generated_at: str
    week: str | None
    physician: Physician
    listings: list[ListingRow]
    coverage: list[SiteState]
    trend: Trend
    reviews: list[Review]
    checklist: list[ChecklistItem]
    findings: list[Finding]
    overview_href: str = "../index.html"
    topics: list[TopicCount] = field(default_factory=list)  # what their patients say, with quotes
    unanswered: list[Review] = field(default_factory=list)  # negative reviews without a reply, newest first, with drafts
    responses: list[ResponseStats] = field(default_factory=list)  # replies to their reviews, all sites first
    social: list[SocialAccountRow] = field(default_factory=list)  # their accounts, with the follower trend
    social_weeks: list[str] = field(default_factory=list)
