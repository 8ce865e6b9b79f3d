"""Record checks: values out of range are refused by field, text and lists over their limit are cut and said so."""

from __future__ import annotations

import re
import typing
from datetime import UTC, datetime, timedelta

import pytest

from conftest import ROOT
from reputation.records import (
    LIST_LIMITS,
    REVIEW_COUNT_MAX,
    TEXT_LIMITS,
    URL_CHARS,
    ListingIn,
    RecordError,
    SearchIn,
    SocialIn,
    check_record,
)

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)  # the injected clock: no test here reads the real one
LISTING = {"kind": "listing", "source": "healthgrades", "url": "https://www.healthgrades.com/physician/dr-jane-doe-x1y2z",
           "name": "Dr. Jane Doe", "crawled_at": "2026-11-16T09:00:00Z"}
SOCIAL = {"kind": "social", "source": "bluesky", "account": "drjane.bsky.social", "status": "ok", "followers": 10,
          "crawled_at": "2026-11-16T09:00:00+00:00"}
SEARCH = {"kind": "search", "source": "healthgrades", "npi": "1234567893", "query": "Jane Doe", "status": "ok",
          "results": [LISTING["url"]], "crawled_at": "2026-11-16T09:00:05Z"}
REVIEW = {"review_id": "r1", "date": "2026-11-01", "rating": 4, "text": "kind", "author": "A", "response": None}


def refusal(record: dict) -> RecordError:
    with pytest.raises(RecordError) as caught:
        check_record(record, now=NOW)
    return caught.value


# ----- dates ----------------------------------------------------------------------------------------


def test_a_crawl_time_up_to_a_day_ahead_of_the_clock_is_accepted():
    record, _ = check_record({**LISTING, "crawled_at": (NOW + timedelta(days=1)).isoformat()}, now=NOW)
    assert record.crawled_at == NOW + timedelta(days=1)


@pytest.mark.parametrize("crawled_at", ["2099-01-07T09:00:00Z", (NOW + timedelta(days=1, minutes=1)).isoformat()])
def test_a_crawl_time_more_than_a_day_ahead_of_the_clock_is_refused(crawled_at):
    error = refusal({**LISTING, "crawled_at": crawled_at})
    assert error.field == "crawled_at" and "ahead of the clock" in error.reason


def test_a_crawl_time_before_2000_is_refused():
    error = refusal({**SEARCH, "crawled_at": "1999-12-31T23:59:59Z"})
    assert error.field == "crawled_at" and "before 2000" in error.reason


def test_the_clock_is_the_one_given():
    tomorrow_but_one = {**LISTING, "crawled_at": "2026-11-23T09:00:00Z"}
    refusal(tomorrow_but_one)
    assert check_record(tomorrow_but_one, now=NOW + timedelta(days=3))[0].crawled_at.day == 23


@pytest.mark.parametrize("date", ["2099-01-01", "2026-11-22T00:00:00Z", "1999-06-30"])
def test_a_review_date_out_of_range_refuses_the_listing_naming_the_review(date):
    reviews = [REVIEW, REVIEW, REVIEW, {**REVIEW, "review_id": "r4", "date": date}]
    error = refusal({**LISTING, "reviews": reviews})
    assert error.field == "reviews.3.date"


def test_a_review_date_that_is_not_an_iso_date_is_kept_as_written():
    record, _ = check_record({**LISTING, "reviews": [{**REVIEW, "date": "3 weeks ago"}]}, now=NOW)
    assert record.reviews[0].date == "3 weeks ago"


# ----- numbers --------------------------------------------------------------------------------------


@pytest.mark.parametrize("field,value", [("rating", True), ("rating", 5.01), ("rating", -1), ("rating", float("nan")),
                                         ("review_count", True), ("review_count", REVIEW_COUNT_MAX + 1),
                                         ("review_count", 10**20), ("review_count", -1)])
