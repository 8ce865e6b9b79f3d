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
# complaint_rising: a care topic's complaints about a physician rising clearly. Conservative: a false alarm
# sends a marketer after a problem that is not there.
COMPLAINT_RECENT = timedelta(days=90)  # the recent window, up to the latest crawl
COMPLAINT_BASELINE = timedelta(days=365)  # the year before the recent window, to compare with
COMPLAINT_MIN_NEGATIVE = 3  # negative mentions of the topic in the recent window, at least
COMPLAINT_MIN_REVIEWS = 5  # tagged reviews in each window, at least: fewer and one review swings the share
COMPLAINT_RISE = 0.25  # the topic's share of reviews complaining of it up by 25 points or more ...
COMPLAINT_RISE_FACTOR = 2.0  # ... and at least doubled

# A physician not found on a source is searched there again at least every SEARCH_WEEKS weeks (the crawl's
# rotation, reputation.crawl.search_due), and a missing_listing needs a successful search within as many weeks:
# an older search never calls a physician missing.
SEARCH_WEEKS = 4
SEARCH_WINDOW = timedelta(weeks=SEARCH_WEEKS - 1)

# Social accounts (reputation.findings.social_rules)
GONE_READS = 2  # not_found answers in a row (reads that failed in between do not count) before an account is gone
INACTIVE_WINDOW = timedelta(days=28)  # an ambassador without an own post this long is inactive
FOLLOWER_DROP = 0.10  # the share of followers lost over the rating window's four weekly reads to count as a drop
MIN_FOLLOWERS = 100  # fewer followers than this and a handful of unfollows is 10 %
