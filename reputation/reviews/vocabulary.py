"""The care-topic vocabulary: the file shipped with the package (``vocabulary.txt``, its format is
described at its top) and any files of the user's that extend it."""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

TOPICS: tuple[str, ...] = ("wait_time", "bedside_manner", "communication", "staff", "access", "billing",
                           "facility", "outcome", "follow_up")
TOPIC_LABELS = {"wait_time": "Wait time", "bedside_manner": "Bedside manner", "communication": "Communication",
                "staff": "Staff", "access": "Access", "billing": "Billing", "facility": "Facility", "outcome": "Outcome",
                "follow_up": "Follow-up"}
HELPERS = ("clinician", "negator")
SHIPPED = Path(__file__).with_name("vocabulary.txt")
SETTING = "REPMON_VOCABULARY"
POLARITY = {"+": "positive", "-": "negative", "~": None, "!": "ignore"}

_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower().replace("\u2019", "'"))


class VocabularyError(ValueError):
    """A line of a vocabulary file that cannot be read: file, line and reason."""

    def __init__(self, path: Path | str, line: int, reason: str):
        self.path, self.line, self.reason = path, line, reason
        super().__init__(f"{path}:{line}: {reason}")


@dataclass(frozen=True)
class Entry:
    topic: str
    words: tuple[str, ...]  # a word ending in * matches every word it begins
    polarity: str | None  # positive | negative | ignore | None: read from the clause
    phrase: str


@dataclass
class Vocabulary:
    entries: dict[str, Entry] = field(default_factory=dict)  # by phrase: a later line replaces an earlier one
    clinician: set[str] = field(default_factory=set)
    negators: set[str] = field(default_factory=set)
    files: list[str] = field(default_factory=list)
    digest: str = ""

    def add_file(self, path: Path) -> None:
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            raise VocabularyError(path, 1, f"not UTF-8 text (byte {exc.start + 1})") from None
        section = None
        for number, raw in enumerate(text.splitlines(), start=1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith("["):
                if not line.endswith("]") or line[1:-1].strip() not in TOPICS + HELPERS:
                    raise VocabularyError(path, number, f"unknown section {line}: use one of "
                                          + ", ".join(f"[{t}]" for t in TOPICS + HELPERS))
                section = line[1:-1].strip()
                continue
            if section is None:
                raise VocabularyError(path, number, "a phrase before the first [topic] section")
            if section in HELPERS:
                words = tokens(line)
                if len(words) != 1:
                    raise VocabularyError(path, number, f"[{section}] takes one word a line, not {line!r}")
                (self.clinician if section == "clinician" else self.negators).add(words[0])
                continue
            mark, phrase = line[0], line[1:].strip()
            if mark not in POLARITY:
                raise VocabularyError(path, number, f"a phrase starts with +, -, ~ or ! (its polarity), not {mark!r}")
            words = tuple(_words(phrase))
            if not words:
                raise VocabularyError(path, number, f"no words in {line!r}")
            key = " ".join(words)
            self.entries[key] = Entry(section, words, POLARITY[mark], key)
        self.files.append(str(path))
        self.digest = hashlib.sha1((self.digest + text).encode()).hexdigest()[:16]


def _words(phrase: str) -> list[str]:
    out = []
    for word in phrase.lower().replace("\u2019", "'").split():
        star = word.endswith("*")
        parts = tokens(word)
        if not parts:
            continue
        if star:
            parts[-1] += "*"
        out += parts
    return out


def extra_files(option: list[Path] | None = None) -> list[Path]:
    """The user's vocabulary files: those given on the command line, else the REPMON_VOCABULARY setting."""
    if option:
        return list(option)
    setting = os.environ.get(SETTING, "").strip()
    return [Path(p) for p in setting.split(os.pathsep) if p.strip()]


def load_vocabulary(extra: list[Path] | None = None) -> Vocabulary:
    """The shipped vocabulary extended by ``extra`` files (default: the REPMON_VOCABULARY setting).
    Raises VocabularyError for a line it cannot read, OSError for a file it cannot open."""
    vocabulary = Vocabulary()
    for path in [SHIPPED, *extra_files(extra)]:
        vocabulary.add_file(path)
    return vocabulary
