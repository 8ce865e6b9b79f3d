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
from sqlalchemy import and_, false, func, or_, select
from sqlalchemy.orm import aliased

from crawlers.sources import syndication
from reputation.models import Listing, Match, Review

SAME_TEXT_CHARS = 200


def copy_ids():
    """SQL: the ids of the stored reviews that are syndicated copies (a subquery, computed once per query)."""
    pairs = syndication()
    review, listing, match = aliased(Review), aliased(Listing), aliased(Match)
    o_listing, o_match, o_review = aliased(Listing), aliased(Match), aliased(Review)
    same = and_(o_review.rating == review.rating,
                or_(and_(review.text.is_not(None),
                         func.substr(o_review.text, 1, SAME_TEXT_CHARS) == func.substr(review.text, 1, SAME_TEXT_CHARS)),
                    and_(review.text.is_(None), o_review.text.is_(None), o_review.date == review.date,
                         o_review.author == review.author)))
    return (select(review.id)
            .join(listing, listing.id == review.listing_id)
            .join(match, and_(match.listing_id == listing.id, match.status == "matched"))
            .join(o_match, and_(o_match.physician_id == match.physician_id, o_match.status == "matched"))
            .join(o_listing, and_(o_listing.id == o_match.listing_id, o_listing.gone_since.is_(None)))
            .join(o_review, and_(o_review.listing_id == o_listing.id, same))
            .where(or_(false(), *(and_(listing.source == copy, o_listing.source == original)
                                  for copy, original in pairs.items()))))


def is_copy(review=Review):
    """SQL: whether ``review`` (the Review entity or an alias of it) is a syndicated copy."""
    return review.id.in_(copy_ids()) if syndication() else false()


def copied_rows(rows: pd.DataFrame, by: list[str]) -> pd.Series:
    """Of rows of matched listings (a ``source`` column and the ``by`` columns, e.g. physician and week), those
    on a copying site for which a row of the original site has the same ``by`` values: a Sharecare rating
    and review count in a week the physician's Healthgrades listing was read too are Healthgrades' again."""
    pairs = syndication()
    out = pd.Series(False, index=rows.index)
    copying = rows["source"].isin(list(pairs)) if not rows.empty and pairs else out
    if not copying.any():
        return out
    wanted = rows.loc[copying, by].assign(source=rows.loc[copying, "source"].map(pairs).to_numpy())
    present = rows.loc[rows["source"].isin(list(pairs.values())), by + ["source"]].drop_duplicates().assign(_present=True)
    found = wanted.merge(present, on=by + ["source"], how="left")["_present"].fillna(False).astype(bool)
    out.loc[copying] = found.to_numpy()
    return out
