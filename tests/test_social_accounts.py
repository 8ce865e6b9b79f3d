"""Accounts as people paste them → one canonical id per network, or the reason why not; suggestions from links."""

from __future__ import annotations

import pytest

from reputation.social.accounts import (
    NETWORKS,
    Account,
    AccountError,
    account_in_link,
    network_key,
    normalize_account,
    suggest_accounts,
)

UC = "UC_x5XG1OV2P6uZZ5FSM9Ttw"
DID = "did:plc:wpe35pganb6d4pg4ekmfy6u5"

READ = [
    # X: handles, both hosts, mobile and www hosts, no scheme, http, case, tracking, sub-pages, old #! links
    ("x", "@DrJane", "drjane"),
    ("x", "drjane", "drjane"),
    ("x", "https://x.com/drjane", "drjane"),
    ("x", "https://twitter.com/DrJane/", "drjane"),
    ("x", "https://mobile.twitter.com/drjane?s=20&t=abc", "drjane"),
    ("x", "http://www.twitter.com/drjane", "drjane"),
    ("x", "x.com/drjane", "drjane"),
    ("x", "HTTPS://X.COM/DRJANE", "drjane"),
    ("x", "https://x.com/drjane/media", "drjane"),
    ("x", "https://twitter.com/#!/drjane", "drjane"),
    ("x", "  <https://x.com/drjane>  ", "drjane"),
    ("x", "\u200b@drjane", "drjane"),
    ("twitter", "@drjane", "drjane"),
    # Bluesky: profile URLs, handles with @, custom domains, DIDs
    ("bluesky", "https://bsky.app/profile/drjane.bsky.social", "drjane.bsky.social"),
    ("bluesky", "bsky.app/profile/DrJane.bsky.social/", "drjane.bsky.social"),
    ("bluesky", "@drjane.bsky.social", "drjane.bsky.social"),
    ("bluesky", "drjane.com", "drjane.com"),
    ("bluesky", "https://bsky.app/profile/drjane.com/follows", "drjane.com"),
    ("bluesky", DID, DID),
    ("bluesky", f"https://bsky.app/profile/{DID}", DID),
    ("bluesky", "did:web:drjane.example.org", "did:web:drjane.example.org"),
    # Mastodon: the two handle forms, profile URLs, /users/, a remote account seen on another instance
    ("mastodon", "@drjane@mastodon.social", "drjane@mastodon.social"),
    ("mastodon", "DrJane@Mastodon.Social", "drjane@mastodon.social"),
    ("mastodon", "https://mastodon.social/@drjane", "drjane@mastodon.social"),
    ("mastodon", "mastodon.social/@DrJane/", "drjane@mastodon.social"),
    ("mastodon", "https://mastodon.social/@drjane/with_replies", "drjane@mastodon.social"),
    ("mastodon", "https://mastodon.social/users/drjane", "drjane@mastodon.social"),
    ("mastodon", "https://mastodon.social/@drjane@med-mastodon.com", "drjane@med-mastodon.com"),
    ("mastodon", "https://mastodon.social/web/@drjane", "drjane@mastodon.social"),
    ("mastodon", "http://localhost:3000/@mastodonpy_test", "mastodonpy_test@localhost:3000"),
    # YouTube: handles, channel ids (case kept), legacy /user/ and /c/, mobile host, sub-pages
    ("youtube", "https://www.youtube.com/@DrJane", "@drjane"),
    ("youtube", "https://m.youtube.com/@drjane/videos", "@drjane"),
    ("youtube", "@drjane", "@drjane"),
    ("youtube", "drjane", "@drjane"),
    ("youtube", UC, UC),
    ("youtube", f"https://www.youtube.com/channel/{UC}", UC),
    ("youtube", f"youtube.com/channel/{UC}/featured?si=x", UC),
    ("youtube", "https://www.youtube.com/user/GoogleDevelopers", "user/googledevelopers"),
    ("youtube", "https://www.youtube.com/c/MountSinaiHealth", "c/mountsinaihealth"),
    ("youtube", "https://www.youtube.com/MountSinaiHealth", "c/mountsinaihealth"),
    # LinkedIn: people and organizations, country subdomains, tracking parameters
    ("linkedin", "linkedin.com/in/jane-doe-md", "in/jane-doe-md"),
    ("linkedin", "https://www.linkedin.com/in/Jane-Doe-MD/?originalSubdomain=us", "in/jane-doe-md"),
    ("linkedin", "https://uk.linkedin.com/in/jane-doe-md", "in/jane-doe-md"),
    ("linkedin", "https://www.linkedin.com/in/jane-doe-md/recent-activity/all/", "in/jane-doe-md"),
    ("linkedin", "https://www.linkedin.com/company/mount-sinai-health-system/", "company/mount-sinai-health-system"),
    ("linkedin", "https://www.linkedin.com/school/icahn-school-of-medicine/", "school/icahn-school-of-medicine"),
    # Facebook: usernames, numeric ids in their several addresses, mobile hosts, tracking parameters
    ("facebook", "https://www.facebook.com/MountSinaiNYC", "mountsinainyc"),
    ("facebook", "https://m.facebook.com/MountSinaiNYC/?ref=page_internal", "mountsinainyc"),
    ("facebook", "facebook.com/mountsinainyc/about", "mountsinainyc"),
    ("facebook", "https://fb.com/mountsinainyc", "mountsinainyc"),
    ("facebook", "https://www.facebook.com/profile.php?id=100063512345678&mibextid=abc", "100063512345678"),
    ("facebook", "https://www.facebook.com/people/Jane-Doe-MD/100063512345678/", "100063512345678"),
    ("facebook", "https://www.facebook.com/pages/Jane-Doe-MD/123456789", "123456789"),
    ("facebook", "https://www.facebook.com/p/Jane-Doe-MD-100063512345678/", "100063512345678"),
    ("facebook", "https://www.facebook.com/Jane-Doe-MD-100063512345678/", "100063512345678"),
    ("facebook", "https://www.facebook.com/pg/MountSinaiNYC/about/", "mountsinainyc"),
    ("facebook", "@DrJane.Doe", "drjane.doe"),
    ("facebook", "100063512345678", "100063512345678"),
    # Instagram, TikTok, Doximity
    ("instagram", "https://www.instagram.com/DrJane/", "drjane"),
    ("instagram", "instagram.com/dr.jane_md?igsh=abc", "dr.jane_md"),
    ("instagram", "@drjane", "drjane"),
    ("tiktok", "https://www.tiktok.com/@DrJane?lang=en", "drjane"),
    ("tiktok", "@drjane", "drjane"),
    ("doximity", "https://www.doximity.com/pub/jane-doe-md", "jane-doe-md"),
    ("doximity", "doximity.com/pub/Jane-Doe-MD-8a1f/", "jane-doe-md-8a1f"),
    ("doximity", "pub/jane-doe-md", "jane-doe-md"),
]


