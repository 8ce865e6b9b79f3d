"""The HIPAA check of practice replies: every disclosing reply caught, general statements left alone."""

from __future__ import annotations

import json

import pytest

from conftest import ROOT
from reputation.replies import KINDS, check_reply

FILES = ROOT / "tests" / "files" / "replies"


def labelled(name: str) -> list[dict]:
    return [json.loads(line) for line in (FILES / name).read_text().splitlines() if line.strip()]


CASES = labelled("labelled.jsonl") + labelled("holdout.jsonl")
DISCLOSING = [c for c in CASES if c["discloses"]]
SAFE = [c for c in CASES if not c["discloses"]]


@pytest.mark.parametrize("case", DISCLOSING, ids=lambda c: c["reply"][:40])
def test_a_disclosing_reply_is_caught_with_its_kinds(case):
    verdict = check_reply(case["reply"], case["reviewer"])
    assert verdict.discloses
    assert set(case["kinds"]) <= set(verdict.kinds), verdict.summary()


@pytest.mark.parametrize("case", SAFE, ids=lambda c: c["reply"][:40])
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
])
def test_refusals_and_general_or_conditional_statements_are_not_disclosures(reply):
    assert check_reply(reply).phrases == ()


def test_empty_or_missing_text_discloses_nothing():
    assert not check_reply("").discloses
    assert not check_reply(None).discloses
