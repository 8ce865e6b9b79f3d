"""The weekly snapshot: own posts in the last 28 days, interactions, engagement; unknown stays unknown."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crawlers.social.answers import Failure, Post, PostsPage, Profile
from crawlers.social.snapshot import weekly_snapshot

AS_OF = datetime(2025, 6, 2, 12, 0, tzinfo=UTC)
PROFILE = Profile("bluesky", "drjane.bsky.social", followers=200, following=50, posts=400,
                  created_at=datetime(2023, 4, 1, tzinfo=UTC))


def days_ago(days: float) -> datetime:
    return AS_OF - timedelta(days=days)


def feed(*posts: Post, next_page: str | None = "cursor") -> PostsPage:
    return PostsPage("bluesky", "drjane.bsky.social", posts, next_page)


def snapshot(profile=PROFILE, pages=()):
    return weekly_snapshot("bluesky", "drjane.bsky.social", profile, list(pages), as_of=AS_OF)


def test_own_posts_of_the_last_28_days_give_interactions_per_post_and_engagement():
    page = feed(Post(days_ago(1), True, 10), Post(days_ago(20), True, 30), Post(days_ago(27.9), True, 20),
                Post(days_ago(29), True, 1000))
    found = snapshot(pages=[page])
    assert (found.status, found.followers, found.following, found.posts) == ("ok", 200, 50, 400)
    assert found.last_own_post_at == days_ago(1)
    assert found.own_posts_28d == 3
    assert found.interactions_per_post == 20
    assert found.engagement_rate == 20 / 200


def test_reposts_are_neither_the_last_own_post_nor_counted():
    page = feed(Post(days_ago(1), False, 500), Post(days_ago(3), True, 4), Post(days_ago(40), True, 0))
    found = snapshot(pages=[page])
    assert found.last_own_post_at == days_ago(3)
    assert (found.own_posts_28d, found.interactions_per_post) == (1, 4)


def test_pages_that_do_not_reach_back_28_days_leave_the_count_unknown_not_low():
    found = snapshot(pages=[feed(Post(days_ago(1), True, 4), Post(days_ago(5), True, 6))])
    assert found.last_own_post_at == days_ago(1)
    assert (found.own_posts_28d, found.interactions_per_post, found.engagement_rate) == (None, None, None)


def test_the_next_page_reaching_back_completes_the_count():
    first = feed(Post(days_ago(1), True, 4), Post(days_ago(5), True, 6))
    second = feed(Post(days_ago(10), True, 2), Post(days_ago(30), True, 9))
    assert snapshot(pages=[first, second]).own_posts_28d == 3


@pytest.mark.parametrize("last", [feed(Post(days_ago(2), True, 1), next_page=None), feed(next_page="cursor")],
                         ids=["no next page", "an empty page"])
def test_the_end_of_the_feed_completes_the_count(last):
    found = snapshot(pages=[last])
    assert found.own_posts_28d == len(last.posts)


def test_an_account_without_own_posts_in_28_days_has_zero_posts_and_no_interactions_per_post():
    found = snapshot(pages=[feed(Post(days_ago(2), False, 9), Post(days_ago(60), True, 3))])
    assert found.last_own_post_at == days_ago(60)
    assert (found.own_posts_28d, found.interactions_per_post, found.engagement_rate) == (0, None, None)


def test_posts_after_the_as_of_time_are_left_out():
    found = snapshot(pages=[feed(Post(AS_OF + timedelta(hours=1), True, 99), Post(days_ago(2), True, 1),
                                 next_page=None)])
    assert found.last_own_post_at == days_ago(2)
    assert (found.own_posts_28d, found.interactions_per_post) == (1, 1)


def test_posts_without_interaction_counts_give_no_interactions_per_post():
    found = snapshot(pages=[feed(Post(days_ago(2), True, None), Post(days_ago(3), True, 5), next_page=None)])
    assert found.own_posts_28d == 2
    assert (found.interactions_per_post, found.engagement_rate) == (None, None)


@pytest.mark.parametrize("followers", [None, 0])
def test_without_followers_there_is_no_engagement_rate(followers):
    profile = Profile("bluesky", "drjane.bsky.social", followers=followers)
    found = snapshot(profile, [feed(Post(days_ago(2), True, 5), next_page=None)])
    assert (found.interactions_per_post, found.engagement_rate) == (5, None)


@pytest.mark.parametrize("profile", [
    Failure("bluesky", "blocked", "Bluesky: RateLimitExceeded"),
    Failure("bluesky", "error", "Bluesky answered HTTP 502"),
    Profile("bluesky", "drjane.bsky.social", "suspended", "Bluesky: AccountTakedown"),
    Profile("bluesky", "drjane.bsky.social", "not_found", "Bluesky: InvalidRequest: Profile not found"),
])
def test_a_profile_that_could_not_be_read_gives_its_status_and_no_numbers(profile):
    found = snapshot(profile, [feed(Post(days_ago(2), True, 5), next_page=None)])
    assert (found.status, found.reason) == (profile.status, profile.reason)
    assert (found.followers, found.posts, found.last_own_post_at, found.own_posts_28d) == (None, None, None, None)


def test_posts_that_could_not_be_read_leave_the_profile_s_counts_and_say_why():
    found = snapshot(pages=[Failure("bluesky", "blocked", "Bluesky: RateLimitExceeded")])
    assert (found.status, found.followers) == ("ok", 200)
    assert found.reason == "posts not read: Bluesky: RateLimitExceeded"
    assert (found.last_own_post_at, found.own_posts_28d, found.interactions_per_post) == (None, None, None)


def test_a_later_page_that_fails_keeps_what_the_first_pages_told():
    first = feed(Post(days_ago(1), True, 4), Post(days_ago(5), True, 6))
    found = snapshot(pages=[first, Failure("bluesky", "error", "Bluesky answered HTTP 502")])
    assert found.last_own_post_at == days_ago(1)
    assert found.own_posts_28d is None


def test_no_pages_read_is_no_post_figure():
    found = snapshot(pages=[])
    assert (found.status, found.reason, found.followers, found.own_posts_28d) == ("ok", "posts not read", 200, None)
