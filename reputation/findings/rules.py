"""Stage two of the findings: one rule per finding kind, judging the loaded frames.

A rule returns what it found (one dict per physician x source) and the keys (npi, source, kind) it
cannot judge this time: a *held* key is neither confirmed nor resolved, because the evidence for it is
uncertain (a blocked search, a value the listing does not show, a parser that looked broken). Rules are
pure: frames and the known call-center numbers in, findings out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from crawlers.sources import reading_responses
from reputation.findings.frames import ALL_FIELDS, Frames
from reputation.findings.thresholds import (
    ALL_SITES,
    COMPLAINT_BASELINE,
    COMPLAINT_MIN_NEGATIVE,
    COMPLAINT_MIN_REVIEWS,
    COMPLAINT_RECENT,
    COMPLAINT_RISE,
    COMPLAINT_RISE_FACTOR,
    MIN_REVIEWS,
    NEGATIVE_AT_OR_BELOW,
    NEW_REVIEW_WINDOW,
    RATING_DROP,
    RATING_WEEKS,
)
from reputation.normalize import SAME, UNIT_DIFFERS, address_agreement, format_address, format_phone, normalize_phone
from reputation.records import iso_week
from reputation.replies import check_reply, draft_reply, patient_relations


@dataclass
class Judgement:
    found: list[dict] = field(default_factory=list)
    held: set[tuple[str, str, str]] = field(default_factory=set)


def finding(npi, source, kind, url, shown, expected, seen) -> dict:
    return {"npi": npi, "source": source, "kind": kind, "url": url, "shown": shown, "expected": expected,
            "seen": pd.Timestamp(seen).to_pydatetime()}


# -- missing_listing ------------------------------------------------------------------------------------


def missing_listings(frames: Frames, known_phones: set[str]) -> Judgement:
    """The latest search (within SEARCH_WEEKS, see the frames) succeeded and found no listing of the
    physician; the finding says when that search was made. A search that was blocked or failed, a parser that
    looked broken, or results not matched yet leave the physician unknown there."""
    judgement = Judgement()
    if frames.searches.empty:
        return judgement
    listed = set(zip(frames.listings["npi"], frames.listings["source"]))
    # No search within the window (the rotation did not come round, a crawl was skipped): nothing is known
    # there now, so a missing listing found earlier is neither confirmed nor resolved, unless it is listed.
    searched = set(zip(frames.searches["npi"], frames.searches["source"]))
    for source in set(frames.searches["source"]) | set(frames.listings["source"]):
        for npi in frames.active_npis:
            if (npi, source) not in searched and (npi, source) not in listed:
                judgement.held.add((npi, source, "missing_listing"))
    for search in frames.searches.itertuples():
        key = (search.npi, search.source, "missing_listing")
        if (search.status != "ok" or frames.unreadable(search.source, search.week, ALL_FIELDS)
                or any((search.source, url) in frames.undecided for url in search.results or [])):
            judgement.held.add(key)
            continue
        if search.npi not in frames.active_npis or (search.npi, search.source) in listed:
            continue
        when = pd.Timestamp(search.crawled_at).date().isoformat()
        shown = (f"no listing found (searched for {search.query} on {when})" if search.query
                 else f"no listing found (searched on {when})")
        if search.results:
            shown += f"; {len(search.results)} result(s), none of them this physician"
        judgement.found.append(finding(search.npi, search.source, "missing_listing", None, shown,
                                       "a listing of this physician", search.crawled_at))
    return judgement


# -- outdated_phone and outdated_address -------------------------------------------------------------------


def _contact_rows(frames: Frames):
    """(listing, roster contacts, week) of each matched listing, in URL order (the first one is quoted)."""
    columns = ["physician_id", "npi", "source", "url", "phones", "addresses", "last_seen"]
    for listing in frames.matched.sort_values("url")[columns].itertuples(index=False):
        roster = frames.contacts.get(listing.physician_id)
        if roster is not None:
            yield listing, roster, iso_week(listing.last_seen)


def outdated_phones(frames: Frames, known_phones: set[str]) -> Judgement:
    """The listing shows a phone that is none of the roster's (known call-center numbers excepted)."""
    judgement, found = Judgement(), {}
    for listing, roster, week in _contact_rows(frames):
        key = (listing.npi, listing.source)
        shown = [p for p in (normalize_phone(x) for x in listing.phones or []) if p]
        if not shown or frames.unreadable(listing.source, week, "phone"):
            judgement.held.add((*key, "outdated_phone"))  # no phone read: says nothing either way
            continue
        wrong = [format_phone(p) for p in shown if p not in roster["phones"] and p not in known_phones]
        if wrong and key not in found:
            found[key] = finding(listing.npi, listing.source, "outdated_phone", listing.url, ", ".join(wrong),
                                 ", ".join(roster["phone_text"]) or "(no phone on the roster)", listing.last_seen)
    judgement.found = list(found.values())
    return judgement