@pytest.mark.parametrize(("network", "pasted", "canonical"), READ)
def test_a_pasted_account_becomes_its_canonical_id(network, pasted, canonical):
    assert normalize_account(network, pasted) == Account(network_key(network), canonical)


@pytest.mark.parametrize(("network", "pasted", "canonical"), READ)
def test_a_canonical_id_and_its_profile_address_read_back_as_the_same_account(network, pasted, canonical):
    account = normalize_account(network, pasted)
    assert normalize_account(network, account.id) == account
    assert normalize_account(network, account.url) == account


REFUSED = [
    # posts, videos, share and redirect links
    ("x", "https://x.com/drjane/status/1364275610764201984", "a post"),
    ("x", "https://twitter.com/i/web/status/1364275610764201984", "a post"),
    ("x", "https://twitter.com/intent/tweet?text=hi", "share link"),
    ("x", "https://x.com/home", "not an account's address"),
    ("x", "https://t.co/TAXQpsHa5X", "short link"),
    ("bluesky", "https://bsky.app/profile/drjane.bsky.social/post/3lcjnbvar5k2s", "a post"),
    ("bluesky", "https://bsky.app/profile/drjane.bsky.social/feed/medsky", "feed or list"),
    ("mastodon", "https://mastodon.social/@drjane/114739545367952761", "a post"),
    ("mastodon", "https://mastodon.social/users/drjane/statuses/114739545367952761", "a post"),
    ("youtube", "https://www.youtube.com/watch?v=CvTApw9X8aA", "a video"),
    ("youtube", "https://youtu.be/CvTApw9X8aA", "a video"),
    ("youtube", "https://www.youtube.com/shorts/CvTApw9X8aA", "a video"),
    ("youtube", "https://www.youtube.com/playlist?list=PLOU2XLYxmsIKpaV8h0AGE05so0fAwwfTw", "a playlist"),
    ("youtube", "https://www.youtube.com/results?search_query=dr+jane", "not a channel's address"),
    ("linkedin", "https://www.linkedin.com/posts/jane-doe-md_activity-123", "a post"),
    ("linkedin", "https://lnkd.in/abc123", "short link"),
    ("facebook", "https://www.facebook.com/MountSinaiNYC/posts/10158349356748553", "a post"),
    ("facebook", "https://www.facebook.com/permalink.php?story_fbid=1&id=2", "a post"),
    ("facebook", "https://www.facebook.com/sharer/sharer.php?u=https://example.org", "share link"),
    ("facebook", "https://www.facebook.com/groups/123456", "a group"),
    ("facebook", "https://l.facebook.com/l.php?u=https://example.org", "short link"),
    ("facebook", "https://www.facebook.com/tr?id=123&ev=PageView", "not a page or profile"),
    ("instagram", "https://www.instagram.com/p/CSr71Gzlqo4/", "a post"),
    ("instagram", "https://www.instagram.com/reel/CSr71Gzlqo4/", "a post"),
    ("instagram", "https://www.instagram.com/explore/tags/cardiology/", "not an account's address"),
    ("tiktok", "https://www.tiktok.com/@drjane/video/7234567890123456789", "a post"),
    ("tiktok", "https://vm.tiktok.com/ZMabc/", "short link"),
    ("tiktok", "https://www.tiktok.com/t/ZTabc/", "short link"),
    # another network's address or handle in the row
    ("x", "https://www.youtube.com/@drjane", "a YouTube address in an X row"),
    ("youtube", "https://x.com/drjane", "an X address in a YouTube row"),
    ("instagram", "https://www.facebook.com/drjane", "a Facebook address in an Instagram row"),
    ("mastodon", "https://bsky.app/profile/drjane.bsky.social", "a Bluesky address in a Mastodon row"),
    ("x", "@drjane@mastodon.social", "a Mastodon address in an X row"),
    ("x", DID, "a Bluesky id in an X row"),
    ("linkedin", "https://example.org/in/jane", "not a LinkedIn address (example.org)"),
    # not the network's names
    ("x", "@dr_jane_doe_cardiology", "not an X username"),
    ("x", "Dr Jane Doe", "holds spaces"),
    ("bluesky", "@drjane", "a Bluesky handle is a domain name"),
    ("bluesky", "did:plc:tooshort", "not a Bluesky DID"),
    ("mastodon", "@drjane", "needs its instance"),
    ("mastodon", "drjane@gmail.com", "an e-mail address"),
    ("x", "drjane@hospital.org", "an e-mail address or a Mastodon address"),
    ("youtube", "https://www.youtube.com/channel/UC123", "not a YouTube channel id"),
    ("linkedin", "jane-doe-md", "paste the LinkedIn address"),
    ("linkedin", "https://www.linkedin.com/pub/jane-doe/12/345/678", "an old /pub/ address"),
    ("facebook", "https://www.facebook.com/", "names no account"),
    ("facebook", "drj", "not a Facebook page or profile name"),
    ("facebook", "https://www.facebook.com/pg/people/", "not a page or profile"),
    ("x", "explore", "not an account's address"),
    ("instagram", "@explore", "not an account's address"),
    ("doximity", "https://www.doximity.com/articles/abc", "not a Doximity profile address"),
    ("x", "", "no account given"),
    ("x", "mailto:jane@hospital.org", "an e-mail address"),
    ("x", "ftp://x.com/drjane", "not a web address"),
]


