"""What patients say: care topics (with polarity and the phrase that decided it) and overall sentiment
of review text. The vocabulary is a data file shipped with the package (``vocabulary.txt``) that a user
can extend with files of their own (``REPMON_VOCABULARY``, ``--vocabulary``)."""

from reputation.reviews.tagger import Mention, Sentiment, Tagger, Tagging, default_tagger
from reputation.reviews.vocabulary import TOPICS, Vocabulary, VocabularyError, load_vocabulary

__all__ = ["Mention", "Sentiment", "Tagger", "Tagging", "TOPICS", "Vocabulary", "VocabularyError", "default_tagger",
           "load_vocabulary"]