def address_known(address: dict, roster: list[dict]) -> str:
    """How a listed address agrees with the best of the roster's locations (``normalize.address_agreement``)."""
    agreements = {address_agreement(address, known) for known in roster}
    return SAME if SAME in agreements else UNIT_DIFFERS if UNIT_DIFFERS in agreements else "other"


def outdated_addresses(frames: Frames, known_phones: set[str]) -> Judgement:
    """The listing shows an address that is none of the roster's locations; the same street with another
    suite is outdated too (said so), a suite missing on one side is not."""
    judgement, found = Judgement(), {}
    for listing, roster, week in _contact_rows(frames):
        key = (listing.npi, listing.source)
        if not listing.addresses or frames.unreadable(listing.source, week, "address"):
            judgement.held.add((*key, "outdated_address"))
            continue
        wrong = []
        for address in listing.addresses:
            agreement = address_known(address, roster["addresses"])
            if agreement != SAME:
                wrong.append(format_address(address) + (" (suite differs)" if agreement == UNIT_DIFFERS else ""))
        if wrong and key not in found:
            found[key] = finding(listing.npi, listing.source, "outdated_address", listing.url,
                                 "; ".join(wrong), "; ".join(roster["address_text"]), listing.last_seen)
    judgement.found = list(found.values())
    return judgement


# -- duplicate_listing ---------------------------------------------------------------------------------------


def duplicate_listings(frames: Frames, known_phones: set[str]) -> Judgement:
    """Two or more matched listings of one physician on one source."""
    listings = frames.matched
    sizes = listings.groupby(["npi", "source"])["url"].transform("size")
    judgement = Judgement()
    for (npi, source), group in listings[sizes > 1].groupby(["npi", "source"]):
        urls = sorted(group["url"])
        judgement.found.append(finding(npi, source, "duplicate_listing", urls[0], f"{len(urls)} listings: " + " ".join(urls),
                                       "one listing", group["last_seen"].max()))
    return judgement


# -- rating_drop ---------------------------------------------------------------------------------------------


def week_number(week: str) -> int:
    """Weeks since a fixed Monday, so ISO weeks subtract across years ("2027-W01" - "2026-W53" = 1)."""
    year, number = week.split("-W")
    return date.fromisocalendar(int(year), int(number), 1).toordinal() // 7


def rating_windows(frames: Frames) -> pd.DataFrame:
    """Per matched listing: its latest snapshot and the first rated one within the RATING_WEEKS weeks before it.

    Columns: listing_id, npi, source, url, last_seen, physician_id, week, rating, review_count (latest),
    start_week, start_rating, start_count, readable (the latest crawl read a rating and a review count
    from a parser that did not look broken).
    """
    listings, snapshots = frames.matched, frames.snapshots
    columns = ["listing_id", "npi", "source", "url", "last_seen", "physician_id", "week", "rating",
               "review_count", "start_week", "start_rating", "start_count", "readable"]
    if snapshots.empty or listings.empty:
        return pd.DataFrame(columns=columns)
    joined = snapshots.merge(listings[["id", "npi", "source", "url", "last_seen", "physician_id"]],
                             left_on="listing_id", right_on="id")
    if joined.empty:
        return pd.DataFrame(columns=columns)
    numbers = {w: week_number(w) for w in joined["week"].unique()}
    joined = joined.assign(n=joined["week"].map(numbers)).sort_values(["listing_id", "n"])
    latest = joined.groupby("listing_id").tail(1).set_index("listing_id")
    joined = joined[joined["listing_id"].map(latest["n"]) - joined["n"] < RATING_WEEKS]
    start = joined.dropna(subset=["rating"]).groupby("listing_id").head(1).set_index("listing_id")
    out = latest.join(start[["week", "n", "rating", "review_count"]].rename(columns=lambda c: f"start_{c}"))
    out = out.rename(columns={"start_review_count": "start_count"}).reset_index()
    out["readable"] = out["rating"].notna() & out["review_count"].notna()
    if frames.broken:
        unreadable = [frames.unreadable(s, w, "rating") or frames.unreadable(s, w, "review_count")
                      for s, w in zip(out["source"], out["week"])]
        out["readable"] &= ~pd.Series(unreadable, index=out.index, dtype=bool)
    # Only a window of two crawls or more compares anything.
    out.loc[out["start_n"] >= out["n"], ["start_week", "start_rating", "start_count"]] = None
    return out[columns]


