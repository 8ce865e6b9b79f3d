"""All tables. The schema is created and evolved by Alembic migrations (reputation/migrations)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


class Physician(SQLModel, table=True):
    """One roster physician. Kept when absent from a newer roster (``active`` false), history and all."""

    id: int | None = Field(default=None, primary_key=True)
    npi: str = Field(index=True, unique=True, max_length=10)
    first_name: str
    middle_name: str | None = None
    last_name: str = Field(index=True)
    suffix: str | None = None
    credentials: str | None = None
    specialty: str | None = None
    department: str | None = None
    other_names: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    active: bool = True
    updated_at: datetime
    run_id: int | None = Field(default=None, foreign_key="run.id", index=True)  # the roster import that added it


class Location(SQLModel, table=True):
    """A practice location of a roster physician; a physician has one or more."""

    id: int | None = Field(default=None, primary_key=True)
    physician_id: int = Field(foreign_key="physician.id", index=True)
    practice_name: str | None = None
    street: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    phone: str | None = None
    run_id: int | None = Field(default=None, foreign_key="run.id", index=True)  # the roster import that added it


class Run(SQLModel, table=True):
    """One crawl or import: what it stored carries its id, what it changed is in ``RunChange``, so
    ``repmon runs undo`` can take exactly that back."""

    id: int | None = Field(default=None, primary_key=True)
    kind: str = "crawl"  # crawl | listings_import | roster_import | social_import | channels_import
    started_at: datetime
    finished_at: datetime | None = None
    crawl_time: datetime | None = None  # a crawl's (simulated) time
    sources: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    input: str | None = None  # an import's file
    status: str = "running"  # running | finished | interrupted | failed | undone
    summary: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    pid: int | None = None  # the process that runs it, to tell a running run from one killed without notice
    host: str | None = None
    undone_at: datetime | None = None


class RunChange(SQLModel, table=True):
    """A row a run changed, with the values it had before (the first change per run and row only).

    Rows a run inserted carry its id instead (``run_id`` on listings, snapshots, reviews, searches,
    physicians and locations); ``before`` is null for a row the run inserted that had no ``run_id``
    column to say so, and the whole row for a row it deleted.
    """

    __table_args__ = (UniqueConstraint("run_id", "table_name", "row_id"),)

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="run.id", index=True)
    table_name: str
    row_id: int
    deleted: bool = False  # the run deleted the row; ``before`` holds it whole
    before: dict | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class Listing(SQLModel, table=True):
    """The current state of one profile on one source (the latest crawl of it)."""

    __table_args__ = (UniqueConstraint("source", "url"),)

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(index=True)
    url: str
    source_id: str | None = None
    name: str
    specialty: str | None = None
    practice_name: str | None = None
    addresses: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    phones: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    npi: str | None = Field(default=None, index=True)
    rating: float | None = None
    review_count: int | None = None
    accepting_new_patients: bool | None = None
    # Social account links the profile carries (schema.org sameAs, its links): suggestions, never accounts
    social_links: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False, default=list))
    first_seen: datetime
    last_seen: datetime
    gone_since: datetime | None = None
    run_id: int | None = Field(default=None, foreign_key="run.id", index=True)  # the run that stored it first


class Snapshot(SQLModel, table=True):
    """A listing's rating and review count in one ISO week. Append-only: one row per listing-week."""

    __table_args__ = (UniqueConstraint("listing_id", "week"),)

    id: int | None = Field(default=None, primary_key=True)
    listing_id: int = Field(foreign_key="listing.id", index=True)
    week: str  # ISO week of crawled_at, e.g. "2026-W47"
    crawled_at: datetime
    rating: float | None = None
    review_count: int | None = None
    run_id: int | None = Field(default=None, foreign_key="run.id", index=True)


