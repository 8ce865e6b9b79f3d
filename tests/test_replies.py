"""The HIPAA check of practice replies: every disclosing reply caught, general statements left alone."""

from __future__ import annotations

import json

import pytest

from conftest import ROOT
from reputation.replies import KINDS, check_reply

FILES = ROOT / "tests" / "files" / "replies"


def labelled(name: str) -> list[dict]:
    return [json.loads(line) for line in (FILES / name).read_text().splitlines() if line.strip()]


# Every labelled set: the first one and each held-out set written blind (see benchmarks/bench_replies.py).
CASES = [case for path in sorted(FILES.glob("*.jsonl")) for case in labelled(path.name)]
DISCLOSING = [c for c in CASES if c["discloses"]]
SAFE = [c for c in CASES if not c["discloses"]]


# A disclosure the rules do not see, kept to say so (and to tell when a change starts catching it).
KNOWN_MISS = pytest.mark.xfail(strict=True, reason="a known miss (subtle, or of a held-out set not tuned on)")


@pytest.mark.parametrize("case", [pytest.param(c, marks=KNOWN_MISS) if c.get("known_miss") else c for c in DISCLOSING],
                         ids=lambda c: c["reply"][:40])
def test_a_disclosing_reply_is_caught_with_its_kinds(case):
    verdict = check_reply(case["reply"], case["reviewer"])
    assert verdict.discloses
    assert set(case.get("kinds", [])) <= set(verdict.kinds), verdict.summary()


KNOWN_FALSE_ALARM = pytest.mark.xfail(strict=True, reason="a known false alarm of a held-out set")


@pytest.mark.parametrize("case", [pytest.param(c, marks=KNOWN_FALSE_ALARM) if c.get("known_false_alarm") else c for c in SAFE],
                         ids=lambda c: c["reply"][:40])
def test_a_safe_reply_is_not_flagged(case):
    assert check_reply(case["reply"], case["reviewer"]).phrases == ()


def test_the_phrases_are_the_reply_text_at_their_offsets():
    reply = "Mr. Donnelly, according to our records you have an outstanding balance from your extraction."
    verdict = check_reply(reply, "Mike D.")
    assert [(p.kind, p.text) for p in verdict.phrases] == [
        ("name", "Mr. Donnelly"), ("records", "according to our records"),
        ("insurance_or_balance", "outstanding balance"), ("procedure", "your extraction")]
    assert all(reply[p.start:p.end] == p.text for p in verdict.phrases)
    assert verdict.kinds == ["name", "records", "procedure", "insurance_or_balance"]  # in KINDS order
    assert set(verdict.kinds) <= set(KINDS)


@pytest.mark.parametrize("reviewer,reply,discloses", [
    ("Bobby", "Robert, thanks for writing.", True),  # the nickname was all the review showed
    ("Robert T.", "Robert, thanks for writing.", False),
    ("Robert T.", "Robert Thompson, thanks for writing.", True),
    ("Kelly", "We hear you, Kelly, and we are sorry.", False),
    ("Sam", "Unfortunately, we cannot discuss details here.", False),
    ("Sam", "Please reach our office manager, Linda, at 555-0142.", False),
    (None, "Dear Jennifer Morales, thank you for the feedback.", True),  # a full name, whatever the display name
    (None, "Thanks, Jen! We appreciate it.", False),
])
def test_a_name_discloses_only_beyond_the_reviewers_display_name(reviewer, reply, discloses):
    assert check_reply(reply, reviewer).discloses is discloses


@pytest.mark.parametrize("reply", [
    "We cannot discuss your diagnosis or treatment online, but please call us.",
    "Privacy law does not allow us to confirm your visit or any details of it.",
    "If you have questions about your bill, our billing office can help.",
    "If you missed an appointment, please call to reschedule.",
    "Patients who need a refill can request it through the portal.",
    "We accept Medicaid and Medicare and offer payment plans to anyone who asks.",
    "Dr. Jones is known for his thorough exams, and Dr. Chen for her gentle cleanings.",  # the doctors', not the reviewer's
    "Dr. Patel reviews her test results with every patient in person.",
])
def test_refusals_and_general_or_conditional_statements_are_not_disclosures(reply):
    assert check_reply(reply).phrases == ()


def test_empty_or_missing_text_discloses_nothing():
    assert not check_reply("").discloses
    assert not check_reply(None).discloses