def rating_drops(frames: Frames, known_phones: set[str]) -> Judgement:
    """A listing's rating fell RATING_DROP stars over RATING_WEEKS crawls with MIN_REVIEWS reviews or more;
    or the physician's review-weighted average across sites did, though no single listing did."""
    judgement = Judgement()
    windows = rating_windows(frames)
    if windows.empty:
        return judgement
    unreadable = windows[~windows["readable"]]
    # The latest crawl read no rating: a broken parser or a changed page, never a drop or a recovery.
    judgement.held.update((npi, source, "rating_drop") for npi, source in zip(unreadable["npi"], unreadable["source"]))
    judgement.held.update((npi, ALL_SITES, "rating_drop") for npi in unreadable["npi"])
    usable = windows[windows["readable"] & windows["start_rating"].notna()].copy()
    usable["change"] = (usable["rating"].astype(float) - usable["start_rating"].astype(float)).round(6)
    drops = usable[(usable["change"] <= -RATING_DROP) & (usable["review_count"] >= MIN_REVIEWS)]
    drops = drops.sort_values("change").drop_duplicates(["npi", "source"])
    judgement.found = [finding(d.npi, d.source, "rating_drop", d.url,
                               f"{d.rating:.1f} stars ({int(d.review_count)} reviews) in {d.week}",
                               f"{d.start_rating:.1f} stars in {d.start_week}", d.last_seen) for d in drops.itertuples()]
    judgement.found += _average_drops(usable[~usable["npi"].isin(set(drops["npi"]))])
    return judgement


def _average_drops(usable: pd.DataFrame) -> list[dict]:
    """A physician's review-weighted average across sites fell by RATING_DROP though no listing did.

    Compared over the same listings at both ends (each rated at the start and now), so a site blocked for
    a week or a new listing does not move the average by itself.
    """
    usable = usable[usable["start_count"].notna() & (usable["start_count"] > 0) & (usable["review_count"] > 0)]
    if usable.empty:
        return []
    usable = usable.assign(now_sum=usable["rating"] * usable["review_count"],
                           start_sum=usable["start_rating"] * usable["start_count"])
    per = usable.groupby("npi").agg(sites=("listing_id", "size"), now_sum=("now_sum", "sum"), now_n=("review_count", "sum"),
                                    start_sum=("start_sum", "sum"), start_n=("start_count", "sum"),
                                    week=("week", "max"), start_week=("start_week", "min"), seen=("last_seen", "max"))
    per["now"], per["start"] = per["now_sum"] / per["now_n"], per["start_sum"] / per["start_n"]
    per = per[(per["sites"] >= 2) & (per["now_n"] >= MIN_REVIEWS) & ((per["now"] - per["start"]).round(6) <= -RATING_DROP)]
    return [finding(npi, ALL_SITES, "rating_drop", None,
                    f"{p.now:.2f} stars on average across {p.sites} sites ({int(p.now_n)} reviews) in {p.week}",
                    f"{p.start:.2f} stars in {p.start_week}", p.seen) for npi, p in per.iterrows()]


# -- negative_review -----------------------------------------------------------------------------------------


