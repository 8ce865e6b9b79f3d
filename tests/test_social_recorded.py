"""Every real recorded answer in ../shared/data/social_api → what repmon reads in it (skipped without ../shared).

The numbers asserted are the ones a person reads in each answer (and its SOURCES.md). Answers saved without their
request (httptest2 mocks, saved bodies) are read as answering the URL given here, the call their source names.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawlers.social.answers import Failure, PostsPage, Profile, Relationship
from crawlers.social.calls import parse_answer
from crawlers.social.snapshot import weekly_snapshot
from recorded_answers import r_string, recorded_answers
from reputation.social.accounts import normalize_account

RECORDED = Path(__file__).resolve().parents[2] / "shared" / "data" / "social_api"
BSKY = "https://public.api.bsky.app/xrpc"
YT = "https://www.googleapis.com/youtube/v3"
GRAPH = "https://graph.facebook.com/v19.0"
CHRIS = "did:plc:wpe35pganb6d4pg4ekmfy6u5"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def profile(account: str, **fields) -> dict:
    return {"kind": Profile, "account": account, "status": "ok", **fields}


def page(**fields) -> dict:
    return {"kind": PostsPage, **fields}


def failure(status: str, reason: str) -> dict:
    return {"kind": Failure, "status": status, "reason": reason}


# file → (network, the URL of an answer saved without it, what each of its answers holds)
EXPECTED = {
    "bluesky/getProfiles-chriskenny-2023-10.json": (
        "bluesky", f"{BSKY}/app.bsky.actor.getProfiles?actors=chriskenny.bsky.social", [[
            profile("chriskenny.bsky.social", network_id=CHRIS, followers=10, following=23, posts=0,
                    created_at=None, name="Chris Kenny")]]),
    "bluesky/vcr-getProfiles-chriskenny-2025-05.yml": ("bluesky", "", [[
        profile("chriskenny.bsky.social", network_id=CHRIS, followers=554, following=296, posts=65,
                created_at=at("2023-09-19T15:47:01.417Z"))]]),
    "bluesky/getProfile-dril-2025-02.json": ("bluesky", f"{BSKY}/app.bsky.actor.getProfile?actor=dril.bsky.social", [[
        profile("dril.bsky.social", network_id="did:plc:6wpkkitfdkgthatfvspcfmjo", followers=523_417, following=116,
                posts=387, created_at=at("2023-04-27T16:46:45.754Z"), name="wint")]]),
    # 3 items: a repost (dated when reposted), a reply and a post of the account's own; no quoteCount in 2023
    "bluesky/getAuthorFeed-chriskenny-2023-10.json": (
        "bluesky", f"{BSKY}/app.bsky.feed.getAuthorFeed?actor=chriskenny.bsky.social", [[
            page(account="chriskenny.bsky.social", count=3, own=2, newest_own=at("2023-10-03T02:53:25.697Z"),
                 interactions=[4, 3, 4],
                 next_page="1696301352905::bafyreifijeifzyh724gobyh3s2cswupnzib3wdbhrtmozbt4abb3wmyvaa",
                 first_at=at("2023-10-03T17:17:08.578Z"))]]),
    "bluesky/getAuthorFeed-dril-2025-02.json": (
        "bluesky", f"{BSKY}/app.bsky.feed.getAuthorFeed?actor=dril.bsky.social", [[
            page(account="dril.bsky.social", count=5, own=5, newest_own=at("2025-02-24T20:30:07.343Z"),
                 interactions=[8172 + 951 + 105 + 17, 3688 + 157 + 74 + 12, 16695 + 1235 + 142 + 11,
                               2779 + 256 + 15 + 5, 4263 + 447 + 30 + 17],
                 next_page="2025-02-21T18:38:52.746Z")]]),
    # 50 items, 7 of them reposts
    "bluesky/vcr-getAuthorFeed-chriskenny-2025-05.yml": ("bluesky", "", [[
        page(account="chriskenny.bsky.social", count=50, own=43, newest_own=at("2025-05-05T01:30:17.912Z"),
             next_page="2024-03-21T23:36:16.378Z")]]),
    "bluesky/getRelationships-chriskenny-2025-02.json": (
        "bluesky", f"{BSKY}/app.bsky.graph.getRelationships?actor={CHRIS}&others=did:plc:5c2r73erhng4bszmxlfdtscf", [[
            {"kind": Relationship, "actor": CHRIS, "other": "did:plc:5c2r73erhng4bszmxlfdtscf", "follows": True,
             "followed_by": True}]]),
    "bluesky/vcr-getRelationships-chriskenny-2025-05.yml": ("bluesky", "", [[
        {"kind": Relationship, "actor": CHRIS, "other": "did:plc:5c2r73erhng4bszmxlfdtscf", "follows": True,
         "followed_by": True}]]),
    # followers lists: not a call repmon makes (relationships come from getRelationships)
    "bluesky/getFollowers-chriskenny-2023-10.json": (
        "bluesky", f"{BSKY}/app.bsky.graph.getFollowers?actor=chriskenny.bsky.social", [[
            failure("error", "not a call repmon reads (/xrpc/app.bsky.graph.getFollowers)")]]),
    "bluesky/vcr-getFollowers-chriskenny-2025-05.yml": ("bluesky", "", [[
        failure("error", "not a call repmon reads (/xrpc/app.bsky.graph.getFollowers)")]]),
    "mastodon/vcr-account-by-id-tchncs-2022-11.yml": ("mastodon", "", [[
        profile("chainsawriot@social.tchncs.de", network_id="109281650341067731", followers=44, following=32,
                posts=22, created_at=at("2022-11-03T00:00:00Z"), bio="http://www.chainsawriot.com")]]),
    "mastodon/vcr-account-by-id-fosstodon-2025-07.yml": ("mastodon", "", [[
        profile("schochastics@fosstodon.org", network_id="109302436954721982", followers=1036, following=138,
                posts=280, created_at=at("2022-11-07T00:00:00Z"), name="David Schoch",
                bio="Data Scientist/DevOps Engineer at cynkra | #Rstats enthusiast")]]),
    # 20 statuses, one a boost; the Link header points at the next page
    "mastodon/vcr-account-statuses-tchncs-2022-11.yml": ("mastodon", "", [[
        page(account="109281650341067731", count=20, own=19, newest_own=at("2022-11-08T19:39:44.565Z"),
             next_page="https://social.tchncs.de/api/v1/accounts/109281650341067731/statuses"
                       "?max_id=109285625663774938")]]),
    # the newest status listed is of 2025-06-24, though last_status_at says 2025-07-17: that is no own post
    "mastodon/vcr-account-statuses-fosstodon-2025-07.yml": ("mastodon", "", [[
        page(account="109302436954721982", count=20, own=20, newest_own=at("2025-06-24T17:35:19.898Z"),
             interactions=[1, 0, 18, 33, 2, 14, 15, 1, 23, 3, 4, 4, 1, 13, 87, 1, 1, 1, 30, 3])]]),
    # an authenticated call first, then a lookup answered 404 (not found), then the account twice
    "mastodon/vcr-accounts-lookup-localtest-2026-08.yaml": ("mastodon", "", [
        [failure("error", "not a call repmon reads (/api/v1/accounts/verify_credentials)")],
        [profile("kljadklajsdkljlkjlkjlkjasdasd@localhost:3000", status="not_found",
                 reason="Mastodon: Record not found (HTTP 404)", followers=None)],
        [profile("mastodonpy_test@localhost:3000", network_id="117020565966271181", followers=0, following=0,
                 posts=0, name="John Lennon", bio="I walk funny")],
        [profile("mastodonpy_test@localhost:3000", network_id="117020565966271181", followers=0)],
    ]),
    "youtube/channels-list-googledevelopers-2019.json": (
        "youtube", f"{YT}/channels?part=snippet,statistics&id=UC_x5XG1OV2P6uZZ5FSM9Ttw", [[
        profile("UC_x5XG1OV2P6uZZ5FSM9Ttw", followers=1_927_873, posts=5026, views=160_361_638, following=None,
                created_at=at("2007-08-23T00:34:43Z"), name="Google Developers", uploads_playlist=None)]]),
    "youtube/channels-list-google-googledevelopers-2022.json": (
        "youtube",
        f"{YT}/channels?part=snippet,contentDetails,statistics&id=UCK8sQmJBp8GCxrOtXWBpyEA,UC_x5XG1OV2P6uZZ5FSM9Ttw", [[
            profile("UCK8sQmJBp8GCxrOtXWBpyEA", followers=10_700_000, posts=2678, views=3_331_930_783,
                    created_at=at("2005-09-18T22:37:10Z"), uploads_playlist="UUK8sQmJBp8GCxrOtXWBpyEA"),
            profile("UC_x5XG1OV2P6uZZ5FSM9Ttw", followers=2_260_000, posts=5652, views=208_790_084,
                    uploads_playlist="UU_x5XG1OV2P6uZZ5FSM9Ttw")]]),
    # a playlist in position order, not newest first: the newest video is not the first item
    "youtube/playlistItems-list-googledevelopers-2019.json": (
        "youtube", f"{YT}/playlistItems?part=snippet&playlistId=PLOU2XLYxmsIKpaV8h0AGE05so0fAwwfTw", [[
            page(account="PLOU2XLYxmsIKpaV8h0AGE05so0fAwwfTw", count=10, own=10,
                 newest_own=at("2019-11-23T00:42:56Z"), interactions=[None] * 10, next_page="CAoQAA")]]),
    "youtube/search-list-channel-videos-googledevelopers-2020.json": (
        "youtube", f"{YT}/search?part=snippet&channelId=UC_x5XG1OV2P6uZZ5FSM9Ttw&type=video", [[
            failure("error", "not a call repmon reads (/youtube/v3/search)")]]),
    "x/users-by-username-twitterdev-2020.json": (
        "x", "https://api.x.com/2/users/by/username/TwitterDev?user.fields=public_metrics,created_at", [[
            profile("twitterdev", network_id="2244994945", followers=514_020, following=2038, posts=3639,
                    created_at=at("2013-12-14T04:35:55Z"))]]),
    "x/users-by-usernames-twitter-twitterdev-2020.json": (
        "x", "https://api.x.com/2/users/by?usernames=Twitter,TwitterDev&user.fields=public_metrics", [[
            profile("twitter", network_id="783214", followers=58_677_711, following=9, posts=13944),
            profile("twitterdev", network_id="2244994945", followers=514_020, following=2038, posts=3639)]]),
    "x/users-id-tweets-twitterdev-2021-02.json": (
        "x", "https://api.x.com/2/users/2244994945/tweets?tweet.fields=created_at,public_metrics", [[
            page(account="2244994945", count=5, own=5, newest_own=at("2021-02-23T18:07:07Z"),
                 interactions=[37 + 10 + 2 + 1, 58 + 21 + 7 + 1, 9 + 0 + 2 + 0, 8 + 1 + 2 + 0, 74 + 16 + 9 + 3],
                 next_page="7140dibdnow9c7btw3w3itbygz8uu5pbs45oy6erjc2ls")]]),
    # default fields only: no public_metrics, so no counts (None, never 0); one username unknown
    "x/httptest-users-by-usernames-2021-11.R": ("x", "", [[
        profile("icahdq", network_id="31560768", followers=None, following=None, posts=None),
        profile("potus", network_id="1349149096909668363", followers=None),
        profile("hadleywickham", network_id="69133574", followers=None),
        profile("_r_foundation", network_id="794458165987438592", followers=None),
        profile("adljfhjsd", status="not_found", reason="X: Could not find user with usernames: [adljfhjsd].")]]),
    # 2 posts (one a reply: still the account's own), and the author's profile among the included users
    "x/httptest-users-id-tweets-2758518175-2021-06.R": ("x", "", [[
        page(account="2758518175", count=2, own=2, newest_own=at("2021-05-31T08:17:36Z"),
             interactions=[2 + 0 + 6 + 0, 0 + 1 + 2 + 0], next_page=None),
        profile("waqasejazch", network_id="2758518175", followers=115, following=96, posts=489,
                created_at=at("2014-08-23T11:13:32Z"))]]),
    # fan_count is the Page's likes; followers_count was not asked for
    "meta/fb-page-facebookapp-default-fields-2019.json": (
        "facebook", f"{GRAPH}/facebookapp?fields=fan_count,name,username,about", [[
            profile("facebookapp", network_id="20531316728", likes=214_507_731, followers=None, name="Facebook")]]),
    "meta/fb-pages-multi-default-fields-2021.json": ("facebook", f"{GRAPH}/?ids=19292868552,20531316728", [[
        profile("facebookfordevelopers", network_id="19292868552", likes=7_966_986, followers=None),
        profile("facebookapp", network_id="20531316728", likes=210_078_909, followers=None)]]),
    "meta/fb-page-posts-reactions-comments-shares-2021-07.json": (
        "facebook",
        f"{GRAPH}/19292868552/feed?fields=created_time,reactions.summary(true),comments.summary(true),shares", [[
            page(account="19292868552", count=5, own=5, newest_own=at("2021-07-09T19:09:52Z"),
                 interactions=[125 + 13 + 10, 131 + 17 + 6, 143 + 15 + 15, 178 + 23 + 16, 179 + 49 + 15])]]),
    "meta/ig-business-discovery-user-2021.json": (
        "instagram", f"{GRAPH}/17841406338772941?fields=business_discovery.username(facebookfordevelopers)"
                     "{followers_count,media_count,biography,name,username}", [[
            profile("facebookfordevelopers", network_id="17841407673135339", followers=64_976, posts=436,
                    following=None, name="Facebook for Developers")]]),
    "meta/ig-business-discovery-media-2021-08.json": (
        "instagram", f"{GRAPH}/17841406338772941?fields=business_discovery.username(facebookfordevelopers)"
                     "{media{timestamp,like_count,comments_count}}", [[
            page(account="facebookfordevelopers", count=2, own=2, newest_own=at("2021-08-17T19:00:42Z"),
                 interactions=[87 + 11, 186 + 16], next_page="after")]]),
}


def test_every_recorded_answer_has_its_expectations():
    if not RECORDED.is_dir():
        pytest.skip("the recorded answers (../shared) are not here")
    files = {str(p.relative_to(RECORDED)) for p in RECORDED.glob("*/*") if p.is_file()}
    assert files == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_real_recorded_answer_gives_the_numbers_it_holds(name):
    path = RECORDED / name
    if not path.is_file():
        pytest.skip(f"{name} (../shared) is not here")
    network, url, expected = EXPECTED[name]
    answers = recorded_answers(path, url)
    assert len(answers) == len(expected)
    for answer, wanted in zip(answers, expected):
        found = parse_answer(network, answer)
        assert len(found) == len(wanted), found
        for item, fields in zip(found, wanted):
            _check(item, dict(fields))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_account_a_reader_names_is_the_canonical_id_a_person_s_paste_becomes(name):
    """So the week's profile finds its stored account: the readers' ids and accounts' ids are one form."""
    path = RECORDED / name
    if not path.is_file():
        pytest.skip(f"{name} (../shared) is not here")
    network, url, _ = EXPECTED[name]
    for answer in recorded_answers(path, url):
        for item in parse_answer(network, answer):
            if isinstance(item, Profile) and item.status == "ok":
                assert normalize_account(network, item.account).id == item.account


