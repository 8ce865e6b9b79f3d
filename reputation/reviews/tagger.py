"""Tagging a review with care topics, each with a polarity and the phrase that decided it, and its
overall sentiment (VADER, whose lexicon ships with the package, together with the stars)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from vaderSentiment.vaderSentiment import BOOSTER_DICT, N_SCALAR, NEGATE, SentimentIntensityAnalyzer, SentiText

from reputation.reviews.vocabulary import Entry, Vocabulary, load_vocabulary

_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_SENTENCE_END = re.compile(r"[!?;\n]")
# Words that start a new clause: what follows them is judged on its own ("nice doctor but the front desk ...").
CONTRAST = {"but", "however", "although", "though", "yet", "except", "unfortunately", "whereas", "otherwise",
            "nevertheless", "nonetheless", "sadly"}
# After these a comma also ends the clause ("Although the wait was long, the doctor ...").
SUBORDINATE = {"although", "though", "while", "whereas"}
ABBREVIATIONS = {"dr", "mr", "mrs", "ms", "st", "vs", "jr", "sr"}
NEGATION_WINDOW = 3  # words before a phrase in which a negator turns its polarity
NEAR = 5  # words either side of a ~ phrase whose sentiment counts fully; farther ones in the clause count a third
FIRST_WORDS_KEPT = 200_000  # distinct words whose phrases _starting remembers (a bound on its memory)
PHRASE_CHARS = 120  # the longest phrase kept to show why a topic was tagged
# With stars, a review's sentiment score is this much the stars' ((stars - 3) / 2) and the rest the text's
# compound score; positive above +0.25, negative below -0.25. Chosen on the labelled sample's dev part (the
# stars say more than VADER does of a patient's review: 3/4 agreed best, 2/3 a little less).
STARS_WEIGHT = 0.75
# Words patients use of care that VADER's lexicon lacks, for reading a ~ phrase's clause.
CARE_LEXICON = {"nightmare": -2.5, "hassle": -1.5, "forever": -1.0, "unreachable": -2.0, "unhelpful": -2.0,
                "knowledgeable": 2.0, "attentive": 2.0, "courteous": 2.0, "accommodating": 2.0, "prompt": 1.5,
                "efficient": 1.5, "professional": 1.5, "unprofessional": -2.0, "rushed": -1.5, "ridiculous": -1.5,
                "impossible": -1.5, "quality": 1.5, "extraordinary": 2.5, "premier": 2.0, "exceptional": 2.5,
                "correctly": 1.5, "accurately": 1.5, "incorrectly": -1.5, "wrongly": -1.5}


_NEGATE = frozenset(NEGATE)


def _negates(word: str) -> bool:
    """VADER's ``negated`` of a single lower-case word."""
    return word in _NEGATE or "n't" in word


