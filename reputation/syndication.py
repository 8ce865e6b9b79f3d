"""Syndicated copies: a site that shows another site's reviews again (Sharecare shows Healthgrades') must not
make one patient's review count twice. Which site copies which is declared by its spider
(``copies_reviews_of``, see ``crawlers.sources.syndication``); this module says which stored reviews and
listings are such copies, for every figure, finding and export to leave them out or mark them.

A review is a copy when its listing is on a copying site and a listing of the original site, matched to the
same physician, holds the same review: the same stars and the same first 200 characters of text (a review
without text: the same stars, date and author). Only then: when the original site could not be read, the
copy is the only sign of the review and counts.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import and_, exists, false, func, or_
from sqlalchemy.orm import aliased

from crawlers.sources import syndication
from reputation.models import Listing, Match, Review

SAME_TEXT_CHARS = 200


def is_copy(review=Review):
    """SQL: whether ``review`` (the Review entity or an alias of it, correlated) is a syndicated copy."""
    pairs = syndication()
    if not pairs:
        return false()
    listing, match = aliased(Listing), aliased(Match)
    o_listing, o_match, o_review = aliased(Listing), aliased(Match), aliased(Review)
    same = and_(o_review.rating == review.rating,
                or_(and_(review.text.is_not(None),
                         func.substr(o_review.text, 1, SAME_TEXT_CHARS) == func.substr(review.text, 1, SAME_TEXT_CHARS)),
                    and_(review.text.is_(None), o_review.text.is_(None), o_review.date == review.date,
                         o_review.author == review.author)))
    return exists().where(
        listing.id == review.listing_id, match.listing_id == listing.id, match.status == "matched",
        or_(*(and_(listing.source == copy, o_listing.source == original) for copy, original in pairs.items())),
        o_match.physician_id == match.physician_id, o_match.status == "matched", o_listing.id == o_match.listing_id,
        o_listing.gone_since.is_(None), o_review.listing_id == o_listing.id, same)


def copied_rows(rows: pd.DataFrame, by: list[str]) -> pd.Series:
    """Of rows of matched listings (a ``source`` column and the ``by`` columns, e.g. physician and week), those
    on a copying site for which a row of the original site has the same ``by`` values: a Sharecare rating
    and review count in a week the physician's Healthgrades listing was read too are Healthgrades' again."""
    pairs = syndication()
    if rows.empty or not pairs:
        return pd.Series(False, index=rows.index)
    keys = list(zip(*(rows[c] for c in by)))
    present = set(zip(keys, rows["source"]))
    return pd.Series([source in pairs and (key, pairs[source]) in present for key, source in zip(keys, rows["source"])],
                     index=rows.index)
