"""Practice replies to reviews: the HIPAA check of a reply, and safe reply drafts.

A public reply must not confirm that the reviewer was a patient nor disclose anything of their health or
account: HHS's Office for Civil Rights has fined practices for exactly that (Elite Dental Associates 2019:
names, treatment plan, insurance and cost in Yelp replies; New Vision Dental 2022: full names where the
reviewer used a nickname, visits, treatment and insurance). ``check_reply`` finds such phrases, each with its
kind; general statements ("all our patients receive…", "we offer same-day appointments", "we cannot
discuss…") are not disclosures, since a false alarm teaches people to ignore the check.

How: the reply is read sentence by sentence. A phrase discloses when it speaks *of the reviewer*: a
possessive before a health or account word ("your root canal", "your balance"), the reviewer as the subject
of a visit ("you came in", "you missed"), the practice consulting its records ("our records show"), a
date of a visit, or a name beyond the reviewer's display name. Words that say nothing by themselves (a
drug's name, a dollar amount, an insurer) count only in a sentence addressed to the reviewer that is not a
general or conditional statement. Anything after "cannot discuss / confirm …" in a sentence is a refusal
to disclose, not a disclosure.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass

# The kinds of disclosure, in the order they are reported, with what a person reads.
KINDS = {
    "name": "a name beyond the reviewer's display name",
    "patient_status": "confirms the reviewer is or was a patient",
    "records": "quotes the practice's records",
    "visit_date": "a date of a visit",
    "procedure": "a procedure or treatment",
    "diagnosis": "a diagnosis or condition",
    "medication": "a medication or prescription",
    "test_result": "a test or its result",
    "missed_appointment": "a missed, cancelled or late appointment",
    "insurance_or_balance": "insurance, a bill or a balance",
}


@dataclass(frozen=True)
class Phrase:
    kind: str
    text: str
    start: int  # offsets in the reply
    end: int


@dataclass(frozen=True)
class Verdict:
    reply: str
    phrases: tuple[Phrase, ...]

    @property
    def discloses(self) -> bool:
        return bool(self.phrases)

    @property
    def kinds(self) -> list[str]:
        found = {p.kind for p in self.phrases}
        return [k for k in KINDS if k in found]

    def summary(self) -> str:
        """The phrases as one line: ``procedure: "your root canal"; records: "Our records show"``."""
        return "; ".join(f'{p.kind}: "{p.text}"' for p in self.phrases)


def _words(*alternatives: str) -> str:
    return r"(?:" + "|".join(alternatives) + r")"


# -- vocabulary ------------------------------------------------------------------------------------------------
PROCEDURES = _words(
    r"root canals?", r"crowns?", r"fillings?", r"extractions?", r"implants?", r"dentures?", r"braces", r"cleanings?",
    r"scaling", r"whitening", r"veneers?", r"bridge(?:work)?", r"surger(?:y|ies)", r"operations?", r"colonoscopy",
    r"endoscopy", r"mammograms?", r"biops(?:y|ies)", r"injections?", r"shots?", r"vaccin\w*", r"immunizations?",
    r"physicals?", r"exams?", r"examinations?", r"check-?ups?", r"procedures?", r"treatment plans?", r"treatments?",
    r"therapy", r"lasik", r"c-section", r"delivery", r"pap smear", r"stitches", r"sutures", r"cast", r"infusions?",
    r"consult(?:ation)?s?", r"evaluations?", r"screenings?", r"well-child visit", r"prep", r"anesthesia",
    r"sedation", r"fitting", r"tooth #?\d+", r"physical therapy", r"referrals?", r"admission", r"glasses",
    r"contact lenses", r"contacts", r"hearing aids?", r"crutches", r"retainer", r"aligners", r"invisalign", r"night guard")
DIAGNOSES = _words(
    r"diagnos[ie]s", r"condition", r"illness", r"disease", r"disorder", r"infections?", r"cancer", r"tumou?r",
    r"diabetes", r"depression", r"anxiety", r"adhd", r"bipolar", r"pregnan(?:cy|t)", r"miscarriage", r"hiv", r"std",
    r"sti", r"hepatitis", r"cavit(?:y|ies)", r"gum disease", r"periodont\w+", r"gingivitis", r"fracture",
    r"torn \w+", r"sprain", r"injur(?:y|ies)", r"concussion", r"glaucoma", r"cataracts?", r"hypertension",
    r"blood pressure", r"asthma", r"allerg(?:y|ies)", r"migraines?", r"back pain", r"symptoms", r"strep",
    r"pneumonia", r"arthritis", r"addiction", r"overdose", r"mental health", r"sinus infection", r"uti",
    r"rash", r"sore throat", r"cough", r"cold", r"fever", r"flu", r"headaches?", r"knee", r"back", r"tooth", r"teeth",
    r"gums", r"eyes?", r"hip", r"shoulder", r"heart", r"skin", r"arm", r"leg", r"foot", r"ankle", r"wrist", r"neck",
    r"stomach", r"throat")
MEDICATIONS = _words(
    r"medications?", r"medicines?", r"meds", r"prescriptions?", r"refills?", r"dos(?:e|age)", r"pills?",
    r"antibiotics?", r"insulin", r"painkillers", r"pain medication", r"pain contract", r"inhaler", r"birth control")
DRUG_NAMES = _words(
    r"oxycodone", r"hydrocodone", r"vicodin", r"percocet", r"norco", r"xanax", r"alprazolam", r"adderall",
    r"ambien", r"suboxone", r"methadone", r"tramadol", r"gabapentin", r"amoxicillin", r"azithromycin",
    r"z-?pack", r"prednisone", r"lisinopril", r"metformin", r"insulin", r"antibiotics?", r"opioids?",
    r"narcotics", r"benzodiazepines?", r"antidepressants?", r"zoloft", r"prozac", r"lexapro", r"wellbutrin",
    r"ozempic", r"wegovy", r"testosterone", r"steroids", r"statins?", r"lipitor", r"synthroid", r"accutane",
    r"valium", r"klonopin", r"ritalin")
TESTS = _words(
    r"results?", r"tests?", r"test results", r"labs?", r"lab work", r"labwork", r"blood ?work", r"blood tests?",
    r"x-?rays?", r"mri", r"ct(?: scan)?", r"scans?", r"ultrasound", r"imaging", r"a1c", r"cholesterol",
    r"levels?", r"readings?", r"pathology", r"cultures?", r"ekg", r"ecg", r"blood sugar", r"glucose")
ACCOUNT = _words(
    r"insurance(?: company)?", r"insurer", r"(?<!treatment )(?<!care )(?<!payment )plan", r"coverage", r"balance", r"bills?", r"account", r"co-?pay",
    r"deductible", r"claims?", r"payments?", r"statements?", r"invoices?", r"benefits", r"eob", r"premium")
INSURERS = _words(
    r"medicaid", r"medicare", r"delta dental", r"aetna", r"cigna", r"blue cross", r"blue shield", r"bcbs",
    r"united ?healthcare", r"humana", r"metlife", r"tricare", r"anthem", r"guardian")
VISITS = _words(r"visits?", r"appointments?", r"appts?", r"stay", r"hospitali[sz]ation")
RELATIVE = _words(r"son", r"daughter", r"child", r"kid", r"baby", r"mother", r"mom", r"father", r"dad",
                  r"husband", r"wife", r"spouse", r"partner")

# "your" (or "your son's"), then at most three modifiers ("your new dentures",
# "your Delta Dental plan"), never words that make the phrase general ("your concerns about the bill").
_NOT_MODIFIER = (r"(?!(?:about|with|for|regarding|of|and|or|the|a|an|our|to|in|on|at|by|from|we|you|experience|"
                 r"feedback|concerns?|comments?|review|questions?|time|health|safety|satisfaction)\b)")
POSSESSIVE = rf"\byour(?:\s+{RELATIVE}'s)?\s+(?:{_NOT_MODIFIER}[\w'#-]+\s+){{0,3}}?"

MONTHS = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
ABSOLUTE_DATE = (rf"\b(?:{MONTHS}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?\b|\d{{1,2}}(?:st|nd|rd|th)?\s+of\s+{MONTHS}\b"
                 r"|(?:0?[1-9]|1[0-2])/(?:0?[1-9]|[12]\d|3[01])(?:/(?:\d{4}|\d{2}))?\b(?!\s*(?:hours?|miles?|of))"
                 r"|20\d\d-\d\d-\d\d\b)")
RELATIVE_DATE = (r"\b(?:last (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|week|month|night|spring|"
                 r"summer|fall|winter)|yesterday|this (?:morning|afternoon)|earlier today|that (?:day|morning|afternoon))\b")
VISIT_WORDS = r"\b(?:seen|visit\w*|appointment|came|come|here|exam|arrived|left|treated|called|were|was)\b"


def _rules(*pairs: tuple[str, str]) -> list[tuple[str, re.Pattern]]:
    return [(kind, re.compile(pattern, re.IGNORECASE)) for kind, pattern in pairs]


# Phrases that speak of the reviewer by themselves.
DIRECT = _rules(
    ("patient_status", r"\byou (?:came|come|walked) in\b"),
    ("patient_status", r"\byou (?:were|was|are being) (?:seen|here|examined|treated|admitted|discharged|dismissed)\b"),
    ("patient_status", r"\b(?:we|i|she|he|dr\.? [a-z]+|the doctor|our (?:doctor|provider|nurse|staff|team|hygienist|surgeon))"
                       r" (?:saw|treated|examined|operated on|admitted|discharged|dismissed|referred|called) you\b"),
    ("patient_status", r"\byou (?:are|were|have been|had been|'ve been) (?:a |an |our )?(?:[\w-]+ )?patient\b"),
    ("patient_status", r"\bas (?:a|an|our) (?:[\w-]+ )?patient(?: of ours| here| of our| of dr)?\b"),
    ("patient_status", rf"\byour(?:\s+{RELATIVE}'s)?\s+(?:(?:last|latest|recent|previous|first|next|upcoming|"
                       rf"scheduled|initial|annual|most recent|follow-up|new patient)\s+)?{VISITS}\b"),
    ("patient_status", r"\b(?:this|that|the) patient (?:was|is|had|did|came|arrived|missed|left|called|has)\b"),
    ("patient_status", r"\bthis patient\b"),
    ("patient_status", r"\byou (?:visited|saw) (?:us|our|dr)\b"),
    ("patient_status", r"\bwho (?:saw|treated|examined|operated on) you\b"),
    ("patient_status", r"\b(?:trust(?:ing|ed)? us with|choosing us for) your (?:care|health|treatment)\b|\byour care (?:with us|here|at our)\b"),
    ("patient_status", r"\byou(?:'ve| have| had)? been (?:coming|going|seeing|visiting) (?:to )?(?:us|our|dr)\b"),
    ("patient_status", r"\byou (?:had|have|booked|scheduled|made) (?:a|an|your) (?:[\w:-]+ ){0,2}?(?:appointment|visit|appt)\b"),
    ("records", r"\b(?:our|the) (?:chart |medical |office )?(?:records?|notes|system|charts?|files?)\s+(?:clearly\s+)?(?:show|shows|indicate|indicates|"
                r"reflect|reflects|state|states|say|says|confirm|confirms)\b"),
    ("records", r"\baccording to (?:our|your|the) (?:medical )?(?:records?|notes|charts?|files?|system)\b"),
    ("records", r"\b(?:per|in|from) your (?:medical )?(?:chart|file|records?)\b"),
    ("records", r"\bwe (?:reviewed|checked|looked (?:at|into|through)|pulled|went through) (?:your|the patient's|our) "
                r"(?:medical )?(?:charts?|file|records?|account|system|notes)\b"),
    ("records", r"\bwe have no record of you\b"),
    ("procedure", POSSESSIVE + PROCEDURES + r"\b"),
    ("procedure", r"\byou (?:had|got|received|underwent|needed|came in for|were here for|were scheduled for|requested|"
                  r"refused|declined) (?:a |an |the |two |three |\d+ )?(?:[\w-]+ )?" + PROCEDURES + r"\b"),
    ("procedure", r"\breferred you to\b"),
    ("procedure", r"\b(?:seen|here|in|treated|scheduled|booked)(?: by dr\.? \w+| on [\w ]{1,15}?)? for (?:a |an |the |your |two |three )?"
                  r"(?:[\w-]+ )?" + PROCEDURES + r"\b"),
    ("diagnosis", POSSESSIVE + DIAGNOSES + r"\b"),
    ("diagnosis", r"\byou (?:were|have been|had been) diagnosed\b|\bdiagnosed you\b"),
    ("diagnosis", r"\b(?:treated|saw|seen) (?:you )?for (?:a |an |your )?(?:[\w-]+ )?" + DIAGNOSES + r"\b"),
    ("diagnosis", r"\b(?:showed|revealed|found|confirmed) (?:a |an |two |three |\d+ )?(?:[\w-]+ )?" + DIAGNOSES + r"\b"),
    ("medication", POSSESSIVE + MEDICATIONS + r"\b"),
    ("medication", r"\b(?:you were prescribed|prescribed you|refill(?:ed)? your)\b"),
    ("test_result", POSSESSIVE + TESTS + r"\b"),
    ("test_result", r"\byou tested (?:positive|negative)\b|\bresults came back\b"),
    ("missed_appointment", r"\byou (?:have |had )?(?:missed|skipped|no-?showed|cancell?ed|rescheduled|did not show|"
                           r"didn't show|failed to (?:show|come|keep)|never showed|showed up late|were late|came late)\b"),
    ("missed_appointment", r"\byou (?:were|arrived|came|showed up) (?:\w+ ){0,2}minutes late\b"),
    ("missed_appointment", POSSESSIVE + r"(?:missed|cancell?ed|late|no-?show)\b"),
    ("insurance_or_balance", POSSESSIVE + ACCOUNT + r"\b"),
    ("insurance_or_balance", r"\b(?:unpaid|outstanding|overdue|past-? ?due) (?:balance|bills?|invoices?|statements?|amount|account)\b"),
    ("insurance_or_balance", r"\byou owe\b|\b(?:outstanding|unpaid|past-? ?due) balance\b|\b(?:sent|turned over) to collections?\b"),
)
# Words that disclose only in a sentence addressed to the reviewer that is not general or conditional.
IN_CONTEXT = _rules(
    ("medication", r"\b" + DRUG_NAMES + r"\b"),
    ("medication", r"\bprescribed\b"),
    ("insurance_or_balance", r"\$\s?\d[\d,]*(?:\.\d\d)?"),
    ("insurance_or_balance", r"\b" + INSURERS + r"\b"),
    ("missed_appointment", r"\bno-?shows?\b"),
    ("procedure", r"\bthe (?:[\w-]+ )?" + PROCEDURES + r"\b"),
    ("test_result", r"\b\d{2,3}/\d{2,3}\b"),
    ("visit_date", ABSOLUTE_DATE),
)
# Words one of which a sentence must hold for a rule to be tried at all (lower case; a cheap test that skips
# most rules on most sentences). In the order of DIRECT and IN_CONTEXT; None: always tried.
_YOU, _POSSESSIVE = ("you",), ("your",)


def _literals(alternatives: str) -> tuple[str, ...]:
    """The plain-letter start of each alternative of a ``_words`` list: "oxycodone", "z-", "united"."""
    out = []
    for alternative in alternatives[3:-1].split("|"):
        plain = re.match(r"[a-z -]*", alternative).group()
        if alternative[len(plain):len(plain) + 1] == "?":  # "opioids?": the letter before is optional
            plain = plain[:-1]
        out.append(plain.strip() or alternative[:1])
    return tuple(out)


DIRECT_GATES = (
    _YOU, _YOU, _YOU, _YOU, ("patient",), _POSSESSIVE, ("patient",), ("patient",), _YOU, ("who",), ("your",), _YOU, _YOU,
    ("record", "note", "system", "chart", "file"), ("according",), ("your",), ("we ",), ("record",),
    _POSSESSIVE, _YOU, ("referred",), (" for ",),
    _POSSESSIVE, ("diagnos",), (" for ",), ("showed", "revealed", "found", "confirmed"),
    _POSSESSIVE, ("prescribed", "refill"),
    _POSSESSIVE, ("tested", "came back"),
    _YOU, _YOU, _POSSESSIVE,
    _POSSESSIVE, ("unpaid", "outstanding", "overdue", "due"), ("owe", "balance", "collection"),
)
IN_CONTEXT_GATES = (_literals(DRUG_NAMES), ("prescribed",), ("$",), _literals(INSURERS), ("show",), ("the ",), ("/",), None)
assert len(DIRECT_GATES) == len(DIRECT) and len(IN_CONTEXT_GATES) == len(IN_CONTEXT)

SECOND_PERSON = re.compile(r"\b(?:you|your|you're|you've|you'd|yours|yourself|this patient|the patient)\b", re.IGNORECASE)
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
THANK_YOU = re.compile(r"\bthank(?:s| you)\b", re.IGNORECASE)
GENERAL = re.compile(r"\b(?:all (?:of )?our patients|every (?:patient|person|one)|each (?:patient|person)|any patient|anyone|"
                     r"everyone|patients who|our patients|most patients|many patients|whether|if you|in general|policy)\b",
                     re.IGNORECASE)
REFUSAL = re.compile(r"\b(?:cannot|can't|can not|unable to|not able to|do not|don't|never|won't|will not|would not|"
                     r"wouldn't|may not|not permitted to|not allowed to|not (?:allow|permit)s? us to|prevents? us from|prohibits? us from)\s+(?:\w+\s+){0,2}?"
                     r"(?:confirm|discuss|comment|share|disclose|release|talk about|reveal|acknowledge)\w*\b", re.IGNORECASE)
CONDITIONAL = re.compile(r"\b(?:if|whether|unless)\b[^,;:]*$", re.IGNORECASE)  # an open if-clause before a phrase
CONDITIONAL_KINDS = {"patient_status", "missed_appointment", "insurance_or_balance"}

# Names: a salutation or vocative, an honorific, a relative's name. Dr. is staff; role nouns name staff too.
HONORIFIC = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Mx)\.?\s+([A-Z][a-z'’-]+(?:\s+[A-Z][a-z'’-]+)?)")
SALUTATION = re.compile(r"^\s*(?:(?:Dear|Hi|Hello|Hey|Good (?:morning|afternoon|evening))\s+)?([A-Z][a-z'’-]+(?:\s+[A-Z][a-z'’-]+){0,2})\s*[,:!—-]")
VOCATIVE = re.compile(r"(?<![A-Za-z])(\w+),\s+([A-Z][a-z'’-]+(?:\s+[A-Z][a-z'’-]+){0,2})\s*(?:[,.!?;]|$)")
RELATIVE_NAME = re.compile(rf"\b(?:your|his|her)\s+{RELATIVE},?\s+([A-Z][a-z'’-]+)\b")
NOT_NAMES = set("""thank thanks dear hi hello hey sorry please again yes no unfortunately however also sadly well ok okay
we our us you your i the a an this that it team everyone all friend friends folks sir madam ma'am doctor dr nurse staff
hope good great wow absolutely sincerely regards best respectfully warmly cheers welcome truly honestly hmm oh
congratulations apologies appreciate appreciated indeed certainly of course first second finally""".split())
ADVERB_ENDINGS = ("ally", "fully", "ately", "ously", "ively", "ently", "antly", "ibly", "ably", "ssly", "edly", "ingly",
                  "ctly", "tely", "ully", "ainly", "ickly")  # "Unfortunately," opens a reply; "Kelly," is a name
ROLE_NOUNS = re.compile(r"(?:manager|director|coordinator|advocate|nurse|assistant|hygienist|administrator|"
                        r"representative|specialist|supervisor|receptionist|team|staff|office|dr\.?)\s*$", re.IGNORECASE)


def _sentences(text: str) -> list[tuple[int, str]]:
    """(offset, sentence) pairs; an abbreviation such as "Dr." or "Mr." does not end a sentence."""
    out, start = [], 0
    for match in re.finditer(r"[.!?]+(?=\s)|\n+", text):
        before = text[max(0, match.start() - 4):match.start()]
        if re.search(r"(?:^|\W)(?:Dr|Mr|Mrs|Ms|Mx|St|No|vs|Jr|Sr)$", before):
            continue
        out.append((start, text[start:match.end()]))
        start = match.end()
    if start < len(text):
        out.append((start, text[start:]))
    return [(offset, s) for offset, s in out if s.strip()]


def _refused_before(sentence: str, position: int) -> bool:
    return bool(REFUSAL.search(sentence[:position]))


def _name_tokens(name: str | None) -> set[str]:
    return {t for t in re.findall(r"[a-z'’-]+", (name or "").lower()) if len(t) > 1}


def _names(reply: str, reviewer: str | None) -> list[Phrase]:
    """Names in the reply that the reviewer's display name does not show. A one-word name is judged only
    against a known display name ("Jenny M." shows "Jenny", not "Jennifer", not "Morales")."""
    shown = _name_tokens(reviewer)
    candidates: list[tuple[int, int, str, bool]] = []  # start, end, name, honorific
    for m in HONORIFIC.finditer(reply):
        candidates.append((m.start(), m.end(1), m.group(1), True))
    first = SALUTATION.match(reply)
    if first:
        candidates.append((first.start(1), first.end(1), first.group(1), False))
    for m in VOCATIVE.finditer(reply):
        if not ROLE_NOUNS.search(reply[:m.start(2)].rstrip(", ")):
            candidates.append((m.start(2), m.end(2), m.group(2), False))
    for m in RELATIVE_NAME.finditer(reply):
        candidates.append((m.start(1), m.end(1), m.group(1), False))
    found, seen = [], set()
    for start, end, name, honorific in candidates:
        tokens = [t for t in re.findall(r"[a-z'’-]+", name.lower()) if t not in NOT_NAMES and not t.endswith(ADVERB_ENDINGS)]
        if not tokens or (start, end) in seen:
            continue
        if reviewer is None:
            beyond = len(tokens) >= 2 or honorific
        else:
            beyond = any(t not in shown for t in tokens)
        if beyond:
            seen.add((start, end))
            found.append(Phrase("name", reply[start:end], start, end))
    return found


def check_reply(reply: str, reviewer: str | None = None) -> Verdict:
    """Whether a public reply discloses that the reviewer is a patient or anything of their health or account.

    ``reviewer``: the display name the review shows; a name in the reply beyond it is a disclosure (without
    it, only a full name or a surname with an honorific is). Returns every triggering phrase with its kind.
    """
    original = reply or ""
    reply = CONTROL.sub(" ", original)  # a control character between two words still separates them
    phrases = _names(reply, reviewer)
    shown = _name_tokens(reviewer)
    for offset, sentence in _sentences(reply):
        addressed = (bool(SECOND_PERSON.search(THANK_YOU.sub(" ", sentence)))
                     or bool(shown & set(re.findall(r"[a-z'’-]+", sentence.lower()))))  # "…, Zoe!"
        general = bool(GENERAL.search(sentence))
        low = sentence.lower()
        for (kind, pattern), gate in zip(DIRECT, DIRECT_GATES):
            if not any(word in low for word in gate):
                continue
            for m in pattern.finditer(sentence):
                if _refused_before(sentence, m.start()):
                    continue
                if kind in CONDITIONAL_KINDS and CONDITIONAL.search(sentence[:m.start()]):
                    continue
                phrases.append(Phrase(kind, m.group(0).strip(), offset + m.start(), offset + m.end()))
        if not addressed or general:
            continue
        for (kind, pattern), gate in zip(IN_CONTEXT, IN_CONTEXT_GATES):
            if gate is not None and not any(word in low for word in gate):
                continue
            for m in pattern.finditer(sentence):
                if not _refused_before(sentence, m.start()):
                    phrases.append(Phrase(kind, m.group(0).strip(), offset + m.start(), offset + m.end()))
        if re.search(VISIT_WORDS, sentence, re.IGNORECASE):
            for m in re.finditer(RELATIVE_DATE, sentence, re.IGNORECASE):
                phrases.append(Phrase("visit_date", m.group(0), offset + m.start(), offset + m.end()))
    phrases = [Phrase(p.kind, original[p.start:p.end], p.start, p.end) for p in phrases]
    return Verdict(original, _distinct(phrases))


def _distinct(phrases: list[Phrase]) -> tuple[Phrase, ...]:
    """In reply order, one phrase per kind and span; a phrase inside a longer one of the same kind goes."""
    phrases = sorted(set(phrases), key=lambda p: (p.start, -p.end, list(KINDS).index(p.kind)))
    kept: list[Phrase] = []
    for p in phrases:
        if any(k.kind == p.kind and k.start <= p.start and p.end <= k.end for k in kept):
            continue
        kept.append(p)
    return tuple(kept)


# -- replies to check, from a file -----------------------------------------------------------------------------
@dataclass(frozen=True)
class ReplyLine:
    line: int
    reply: str | None
    reviewer: str | None = None
    error: str | None = None  # "FILE:LINE: field: reason" of a line that could not be read


def read_replies(handle, name: str, reviewer: str | None = None) -> Iterator[ReplyLine]:
    """The replies of a text or JSON-lines file (binary ``handle``): one reply per line, or a JSON object with
    ``reply`` and optionally ``reviewer`` (the display name; ``author`` too) and ``review``. ``reviewer``: the
    display name for lines that give none. Blank lines are skipped; a bad line carries its error."""
    for number, raw in enumerate(handle, start=1):
        try:
            text = raw.decode("utf-8-sig" if number == 1 else "utf-8").strip()
        except UnicodeDecodeError as exc:
            yield ReplyLine(number, None, error=f"{name}:{number}: not UTF-8 text (byte {exc.start + 1})")
            continue
        if not text:
            continue
        if not text.startswith("{"):
            yield ReplyLine(number, text, reviewer)
            continue
        try:
            record = json.loads(text)
        except json.JSONDecodeError as exc:
            yield ReplyLine(number, None, error=f"{name}:{number}: not valid JSON ({exc.msg})")
            continue
        reply = record.get("reply")
        if not isinstance(reply, str) or not reply.strip():
            yield ReplyLine(number, None, error=f"{name}:{number}: reply: a JSON line needs a \"reply\" text")
            continue
        shown = record.get("reviewer", record.get("author", reviewer))
        if shown is not None and not isinstance(shown, str):
            yield ReplyLine(number, None, error=f"{name}:{number}: reviewer: not a text")
            continue
        yield ReplyLine(number, reply, shown)


# -- safe reply drafts -----------------------------------------------------------------------------------------
PATIENT_RELATIONS_ENV = "REPMON_PATIENT_RELATIONS"
DEFAULT_PATIENT_RELATIONS = "our patient relations office"

# Each draft thanks, confirms nothing and invites contact: one part of each list, picked by the review's id, so
# a site's replies vary (6 x 5 x 5 = 150 drafts) yet a review always gets the same draft. None names the
# reviewer, a visit or a treatment; tests check every combination against ``check_reply``.
OPENINGS = (
    "Thank you for taking the time to share your feedback.",
    "Thank you for letting us know about this.",
    "We appreciate you sharing your thoughts with us.",
    "Thank you for writing; comments like this help us improve.",
    "We are grateful you took a moment to tell us how you feel.",
    "Thank you for your candid comments.",
)
MIDDLES = (
    "We take every concern seriously and are always working to do better.",
    "We hold ourselves to a high standard and want to hear more.",
    "To protect everyone's privacy, we do not discuss any details online.",
    "Privacy rules keep us from discussing details here, but we would like to understand more.",
    "We are sorry to read that this fell short of what you expected.",
)
CLOSINGS = (
    "Please contact {contact} so we can talk.",
    "We would welcome a conversation: please reach out to {contact}.",
    "If you are willing, please get in touch with {contact}.",
    "Please call {contact}; we would like to listen.",
    "We invite you to contact {contact} at your convenience.",
)


def patient_relations(environ=None) -> str:
    """How the drafts invite contact: ``REPMON_PATIENT_RELATIONS`` ("our patient relations team at 555-0100")."""
    environ = os.environ if environ is None else environ
    return (environ.get(PATIENT_RELATIONS_ENV) or "").strip() or DEFAULT_PATIENT_RELATIONS


def draft_reply(review_id: str, contact: str | None = None) -> str:
    """A safe public reply to a negative review, the same for the same review id (a stable hash, not Python's)."""
    number = int.from_bytes(hashlib.sha256(review_id.encode("utf-8", "surrogatepass")).digest()[:8], "big")
    opening = OPENINGS[number % len(OPENINGS)]
    middle = MIDDLES[number // len(OPENINGS) % len(MIDDLES)]
    closing = CLOSINGS[number // (len(OPENINGS) * len(MIDDLES)) % len(CLOSINGS)]
    return " ".join((opening, middle, closing.format(contact=contact or patient_relations())))
