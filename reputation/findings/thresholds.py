"""The numbers the finding rules use, each with its reason (the README's findings table quotes them)."""

from __future__ import annotations

from datetime import timedelta

RATING_DROP = 0.3  # stars lost over the window to count as a drop
RATING_WEEKS = 4  # the window of a rating drop: four weekly crawls, this week and the three before
RATING_WINDOW = timedelta(weeks=RATING_WEEKS - 1)
MIN_REVIEWS = 10  # fewer reviews than this and one or two new ratings swing the average by 0.3
NEGATIVE_AT_OR_BELOW = 2.0  # stars: a negative review
NEW_REVIEW_WINDOW = timedelta(days=28)  # a review dated this close before a listing's first crawl is news
ALL_SITES = "all"  # the source of a physician-level finding: the review-weighted average across sites
# A physician not found on a source is searched there again at least every SEARCH_WEEKS weeks (the crawl's
# rotation, reputation.crawl.search_due), and a missing_listing needs a successful search within as many weeks:
# an older search never calls a physician missing.
SEARCH_WEEKS = 4
SEARCH_WINDOW = timedelta(weeks=SEARCH_WEEKS - 1)