def test_a_number_out_of_its_range_is_refused_naming_the_field_and_the_value(field, value):
    error = refusal({**LISTING, field: value})
    assert error.field == field
    assert ("true" if value is True else str(value).replace("nan", "NaN")) in error.reason


def test_the_largest_review_count_and_rating_are_accepted():
    record, _ = check_record({**LISTING, "rating": 5, "review_count": REVIEW_COUNT_MAX}, now=NOW)
    assert (record.rating, record.review_count) == (5.0, REVIEW_COUNT_MAX)


def test_a_review_rated_true_is_refused_not_read_as_one_star():
    error = refusal({**LISTING, "reviews": [REVIEW, {**REVIEW, "rating": True}]})
    assert error.field == "reviews.1.rating"


# ----- text and lists -------------------------------------------------------------------------------


def _record_with(key: str, value) -> dict:
    """A record whose field ``key`` ("reviews.author", "phones") is ``value`` in its first place."""
    top, _, inner = key.partition(".")
    base = SEARCH if top in SearchIn.model_fields and top not in ListingIn.model_fields else LISTING
    base = SOCIAL if top in SocialIn.model_fields and top not in {**ListingIn.model_fields, **SearchIn.model_fields} else base
    if top in ("addresses", "reviews") and inner:
        return {**base, top: [{**(REVIEW if top == "reviews" else {}), inner: value}]}
    if top in ("phones", "social_links") and not isinstance(value, list):
        return {**base, top: [value]}
    return {**base, top: value}


@pytest.mark.parametrize("key,limit", sorted(TEXT_LIMITS.items()))
def test_text_over_its_limit_is_cut_to_it_and_the_cut_named(key, limit):
    record, cuts = check_record(_record_with(key, "x" * (limit + 5)), now=NOW)
    place = key.replace(".", ".0.", 1) if "." in key else (f"{key}.0" if key in ("phones", "social_links") else key)
    assert [(c.field, c.kept, c.had, c.unit) for c in cuts] == [(place, limit, limit + 5, "characters")]
    value = record
    for part in place.split("."):
        value = value[int(part)] if part.isdigit() else getattr(value, part)
    assert value == "x" * limit


@pytest.mark.parametrize("key,limit", sorted(LIST_LIMITS.items()))
def test_a_list_over_its_limit_is_cut_to_it_and_the_cut_named(key, limit):
    items = {"addresses": {"city": "Atlanta"}, "phones": "404-555-0101", "reviews": REVIEW,
             "suggested": {"source": "healthgrades", "url": "https://www.healthgrades.com/physician/x"}}.get(key)
    values = [items] * (limit + 1) if items else [f"https://example.org/p/{i}" for i in range(limit + 1)]
    record, cuts = check_record(_record_with(key, values), now=NOW)
    assert [str(c) for c in cuts] == [f"{key}: cut to {limit:,} of {limit + 1:,} items"]
    assert len(getattr(record, key)) == limit


def test_an_ok_search_whose_results_were_cut_is_not_a_clean_search():
    urls = [f"https://example.org/p/{i}" for i in range(LIST_LIMITS["results"] + 1)]
    record, _ = check_record({**SEARCH, "results": urls}, now=NOW)
    assert record.status == "error" and "not all of them were looked at" in record.reason
    assert record.reason_code == "incomplete"


@pytest.mark.parametrize("status, given, code", [("ok", None, None), ("blocked", None, "blocked"),
                                                 ("disallowed", None, "disallowed"), ("error", None, "error"),
                                                 ("error", "not_recognised", "not_recognised"),
                                                 ("blocked", "blocked", "blocked")])
def test_a_search_carries_a_reason_code_fitting_its_status(status, given, code):
    data = {**SEARCH, "status": status, **({"reason_code": given} if given else {})}
    assert check_record(data, now=NOW)[0].reason_code == code