# -- repmon reply check ------------------------------------------------------------------------------------------
def check_cli(*args, stdin=None):
    from typer.testing import CliRunner

    from reputation.cli import app

    result = CliRunner().invoke(app, ["reply", "check", *args], input=stdin, catch_exceptions=False)
    assert "Traceback" not in result.output
    return result


def test_reply_check_prints_each_verdict_and_exits_1_when_one_discloses(tmp_path):
    path = tmp_path / "replies.txt"
    path.write_text("Thank you for your feedback!\n\nRobert, you came in for your root canal on 3/14.\n")
    result = check_cli(str(path), "--reviewer", "Bobby")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == f"{path}:1: ok"
    assert lines[1].startswith(f"{path}:3: DISCLOSES: name: \"Robert\"; procedure: \"you came in for your root canal\"")
    assert 'patient_status: "you came in"' in lines[1] and 'visit_date: "3/14"' in lines[1]
    assert "1 of 2 replies disclose: take those replies down" in result.stderr


def test_reply_check_json_lines_from_stdin_and_safe_replies_exit_0():
    stdin = json.dumps({"reply": "We offer same-day appointments.", "reviewer": "Al"}) + "\n"
    result = check_cli("-", "--format", "json", stdin=stdin)
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"line": 1, "discloses": False, "kinds": [], "phrases": []}


def test_reply_check_names_bad_lines_and_checks_the_rest(tmp_path):
    path = tmp_path / "replies.jsonl"
    path.write_bytes(b'{"review": "x"}\n{oops\n\xff\xfe\n{"reply": "Our records show [/x] you were seen."}\n')
    result = check_cli(str(path), "--format", "json")
    assert result.exit_code == 2
    assert f"{path}:1: reply: a JSON line needs a \"reply\" text" in result.stderr
    assert f"{path}:2: not valid JSON" in result.stderr
    assert f"{path}:3: not UTF-8 text" in result.stderr
    assert json.loads(result.stdout)["line"] == 4


def test_reply_check_prints_untrusted_text_as_it_is_without_control_characters(tmp_path):
    path = tmp_path / "replies.txt"
    path.write_text("[bold]Sam[/bold], your\x1b biopsy results are in.\n")
    result = check_cli(str(path))
    assert result.exit_code == 1
    assert "\x1b" not in result.stdout
    assert 'test_result: "your\\x1b biopsy results"' in result.stdout


def test_reply_check_of_a_missing_file_is_one_line():
    result = check_cli("no-such-replies.txt")
    assert result.exit_code == 2
    assert result.stderr.strip() == "no-such-replies.txt: No such file or directory"


# -- safe reply drafts -------------------------------------------------------------------------------------------
from reputation.replies import CLOSINGS, MIDDLES, OPENINGS, draft_reply, patient_relations  # noqa: E402

CONTACTS = ["our patient relations office", "our patient relations team at (404) 555-0100",
            "Patient Relations at 404-555-0100 or relations@example.org"]


@pytest.mark.parametrize("contact", CONTACTS)
def test_no_draft_trips_the_check(contact):
    for opening in OPENINGS:
        for middle in MIDDLES:
            for closing in CLOSINGS:
                draft = " ".join((opening, middle, closing.format(contact=contact)))
                for reviewer in (None, "Jenny M.", "Bobby"):
                    assert check_reply(draft, reviewer).phrases == (), draft


def test_drafts_vary_across_a_site_and_stay_the_same_for_a_review():
    drafts = [draft_reply(f"healthgrades:review-{n}", "our office") for n in range(50)]
    assert len(set(drafts)) >= 35  # of 150 drafts
    first_sentences = [d.split(". ")[0] for d in drafts]
    assert max(first_sentences.count(s) for s in first_sentences) <= 15  # no sentence fifty times
    assert draft_reply("healthgrades:review-7", "our office") == drafts[7]
    assert "our office" in drafts[0]


def test_the_patient_relations_line_comes_from_the_environment():
    assert patient_relations({}) == "our patient relations office"
    assert patient_relations({"REPMON_PATIENT_RELATIONS": " Patient Relations at 555-0100 "}) == "Patient Relations at 555-0100"
    assert "Patient Relations at 555-0100" in draft_reply("x", patient_relations({"REPMON_PATIENT_RELATIONS": "Patient Relations at 555-0100"}))
