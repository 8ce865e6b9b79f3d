"""Reference answers for what the real recordings lack: suspended, not found, rate limited, hidden counts, reposts.

Each answer is written the way the network's API documentation shows it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from scrapy.http import TextResponse

from crawlers.social import bluesky, facebook, instagram, mastodon, x, youtube
from crawlers.social.answers import Answer, Failure, Profile, count, header, moment, read_json
from crawlers.social.calls import parse_answer

BSKY = "https://public.api.bsky.app/xrpc"
YT = "https://www.googleapis.com/youtube/v3"
GRAPH = "https://graph.facebook.com/v19.0"
DID = "did:plc:wpe35pganb6d4pg4ekmfy6u5"


def answer(url: str, body, status: int = 200, headers: dict | None = None) -> Answer:
    return Answer(url, status, body if isinstance(body, (str, bytes)) else json.dumps(body), headers or {})


# ----- reading numbers, times and answers ------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "read"), [(1036, 1036), ("1927873", 1927873), (" 12 ", 12), (0, 0),
                                             (-1, None), (True, None), ("1.2K", None), (None, None), (3.5, None)])
def test_a_count_is_read_only_when_it_is_one(value, read):
    assert count(value) == read


@pytest.mark.parametrize(("value", "read"), [
    ("2023-10-03T02:49:12.980686Z", datetime(2023, 10, 3, 2, 49, 12, 980686, tzinfo=UTC)),
    ("2021-07-09T19:09:52+0000", datetime(2021, 7, 9, 19, 9, 52, tzinfo=UTC)),
    ("2021-07-09T21:09:52+02:00", datetime(2021, 7, 9, 19, 9, 52, tzinfo=UTC)),
    ("2024-06-05T21:01:56.189717123Z", datetime(2024, 6, 5, 21, 1, 56, 189717, tzinfo=UTC)),
    ("2025-07-17", datetime(2025, 7, 17, tzinfo=UTC)),
    ("yesterday", None), ("", None), (None, None), (1700000000, None),
])
def test_an_api_time_is_read_in_utc(value, read):
    assert moment(value) == read


def test_a_body_that_is_not_json_reads_as_none():
    assert read_json(answer("https://x", "<html>502 Bad Gateway</html>")) is None
    assert read_json(answer("https://x", b"\xef\xbb\xbf{\"a\": 1}")) == {"a": 1}


def test_headers_are_read_from_a_scrapy_response_and_a_saved_answer_alike():
    response = TextResponse("https://x", body=b"[]", headers={"Link": '<https://n>; rel="next"'})
    assert header(response, "link") == '<https://n>; rel="next"'
    assert header(answer("https://x", [], headers={"link": "l"}), "Link") == "l"
    assert header(answer("https://x", []), "Link") is None


# ----- Bluesky -----------------------------------------------------------------------------------------------------

PROFILE_URL = f"{BSKY}/app.bsky.actor.getProfile?actor=drjane.bsky.social"


@pytest.mark.parametrize(("body", "status", "reason"), [
    ({"error": "AccountTakedown", "message": "Account has been suspended"}, "suspended", "AccountTakedown"),
    ({"error": "InvalidRequest", "message": "Profile not found"}, "not_found", "Profile not found"),
    ({"error": "AccountDeactivated", "message": "Account is deactivated"}, "not_found", "deactivated"),
])
def test_a_bluesky_profile_the_appview_cannot_show_says_why(body, status, reason):
    found = bluesky.parse_profile(answer(PROFILE_URL, body, 400))
    assert (found.account, found.status) == ("drjane.bsky.social", status)
    assert reason in found.reason
    assert found.followers is None


def test_a_bluesky_profile_labelled_taken_down_is_suspended():
    body = {"did": DID, "handle": "drjane.bsky.social", "followersCount": 10,
            "labels": [{"src": "did:plc:ar7c4by46qjdydhdevvrndac", "val": "!takedown"}]}
    found = bluesky.parse_profile(answer(PROFILE_URL, body))
    assert (found.status, found.followers) == ("suspended", None)


@pytest.mark.parametrize(("status", "body", "expected"), [
    (429, {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}, "blocked"),
    (502, "<html><body>502 Bad Gateway</body></html>", "error"),
    (500, {"error": "InternalServerError", "message": "Internal Server Error"}, "error"),
    (200, {"actors": []}, "error"),
])
def test_a_bluesky_answer_without_profiles_leaves_the_batch_unknown(status, body, expected):
    found = bluesky.parse_profiles(answer(f"{BSKY}/app.bsky.actor.getProfiles?actors=a.bsky.social", body, status))
    assert isinstance(found, Failure)
    assert found.status == expected


def test_actors_left_out_of_a_getprofiles_batch_are_unknown_never_gone():
    body = {"profiles": [{"did": DID, "handle": "b.bsky.social", "followersCount": 7}]}
    url = f"{BSKY}/app.bsky.actor.getProfiles?actors=a.bsky.social&actors={DID}&actors=C.bsky.social"
    found = bluesky.parse_profiles(answer(url, body))
    assert [(p.account, p.status) for p in found] == [
        ("a.bsky.social", "error"), ("b.bsky.social", "ok"), ("C.bsky.social", "error")]
    assert "getProfile tells why" in found[0].reason


def test_a_bluesky_feed_drops_the_pinned_post_and_dates_a_repost_when_reposted():
    post = {"uri": "at://x", "author": {"did": DID}, "record": {"createdAt": "2025-05-01T10:00:00Z"},
            "likeCount": 3, "repostCount": 1, "replyCount": 0, "quoteCount": 2}
    other = {**post, "record": {"createdAt": "2024-01-01T00:00:00Z"}, "likeCount": 50}
    body = {"feed": [
        {"post": {**post, "record": {"createdAt": "2023-01-01T00:00:00Z"}}, "reason": {"$type": bluesky.PIN}},
        {"post": other, "reason": {"$type": bluesky.REPOST, "indexedAt": "2025-05-02T08:00:00Z"}},
        {"post": post},
    ]}
    page = bluesky.parse_author_feed(answer(f"{BSKY}/app.bsky.feed.getAuthorFeed?actor=drjane.bsky.social", body))
    assert [(p.at, p.own, p.interactions) for p in page.posts] == [
        (datetime(2025, 5, 2, 8, tzinfo=UTC), False, 50 + 1 + 0 + 2),
        (datetime(2025, 5, 1, 10, tzinfo=UTC), True, 6),
    ]
    assert page.next_page is None


def test_a_bluesky_feed_item_without_a_date_is_an_error_not_a_quiet_account():
    body = {"feed": [{"post": {"uri": "at://x", "record": {}}}]}
    found = bluesky.parse_author_feed(answer(f"{BSKY}/app.bsky.feed.getAuthorFeed?actor=drjane.bsky.social", body))
    assert isinstance(found, Failure)
    assert "item 1 has no readable date" in found.reason


def test_a_feed_of_an_unknown_bluesky_actor_is_not_found():
    found = bluesky.parse_author_feed(answer(f"{BSKY}/app.bsky.feed.getAuthorFeed?actor=gone.bsky.social",
                                             {"error": "InvalidRequest", "message": "Profile not found"}, 400))
    assert (found.account, found.status) == ("gone.bsky.social", "not_found")


def test_bluesky_relationships_tell_each_direction_and_an_unknown_actor():
    body = {"actor": DID, "relationships": [
        {"$type": "app.bsky.graph.defs#relationship", "did": "did:plc:aaa",
         "following": "at://x/app.bsky.graph.follow/1"},
        {"$type": "app.bsky.graph.defs#relationship", "did": "did:plc:bbb"},
        {"$type": "app.bsky.graph.defs#notFoundActor", "actor": "gone.bsky.social", "notFound": True},
    ]}
    found = bluesky.parse_relationships(answer(f"{BSKY}/app.bsky.graph.getRelationships?actor={DID}", body))
    assert [(r.other, r.follows, r.followed_by, r.status) for r in found] == [
        ("did:plc:aaa", True, False, "ok"), ("did:plc:bbb", False, False, "ok"),
        ("gone.bsky.social", None, None, "not_found")]


# ----- Mastodon ----------------------------------------------------------------------------------------------------

LOOKUP = "https://med-mastodon.com/api/v1/accounts/lookup?acct=drjane"
ACCOUNT = {"id": "1091", "username": "drjane", "acct": "drjane", "display_name": "Dr Jane",
           "note": "<p>Cardiologist at <a href=\"https://x\"><span>Mount Sinai</span></a></p><p>Views mine</p>",
           "followers_count": 120, "following_count": 80, "statuses_count": 300,
           "created_at": "2022-11-07T00:00:00.000Z"}


def test_a_suspended_mastodon_account_is_suspended_with_no_counts():
    body = {**ACCOUNT, "suspended": True, "followers_count": 0, "following_count": 0, "statuses_count": 0}
    found = mastodon.parse_account(answer(LOOKUP, body))
    assert (found.account, found.status, found.followers, found.posts) == (
        "drjane@med-mastodon.com", "suspended", None, None)


def test_a_moved_mastodon_account_names_where_it_went_and_a_note_reads_as_words():
    body = {**ACCOUNT, "moved": {**ACCOUNT, "id": "7", "acct": "drjane@mastodon.social"}}
    found = mastodon.parse_account(answer(LOOKUP, body))
    assert found.moved_to == "drjane@mastodon.social"
    assert found.bio == "Cardiologist at Mount Sinai Views mine"


@pytest.mark.parametrize(("status", "body", "expected"), [
    (404, {"error": "Record not found"}, "not_found"),
    (410, {"error": "Gone"}, "not_found"),
    (401, {"error": "This API requires an authenticated user"}, "blocked"),
    (429, {"error": "Too many requests"}, "blocked"),
    (503, "<html>Maintenance</html>", "error"),
    (404, "<html>Not Found</html>", "error"),  # no answer of Mastodon's: a wrong address, not a gone account
])
def test_a_mastodon_error_answer_gives_its_status(status, body, expected):
    found = mastodon.parse_account(answer("https://med-mastodon.com/api/v1/accounts/1091", body, status))
    assert found.status == expected


def test_mastodon_statuses_without_a_link_header_page_on_by_the_oldest_id():
    statuses = [{"id": "20", "created_at": "2025-05-02T00:00:00Z", "reblog": None, "replies_count": 1,
                 "reblogs_count": 2, "favourites_count": 3},
                {"id": "19", "created_at": "2025-05-01T00:00:00Z", "reblog": {"id": "5"}, "replies_count": 0,
                 "reblogs_count": 0, "favourites_count": 0}]
    url = "https://med-mastodon.com/api/v1/accounts/1091/statuses?exclude_reblogs=false&limit=2"
    page = mastodon.parse_statuses(answer(url, statuses))
    assert [(p.own, p.interactions) for p in page.posts] == [(True, 6), (False, 0)]
    assert page.next_page == f"{url}&max_id=19"
    assert mastodon.parse_statuses(answer(url, [])).next_page is None


# ----- YouTube -----------------------------------------------------------------------------------------------------

CHANNEL = {"kind": "youtube#channel", "id": "UCaaaaaaaaaaaaaaaaaaaaaa",
           "snippet": {"title": "Dr Jane", "publishedAt": "2015-01-01T00:00:00Z"},
           "statistics": {"viewCount": "1000", "hiddenSubscriberCount": True, "videoCount": "12"}}


@pytest.mark.parametrize("shown", [{}, {"subscriberCount": "0"}], ids=["left out", "written as 0"])
def test_a_hidden_subscriber_count_is_unknown_never_zero(shown):
    channel = {**CHANNEL, "statistics": {**CHANNEL["statistics"], **shown}}
    body = {"kind": "youtube#channelListResponse", "items": [channel]}
    [found] = youtube.parse_channels(answer(f"{YT}/channels?part=statistics&id={CHANNEL['id']}", body))
    assert (found.followers, found.posts, found.views) == (None, 12, 1000)


def test_a_youtube_channel_asked_for_and_left_out_is_not_found():
    body = {"kind": "youtube#channelListResponse", "items": [CHANNEL]}
    url = f"{YT}/channels?part=statistics&id=UCbbbbbbbbbbbbbbbbbbbbbb,{CHANNEL['id']}"
    found = youtube.parse_channels(answer(url, body))
    assert [(p.account, p.status) for p in found] == [("UCbbbbbbbbbbbbbbbbbbbbbb", "not_found"), (CHANNEL["id"], "ok")]


def test_a_youtube_handle_without_a_channel_is_not_found():
    body = {"kind": "youtube#channelListResponse", "pageInfo": {"totalResults": 0}}
    [found] = youtube.parse_channels(answer(f"{YT}/channels?part=statistics&forHandle=@nobody", body))
    assert (found.account, found.status) == ("@nobody", "not_found")


@pytest.mark.parametrize(("status", "reason", "expected"), [
    (403, "quotaExceeded", "blocked"), (403, "rateLimitExceeded", "blocked"), (429, "whatever", "blocked"),
    (400, "keyInvalid", "error"), (404, "playlistNotFound", "not_found"), (500, "backendError", "error"),
])
def test_a_youtube_error_answer_gives_its_status_and_message(status, reason, expected):
    body = {"error": {"code": status, "message": "The request cannot be completed.",
                      "errors": [{"message": "…", "domain": "youtube.quota", "reason": reason}]}}
    found = youtube.parse_playlist_items(answer(f"{YT}/playlistItems?playlistId=UUaaaa", body, status))
    assert (found.status, found.reason) == (
        expected, f"YouTube Data API error {status} ({reason}): The request cannot be completed.")


def test_a_youtube_upload_is_dated_by_its_publication_and_another_channel_s_video_is_not_own():
    items = [{"snippet": {"publishedAt": "2025-05-03T00:00:00Z", "channelId": "UCa", "videoOwnerChannelId": "UCa"},
              "contentDetails": {"videoPublishedAt": "2025-05-01T00:00:00Z"}},
             {"snippet": {"publishedAt": "2025-04-01T00:00:00Z", "channelId": "UCa", "videoOwnerChannelId": "UCz"}}]
    body = {"kind": "youtube#playlistItemListResponse", "items": items}
    page = youtube.parse_playlist_items(answer(f"{YT}/playlistItems?playlistId=UUa", body))
    assert [(p.at.day, p.own, p.interactions) for p in page.posts] == [(1, True, None), (1, False, None)]
    assert page.next_page is None


# ----- X -----------------------------------------------------------------------------------------------------------

USERNAME = "https://api.x.com/2/users/by/username/drjane?user.fields=public_metrics"


def test_a_suspended_x_account_is_suspended():
    body = {"errors": [{"value": "DrJane", "detail": "User has been suspended: [DrJane].", "title": "Forbidden",
                        "resource_type": "user", "parameter": "username", "resource_id": "DrJane",
                        "type": "https://api.twitter.com/2/problems/resource-not-found"}]}
    [found] = x.parse_users(answer(USERNAME, body))
    assert (found.account, found.status) == ("drjane", "suspended")
    assert found.reason == "X: User has been suspended: [DrJane]."


@pytest.mark.parametrize(("status", "body", "expected", "reason"), [
    (429, {"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank", "status": 429},
     "blocked", "Too Many Requests"),
    (402, {"title": "CreditsDepleted", "detail": "Your enrolled account does not have any credits", "status": 402},
     "blocked", "does not have any credits"),
    (401, {"errors": [{"message": "Invalid or expired token", "code": 89}]}, "blocked", "Invalid or expired token"),
    (503, {"title": "Service Unavailable", "detail": "Service Unavailable", "status": 503}, "error", "Unavailable"),
    (504, "<html>Gateway Timeout</html>", "error", "HTTP 504"),
])
def test_an_x_call_that_fails_as_a_whole_is_blocked_or_an_error(status, body, expected, reason):
    found = x.parse_users(answer(USERNAME, body, status))
    assert isinstance(found, Failure)
    assert found.status == expected
    assert reason in found.reason


TWEETS = "https://api.x.com/2/users/42/tweets?tweet.fields=created_at,public_metrics,referenced_tweets,author_id"
METRICS = {"retweet_count": 1, "reply_count": 2, "like_count": 3, "quote_count": 4}


def test_x_retweets_are_not_own_posts_replies_and_quotes_are():
    tweets = [
        {"id": "1", "created_at": "2025-05-04T00:00:00Z", "author_id": "42", "public_metrics": METRICS,
         "referenced_tweets": [{"type": "retweeted", "id": "9"}], "text": "RT @other: hello"},
        {"id": "2", "created_at": "2025-05-03T00:00:00Z", "author_id": "42", "public_metrics": METRICS,
         "referenced_tweets": [{"type": "replied_to", "id": "8"}], "text": "@other thanks"},
        {"id": "3", "created_at": "2025-05-02T00:00:00Z", "author_id": "42", "public_metrics": METRICS,
         "referenced_tweets": [{"type": "quoted", "id": "7"}], "text": "RT @ is how we quoted"},
        {"id": "4", "created_at": "2025-05-01T00:00:00Z", "public_metrics": METRICS, "text": "RT @other: old style"},
    ]
    page = x.parse_tweets(answer(TWEETS, {"data": tweets, "meta": {"result_count": 4}}))
    assert [(p.own, p.interactions) for p in page.posts] == [(False, 10), (True, 10), (True, 10), (False, 10)]
    assert page.next_page is None


def test_the_posts_of_a_protected_x_account_are_blocked():
    body = {"errors": [{"value": "42", "detail": "Sorry, you are not authorized to see the user with id: [42].",
                        "title": "Authorization Error", "resource_type": "user", "parameter": "id",
                        "type": "https://api.twitter.com/2/problems/not-authorized-for-resource"}]}
    found = x.parse_tweets(answer(TWEETS, body))
    assert (type(found), found.status) == (Failure, "blocked")


def test_x_posts_without_dates_are_an_error_naming_the_field_to_ask():
    found = x.parse_tweets(answer(TWEETS, {"data": [{"id": "1", "text": "hi"}], "meta": {"result_count": 1}}))
    assert isinstance(found, Failure)
    assert "tweet.fields=created_at" in found.reason


# ----- Facebook and Instagram ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "error", "expected"), [
    (404, {"message": "(#803) Some of the aliases you requested do not exist: drjane", "code": 803}, "not_found"),
    (400, {"message": "Unsupported get request. Object with ID 'drjane' does not exist, cannot be loaded due to "
                      "missing permissions, or does not support this operation", "code": 100, "error_subcode": 33},
     "error"),
    (400, {"message": "(#4) Application request limit reached", "code": 4}, "blocked"),
    (400, {"message": "Error validating access token: Session has expired", "code": 190, "error_subcode": 463},
     "blocked"),
    (500, {"message": "An unknown error has occurred.", "code": 1}, "error"),
])
def test_a_graph_api_error_gives_its_status(status, error, expected):
    found = facebook.parse_pages(answer(f"{GRAPH}/drjane?fields=fan_count", {"error": error}, status))
    assert found.status == expected
    assert error["message"] in found.reason


def test_a_facebook_page_keeps_followers_and_likes_apart():
    body = {"id": "123", "username": "MountSinaiNYC", "fan_count": 300, "followers_count": 350, "about": "Care"}
    [found] = facebook.parse_pages(answer(f"{GRAPH}/MountSinaiNYC?fields=fan_count,followers_count", body))
    assert (found.account, found.followers, found.likes, found.bio) == ("mountsinainyc", 350, 300, "Care")


def test_facebook_posts_count_absent_shares_as_none_shared_and_visitor_posts_as_not_own():
    summary = lambda n: {"data": [], "summary": {"total_count": n}}  # noqa: E731
    body = {"data": [
        {"id": "123_1", "created_time": "2025-05-02T10:00:00+0000", "from": {"id": "123"},
         "reactions": summary(5), "comments": summary(2)},
        {"id": "123_2", "created_time": "2025-05-01T10:00:00+0000", "from": {"id": "999"},
         "reactions": summary(1), "comments": summary(0), "shares": {"count": 4}},
        {"id": "123_3", "created_time": "2025-04-30T10:00:00+0000"},
    ]}
    page = facebook.parse_posts(answer(f"{GRAPH}/123/feed", body))
    assert [(p.own, p.interactions) for p in page.posts] == [(True, 7), (False, 5), (True, None)]
    assert page.next_page is None


def test_an_instagram_account_business_discovery_cannot_find_is_not_found():
    body = {"error": {"message": "Invalid user id", "type": "OAuthException", "code": 110, "error_subcode": 2207013,
                      "error_user_title": "Cannot find User",
                      "error_user_msg": "The user with username: drjane cannot be found."}}
    url = f"{GRAPH}/1784?fields=business_discovery.username(drjane){{followers_count}}"
    found = instagram.parse_business_discovery(answer(url, body, 400))
    assert found.status == "not_found"
    assert "cannot be found" in found.reason


def test_instagram_media_with_hidden_likes_have_no_interactions_and_an_empty_page_ends_the_feed():
    media = {"data": [{"timestamp": "2025-05-01T10:00:00+0000", "comments_count": 3},
                      {"timestamp": "2025-04-01T10:00:00+0000", "comments_count": 1, "like_count": 9}],
             "paging": {"cursors": {"after": "QVFI"}}}
    url = f"{GRAPH}/1784?fields=business_discovery.username(drjane){{media{{timestamp,like_count}}}}"
    page = instagram.parse_business_media(answer(url, {"business_discovery": {"id": "1", "media": media}}))
    assert [(p.own, p.interactions) for p in page.posts] == [(True, None), (True, 10)]
    assert (page.account, page.next_page) == ("drjane", "QVFI")
    empty = {"business_discovery": {"id": "1", "media": {"data": [], "paging": {"cursors": {"after": "QVFI"}}}}}
    assert instagram.parse_business_media(answer(url, empty)).next_page is None


def test_an_instagram_profile_reads_its_follows_count():
    body = {"business_discovery": {"id": "1", "username": "drjane", "followers_count": 10, "follows_count": 4,
                                   "media_count": 7}}
    url = f"{GRAPH}/1784?fields=business_discovery.username(drjane){{followers_count,follows_count,media_count}}"
    [found] = parse_answer("instagram", answer(url, body))
    assert (found.account, found.followers, found.following, found.posts) == ("drjane", 10, 4, 7)


# ----- which call ------------------------------------------------------------------------------------------------


def test_a_call_repmon_does_not_make_is_named_never_read_as_no_account():
    [found] = parse_answer("bluesky", answer(f"{BSKY}/app.bsky.graph.getFollows?actor=a.bsky.social", {"follows": []}))
    assert isinstance(found, Failure)
    assert "not a call repmon reads (/xrpc/app.bsky.graph.getFollows)" in found.reason
    assert "app.bsky.actor.getProfiles" in found.reason


def test_an_unknown_network_has_no_reader():
    [found] = parse_answer("linkedin", answer("https://api.linkedin.com/v2/me", {}))
    assert (found.status, found.reason) == ("error", "no API reader for network 'linkedin'; readers: bluesky, "
                                                     "mastodon, youtube, x, facebook, instagram")


def test_an_answer_of_the_right_call_but_another_shape_is_not_recognised():
    [found] = parse_answer("youtube", answer(f"{YT}/channels?id=UCa", {"kind": "youtube#videoListResponse"}))
    assert (found.status, found.reason) == ("error", f"channels.list answer not recognised at {YT}/channels?id=UCa")


def test_profiles_are_unread_accounts_with_their_reason():
    assert Profile("x", "drjane", "not_found", "gone").followers is None


def test_the_answer_readers_load_without_the_analysis():
    """Spiders call these readers; crawlers never import reputation (data flows one way)."""
    import subprocess
    import sys

    code = ("import sys, crawlers.social.calls, crawlers.social.snapshot\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'reputation', 'scrapy'}))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"