@pytest.mark.parametrize(("network", "pasted", "reason"), REFUSED)
def test_what_is_no_account_of_the_row_s_network_is_refused_with_its_reason(network, pasted, reason):
    with pytest.raises(AccountError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        normalize_account(network, pasted)


def test_an_unknown_network_is_refused_naming_the_networks():
    with pytest.raises(AccountError, match="unknown network 'myspace'; networks: x, bluesky, mastodon"):
        normalize_account("myspace", "drjane")


@pytest.mark.parametrize(("written", "key"), [("X", "x"), (" Twitter ", "x"), ("BlueSky", "bluesky"),
                                             ("bsky", "bluesky")])
def test_network_names_are_read_as_people_write_them(written, key):
    assert network_key(written) == key


def test_networks_without_a_public_read_api_are_on_record_not_checked():
    assert {key for key, network in NETWORKS.items() if not network.checked} == {"linkedin", "tiktok", "doximity"}
    assert normalize_account("linkedin", "linkedin.com/in/jane-doe-md").checked is False
    assert normalize_account("bluesky", "drjane.bsky.social").checked is True


@pytest.mark.parametrize(("account", "url"), [
    (Account("x", "drjane"), "https://x.com/drjane"),
    (Account("mastodon", "drjane@mastodon.social"), "https://mastodon.social/@drjane"),
    (Account("youtube", UC), f"https://www.youtube.com/channel/{UC}"),
    (Account("youtube", "@drjane"), "https://www.youtube.com/@drjane"),
    (Account("youtube", "user/googledevelopers"), "https://www.youtube.com/user/googledevelopers"),
    (Account("facebook", "100063512345678"), "https://www.facebook.com/profile.php?id=100063512345678"),
    (Account("tiktok", "drjane"), "https://www.tiktok.com/@drjane"),
    (Account("linkedin", "in/josé-pérez"), "https://www.linkedin.com/in/jos%C3%A9-p%C3%A9rez"),
])
def test_an_account_s_profile_address_is_the_one_people_open(account, url):
    assert account.url == url


# ----- suggestions from a page's links ---------------------------------------------------------------------------

SAME_AS = [
    "https://twitter.com/DrJaneDoe",
    "https://www.linkedin.com/in/jane-doe-md/",
    "https://x.com/drjanedoe?ref_src=twsrc",  # the same account again
    "https://twitter.com/intent/tweet?url=https://hospital.org/doctors/jane-doe",  # a share button
    "https://www.facebook.com/sharer/sharer.php?u=https://hospital.org/doctors/jane-doe",
    "https://www.facebook.com/MountSinaiNYC",  # the system's own channel, in every page's footer
    "https://www.youtube.com/watch?v=CvTApw9X8aA",  # a video
    "https://www.healthgrades.com/physician/dr-jane-doe-xyz",  # not a social network
    "https://med-mastodon.com/@drjane",  # an unknown host with a /@name page: Mastodon
    "https://medium.com/@drjane",  # a /@name page that is no Mastodon account
    "/doctors/jane-doe",  # a relative link: the caller resolves links first
    "https://www.doximity.com/pub/jane-doe-md",
]


def test_accounts_among_a_page_s_links_are_suggested_once_each_without_shares_posts_or_own_channels():
    suggestions = suggest_accounts(SAME_AS, ignore=[Account("facebook", "mountsinainyc")])
    assert [(s.account.network, s.account.id) for s in suggestions] == [
        ("x", "drjanedoe"),
        ("linkedin", "in/jane-doe-md"),
        ("mastodon", "drjane@med-mastodon.com"),
        ("doximity", "jane-doe-md"),
    ]
    assert suggestions[0].link == "https://twitter.com/DrJaneDoe"


def test_the_system_s_own_channel_is_suggested_when_not_ignored():
    assert Account("facebook", "mountsinainyc") in [s.account for s in suggest_accounts(SAME_AS)]


@pytest.mark.parametrize("link", [None, 42, "", "not a link", "https://bsky.app/", "https://[broken/"])
def test_a_link_that_is_no_account_suggests_nothing(link):
    assert account_in_link(link) is None