def _check(item, fields: dict) -> None:
    assert isinstance(item, fields.pop("kind")), item
    if isinstance(item, PostsPage):
        posts = item.posts
        own = [p for p in posts if p.own]
        summary = {"account": item.account, "count": len(posts), "own": len(own),
                   "newest_own": max(p.at for p in own), "interactions": [p.interactions for p in posts],
                   "next_page": item.next_page, "first_at": posts[0].at}
        assert {key: summary[key] for key in fields} == fields
    elif isinstance(item, Failure):
        assert item.status == fields["status"]
        assert fields["reason"] in item.reason
    else:
        assert {key: getattr(item, key) for key in fields} == fields


# ----- weekly snapshots of real accounts ---------------------------------------------------------------------------


def _read(name: str, network: str) -> list:
    """What the file's (last) answer holds."""
    path = RECORDED / name
    if not path.is_file():
        pytest.skip(f"{name} (../shared) is not here")
    return parse_answer(network, recorded_answers(path)[-1])


def test_a_real_bluesky_week_counts_own_posts_without_reposts_and_their_engagement():
    [profile] = _read("bluesky/vcr-getProfiles-chriskenny-2025-05.yml", "bluesky")
    [feed] = _read("bluesky/vcr-getAuthorFeed-chriskenny-2025-05.yml", "bluesky")
    snapshot = weekly_snapshot("bluesky", "chriskenny.bsky.social", profile, [feed], as_of=at("2025-05-19T17:41:25Z"))
    # since 2025-04-21 17:41: 8 own posts (the repost of 2025-04-25 is not one) with 1, 5, 2, 2, 10, 1, 1 and 10
    # likes, reposts, replies and quotes
    assert (snapshot.status, snapshot.followers, snapshot.following, snapshot.posts) == ("ok", 554, 296, 65)
    assert snapshot.last_own_post_at == at("2025-05-05T01:30:17.912Z")
    assert snapshot.own_posts_28d == 8
    assert snapshot.interactions_per_post == 32 / 8
    assert snapshot.engagement_rate == pytest.approx(4 / 554)