class Review(SQLModel, table=True):
    """Append-only: a review is stored once per listing, keyed by the site's id (or a content hash)."""

    __table_args__ = (UniqueConstraint("listing_id", "review_key"),)

    id: int | None = Field(default=None, primary_key=True)
    listing_id: int = Field(foreign_key="listing.id", index=True)
    review_key: str
    date: str | None = None
    rating: float | None = None
    text: str | None = Field(default=None, sa_column=Column(Text))
    author: str | None = None
    response: str | None = Field(default=None, sa_column=Column(Text))
    response_date: str | None = None  # the practice's reply's date as the site shows it ('YYYY-MM-DD'), where it does
    # When a later crawl of a site that shows replies read the review without its reply (the reply was taken
    # down); None while it is shown. The reply is kept: it was posted.
    response_gone_since: datetime | None = None
    first_seen: datetime
    run_id: int | None = Field(default=None, foreign_key="run.id", index=True)  # the run that stored it first


class Search(SQLModel, table=True):
    """What a crawl learned about one roster physician on one source in one ISO week."""

    __table_args__ = (UniqueConstraint("source", "npi", "week"),)

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(index=True)
    npi: str = Field(index=True)
    week: str
    query: str | None = None
    status: str  # ok | blocked | error | disallowed
    reason_code: str | None = None  # why it is not ok, for programs: crawlers.items.REASON_CODES
    reason: str | None = None  # why it is not ok, for people
    results: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    gone: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    crawled_at: datetime
    run_id: int | None = Field(default=None, foreign_key="run.id", index=True)  # the run that wrote its answer


class Match(SQLModel, table=True):
    """Which roster physician a listing belongs to, how sure we are, and why."""

    id: int | None = Field(default=None, primary_key=True)
    listing_id: int = Field(foreign_key="listing.id", unique=True)
    physician_id: int | None = Field(default=None, foreign_key="physician.id", index=True)
    score: float = 0.0
    status: str  # matched | review | unmatched
    method: str  # npi | score | known (a known listing, reputation.known_listings) | person
    evidence: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime


class KnownListing(SQLModel, table=True):
    """A listing URL a person says is one of their physicians' (``repmon listings add|import-urls``), or one
    the own website links for a physician, suggested until a person confirms or rejects it.

    ``decision``: confirmed (revisited weekly, matched to ``npi`` by the person's word) | suggested (waits for
    a person, assumed nothing) | rejected (a person said it is not this physician's; never suggested again).
    ``how``: user | import | website. A row a person decided on carries no run: undoing the crawl that
    suggested it keeps it; rows an import added carry the import's run, so ``repmon runs undo`` takes them back.
    """

    __table_args__ = (UniqueConstraint("source", "url", "npi"),)

    id: int | None = Field(default=None, primary_key=True)
    npi: str = Field(index=True, max_length=10)
    source: str = Field(index=True)
    url: str
    how: str  # user | import | website
    decision: str  # confirmed | suggested | rejected
    found_on: str | None = None  # the own website's page that links it (a suggestion)
    added_at: datetime
    decided_at: datetime | None = None  # when a person decided (added it by hand, imported, confirmed, rejected)
    run_id: int | None = Field(default=None, foreign_key="run.id", index=True)