class _Vader(SentimentIntensityAnalyzer):
    """VADER, with the same scores, faster: its negation and idiom checks lower-case the whole review for
    every sentiment word (quadratic in the review's length); given the few words around the word they read
    (four before, two after), they read the same words and take time by the word. And ASCII text skips the
    emoji replacement, which has nothing to replace in it."""

    WINDOW_BEFORE, WINDOW_AFTER = 4, 3

    def polarity_scores(self, text):
        if not text.isascii():
            return super().polarity_scores(text)
        # VADER's first step replaces emojis (all non-ASCII) character by character: ASCII text has none.
        # The rest is VADER's own polarity_scores (vaderSentiment 3.3.2, MIT licence).
        sentitext = SentiText(text.strip())
        sentiments = []
        words_and_emoticons = sentitext.words_and_emoticons
        lexicon = self.lexicon
        for i, item in enumerate(words_and_emoticons):
            lowered = item.lower()
            # A word outside the lexicon scores 0 in sentiment_valence: say so without the call.
            if lowered in BOOSTER_DICT or lowered not in lexicon:
                sentiments.append(0)
                continue
            if i < len(words_and_emoticons) - 1 and lowered == "kind" and words_and_emoticons[i + 1].lower() == "of":
                sentiments.append(0)
                continue
            sentiments = self.sentiment_valence(0, sentitext, item, i, sentiments)
        sentiments = self._but_check(words_and_emoticons, sentiments)
        return self.score_valence(sentiments, text.strip())

    def _negation_check(self, valence, words_and_emoticons, start_i, i):
        """VADER's negation check of the word ``start_i + 1`` words before the sentiment word ``i``, its own
        logic on the few words it reads (lower-cased once, a single word's negation asked of a set)."""
        if i >= self.WINDOW_BEFORE:  # nearer the start VADER's own indexing wraps around: give it all
            lo = i - self.WINDOW_BEFORE
            words_and_emoticons, i = words_and_emoticons[lo:i + self.WINDOW_AFTER], i - lo
        low = [str(w).lower() for w in words_and_emoticons]
        if start_i == 0:
            if _negates(low[i - 1]):
                valence *= N_SCALAR
        elif start_i == 1:
            if low[i - 2] == "never" and low[i - 1] in ("so", "this"):
                valence *= 1.25
            elif low[i - 2] == "without" and low[i - 1] == "doubt":
                pass
            elif _negates(low[i - 2]):
                valence *= N_SCALAR
        elif start_i == 2:
            if low[i - 3] == "never" and low[i - 2] in ("so", "this") or low[i - 1] in ("so", "this"):
                valence *= 1.25
            elif low[i - 3] == "without" and (low[i - 2] == "doubt" or low[i - 1] == "doubt"):
                pass
            elif _negates(low[i - 3]):
                valence *= N_SCALAR
        return valence

    def _special_idioms_check(self, valence, words_and_emoticons, i):
        if i >= self.WINDOW_BEFORE:
            lo = i - self.WINDOW_BEFORE
            words_and_emoticons, i = words_and_emoticons[lo:i + self.WINDOW_AFTER], i - lo
        return SentimentIntensityAnalyzer._special_idioms_check(valence, words_and_emoticons, i)


@dataclass(frozen=True)
class Mention:
    topic: str
    polarity: str  # positive | negative | neutral
    phrase: str  # the words of the review (its clause, at most PHRASE_CHARS) that decided it
    cue: str  # the vocabulary phrase that matched
    fixed: bool  # the vocabulary gave the polarity (not read from the clause)


@dataclass(frozen=True)
class Sentiment:
    label: str  # positive | neutral | negative
    score: float  # from -1 to 1: VADER's compound, and with stars the stars' side weighs STARS_WEIGHT
    compound: float  # VADER's compound score of the text alone


@dataclass(frozen=True)
class Tagging:
    topics: dict[str, Mention] = field(default_factory=dict)  # one per topic: what decided its polarity
    mentions: tuple[Mention, ...] = ()
    sentiment: Sentiment | None = None

    def polarities(self) -> dict[str, str]:
        return {topic: m.polarity for topic, m in self.topics.items()}