@pytest.mark.parametrize("status, given", [("error", "blocked"), ("blocked", "not_recognised"), ("error", "nonsense")])
def test_a_reason_code_that_does_not_fit_is_refused(status, given):
    with pytest.raises(RecordError, match="reason_code"):
        check_record({**SEARCH, "status": status, "reason_code": given}, now=NOW)


def test_every_text_field_has_a_limit_or_is_refused_when_too_long():
    checked_otherwise = {"kind", "source", "url", "npi", "status", "results", "gone",  # literals, patterns, URLs
                         "suggested.source", "suggested.url", "suggested.found_on"}

    def text_fields(model, prefix=""):
        for name, info in model.model_fields.items():
            args = typing.get_args(info.annotation) or (info.annotation,)
            inner = [typing.get_args(a)[0] if typing.get_origin(a) is list else a for a in args]
            for kind in inner:
                if isinstance(kind, type) and hasattr(kind, "model_fields"):
                    yield from text_fields(kind, f"{prefix}{name}.")
                elif kind is str or typing.get_origin(kind) is typing.Annotated and typing.get_args(kind)[0] is str:
                    yield f"{prefix}{name}"

    fields = set(text_fields(ListingIn)) | set(text_fields(SearchIn)) | set(text_fields(SocialIn))
    assert "reviews.author" in fields and "addresses.street" in fields
    assert fields - checked_otherwise <= set(TEXT_LIMITS), f"no limit for {sorted(fields - checked_otherwise - set(TEXT_LIMITS))}"


@pytest.mark.parametrize("place", ["url", "results.0", "gone.1"])
def test_a_url_too_long_to_be_a_url_is_refused_not_cut(place):
    long_url = "https://example.org/" + "a" * URL_CHARS
    field, _, index = place.partition(".")
    record = {**SEARCH, field: [LISTING["url"]] * int(index) + [long_url]} if index else {**LISTING, field: long_url}
    error = refusal(record)
    assert error.field == place and "refused, not cut" in error.reason


def test_a_url_at_the_limit_is_accepted():
    url = "https://example.org/" + "a" * (URL_CHARS - len("https://example.org/"))
    assert check_record({**LISTING, "url": url}, now=NOW)[0].url == url


# ----- messages -------------------------------------------------------------------------------------


def test_a_refusal_quotes_the_value_shortened_and_printable():
    error = refusal({**SEARCH, "status": "[/x] " + "y" * 500})
    assert '(got "[/x] yyy' in error.reason and len(error.reason) < 200
    error = refusal({**SEARCH, "status": "\ud800"})
    assert "\\ud800" in error.reason
    error.reason.encode("utf-8")  # a lone surrogate could not be printed


def test_the_readme_table_shows_every_limit():
    readme = (ROOT / "README.md").read_text()
    rows = re.findall(r"^\| `([a-z_.N]+)` \| ([\d,]+) (characters|items) \|$", readme, flags=re.M)
    shown = {(field.replace(".N", ""), unit): int(number.replace(",", "")) for field, number, unit in rows}
    expected = {**{(k, "characters"): v for k, v in TEXT_LIMITS.items()}, **{(k, "items"): v for k, v in LIST_LIMITS.items()}}
    assert shown == expected


# ----- social snapshots -----------------------------------------------------------------------------


def test_a_social_snapshot_that_was_not_read_carries_no_numbers():
    record = check_record({**SOCIAL, "status": "error", "followers": None, "reason": "HTTP 502"}, now=NOW)[0]
    assert (record.status, record.followers) == ("error", None)
    error = refusal({**SOCIAL, "status": "blocked"})
    assert error.field is None or "carries no numbers" in error.reason
    assert "carries no numbers" in str(error)


@pytest.mark.parametrize("field, value", [("followers", -1), ("followers", True), ("status", "gone"),
                                          ("engagement_rate", -0.1)])
def test_a_social_snapshot_with_a_value_out_of_range_is_refused(field, value):
    assert refusal({**SOCIAL, field: value}).field == field