def new_negative_reviews(listings: pd.DataFrame, reviews: pd.DataFrame) -> pd.DataFrame:
    """Reviews of NEGATIVE_AT_OR_BELOW stars still without a response, that arrived after the listing's
    first crawl (what was there on the first crawl is history, not news, unless it is dated recently)."""
    if reviews.empty or listings.empty:
        return reviews.iloc[0:0]
    joined = reviews.merge(
        listings[["id", "npi", "source", "url", "first_seen", "last_seen"]],
        left_on="listing_id", right_on="id", suffixes=("", "_listing"),
    )
    if joined.empty:
        return joined
    dated = pd.to_datetime(joined["date"], errors="coerce", format="ISO8601", utc=True)
    recent = dated >= pd.to_datetime(joined["first_seen"], utc=True) - NEW_REVIEW_WINDOW
    new = joined[
        (joined["rating"] <= NEGATIVE_AT_OR_BELOW)
        & joined["response"].isna()
        & ((joined["first_seen"] > joined["first_seen_listing"]) | recent)
    ]
    return new.sort_values(["first_seen", "date"], ascending=False)


def negative_reviews(frames: Frames, known_phones: set[str]) -> Judgement:
    """New reviews of NEGATIVE_AT_OR_BELOW stars without a response (see ``new_negative_reviews``)."""
    judgement = Judgement()
    new = new_negative_reviews(frames.matched, frames.reviews)
    if new.empty:
        return judgement
    counts = new.groupby(["npi", "source"]).size().to_dict()
    seen = new.groupby(["npi", "source"])["last_seen"].max().to_dict()
    now = pd.Timestamp(frames.latest_crawl) if frames.latest_crawl is not None else None
    now = now.tz_localize("UTC") if now is not None and now.tzinfo is None else now
    contact, shown_replies = patient_relations(), reading_responses()
    for top in new.drop_duplicates(["npi", "source"]).itertuples():  # newest first: the one to quote
        key = (top.npi, top.source)
        dated = pd.to_datetime(top.date, errors="coerce", format="ISO8601", utc=True) if top.date else pd.NaT
        first = pd.Timestamp(top.first_seen)
        since = dated if not pd.isna(dated) else first.tz_localize("UTC") if first.tzinfo is None else first
        days = max(0, (now - since).days) if now is not None else None
        age = "" if days is None else f", {days} days without a reply" if top.source in shown_replies else f", {days} days old"
        shown = f"{top.rating:.0f}-star review of {top.date or 'unknown date'}{age}: {(top.text or '').strip()[:280]}"
        if counts[key] > 1:
            shown = f"{counts[key]} new negative reviews; latest: " + shown
        draft = draft_reply(f"{top.source}:{top.review_key}", contact)
        judgement.found.append(finding(top.npi, top.source, "negative_review", top.url, shown,
                                       f"a reply that confirms nothing, such as: {draft}", seen[key]))
    return judgement


# -- phi_in_reply --------------------------------------------------------------------------------------------


def phi_in_replies(frames: Frames, known_phones: set[str]) -> Judgement:
    """A practice's public reply that discloses the reviewer is a patient or anything of their health or account
    (``reputation.replies.check_reply``, judged against the review's display name). The newest such reply is
    quoted with the phrases that trigger the check."""
    judgement = Judgement()
    if frames.replies.empty or frames.matched.empty:
        return judgement
    joined = frames.replies.merge(frames.matched[["id", "npi", "source", "url", "last_seen"]],
                                  left_on="listing_id", right_on="id")
    found: dict[tuple[str, str], list] = {}
    for row in joined.itertuples():
        author = row.author if isinstance(row.author, str) else None
        verdict = check_reply(row.response, author)
        if verdict.discloses:
            found.setdefault((row.npi, row.source), []).append((str(row.date or ""), row, verdict))
    for (npi, source), hits in sorted(found.items()):
        hits.sort(key=lambda hit: hit[0], reverse=True)
        _, top, verdict = hits[0]
        rating = f"{top.rating:.0f}-star " if top.rating == top.rating and top.rating is not None else ""
        by = f" by {top.author}" if isinstance(top.author, str) and top.author else ""
        shown = (f"the reply to the {rating}review of {top.date or 'unknown date'}{by} discloses "
                 f"{verdict.summary()}; it reads: {top.response.strip()[:280]}")
        if len(hits) > 1:
            shown = f"{len(hits)} replies disclose; latest: " + shown
        judgement.found.append(finding(npi, source, "phi_in_reply", top.url, shown,
                                       "a reply that confirms nothing about the reviewer", top.last_seen))
    return judgement