class Tagger:
    def __init__(self, vocabulary: Vocabulary | None = None):
        self.vocabulary = vocabulary or load_vocabulary()
        self.analyzer = _Vader()
        self.lexicon: dict[str, float] = {**self.analyzer.lexicon, **CARE_LEXICON}
        self.exact: dict[str, list[Entry]] = {}
        self.prefixed: dict[str, list[Entry]] = {}  # first word ends in *: by its first three letters
        for entry in self.vocabulary.entries.values():
            first = entry.words[0]
            if first.endswith("*"):
                self.prefixed.setdefault(first[:3], []).append(entry)
            else:
                self.exact.setdefault(first, []).append(entry)
        self._first_word: dict[str, tuple[Entry, ...]] = {}
        self.negators = self.vocabulary.negators
        self.clinician = self.vocabulary.clinician

    # -- public -------------------------------------------------------------------------------------
    def tag(self, text: str | None, rating: float | None = None) -> Tagging:
        text = text or ""
        mentions = self.mentions(text)
        return Tagging(_decide(mentions), tuple(mentions), self.sentiment(text, rating))

    def sentiment(self, text: str | None, rating: float | None = None) -> Sentiment:
        compound = self.analyzer.polarity_scores(text)["compound"] if text and text.strip() else 0.0
        if rating is None:
            score = compound
            label = "positive" if compound >= 0.05 else "negative" if compound <= -0.05 else "neutral"
        else:
            stars = max(-1.0, min(1.0, (float(rating) - 3.0) / 2.0))
            score = STARS_WEIGHT * stars + (1 - STARS_WEIGHT) * compound
            label = "positive" if score > 0.25 else "negative" if score < -0.25 else "neutral"
        return Sentiment(label, round(score, 4), round(compound, 4))

    def mentions(self, text: str) -> list[Mention]:
        lowered = text.lower().replace("\u2019", "'")
        spans = [(m.group(), *m.span()) for m in _TOKEN.finditer(lowered)]
        words = [s[0] for s in spans]
        clause_of = _clauses(lowered, spans)
        found: list[Mention] = []
        remembered, count = self._first_word, len(words)
        i = 0
        while i < count:
            candidates = remembered.get(words[i])  # most words start no phrase: looked up here, not in a call
            if candidates == ():
                i += 1
                continue
            entry = self._longest(words, i, clause_of)
            if entry is None:
                i += 1
                continue
            end = i + len(entry.words)
            if entry.polarity != "ignore":
                found.append(self._mention(entry, text, spans, words, clause_of, i, end))
            i = end
        return found

    # -- matching -----------------------------------------------------------------------------------
    def _longest(self, words: list[str], i: int, clause_of: list[int]) -> Entry | None:
        """The longest vocabulary phrase starting at word ``i`` within its clause (the first listed on a tie)."""
        candidates = self._starting(words[i])
        if not candidates:
            return None
        clause, count = clause_of[i], len(words)
        for entry in candidates:
            n = len(entry.words)
            if i + n > count or clause_of[i + n - 1] != clause:
                continue
            if n == 1 or all(_same(w, words[i + k]) for k, w in enumerate(entry.words[1:], 1)):
                return entry
        return None

    def _starting(self, word: str) -> tuple[Entry, ...]:
        """The phrases whose first word matches ``word``, longest first (remembered per word: a review's words
        are mostly the same few thousand)."""
        found = self._first_word.get(word)
        if found is None:
            entries = [e for e in self.exact.get(word, []) + self.prefixed.get(word[:3], []) if _same(e.words[0], word)]
            found = tuple(sorted(entries, key=lambda e: -len(e.words)))
            if len(self._first_word) < FIRST_WORDS_KEPT:
                self._first_word[word] = found
        return found

    def _negated(self, words: list[str], clause_of: list[int], start: int) -> bool:
        for k in range(max(0, start - NEGATION_WINDOW), start):
            if clause_of[k] == clause_of[start] and self._is_negator(words[k]):
                if words[k] == "not" and k + 1 < len(words) and words[k + 1] == "only":
                    continue
                return True
        return False

    def _is_negator(self, word: str) -> bool:
        return word in self.negators or word.endswith("n't")

    def _mention(self, entry: Entry, text: str, spans, words, clause_of, start: int, end: int) -> Mention:
        clause = clause_of[start]
        topic = entry.topic
        if entry.polarity is not None:
            polarity = entry.polarity
            if self._negated(words, clause_of, start):
                polarity = "positive" if polarity == "negative" else "negative"
            if topic == "bedside_manner" and self._about_staff(words, clause_of, start):
                topic = "staff"
        else:
            polarity = self._clause_polarity(words, clause_of, start, end)
            if polarity == "neutral" and self._negated(words, clause_of, start):
                polarity = "negative"  # "no follow up", "doesn't call back"
        first = next(k for k in range(start, -1, -1) if k == 0 or clause_of[k - 1] != clause)
        last = next(k for k in range(end - 1, len(words)) if k == len(words) - 1 or clause_of[k + 1] != clause)
        return Mention(topic, polarity, _excerpt(text, spans[first][1], spans[last][2], spans[start][1], spans[end - 1][2]),
                       entry.phrase, entry.polarity is not None)

    def _about_staff(self, words, clause_of, start: int) -> bool:
        """A trait word ("rude", "friendly") belongs to staff when the nearest person named in its clause
        is staff ("the front desk was rude"), to the physician otherwise."""
        clause = clause_of[start]
        order = sorted((k for k in range(len(words)) if clause_of[k] == clause and k != start),
                       key=lambda k: (abs(k - start), k > start))
        for k in order:
            if words[k] in self.clinician:
                return False
            entry = self._longest(words, k, clause_of)
            if entry is not None and entry.topic == "staff":
                return True
        return False

    def _clause_polarity(self, words, clause_of, start: int, end: int) -> str:
        clause = clause_of[start]
        score = 0.0
        for k in range(len(words)):
            if clause_of[k] != clause or start <= k < end:
                continue
            valence = self.lexicon.get(words[k])
            if valence is None:
                continue
            if self._negated(words, clause_of, k):
                valence = -0.74 * valence  # VADER's own dampening of a negated word
            distance = start - k if k < start else k - end + 1
            score += valence if distance <= NEAR else valence / 3
        if score >= 0.5:
            return "positive"
        if score <= -0.5:
            return "negative"
        return "neutral"