class Finding(SQLModel, table=True):
    """One open or resolved finding per physician x source x kind."""

    __table_args__ = (UniqueConstraint("npi", "source", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    npi: str = Field(index=True)
    source: str
    kind: str  # a key of reputation.findings.kinds.KINDS
    url: str | None = None
    shown: str | None = Field(default=None, sa_column=Column(Text))
    expected: str | None = Field(default=None, sa_column=Column(Text))
    first_seen: datetime
    last_seen: datetime
    status: str = "open"  # open | resolved
    resolved_at: datetime | None = None


class KnownPhone(SQLModel, table=True):
    """A number a site may legitimately show instead of the practice's (a sponsor's call center)."""

    phone: str = Field(primary_key=True)  # E.164
    label: str | None = None
    added_at: datetime


class SourceCoverage(SQLModel, table=True):
    """How well a source's parser read its pages in one ISO week, and whether it looks broken.

    ``shares``: field -> share of the week's profiles showing it (name, rating, review_count, phone,
    address). ``broken_fields``: the fields most profiles had the week before and (nearly) none have now,
    or ``["all"]`` when the spider yielded nothing it used to. Rewritten by every crawl of that week.
    """

    __table_args__ = (UniqueConstraint("source", "week"),)
    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(index=True)
    week: str
    run_id: int | None = Field(default=None, foreign_key="run.id")
    computed_at: datetime
    searched: int = 0
    ok: int = 0
    not_recognised: int = 0  # searches that ended in "page not recognised" (a parser error)
    profiles: int = 0
    shares: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    broken_fields: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    reason: str | None = None


class ReviewTopic(SQLModel, table=True):
    """A care topic a review speaks of (reputation.reviews.TOPICS), its polarity and the phrase of the
    review that decided it. Written when the review is stored; ``repmon reviews retag`` rewrites them."""

    __table_args__ = (UniqueConstraint("review_id", "topic"),)

    id: int | None = Field(default=None, primary_key=True)
    review_id: int = Field(foreign_key="review.id", ondelete="CASCADE", index=True)
    topic: str = Field(index=True)
    polarity: str  # positive | negative | neutral
    phrase: str = Field(sa_column=Column(Text, nullable=False))


class ReviewSentiment(SQLModel, table=True):
    """A review's overall sentiment: VADER's compound score of its text, with its stars when it has them.
    Every tagged review has one (a review without text too), so a review without it is not tagged yet."""

    review_id: int = Field(foreign_key="review.id", ondelete="CASCADE", primary_key=True)
    label: str  # positive | neutral | negative
    score: float  # -1 .. 1: the text's compound score, and with stars the stars' side weighing three quarters
    compound: float  # VADER's compound score of the text alone


class SocialAccount(SQLModel, table=True):
    """A roster physician's account on a social network, in canonical form (``reputation.social.accounts``).

    ``added``: ``import`` (``repmon social import``: the organization says it is theirs) or ``suggested`` (seen
    as a link on one of their listings: a person confirms or rejects it, ``decision``; until then it is neither
    read nor counted). Only imported and confirmed accounts are the physician's.
    """

    __table_args__ = (UniqueConstraint("npi", "network", "account"),)

    id: int | None = Field(default=None, primary_key=True)
    npi: str = Field(index=True, max_length=10)
    network: str = Field(index=True)
    account: str  # the canonical id
    ambassador: bool = False
    added: str = "import"  # import | suggested
    decision: str | None = None  # a suggestion's: None (to review) | confirmed | rejected
    link: str | None = None  # a suggestion's: the link it was seen as
    seen_on: str | None = None  # a suggestion's: the listing URL that carried the link
    added_at: datetime
    run_id: int | None = Field(default=None, foreign_key="run.id", index=True)  # the import that added it


class SocialChannel(SQLModel, table=True):
    """One of the health system's own accounts (``repmon social channels import``)."""

    __table_args__ = (UniqueConstraint("network", "account"),)

    id: int | None = Field(default=None, primary_key=True)
    network: str = Field(index=True)
    account: str  # the canonical id
    label: str | None = None
    department: str | None = None
    added_at: datetime
    run_id: int | None = Field(default=None, foreign_key="run.id", index=True)  # the import that added it


class SocialSnapshot(SQLModel, table=True):
    """An account's numbers in one ISO week, as its network's API gave them (``crawlers.social.snapshot``).

    A status other than ``ok`` carries no numbers: the account is unknown that week (``not_found``, the network
    saying there is no such account, is the only status that may make it gone). A number the answer did not
    carry is None, never 0. ``follows_main``/``followed_by_main``: whether the account and the system's main
    account on the network follow each other, where the API tells (else None).
    """

    __table_args__ = (UniqueConstraint("network", "account", "week"),)

    id: int | None = Field(default=None, primary_key=True)
    network: str = Field(index=True)
    account: str
    week: str
    crawled_at: datetime
    status: str  # ok | not_found | suspended | blocked | error
    reason: str | None = None
    followers: int | None = None
    following: int | None = None
    posts: int | None = None
    created_at: datetime | None = None
    last_own_post_at: datetime | None = None
    own_posts_28d: int | None = None  # None: the posts read did not cover the 28 days
    interactions_per_post: float | None = None
    engagement_rate: float | None = None
    bio: str | None = Field(default=None, sa_column=Column(Text))
    follows_main: bool | None = None
    followed_by_main: bool | None = None
    run_id: int | None = Field(default=None, foreign_key="run.id", index=True)
