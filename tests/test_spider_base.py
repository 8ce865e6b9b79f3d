"""The roster spider's plumbing (targets, base URLs, settings), and helpers the spider tests share.

Helpers: ``file_response`` builds a Scrapy response from a saved page; ``needs_shared`` skips tests
that read the real pages kept outside the repository (../shared); ``run_spider`` runs
``scrapy crawl`` in a subprocess, as a user would, and returns the records; ``searches`` and
``listings`` index them. The sandbox ``server`` fixture is in conftest.py.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, TextResponse
from scrapy.settings import Settings

from crawlers.spiders.base import base_url, load_targets
from crawlers.spiders.healthgrades import HealthgradesSpider

REPO = Path(__file__).resolve().parents[1]
FILES = Path(__file__).resolve().parent / "files"
SHARED = Path(__file__).resolve().parents[2] / "shared"  # real third-party pages: never committed
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="real fixtures (../shared) not available")


def file_response(path: Path | str, url: str, status: int = 200) -> TextResponse:
    """A response for ``url`` whose body is the saved file ``path`` (HTML or JSON)."""
    path = Path(path)
    cls = TextResponse if path.suffix == ".json" else HtmlResponse
    return cls(url=url, body=path.read_bytes(), encoding="utf-8", status=status)


def searches(records: list[dict]) -> dict[str, dict]:
    """A crawl's search records by NPI: exactly one per physician searched."""
    counts = Counter(r["npi"] for r in records if r["kind"] == "search")
    assert set(counts.values()) == {1}, f"physicians with more than one search record (or none): {counts.most_common(3)}"
    return {r["npi"]: r for r in records if r["kind"] == "search"}


def listings(records: list[dict]) -> dict[str, dict]:
    """A crawl's listing records by URL."""
    return {r["url"]: r for r in records if r["kind"] == "listing"}


def run_spider(source: str, targets: list[dict], sandbox_url: str, tmp_path: Path, **settings) -> list[dict]:
    """``scrapy crawl SOURCE`` against the sandbox, in a child process; the records it wrote."""
    return run_spider_process(source, targets, sandbox_url, tmp_path, **settings)[0]


def run_spider_process(source: str, targets: list[dict], sandbox_url: str, tmp_path: Path, **settings):
    """Like ``run_spider``, also returning the finished process (its stdout, stderr)."""
    targets_path = tmp_path / f"{source}-targets.json"
    targets_path.write_text(json.dumps(targets))
    out = tmp_path / f"{source}-out.jsonl"
    options = {"REPMON_SANDBOX_URL": sandbox_url, "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False,
               "CONCURRENT_REQUESTS_PER_DOMAIN": 8, "LOG_LEVEL": "WARNING", **settings}
    command = [sys.executable, "-m", "scrapy", "crawl", source, "-a", f"targets={targets_path}", "-O", str(out)]
    for key, value in options.items():
        command += ["-s", f"{key}={value}"]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return [json.loads(line) for line in out.read_text().splitlines() if line.strip()], done


# ----- targets ----------------------------------------------------------------------------------------

TARGET = {"npi": "1720377294", "first_name": "Elise", "last_name": "Hiza", "city": "Asheville", "state": "NC"}


def test_targets_load_from_a_json_list(tmp_path):
    path = tmp_path / "t.json"
    path.write_text(json.dumps([TARGET | {"known_urls": ["https://example.org/a"]}]))
    [target] = load_targets(path)
    assert target["npi"] == "1720377294"
    assert target["known_urls"] == ["https://example.org/a"]
    assert target["middle_name"] is None


def test_targets_load_from_json_lines(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text(json.dumps(TARGET) + "\n\n" + json.dumps(TARGET | {"npi": 1234567893}) + "\n")
    targets = load_targets(path)
    assert [t["npi"] for t in targets] == ["1720377294", "1234567893"]
    assert targets[0]["known_urls"] == []


def test_a_target_without_npi_is_refused_with_its_position(tmp_path):
    path = tmp_path / "t.json"
    path.write_text(json.dumps([TARGET, {"first_name": "A", "last_name": "B"}]))
    with pytest.raises(ValueError, match="target 2 lacks npi"):
        load_targets(path)


def test_spider_without_targets_explains_what_is_missing():
    with pytest.raises(ValueError, match=r"argument 'targets' is required.*-a targets="):
        HealthgradesSpider()


def test_scrapy_crawl_without_targets_fails_with_that_message():
    done = subprocess.run([sys.executable, "-m", "scrapy", "crawl", "nppes", "-s", "LOG_LEVEL=ERROR"],
                          cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "argument 'targets' is required" in done.stderr


# ----- base URLs and settings -------------------------------------------------------------------------


def test_base_url_is_the_real_site_by_default():
    settings = Settings({"SOURCE_BASE_URLS": {"healthgrades": "https://www.healthgrades.com/"}})
    assert base_url(settings, "healthgrades") == "https://www.healthgrades.com"


def test_base_url_moves_every_source_under_the_sandbox():
    settings = Settings({"SOURCE_BASE_URLS": {"nppes": "https://npiregistry.cms.hhs.gov"},
                         "REPMON_SANDBOX_URL": "http://127.0.0.1:8123/"})
    assert base_url(settings, "nppes") == "http://127.0.0.1:8123/nppes"


def test_settings_are_polite_and_honest(monkeypatch):
    monkeypatch.setenv("REPMON_CONTACT", "ops@example.org")
    monkeypatch.delenv("REPMON_HTTPCACHE", raising=False)
    import crawlers.settings as settings

    settings = importlib.reload(settings)
    assert settings.ROBOTSTXT_OBEY is True
    assert settings.CONCURRENT_REQUESTS_PER_DOMAIN == 1 and settings.DOWNLOAD_DELAY >= 1
    assert "contact: ops@example.org" in settings.USER_AGENT
    assert {429, 500, 502, 503, 504} <= set(settings.RETRY_HTTP_CODES)
    assert 403 not in settings.RETRY_HTTP_CODES  # a refusal is not retried
    assert settings.HTTPCACHE_ENABLED is False
    # The crawler stamps; storing is handed in by `repmon crawl` (see test_the_crawl_hands_its_store_in...).
    assert list(settings.ITEM_PIPELINES) == ["crawlers.pipelines.StampPipeline"]
    monkeypatch.undo()
    importlib.reload(settings)  # leave the module as the environment makes it


def test_http_cache_is_switched_on_only_by_the_environment(monkeypatch):
    import crawlers.settings as settings

    monkeypatch.setenv("REPMON_HTTPCACHE", "1")
    assert importlib.reload(settings).HTTPCACHE_ENABLED is True
    monkeypatch.delenv("REPMON_HTTPCACHE")
    assert importlib.reload(settings).HTTPCACHE_ENABLED is False
    monkeypatch.undo()
    importlib.reload(settings)