def _same(pattern: str, word: str) -> bool:
    return word.startswith(pattern[:-1]) if pattern.endswith("*") else word == pattern


def _clauses(lowered: str, spans) -> list[int]:
    """The clause number of every word: sentences, split again at contrast words (and, after a subordinate
    "although", at the comma)."""
    out = []
    clause = 0
    subordinate = False
    previous_end = 0
    previous_word = ""
    for word, start, end in spans:
        between = lowered[previous_end:start]
        if between == " ":
            pass
        elif out and (_SENTENCE_END.search(between) or ("." in between and previous_word not in ABBREVIATIONS)):
            clause += 1
            subordinate = False
        elif out and subordinate and "," in between:
            clause += 1
            subordinate = False
        if word in CONTRAST or word in SUBORDINATE and word != "while":
            if out:
                clause += 1
            subordinate = word in SUBORDINATE
        out.append(clause)
        previous_end, previous_word = end, word
    return out


def _excerpt(text: str, clause_start: int, clause_end: int, cue_start: int, cue_end: int) -> str:
    """The clause, or at most PHRASE_CHARS of it around the cue, on one line."""
    start, end = clause_start, clause_end
    if end - start > PHRASE_CHARS:
        middle = (cue_start + cue_end) // 2
        start = max(clause_start, middle - PHRASE_CHARS // 2)
        end = min(clause_end, start + PHRASE_CHARS)
        start = max(clause_start, end - PHRASE_CHARS)
        while start > clause_start and text[start - 1].isalnum():
            start += 1
        while end < clause_end and text[end].isalnum():
            end -= 1
    piece = " ".join(text[start:end].split())
    return ("…" if start > clause_start else "") + piece + ("…" if end < clause_end else "")


def _decide(mentions: list[Mention]) -> dict[str, Mention]:
    """One polarity per topic: the most mentioned of positive and negative (a phrase with a polarity of its
    own counts twice as much as one read from its clause); neutral when none has any; on a tie, the first
    mention with a polarity of its own."""
    by_topic: dict[str, list[Mention]] = {}
    for mention in mentions:
        by_topic.setdefault(mention.topic, []).append(mention)
    decided = {}
    for topic, group in by_topic.items():
        weight = {"positive": 0, "negative": 0}
        for m in group:
            if m.polarity in weight:
                weight[m.polarity] += 2 if m.fixed else 1
        if weight["positive"] == weight["negative"] == 0:
            decided[topic] = group[0]
            continue
        if weight["positive"] != weight["negative"]:
            winner = "positive" if weight["positive"] > weight["negative"] else "negative"
        else:
            winner = next((m.polarity for m in group if m.fixed and m.polarity in weight),
                          next(m.polarity for m in group if m.polarity in weight))
        decided[topic] = next(m for m in sorted(group, key=lambda m: not m.fixed) if m.polarity == winner)
    from reputation.reviews.vocabulary import TOPICS
    return {t: decided[t] for t in TOPICS if t in decided}


@lru_cache(maxsize=1)
def default_tagger() -> Tagger:
    """The tagger with the shipped vocabulary and the REPMON_VOCABULARY files (read once per process)."""
    return Tagger()
