"""The care-topic tagger on constructed text: topics, polarity, negation, contrast, the vocabulary file."""

from __future__ import annotations

import pytest

from reputation.reviews import TOPICS, Tagger, VocabularyError, load_vocabulary


@pytest.fixture(scope="module")
def tagger():
    return Tagger(load_vocabulary([]))


def polarities(tagger, text, rating=None):
    return tagger.tag(text, rating).polarities()


def test_the_shipped_vocabulary_covers_every_topic():
    vocabulary = load_vocabulary([])
    assert {e.topic for e in vocabulary.entries.values()} == set(TOPICS)
    assert {"not", "never"} <= vocabulary.negators


def test_topics_with_polarity_and_the_deciding_phrase(tagger):
    tagging = tagger.tag("Dr. Lee explained everything. We waited two hours! The bill was a surprise bill.")
    assert tagging.polarities() == {"wait_time": "negative", "communication": "positive", "billing": "negative"}
    assert tagging.topics["wait_time"].phrase == "We waited two hours"
    assert tagging.topics["communication"].phrase == "Dr. Lee explained everything"


def test_negation_turns_the_polarity(tagger):
    assert polarities(tagger, "He was not rude at all.") == {"bedside_manner": "positive"}
    assert polarities(tagger, "I never had to wait.") == {"wait_time": "positive"}
    assert polarities(tagger, "I didn't have to wait long.") == {"wait_time": "positive"}
    assert polarities(tagger, "She did not explain anything.") == {"communication": "negative"}
    assert polarities(tagger, "The doctor was not friendly.") == {"bedside_manner": "negative"}


def test_negation_reaches_three_words_back_within_its_clause(tagger):
    assert polarities(tagger, "Not once in ten years have I found him rude") == {"bedside_manner": "negative"}
    assert polarities(tagger, "No problem. Rude doctor.") == {"bedside_manner": "negative"}


def test_contrast_splits_clauses(tagger):
    tagging = tagger.tag("Nice doctor but the front desk was rude.")
    assert tagging.polarities() == {"bedside_manner": "positive", "staff": "negative"}
    assert tagging.topics["staff"].phrase == "but the front desk was rude"
    assert polarities(tagger, "Although the wait was long, the doctor was kind and caring.") == {
        "wait_time": "negative", "bedside_manner": "positive"}
    assert polarities(tagger, "The nurses were lovely; however the parking is a nightmare.") == {
        "staff": "positive", "facility": "negative"}


def test_a_trait_word_belongs_to_the_person_it_is_said_of(tagger):
    assert polarities(tagger, "The receptionist was rude.") == {"staff": "negative"}
    assert polarities(tagger, "The staff is wonderful and the doctor is rude.") == {
        "staff": "positive", "bedside_manner": "negative"}
    assert polarities(tagger, "The doctor is rude.") == {"bedside_manner": "negative"}


def test_a_topic_word_reads_its_polarity_from_its_clause(tagger):
    assert polarities(tagger, "The front desk staff were helpful and friendly.") == {"staff": "positive"}
    assert polarities(tagger, "I called the front desk.") == {"staff": "neutral"}
    assert polarities(tagger, "Insurance was a horrible mess.") == {"billing": "negative"}


def test_longest_phrase_wins_and_ignored_phrases(tagger):
    assert polarities(tagger, "Short wait, in and out.") == {"wait_time": "positive"}
    assert polarities(tagger, "I can't wait to go back!") == {}
    assert polarities(tagger, "") == {}


def test_sentiment_from_text_and_stars(tagger):
    assert tagger.sentiment("Wonderful, caring doctor. Highly recommend!").label == "positive"
    assert tagger.sentiment("Terrible. Rude and dismissive. Avoid.").label == "negative"
    assert tagger.sentiment("", None).label == "neutral"
    # the stars weigh three quarters
    assert tagger.sentiment("I guess it was fine", 1).label == "negative"
    assert tagger.sentiment("The worst wait, but a great doctor in the end", 5).label == "positive"
    mixed = tagger.sentiment("Great doctor", 3)
    assert mixed.label == "neutral" and -1 <= mixed.score <= 1


def test_a_user_vocabulary_extends_and_overrides(tmp_path, monkeypatch):
    extra = tmp_path / "mine.txt"
    extra.write_text("[facility]\n- valet\n[bedside_manner]\n! rude\n[negator]\nnary\n", encoding="utf-8")
    tagger = Tagger(load_vocabulary([extra]))
    assert polarities(tagger, "The valet scratched my car.") == {"facility": "negative"}
    assert polarities(tagger, "The doctor was rude.") == {}
    assert polarities(tagger, "nary a wait") == {"wait_time": "positive"}
    monkeypatch.setenv("REPMON_VOCABULARY", str(extra))
    assert str(extra) in load_vocabulary().files


@pytest.mark.parametrize("text, line, reason", [
    ("- rude\n", 2, "a phrase before the first [topic] section"),
    ("[parking]\n- x\n", 2, "unknown section [parking]"),
    ("[staff]\n* rude\n", 3, "a phrase starts with +, -, ~ or !"),
    ("[negator]\nnot at all\n", 3, "[negator] takes one word a line"),
])
def test_a_bad_vocabulary_line_is_named(tmp_path, text, line, reason):
    bad = tmp_path / "bad.txt"
    bad.write_text("# mine\n" + text, encoding="utf-8")
    with pytest.raises(VocabularyError) as caught:
        load_vocabulary([bad])
    assert str(caught.value).startswith(f"{bad}:{line}: {reason}")


def test_the_faster_vader_scores_as_vader_does():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    from reputation.reviews.tagger import _Vader

    texts = ["Not so good. Without doubt the worst wait, kind of rude, but the doctor was never so kind!",
             "The staff is at least polite; no, not bad at all. " * 20,
             "I waited and waited. She was not unhelpful, sort of nice. Yeah right, best doctor ever.",
             "", "   ", "I \u2764\ufe0f this doctor \U0001f600", "kind of rude", "GREAT doctor but RUDE staff :) !!!"]
    plain, fast = SentimentIntensityAnalyzer(), _Vader()
    for text in texts:
        assert fast.polarity_scores(text) == plain.polarity_scores(text)