# -- complaint_rising --------------------------------------------------------------------------------------


def review_dates(reviews: pd.DataFrame) -> pd.Series:
    """When a review was written: its date on the site when that reads as a date, else when repmon first saw
    it if that was after the listing's first crawl (a review seen at the first crawl may be years old: unknown)."""
    written = pd.to_datetime(reviews["date"].astype("string").str.slice(0, 10), format="%Y-%m-%d", errors="coerce", utc=True)
    first = pd.to_datetime(reviews["first_seen"], utc=True)
    new = first > pd.to_datetime(reviews["listing_first_seen"], utc=True)
    return written.fillna(first.where(new))


def complaint_rising(frames: Frames, known_phones: set[str]) -> Judgement:
    """A care topic's complaints about a physician rising clearly, across sites (see the thresholds)."""
    judgement = Judgement()
    tagged = frames.review_topics
    if tagged is None or tagged.empty or frames.latest_crawl is None:
        return judgement
    listings = frames.listings[["id", "npi", "match_status"]].rename(columns={"id": "listing_id"})
    tagged = tagged.merge(listings, on="listing_id")
    held = set(tagged.loc[tagged["match_status"] == "review", "npi"])
    judgement.held.update((npi, ALL_SITES, "complaint_rising") for npi in held)
    tagged = tagged[(tagged["match_status"] == "matched") & ~tagged["npi"].isin(held)].copy()
    if tagged.empty:
        return judgement
    tagged["written"] = review_dates(tagged)
    end = pd.Timestamp(frames.latest_crawl).tz_convert("UTC") if pd.Timestamp(frames.latest_crawl).tzinfo else \
        pd.Timestamp(frames.latest_crawl, tz="UTC")
    start = end - COMPLAINT_RECENT
    tagged["window"] = None
    tagged.loc[(tagged["written"] > start) & (tagged["written"] <= end + pd.Timedelta(days=1)), "window"] = "recent"
    tagged.loc[(tagged["written"] > start - COMPLAINT_BASELINE) & (tagged["written"] <= start), "window"] = "before"
    tagged = tagged[tagged["window"].notna()]
    totals = tagged.drop_duplicates("review_id").groupby(["npi", "window"]).size()
    negative = tagged[tagged["polarity"] == "negative"]
    counts = negative.groupby(["npi", "topic", "window"]).size()
    for npi in sorted(set(negative.loc[negative["window"] == "recent", "npi"])):
        recent_n, before_n = totals.get((npi, "recent"), 0), totals.get((npi, "before"), 0)
        if recent_n < COMPLAINT_MIN_REVIEWS or before_n < COMPLAINT_MIN_REVIEWS:
            continue
        rising = []
        for topic in sorted(set(negative.loc[(negative["npi"] == npi) & (negative["window"] == "recent"), "topic"])):
            now, was = counts.get((npi, topic, "recent"), 0), counts.get((npi, topic, "before"), 0)
            share, old = now / recent_n, was / before_n
            if now >= COMPLAINT_MIN_NEGATIVE and share - old >= COMPLAINT_RISE and share >= COMPLAINT_RISE_FACTOR * old:
                quote = negative[(negative["npi"] == npi) & (negative["topic"] == topic) & (negative["window"] == "recent")] \
                    .sort_values("written", ascending=False)["phrase"].iloc[0]
                rising.append((share - old, topic, now, recent_n, was, before_n, old, quote))
        if not rising:
            continue
        rising.sort(key=lambda r: (-r[0], r[1]))
        shown = "; ".join(f"{topic}: {now} of {n} reviews in the last {COMPLAINT_RECENT.days} days complain "
                          f"({now / n:.0%}; was {was} of {m}, {old:.0%}), e.g. \"{quote}\""
                          for _, topic, now, n, was, m, old, quote in rising)
        expected = "; ".join(f"{topic} complaints at their usual share ({old:.0%})" for _, topic, _, _, _, _, old, _ in rising)
        judgement.found.append(finding(npi, ALL_SITES, "complaint_rising", None, shown, expected, frames.latest_crawl))
    return judgement
