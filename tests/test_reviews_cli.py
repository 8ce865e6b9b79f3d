"""`repmon reviews tag`: any text tagged, bad lines named, scraped text never read as markup."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from reputation.cli import app

runner = CliRunner(mix_stderr=False) if "mix_stderr" in CliRunner.__init__.__code__.co_varnames else CliRunner()


def write(tmp_path, *lines):
    path = tmp_path / "reviews.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_tag_prints_each_line_back_with_sentiment_topics_and_phrases(tmp_path):
    path = write(tmp_path, json.dumps({"text": "Nice doctor but the front desk was rude.", "rating": 4, "id": "a"}),
                 json.dumps({"text": "I never had to wait."}))
    result = runner.invoke(app, ["reviews", "tag", str(path)], catch_exceptions=False)
    assert result.exit_code == 0
    first, second = [json.loads(line) for line in result.stdout.splitlines()]
    assert first["id"] == "a" and first["rating"] == 4
    assert first["topics"] == {"bedside_manner": "positive", "staff": "negative"}
    assert first["phrases"]["staff"] == "but the front desk was rude"
    assert first["sentiment"] in ("positive", "neutral", "negative")
    assert second["topics"] == {"wait_time": "positive"} and second["sentiment"] == "neutral"


def test_bad_lines_are_named_and_the_good_ones_tagged(tmp_path):
    path = write(tmp_path, "not json", json.dumps({"rating": 3}), json.dumps({"text": "ok", "rating": True}),
                 json.dumps({"text": "ok", "rating": 7}), "[1]", json.dumps({"text": "Rude doctor."}))
    result = runner.invoke(app, ["reviews", "tag", str(path)], catch_exceptions=False)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    errors = result.stderr.splitlines()
    assert errors == [
        f"{path}:1: not valid JSON (Expecting value)",
        f"{path}:2: text: missing: every line needs the review's text",
        f"{path}:3: rating: must be a number from 0 to 5 or null, not true",
        f"{path}:4: rating: must be from 0 to 5 (got 7)",
        f"{path}:5: a line must be a JSON object with a text, not list",
    ]
    assert [json.loads(line)["topics"] for line in result.stdout.splitlines()] == [{"bedside_manner": "negative"}]


def test_untrusted_text_is_printed_as_it_is(tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "400")
    hostile = "The [bold]front desk[/bold] was rude [link=javascript:alert(1)]x[/link] :thumbs_up: \x1b[31m"
    path = write(tmp_path, json.dumps({"text": hostile}))
    as_json = runner.invoke(app, ["reviews", "tag", str(path)], catch_exceptions=False)
    assert json.loads(as_json.stdout)["text"] == hostile
    assert "\x1b" not in as_json.stdout
    table = runner.invoke(app, ["reviews", "tag", str(path), "--format", "table"], catch_exceptions=False)
    assert table.exit_code == 0
    assert "[link=javascript:alert(1)]x[/link] :thumbs_up:" in table.stdout
    assert "\x1b" not in table.stdout and "\\x1b[31m" in table.stdout


def test_a_user_vocabulary_is_used_and_a_bad_one_named(tmp_path):
    path = write(tmp_path, json.dumps({"text": "The valet was slow."}))
    mine = tmp_path / "mine.txt"
    mine.write_text("[facility]\n- valet\n", encoding="utf-8")
    result = runner.invoke(app, ["reviews", "tag", str(path), "--vocabulary", str(mine)], catch_exceptions=False)
    assert json.loads(result.stdout)["topics"] == {"facility": "negative"}
    mine.write_text("[parking lot]\n- valet\n", encoding="utf-8")
    result = runner.invoke(app, ["reviews", "tag", str(path), "--vocabulary", str(mine)], catch_exceptions=False)
    assert result.exit_code == 1 and result.stderr.startswith(f"vocabulary: {mine}:1: unknown section [parking lot]")
