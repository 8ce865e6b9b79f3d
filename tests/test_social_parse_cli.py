"""repmon parse NETWORK FILE --url URL: what each network's spider makes of a real saved answer body (skipped
without ../shared). The numbers are the ones tests/test_social_recorded.py reads in each answer."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from typer.testing import CliRunner

from crawlers.social.answers import Failure, PostsPage, Profile
from reputation.cli import app
from test_social_recorded import EXPECTED, RECORDED

BODIES = sorted(name for name, (_, url, _) in EXPECTED.items() if name.endswith(".json") and url)


@pytest.mark.parametrize("name", BODIES)
def test_repmon_parse_prints_the_followers_following_posts_and_last_own_post_an_answer_holds(name):
    path = RECORDED / name
    if not path.is_file():
        pytest.skip(f"{name} (../shared) is not here")
    network, url, [wanted] = EXPECTED[name]
    result = CliRunner().invoke(app, ["parse", network, str(path), "--url", url])
    assert result.exit_code == 0, result.output
    printed = [json.loads(line) for line in result.output.splitlines() if line.strip()]
    assert len(printed) == len(wanted)
    for shown, fields in zip(printed, wanted):
        if fields["kind"] is Profile:
            assert shown["kind"] == "profile"
            for key in ("account", "followers", "following", "posts"):
                if key in fields:
                    assert shown[key] == fields[key], (key, shown)
        elif fields["kind"] is PostsPage:
            assert shown["kind"] == "posts"
            assert shown["own_posts"] == fields["own"]
            assert datetime.fromisoformat(shown["last_own_post_at"]) == fields["newest_own"]
        elif fields["kind"] is Failure:
            assert shown["kind"] == "failure" and shown["status"] == fields["status"]
        else:
            assert shown["kind"] == "relationship"


def test_every_network_with_an_api_has_a_spider_repmon_parse_can_use():
    from crawlers.parse import spider_class
    from reputation.social.accounts import NETWORKS

    for network in (n.key for n in NETWORKS.values() if n.checked):
        assert spider_class(network).kind == "social"