def test_a_real_mastodon_week_takes_the_last_own_post_from_the_statuses_not_last_status_at():
    [profile] = _read("mastodon/vcr-account-by-id-fosstodon-2025-07.yml", "mastodon")
    [statuses] = _read("mastodon/vcr-account-statuses-fosstodon-2025-07.yml", "mastodon")
    snapshot = weekly_snapshot("mastodon", "schochastics@fosstodon.org", profile, [statuses],
                               as_of=at("2025-07-17T13:49:48Z"))
    assert snapshot.last_own_post_at == at("2025-06-24T17:35:19.898Z")
    assert (snapshot.own_posts_28d, snapshot.interactions_per_post) == (2, 0.5)
    assert snapshot.engagement_rate == pytest.approx(0.5 / 1036)


def test_a_real_first_page_that_does_not_reach_back_28_days_leaves_the_count_unknown():
    [profile] = _read("mastodon/vcr-account-by-id-tchncs-2022-11.yml", "mastodon")
    [statuses] = _read("mastodon/vcr-account-statuses-tchncs-2022-11.yml", "mastodon")
    snapshot = weekly_snapshot("mastodon", "chainsawriot@social.tchncs.de", profile, [statuses],
                               as_of=at("2022-11-09T09:21:09Z"))
    # all 20 statuses listed are of the last 28 days and there are more: 19 own posts is a floor, not the count
    assert snapshot.last_own_post_at == at("2022-11-08T19:39:44.565Z")
    assert (snapshot.own_posts_28d, snapshot.interactions_per_post, snapshot.engagement_rate) == (None, None, None)
    assert snapshot.followers == 44


def test_a_real_x_timeline_within_its_asked_time_range_is_complete():
    tweets, profile = _read("x/httptest-users-id-tweets-2758518175-2021-06.R", "x")
    snapshot = weekly_snapshot("x", "waqasejazch", profile, [tweets], as_of=at("2021-06-02T21:15:24Z"))
    # 2 own posts (a reply is one) with 8 and 3 interactions; no next_token: the asked range is complete
    assert (snapshot.followers, snapshot.own_posts_28d, snapshot.interactions_per_post) == (115, 2, 5.5)
    assert snapshot.engagement_rate == pytest.approx(5.5 / 115)


# ----- the unwrapping helper ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("literal", "text"), [
    (r'{\"a\":\"b\\\\c\"}', '{"a":"b\\\\c"}'),
    (r"line\none", "line\none"),
    (r"caf\u00e9 \u{1F4CA}", "café 📊"),
    (r"\x41\101", "AA"),
])
def test_an_r_string_literal_reads_as_the_text_it_stands_for(literal, text):
    assert r_string(literal) == text
