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
    r"contact lenses", r"contacts", r"hearing aids?", r"crutches", r"retainer", r"aligners", r"invisalign", r"night guard",
    r"vasectom(?:y|ies)", r"hysterectom(?:y|ies)", r"tubal ligation", r"abortion", r"ivf", r"iui", r"iud(?: insertion)?",
    r"insertions?", r"removals?", r"excisions?", r"cryotherapy", r"mole checks?", r"skin checks?", r"sleep stud(?:y|ies)",
    r"cpap", r"stents?", r"catheteri[sz]ation", r"cardioversion", r"pacemaker", r"replacements?", r"arthroscop(?:y|ic)",
    r"repairs?", r"reconstruction", r"botox", r"fillers?", r"rhinoplasty", r"liposuction", r"tummy tuck", r"augmentation",
    r"chemo(?:therapy)?", r"radiation", r"dialysis", r"counseling", r"psychotherapy", r"rehab(?:ilitation)?", r"detox",
    r"sessions?", r"epidural", r"induction", r"circumcision", r"tonsillectomy", r"appendectomy", r"colonoscop(?:y|ies)",
    r"deep cleaning", r"wisdom teeth", r"cortisone", r"ablation", r"transfusion", r"sutures? removal", r"stitches removal",
    r"cycles?", r"rounds?", r"port", r"boot", r"brace", r"sling", r"splint", r"meal plan", r"care plan", r"device checks?",
    r"(?:\w+-month|before|after|post-?op|progress) photos", r"take-home doses?", r"adjustments?", r"touch-?ups?",
    r"dilated exams?", r"cleaning it out", r"allergy shots?", r"build-?up phase", r"egg retrieval", r"transfer",
    r"night-?guard fitting", r"hearing tests?", r"sports physicals?", r"well-child(?: visits?| checks?)?", r"progressives", r"bifocals",
    r"compression stockings", r"orthotics", r"(?:nasal pillow|full-face|cpap|bipap|nasal) masks?", r"mask fitting",
    r"wheelchair", r"walker", r"oxygen tank", r"wound vac", r"sealants?", r"orders?", r"intake", r"blood draws?",
    r"hyperbaric \w+", r"hospice care", r"interpreter", r"work-?ups?", r"troponins?(?: tests?)?", r"(?:toric |contact |new )?lenses", r"pt", r"stretches",
    r"ice and stretches", r"flu shots?", r"brackets", r"(?:oral )?immunotherapy", r"oit", r"titration(?: night| study)?",
    r"tubes", r"diet", r"fusion", r"laminectomy", r"discectomy", r"epidurals?", r"(?:steroid )?injections?",
    r"(?:insulin )?pumps?", r"(?:fasting |lab )draws?", r"basal rates?", r"additional views", r"cardiac rehab", r"pulmonary rehab")
DIAGNOSES = _words(
    r"diagnos[ie]s", r"condition", r"illness", r"disease", r"disorder", r"infections?", r"cancer", r"tumou?r",
    r"diabetes", r"depression", r"anxiety", r"adhd", r"bipolar", r"pregnan(?:cy|t)", r"miscarriage", r"hiv", r"std",
    r"sti", r"hepatitis", r"cavit(?:y|ies)", r"gum disease", r"periodont\w+", r"gingivitis", r"fracture",
    r"torn \w+", r"sprain", r"injur(?:y|ies)", r"concussion", r"glaucoma", r"cataracts?", r"hypertension",
    r"blood pressure", r"asthma", r"allerg(?:y|ies)", r"migraines?", r"back pain", r"symptoms", r"strep",
    r"pneumonia", r"arthritis", r"addiction", r"overdose", r"mental health", r"sinus infection", r"uti",
    r"rash", r"sore throat", r"cough", r"cold", r"fever", r"flu", r"headaches?", r"knee", r"back", r"tooth", r"teeth",
    r"gums", r"eyes?", r"hip", r"shoulder", r"heart", r"skin", r"arm", r"leg", r"foot", r"ankle", r"wrist", r"neck",
    r"stomach", r"throat", r"sleep apnea", r"apnea", r"herniated \w+", r"disc", r"schizophreni\w+", r"ptsd", r"ocd",
    r"autism", r"eating disorder", r"anorexia", r"bulimia", r"substance use", r"alcoholism", r"melanoma", r"carcinoma",
    r"lesions?", r"moles?", r"cysts?", r"polyps?", r"ulcers?", r"reflux", r"gerd", r"ibs", r"crohn'?s", r"colitis", r"copd",
    r"afib", r"a-?fib", r"atrial fibrillation", r"arrhythmia", r"heart attack", r"stroke", r"seizures?", r"epilepsy", r"dementia",
    r"alzheimer'?s", r"thyroid", r"hypothyroidism", r"obesity", r"chlamydia", r"gonorrhea", r"herpes", r"hpv", r"syphilis",
    r"infertility", r"endometriosis", r"pcos", r"menopause", r"prenatal care", r"postpartum", r"psoriasis", r"eczema",
    r"acne", r"rosacea", r"kidney stones?", r"gout", r"osteoporosis", r"scoliosis", r"tendonitis", r"carpal tunnel",
    r"meniscus", r"acl", r"sprained \w+", r"broken \w+", r"pre-?diabetes", r"cholesterol", r"panic attacks?",
    r"(?:dog |animal |bug |spider )?bites?", r"wounds?", r"lacerations?", r"burns?", r"trimester", r"baby on the way",
    r"due date", r"hearing loss", r"retinal \w+", r"rotator cuff", r"lips", r"nose", r"breasts?", r"jaw", r"spine", r"elbow", r"hands?",
    r"fingers?", r"toes?", r"ears?", r"face", r"chest", r"abdomen", r"belly", r"heels?", r"final days",
    r"passed away", r"passing", r"ingrown (?:toe)?nails?", r"warts?", r"bunions?", r"plantar fasciitis", r"hammertoes?",
    r"dizzy spells", r"dizziness", r"[lcts]\d-[lcts]\d", r"vertigo", r"nausea", r"flare-?ups?", r"spells")
MEDICATIONS = _words(
    r"medications?", r"medicines?", r"meds", r"prescriptions?", r"refills?", r"dos(?:es?|age)", r"pills?",
    r"antibiotics?", r"insulin", r"painkillers", r"pain medication", r"pain contract", r"inhaler", r"birth control",
    r"blood thinners?")
DRUG_NAMES = _words(
    r"oxycodone", r"hydrocodone", r"vicodin", r"percocet", r"norco", r"xanax", r"alprazolam", r"adderall",
    r"ambien", r"suboxone", r"methadone", r"tramadol", r"gabapentin", r"amoxicillin", r"azithromycin",
    r"z-?pack", r"prednisone", r"lisinopril", r"metformin", r"insulin", r"antibiotics?", r"opioids?",
    r"narcotics", r"benzodiazepines?", r"antidepressants?", r"zoloft", r"prozac", r"lexapro", r"wellbutrin",
    r"ozempic", r"wegovy", r"testosterone", r"steroids", r"statins?", r"lipitor", r"synthroid", r"accutane",
    r"valium", r"klonopin", r"ritalin", r"lithium", r"seroquel", r"abilify", r"lamictal", r"vyvanse", r"concerta",
    r"strattera", r"buprenorphine", r"naltrexone", r"vivitrol", r"morphine", r"fentanyl", r"dilaudid", r"codeine",
    r"truvada", r"valtrex", r"acyclovir", r"clomid", r"letrozole", r"eliquis", r"xarelto", r"warfarin", r"coumadin",
    r"plavix", r"metoprolol", r"amlodipine", r"losartan", r"atorvastatin", r"levothyroxine", r"sertraline", r"fluoxetine",
    r"escitalopram", r"bupropion", r"trazodone", r"cymbalta", r"duloxetine", r"effexor", r"mounjaro", r"zepbound",
    r"semaglutide", r"tirzepatide", r"phentermine", r"methotrexate", r"humira", r"doxycycline", r"keflex", r"cipro")
TESTS = _words(
    r"results?", r"tests?", r"test results", r"labs?", r"lab work", r"labwork", r"blood ?work", r"blood tests?",
    r"x-?rays?", r"mri", r"ct(?: scan)?", r"scans?", r"ultrasound", r"imaging", r"a1c", r"cholesterol",
    r"levels?", r"readings?", r"pathology", r"cultures?", r"ekg", r"ecg", r"blood sugar", r"glucose", r"sleep stud(?:y|ies)",
    r"stress tests?", r"echo(?:cardiogram)?", r"hba1c", r"lipid panel", r"(?:metabolic |thyroid |lipid )?panels?",
    r"cbc", r"eeg", r"pap", r"psa", r"tsh", r"vitals", r"bmi", r"urinalysis",
    r"drug screens?", r"mammograms?", r"dexa", r"pathology report", r"studies", r"study", r"findings", r"charting",
    r"oxygen(?: levels?| saturation)?", r"growth", r"height", r"weight", r"hearing", r"pressure settings?")
ACCOUNT = _words(
    r"insurance(?: company)?", r"insurer", r"(?<!treatment )(?<!care )(?<!payment )plan", r"coverage", r"balance", r"bills?", r"account", r"co-?pay",
    r"deductible", r"claims?", r"payments?", r"statements?", r"invoices?", r"benefits", r"eob", r"premium")
INSURERS = _words(
    r"medicaid", r"medicare", r"delta dental", r"aetna", r"cigna", r"blue cross", r"blue shield", r"bcbs",
    r"united ?healthcare", r"humana", r"metlife", r"tricare", r"anthem", r"guardian")
VISITS = _words(r"visits?", r"appointments?", r"slots?", r"appts?", r"stay", r"hospitali[sz]ation", r"follow-?ups?", r"sessions?",
                r"admission", r"discharge", r"surgery date", r"scheduled time", r"appointment time", r"check-?ups?",
                r"checks?", r"check-?ins?")
RELATIVE = _words(r"son", r"daughter", r"child", r"kid", r"baby", r"mother", r"mom", r"father", r"dad",
                  r"husband", r"wife", r"spouse", r"partner", r"grandmother", r"grandfather", r"grandma", r"grandpa",
                  r"grandson", r"granddaughter", r"little (?:girl|boy|one)", r"twins", r"newborn", r"parents?",
                  r"loved one", r"brother", r"sister", r"aunt", r"uncle", r"little (?:guy|man|lady)")

# "your" (or "your son's"), then at most three modifiers ("your new dentures",
# "your Delta Dental plan"), never words that make the phrase general ("your concerns about the bill").
_NOT_MODIFIER = (r"(?!(?:about|with|for|regarding|of|and|or|the|a|an|our|to|in|on|at|by|from|we|you|experience|"
                 r"feedback|concerns?|comments?|review|questions?|time|health|safety|satisfaction)\b)")
POSSESSIVE = rf"\byour(?:\s+{RELATIVE}'s)?\s+(?:{_NOT_MODIFIER}[\w'#/-]+\s+){{0,3}}?"

MONTHS = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
ABSOLUTE_DATE = (rf"\b(?:{MONTHS}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?\b|\d{{1,2}}(?:st|nd|rd|th)?\s+of\s+{MONTHS}\b"
                 r"|(?:0?[1-9]|1[0-2])/(?!10\b)(?:0?[1-9]|[12]\d|3[01])(?:/(?:\d{4}|\d{2}))?\b(?!\s*(?:hours?|miles?|of))"
                 r"|20\d\d-\d\d-\d\d\b)")
RELATIVE_DATE = (r"\b(?:last (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|week|month|night|spring|"
                 r"summer|fall|winter)|yesterday|this (?:morning|afternoon)|earlier today|that (?:day|morning|afternoon))\b")
VISIT_WORDS = r"\b(?:seen|visit\w*|appointment|came|come|here|exam|arrived|left|treated|called|were|was)\b"


def _rules(*rules: tuple[str, tuple[str, ...] | None, str]) -> list[tuple[str, re.Pattern | None, re.Pattern]]:
    """(kind, gate, pattern) rules. The gate: words one of which a sentence must hold (lower case) for the
    rule to be tried at all, a cheap test that skips most rules on most sentences (one search of the words
    at once); None: always tried."""
    return [(kind, None if gate is None else re.compile("|".join(map(re.escape, gate))), re.compile(pattern, re.IGNORECASE))
            for kind, gate, pattern in rules]


def _literals(alternatives: str) -> tuple[str, ...]:
    """The plain-letter start of each alternative of a ``_words`` list: "oxycodone", "z-", "united"."""
    out = []
    for alternative in alternatives[3:-1].split("|"):
        plain = re.match(r"[a-z -]*", alternative).group()
        if alternative[len(plain):len(plain) + 1] == "?":  # "opioids?": the letter before is optional
            plain = plain[:-1]
        out.append(plain.strip() or alternative[:1])
    return tuple(out)


YOU, YOUR = ("you",), ("your",)
# "Reviews like yours" speaks of the review, not of the reviewer's care.
_NOT_LIKE_YOURS = ("review", "reviews", "feedback", "comments", "comment", "words", "stories", "story", "notes",
                   "messages", "posts", "patients", "people", "folks", "voices", "experiences", "thoughts")
BODY_AND_COMMON = {r"condition", r"illness", r"disease", r"disorder", r"symptoms", r"rash", r"sore throat", r"cough",
                   r"cold", r"fever", r"flu", r"headaches?", r"knee", r"back", r"tooth", r"teeth", r"gums", r"eyes?", r"hip",
                   r"shoulder", r"heart", r"skin", r"arm", r"leg", r"foot", r"ankle", r"wrist", r"neck", r"stomach",
                   r"throat", r"disc", r"stroke", r"blood pressure", r"back pain", r"injur(?:y|ies)", r"mental health",
                   r"lips", r"nose", r"breasts?", r"jaw", r"spine", r"elbow", r"hands?", r"fingers?", r"toes?", r"feet",
                   r"ears?", r"face", r"chest", r"abdomen", r"belly", r"burns?", r"due date"}
VAGUE_TESTS = {r"results?", r"tests?", r"labs?", r"levels?", r"readings?", r"scans?", r"cultures?", r"studies", r"study",
               r"findings", r"charting", r"imaging", r"growth", r"height", r"weight", r"hearing"}
# What follows "the" or "his"/"her" when it is a modifier, not the thing: "the procedure room", "the X-ray suite".
_NOT_THING = (r"(?!\s+(?:rooms?|suites?|centers?|centres?|areas?|team|department|schedule|office|desk|staff|line|policy|"
              r"policies|forms?|clinic|unit|wing|building|program|options?|process|fees?|prices?|costs?|equipment|machines?|"
              r"services?|specialists?|coordinator|portal|hours|technology|field|of|instructions|kits?|materials|sheets?|"
              r"paperwork|handouts?|information|info|videos?|guide|side|waiting|entrance|lobby|hallway|floor)\b)")
# Clinical words specific enough that "the …" or "his/her …" of them speaks of someone's care (not body parts,
# not "results" or "the condition of the parking lot").
CONDITIONS = _words(*[w for w in DIAGNOSES[3:-1].split("|") if w not in BODY_AND_COMMON])
SPECIFIC_TESTS = _words(*[w for w in TESTS[3:-1].split("|") if w not in VAGUE_TESTS])
CLINICAL_WORDS = r"(?:" + "|".join((PROCEDURES, CONDITIONS, MEDICATIONS, DRUG_NAMES, SPECIFIC_TESTS)) + r")\b"
CLINICAL = CLINICAL_WORDS + _NOT_THING

BODY = _words(r"shoulder", r"knee", r"back", r"hip", r"ankle", r"wrist", r"neck", r"elbow", r"foot", r"arm", r"leg", r"heel",
              r"calf", r"thigh", r"shin", r"toenail", r"nail",
              r"hand", r"finger", r"toe", r"jaw", r"tooth", r"eye", r"ear", r"skin", r"incision", r"scar", r"wound",
              r"stitches", r"swelling", r"rash", r"cough", r"pain")

# Phrases that speak of the reviewer by themselves.
DIRECT = _rules(
    ("patient_status", YOU, r"\byou (?:came|come|walked) in\b"),
    ("patient_status", YOU, r"\byou (?:were|was|are being) (?:seen|here|examined|treated|admitted|discharged|dismissed)\b"),
    ("patient_status", YOU, r"\b(?:we|i|she|he|dr\.? [a-z]+|the doctor|our (?:doctor|provider|nurse|staff|team|hygienist|surgeon))"
                            r" (?:saw|treated|examined|operated on|admitted|discharged|dismissed|referred|called) you\b"),
    ("patient_status", YOU, r"\byou (?:are|were|have been|had been|'ve been) (?:a |an |our )?(?:[\w-]+ )?patient\b"),
    ("patient_status", ("patient",), r"\bas (?:a|an|our) (?:[\w-]+ )?patient(?: of ours| here| of our| of dr)?\b"),
    ("patient_status", YOUR, POSSESSIVE + VISITS + r"\b"),
    ("patient_status", ("patient",), r"\b(?:this|that|the) patient (?:was|had|did|came|arrived|missed|left|called|is (?:a|an|not|still|now)|"
                                     r"has (?:a|an|been|not|missed|had|an?|no|never)|has an? )\b"),
    ("patient_status", ("patient",), r"\bthis patient\b"),
    ("patient_status", YOU, r"\byou(?:'ve| have| had)? (?:visited|saw|seen) (?:us|our|dr)\b"),
    ("patient_status", YOU, r"\b(?:sees?|seeing|saw|see) you (?:next|on|this|tomorrow|again (?:on|next)|(?:at|for) (?:your|their|his|her)|"
                            r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)|"
                            r"in (?:a|an|one|two|three|four|five|six|ten|a few|\d+) (?:weeks?|months?|years?))\b"),
    ("patient_status", YOUR, r"\b(?:care|cared|caring|looking after|look after|sit|sat|sitting|treat|treated|treating|see|saw|seeing|"
                             r"meet|meeting|met|help|helped|helping|visits?|time|sessions?) (?:for |with )?your " + RELATIVE + r"\b"),
    ("patient_status", YOUR, r"\byour " + RELATIVE + r" (?:came in|was (?:here|seen|admitted|treated|brought in)|were (?:here|seen))\b"),
    ("patient_status", YOUR, r"\byour " + RELATIVE + r"\b[^.!?]{0,60}?\b(?:wait|waited|visit|appointment|seen|treat\w*|"
                             r"interpreter|next time|came|come in|checked in|doctor|nurse|room)\b"),
    ("patient_status", YOUR, r"\byour (?:prior|previous|earlier|last|other|first) (?:complaints?|concerns?|calls?|messages?|"
                             r"grievances?)\b"),
    ("patient_status", YOU, r"\b(?:arranged|scheduled|booked|set up|referred) (?:for )?you (?:to|with|for)\b"),
    ("patient_status", YOU, r"\byou called (?:us )?(?:on |last |this |yesterday|earlier|monday|tuesday|wednesday|thursday|friday|"
                            r"saturday|sunday)"),
    ("patient_status", ("yours",), r"\b(?:" + VISITS + "|" + CLINICAL + r")[^.!?]*?\byours\b(?! truly)"),  # "doing yours remotely"
    ("patient_status", YOU, r"\byou (?:had |have |'ve )?(?:attended|completed|finished|started|began|skipped) (?:\w+ ){0,6}?"
                            r"(?:sessions?|visits?|appointments?|treatments?|therapy|program|course|doses?)\b"),
    ("patient_status", YOU, r"\byou (?:haven't|have not|hadn't|had not|have|had|'ve)(?: not)? been (?:in|back|here|seen)\b"),
    ("patient_status", ("minute", "hour"), r"\b(?:spent|took|was with you for) (?:over |about |nearly |almost |more than )?"
                                           r"(?:\d+|an?|\w+) (?:minutes?|hours?)(?: with you)?\b(?=[^.!?]*\byou\b)"),
    ("patient_status", YOU, r"\b(?:pleasure|privilege|joy|enjoy(?:ed)?|great|nice|glad|happy|loved?) (?:\w+ ){0,2}?"
                            r"(?:seeing|treating|caring for|taking care of|meeting|working with|helping) you\b"),
    ("patient_status", YOU, r"\byou (?:came back|came in|checked in|were roomed|signed in|picked up|dropped off|declined|"
                            r"requested|were scheduled|were booked|were discharged|were moved|were transferred|left around|"
                            r"were checked in|were placed on|were added to|were put on|"
                            r"left at|arrived (?:on |at |around |last )?(?:monday|tuesday|wednesday|thursday|friday|saturday|"
                            r"sunday|\d)|tried first|tried before)\b"),
    ("patient_status", YOU, r"\byou(?:'ve| have|'re| are| were)(?: been)? one of our (?:[\w-]+ ){0,2}?"
                            r"(?:patients|regulars|clients|members|families|favorites)\b"),
    ("patient_status", ("see you then",), r"\bsee you then\b"),
    ("patient_status", YOUR, r"\b(?:been|is|was|as|be) your (?:dental home|medical home|eye care home|physician|doctor|dentist|"
                             r"provider|pediatrician|therapist|surgeon|primary care \w+|care team)\b"),
    ("patient_status", YOU, r"\bsen[dt] you (?:our way|to us|in to us)\b"),
    ("diagnosis", YOU, r"\b(?:hope|hoping|glad|happy) (?:to hear )?you(?:'re| are) feeling (?:better|stronger|well)\b"
                       r"|\bhope you feel better\b"
                       r"|\bwish(?:ing)? you (?:a |an )?(?:smooth|speedy|quick|full|easy|fast|swift|good) (?:recovery|healing)\b"),
    ("patient_status", ("left", "remaining"), r"\b\d+ (?:visits?|sessions?|treatments?|appointments?|injections?) "
                                              r"(?:left|remaining)\b"),
    ("patient_status", ("see you every", "seeing you every"), r"\b(?:see|seeing) you every (?:\w+ )?(?:weeks?|months?|years?|"
                                                              r"spring|fall|summer|winter)\b"),
    ("patient_status", ("patient",), r"\b(?:has|have|had) been (?:a |our )?patients? (?:here|of ours|with us|since|of dr)\b"),
    ("patient_status", ("continu",), r"\bcontinu\w* (?:our|your) (?:work|care|treatment|sessions|journey|time) together\b"),
    ("diagnosis", ("congrat",), r"\bcongrat\w* on (?:your|the) (?:new |little |beautiful |baby |sweet )?(?:baby|girl|boy|son|daughter|"
                                r"twins|arrival|pregnancy|delivery|little one)\b"),
    ("patient_status", ("see you", "seeing you"), r"\b(?:see|seeing) you (?:all |both |guys )?(?:again|back|in the (?:fall|spring|summer|"
                                                  r"winter)|at your next|for your next)\b"),
    ("patient_status", ("welcome",), r"\bwelcome to (?:the|our) (?:practice|family|clinic|office|team of patients)\b"),
    ("patient_status", ("for choosing",), r"\bthank(?:s| you) for choosing (?!to\b|this\b|that\b|the time\b)(?:us|\w+|our|dr)\b"),
    ("patient_status", ("meet the baby", "meet your baby", "meeting the baby", "meeting your baby"),
     r"\bmeet(?:ing)? (?:the|your) (?:new )?baby\b"),
    ("patient_status", (" in ",), r"\b(?:work|progress|effort|job|going) in (?:pt|physical therapy|therapy|rehab|counseling|"
                                  r"treatment|recovery|group)\b"),
    ("patient_status", ("books", "schedule", "booked", "scheduled"),
     r"\b(?:on the books|on the schedule|booked|scheduled)\b[^.!?]*?\b(?:next|this|on) (?:monday|tuesday|wednesday|"
     r"thursday|friday|saturday|sunday|week)\b"),
    ("patient_status", YOU, r"\byou(?:'re| are) (?:now |still )?on (?:the|a|an|your) (?:[\w-]+ ){0,2}?(?:phase|plan|program|"
                            r"schedule|regimen|medications?|meds|dose|course|protocol|waiting list|wait ?list)\b"),
    ("test_result", ("yours",), r"\byours (?:showed|shows|came back|revealed|indicated|was (?:normal|abnormal|high|low))\b"),
    ("diagnosis", ("the ", "your ", "his ", "her ", "'s ", "’s "), r"\b(?:the|your|his|her|(?:the |your )?" + RELATIVE + r"(?:'s|’s)) " + BODY
                        + r"s? (?:is|was|'s|are|were) (?:\w+ )?(?:feeling|healing|doing|"
                        r"recovering|getting|looking|coming along|almost|closed up|closing|holding up|will be (?:fine|ok|okay|better))\b"),
    ("test_result", ("lb", "pound", "kg"), r"\b\d+[- ]?(?:lbs?|pounds?|kg)\.? (?:change|gain|loss|weight|heavier|lighter|"
                                           r"up|down|since)\b|\b(?:gained|lost) \d+ ?(?:lbs?|pounds?|kg)\b"),
    ("medication", ("sent", "called in", "faxed"), r"\b(?:sent|called in|faxed|e-?prescribed|transmitted) (?:it|that|your \w+|the \w+) "
                                                   r"(?:over )?to (?:the |your )?(?:\w+ ){0,3}?(?:pharmacy|walgreens|cvs|rite aid|walmart)\b"),
    ("patient_status", ("like yours",), r"\b(?:[\w-]+ ){1,2}?" + "".join(f"(?<!{w} )" for w in _NOT_LIKE_YOURS) + r"like yours\b"),
    ("patient_status", ("who",), r"\bwho (?:saw|treated|examined|operated on) you\b"),
    ("patient_status", YOUR, r"\b(?:trust(?:ing|ed)? us with|choosing us for) your (?:care|health|treatment)\b"
                             r"|\byour care (?:with us|here|at our)\b"),
    ("patient_status", YOU, r"\byou(?:'ve| have| had)? been (?:coming|going|seeing|visiting) (?:to )?(?:us|our|dr)\b"),
    ("patient_status", YOU, r"\byou (?:had|have|booked|scheduled|made) (?:a|an|your) (?:[\w:-]+ ){0,2}?(?:appointment|visit|appt)\b"),
    ("records", ("record", "note", "system", "chart", "file"),
     r"\b(?:our|the) (?:chart |medical |office )?(?:records?|notes|system|charts?|files?)\s+(?:clearly\s+)?"
     r"(?:show|shows|indicate|indicates|reflect|reflects|state|states|say|says|confirm|confirms)\b"),
    ("records", ("according",), r"\baccording to (?:our|your|the) (?:medical )?(?:records?|notes|charts?|files?|system)\b"),
    ("records", YOUR, r"\b(?:per|in|from) your (?:medical )?(?:chart|file|records?)\b"),
    ("patient_status", ("discharge", "admission", "admitted"),
     r"\b(?:discharge|admission) (?:was|had been)\b|\b(?:was|were) (?:discharged|admitted)\b"),
    ("records", YOUR, POSSESSIVE + r"(?:chart|medical records?|records|file|maiden name)\b"),
    ("records", ("on file",), r"\b(?:number|address|email|phone|information|info|details|card)s? (?:\w+ ){0,3}?on file\b"),
    ("records", ("we ",), r"\bwe (?:reviewed|checked|searched|looked (?:at|into|through)|pulled|went through) (?:your|the patient's|our) "
                          r"(?:medical )?(?:charts?|file|records?|account|system|notes|database)\b"),
    ("records", ("record",), r"\bwe have no record of you\b"),
    ("procedure", YOUR, POSSESSIVE + PROCEDURES + r"\b"),
    ("procedure", YOU, r"\byou (?:had|got|received|underwent|needed|came in for|were here for|were scheduled for|requested|"
                       r"refused|declined) (?:a |an |the |two |three |\d+ )?(?:[\w-]+ )?" + PROCEDURES + r"\b"),
    ("procedure", ("referred",), r"\breferred you to\b"),
    ("procedure", (" for ",), r"\b(?:seen|here|in|treated|scheduled|booked)(?: by dr\.? \w+| on [\w ]{1,15}?)? for "
                              r"(?:a |an |the |your |two |three )?(?:[\w-]+ )?" + PROCEDURES + r"\b"),
    ("diagnosis", YOUR, POSSESSIVE + DIAGNOSES + r"\b"),
    ("diagnosis", ("diagnos",), r"\byou (?:were|have been|had been) diagnosed\b|\bdiagnosed you\b"),
    ("diagnosis", ("diagnos",), r"\b(?:the|a|your|this) diagnosis (?:of|was|is)\b"),
    ("diagnosis", (" for ",), r"\b(?:treated|saw|seen) (?:you )?for (?:a |an |your )?(?:[\w-]+ )?" + DIAGNOSES + r"\b"),
    ("diagnosis", ("showed", "revealed", "found", "confirmed"),
     r"\b(?:showed|revealed|found|confirmed) (?:a |an |two |three |\d+ )?(?:[\w-]+ )?" + DIAGNOSES + r"\b"),
    ("medication", YOUR, POSSESSIVE + MEDICATIONS + r"\b"),
    ("medication", ("prescribed", "refill"), r"\b(?:you were prescribed|prescribed you|refill(?:ed)? your)\b"),
    ("test_result", YOUR, POSSESSIVE + TESTS + r"\b"),
    ("test_result", ("tested", "came back"), r"\byou tested (?:positive|negative)\b|\bresults came back\b"),
    ("missed_appointment", YOU, r"\byou (?:have |had )?(?:missed|skipped|no-?showed|cancell?ed|rescheduled|did not show|"
                                r"didn't show|failed to (?:show|come|keep)|never showed|showed up late|were late|came late)\b"),
    ("missed_appointment", YOU, r"\byou (?:were|arrived|came|showed up|checked in) (?:\w+ ){0,2}(?:minutes|an hour|hours?) "
                                r"(?:late|after)\b"),
    ("missed_appointment", YOUR, POSSESSIVE + r"(?:missed|cancell?ed|late|no-?show)\b"),
    ("insurance_or_balance", YOUR, r"(?<!confirm )(?<!verify )(?<!check )(?<!depends on )(?<!depending on )(?<!based on )"
                                   r"(?<!with )"
                                   + POSSESSIVE + ACCOUNT + r"\b(?!\s+(?:carrier|company|provider)\b)"),
    ("insurance_or_balance", ("unpaid", "outstanding", "overdue", "due"),
     r"\b(?:unpaid|outstanding|overdue|past-? ?due) (?:balance|bills?|invoices?|statements?|amount|account)\b"),
    ("insurance_or_balance", ("owe", "balance", "collection"),
     r"\byou owe\b|\b(?:outstanding|unpaid|past-? ?due) balance\b|\b(?:sent|turned over) to collections?\b"),
    ("insurance_or_balance", ("$",), r"\b(?:the|that|this) \$\s?\d[\d,]*(?:\.\d\d)? (?:balance|bill|charge|copay|co-pay|"
                                     r"statement|invoice)\b"),
    ("insurance_or_balance", ("denied", "rejected"), r"\b(?:" + INSURERS + r"|insurance(?: company)?|insurer|the claim) "
                                                     r"(?:\w+ )?(?:denied|rejected)\b"),
    # A count of someone's visits: "three ED visits this month".
    ("patient_status", ("visits", "appointments", "admissions"),
     r"\b(?:two|three|four|five|six|several|multiple|[2-9]) (?:[\w-]+ )?(?:visits|appointments|admissions) "
     r"(?:this|last|in the (?:past|last)) (?:week|month|year|\w+ (?:weeks|months))\b"),
    ("records", ("noted", "documented", "charted", "recorded"),
     r"\b(?:our|the|your) (?:nurse|doctor|provider|physician|hygienist|therapist|assistant|tech|technician|team|staff|"
     r"dr\.? [a-z]+)s? (?:noted|documented|charted|recorded)\b"),
    ("patient_status", YOU, r"\b(?:moved|squeezed|booked|scheduled|added|got|slotted|worked) you (?:in|into|on|onto|for)\b"),
    ("patient_status", YOU, r"\byou(?:'re| are|'ll be| will be) (?:coming in|coming back|back) for\b"
                            r"|\byou(?:'ll be| will be) coming in\b"),
    ("patient_status", YOU, r"\b(?:when|before|after|once) you (?:arrive|come in|check in|get here|come back|return)\b[^.!?]*?"
                            r"\b(?:(?:next|this|on) (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|week)|in "
                            + MONTHS + r")\b"),
    ("patient_status", ("same time next",), r"\bsame time next (?:week|month|year)\b"),
    ("patient_status", ("loves", "love seeing", "enjoys", "adores"),
     r"\b(?:loves?|enjoys?|adores?) (?:seeing|treating|caring for) (?!you\b|your\b|patients\b|people\b|families\b|kids\b|children\b)"
     r"[A-Za-z]+\b"),
    ("patient_status", YOUR, r"\byour " + RELATIVE + r" (?:is|was) (?:such )?(?:a delight|a joy|a sweetheart|a gem|the sweetest|"
                             r"a trooper|a champ|so brave|such a)\b"),
    ("diagnosis", ("hope",), r"\bhope (?:those|that|the|your) (?:[\w-]+ ){0,2}?(?:" + DIAGNOSES + "|" + BODY
                             + r"|spells|aches|episodes|attacks|flare-?ups?|swelling|bruising|soreness|symptoms)s? "
                             r"(?:have |has |are |is )?(?:settled|eased|cleared|improved|gone|calmed|subsided|resolved|"
                             r"better|healing|healed|easing|settling|clearing|improving)\b"),
    ("test_result", ("came back",), r"\b(?:numbers|levels|labs?|counts?|tests?|scans?|biops(?:y|ies)|everything|it all|"
                                    r"all) (?:\w+ )?came back\b"),
    ("diagnosis", ("congrat",), r"\bcongrat[^.!?]*\b(?:on|with) (?:the|your) (?:new |sweet |beautiful )?(?:little one|newborn|new arrival|"
                                r"bundle of joy|baby)\b"),
    ("diagnosis", ("little one", "baby"), r"\bmeet(?:ing)? (?:the|your) (?:new )?(?:little one|baby)\b"),
    ("patient_status", ("graduat",), r"\bgraduat\w* (?:from )?(?:pt|physical therapy|\w+ therapy|therapy|rehab|the program|"
                                     r"treatment|our program)\b"),
    ("patient_status", ("misses you", "missed you", "miss you"), r"\b(?:group|class) (?:misses|missed|will miss) you\b"),
    ("diagnosis", ("flagged", "seen", "noted", "found", "spotted", "concern"),
     r"\b(?:area|spot|lump|nodule|mass|shadow|lesion|growth)s? (?:\w+ ){0,2}?(?:flagged|we saw|we found|spotted|of concern)\b"),
    ("patient_status", ("since",), r"\b(?:part of our (?:practice |dental |clinic )?family|with us|coming here|loyalty|"
                                   r"coming to us|seeing us|a patient) since (?:19|20)\d\d\b"),
    ("patient_status", YOUR, r"\byour (?:\w+ )?(?:days?|weeks?|nights?|months?) (?:with (?:us|them)|here|in (?:the|our) "
                             r"(?:hospital|unit|icu|nicu|ward))\b"),
    ("patient_status", ("like you did", "as you did"), r"\b(?:like|as) you did (?:back |last |before\b|in |on )"),
    ("patient_status", ("your usual",), r"\byour usual (?:chair|room|time|slot|appointment|appt|spot|nurse|hygienist|doctor|"
                                        r"provider|tech|therapist|day|order)\b"),
    ("missed_appointment", ("late", "missed", "show", "cancel"),
     r"\b(?:second|third|fourth|fifth|\d+(?:st|nd|rd|th)|another) (?:late|missed|no-?show|cancell?ed)(?: or (?:late|missed|"
     r"no-?show|cancell?ed))? (?:[\w-]+ ){0,2}?(?:visits?|appointments?|appts?|sessions?)\b"),
    ("patient_status", ("how far you",), r"\bhow far you(?:'ve| have) come\b"),
    ("diagnosis", ("bell",), r"\bring(?:ing)? (?:the|that) bell\b"),
    ("patient_status", ("to go", "left"), r"\b(?:more|remaining) (?:\w+ ){0,2}?(?:sessions?|treatments?|mornings?|days?|weeks?|"
                                        r"visits?|rounds?|doses?) (?:to go|left)\b"),
    ("missed_appointment", ("missed", "skipped", "no-show", "noshow"),
     r"\b(?:he|she|they|[a-z]+) (?:missed|skipped|no-?showed) (?:his|her|their) (?:\w+ )?(?:visits?|appointments?|appts?|sessions?)\b"),
    ("patient_status", ("long stay", "tough stay", "hard stay", "difficult stay"),
     r"\bsuch a (?:long|tough|hard|difficult) (?:stay|admission|hospitali[sz]ation)\b"),
)
# Someone else's care, in a sentence that names no clinician: "his ear infection", "her prenatal visit".
THIRD_PERSON = _rules(
    ("procedure", ("his ", "her ", "their "), r"\b(?:his|her|their) (?:[\w'-]+ ){0,2}?" + PROCEDURES + r"\b" + _NOT_THING),
    ("diagnosis", ("his ", "her "), r"\b(?:his|her) (?:[\w'-]+ ){0,2}?" + CONDITIONS + r"\b" + _NOT_THING),
    ("medication", ("his ", "her "), r"\b(?:his|her) (?:[\w'-]+ ){0,2}?(?:" + MEDICATIONS + "|" + DRUG_NAMES + r")\b"),
    ("test_result", ("his ", "her "), r"\b(?:his|her) (?:[\w'-]+ ){0,2}?" + SPECIFIC_TESTS + r"\b" + _NOT_THING),
    ("patient_status", ("his ", "her "), r"\b(?:his|her) (?:[\w'-]+ ){0,2}?(?:stay|visit|admission|discharge|appointment)s?\b"
                                         r"|\b(?:his|her) (?:\w+ )?(?:days?|weeks?|nights?|months?) (?:in|on|at|with us)\b"),
)
CLINICIAN = re.compile(r"\b(?:dr|doctor|provider|surgeon|physician|nurse|practitioner|therapist|dentist|hygienist)s?\b",
                       re.IGNORECASE)
# A named person's care: "Robert's vasectomy", "glad Tyler is feeling better" (not a doctor's, nor a place's).
NAMED_CARE = re.compile(r"(?<!Dr\. )(?<!Dr )(?<!Doctor )(?<!St\. )\b([A-Z][a-z'’-]+)(?:'s|’s)\s+(?i:(?:[\w-]+\s+){0,2}?"
                        + r"(?:" + CLINICAL_WORDS + "|" + VISITS + r"\b))")
RECOVERING = re.compile(r"(?<!Dr\. )(?<!Dr )\b([A-Z][a-z'’-]+) (?:is|was|has been|'s) (?:feeling|doing|recovering|healing|"
                        r"getting (?:better|stronger)|back on (?:his|her) feet)\b")
# Words that disclose only in a sentence that speaks of the reviewer or tells what happened, not a general or
# conditional statement.
IN_CONTEXT = _rules(
    ("medication", _literals(DRUG_NAMES), r"\b" + DRUG_NAMES + r"\b"),
    ("medication", ("prescribed",), r"\bprescribed\b"),
    ("insurance_or_balance", ("$",), r"\$\s?\d[\d,]*(?:\.\d\d)?"),
    ("insurance_or_balance", _literals(INSURERS), r"\b" + INSURERS + r"\b"),
    ("missed_appointment", ("show",), r"\bno-?shows?\b"),
    ("missed_appointment", ("late arrival",), r"\blate arrivals?\b"),
    ("procedure", ("the ", "that ", "those ", "these "), r"\b(?:the|that|those|these) (?:[\w'-]+ ){0,2}?" + PROCEDURES + r"\b"
     + _NOT_THING),
    ("diagnosis", ("the ", "that ", "those ", "these "), r"\b(?:the|that|those|these) (?:[\w'-]+ ){0,2}?" + CONDITIONS + r"\b"
     + _NOT_THING),
    ("medication", ("the ", "that ", "those ", "these "), r"\b(?:the|that|those|these) (?:[\w'-]+ ){0,2}?" + MEDICATIONS + r"\b"
     + _NOT_THING),
    ("test_result", ("the ", "that ", "those ", "these "), r"\b(?:the|that|those|these) (?:[\w'-]+ ){0,2}?" + SPECIFIC_TESTS + r"\b"
     + _NOT_THING),
    ("test_result", ("/",), r"\b(?:[89]\d|1\d\d|2[0-4]\d)/(?:[4-9]\d|1[0-4]\d)\b"),  # a blood pressure, not "10/10"
    ("visit_date", None, ABSOLUTE_DATE),
    ("procedure", ("rubbing", "lifting", "swimming", "bending", "straining", "wet"),
     r"\b(?:no|avoid|don't|do not|not to|keep) (?:rubbing|lifting|swimming|bending|straining|getting (?:it|that \w+) wet)\b"
     r"[^.!?]*?\bfor (?:a |another |\w+ )?(?:couple (?:more |of )?|few (?:more )?|more )?(?:days|weeks)\b"),
    ("diagnosis", ("clinic", "center", "unit", "program", "ward", "lab", "team", "suite"),
     r"\b(?:the|your) (?:[\w-]+ )?(?:fertility|cancer|oncology|psychiatric|addiction|methadone|suboxone|hiv|std|sti|dialysis|"
     r"detox|behavioral health|mental health|counseling|eating disorder|weight loss|sleep|pain management|infusion|"
     r"wound care|memory|device|anticoagulation|coumadin|heart failure|diabetes|transplant|l&d|labor and delivery|"
     r"maternity|nicu|icu|cardiac rehab|chemo|radiation) (?:clinic|center|unit|program|ward|lab|suite)\b"),
    ("visit_date", ("the ",), r"\bon the \d{1,2}(?:st|nd|rd|th)\b"),
    ("test_result", None, r"\b(?:" + SPECIFIC_TESTS + r"|levels?|blood pressure|weight|bmi|cholesterol|sugar) (?:of|was|is|at|"
                          r"came back at|reading of|reading was) \d"),
)
# In a sentence telling what happened, "a/an" clinical words too ("he needed a full dilated exam"), and a time of
# day ("you checked in at 3:40").
NARRATIVE_ONLY = _rules(
    ("procedure", ("a ", "an "), r"\b(?:a|an) (?:[\w'-]+ ){0,2}?" + PROCEDURES + r"\b" + _NOT_THING),
    ("diagnosis", ("a ", "an "), r"\b(?:a|an) (?:[\w'-]+ ){0,2}?" + CONDITIONS + r"\b" + _NOT_THING),
    ("visit_date", (":",), r"\b(?:at|around) (?:approximately |about |around )?\d{1,2}:\d\d\b(?!\s*(?:-|to|until|and)\b)"),
)

SECOND_PERSON = re.compile(r"\b(?:you|your|you're|you've|you'd|yours|yourself|this patient|the patient)\b", re.IGNORECASE)
# A sentence telling the reader what to do speaks to the reviewer ("Keep wearing those compression stockings").
IMPERATIVE = re.compile(r"\s*(?:don'?t forget|remember|keep|make sure|be sure|continue|stop|start|try|hope|take|avoid|"
                        r"good luck|best of luck|enjoy|hows?|how's|how is|how are|(?:so )?glad|congrats|congratulations)\b",
                        re.IGNORECASE)
# Text speak read as words: "u" is "you", "ur" is "your" (the phrases shown are the reply's own text).
TEXT_SPEAK = re.compile(r"\b(?:(u)|(ur))\b", re.IGNORECASE)
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
THANK_YOU = re.compile(r"\bthank(?:s| you)\b", re.IGNORECASE)
GENERAL = re.compile(r"\b(?:all (?:of )?(?:our )?patients|every (?:patient|person|one)|each (?:patient|person)|any patient|"
                     r"anyone|everyone|patients who|our patients|most patients|many patients|whether|if you|in general|"
                     r"policy|we (?:offer|provide|accept|perform|take)|(?:is|are) available|first to offer|in-? ?network|"
                     r"depends? on|depending on|typically|usually|generally|in most cases|may vary|varies|routine|"
                     r"our (?:self-pay |cash |standard )?(?:prices?|pricing|fees?|rates?)|networks?)\b",
                     re.IGNORECASE)
SPECIFIC = re.compile(r"\b(?:like yours|such as yours|yours (?:was|were|is))\b", re.IGNORECASE)  # general words, of you
# A sentence telling what happened (a past tense that is not a passive present: "was made", "our provider did
# discuss", "the X-rays showed"), whose clinical words speak of someone's care even without a "you".
NARRATIVE = re.compile(r"\b(?:was|were|had|did|went over|took|came back|performed|presented|prescribed|ordered|showed|revealed|"
                       r"diagnosed|treated|froze|removed|examined|referred|handled|answered|discussed|offered|explained|"
                       r"recommended|completed|placed|inserted|administered|drew|reviewed|noted|found|confirmed|advised|"
                       r"adjusted|stopped|increased|decreased|refilled|included)\b", re.IGNORECASE)
# A date that is not of a visit: opening hours, a new office, the start of a service.
FUTURE = re.compile(r"\b(?:will|we'll|starting|beginning|begins?|opens?|(?<!an )opening|closes|effective|launch\w*|until|through|"
                    r"from now|this (?:fall|spring|summer|winter)|next (?:week|month|year)|closed|holidays?|hours)\b",
                    re.IGNORECASE)
REFUSAL = re.compile(r"\b(?:cannot|can't|can not|unable to|not able to|do not|don't|never|won't|will not|would not|"
                     r"wouldn't|may not|not permitted to|not allowed to|not (?:allow|permit)s? us to|prevents? us from|prohibits? us from)\s+(?:\w+\s+){0,2}?"
                     r"(?:confirm|discuss|comment|share|disclose|release|talk about|reveal|acknowledge)\w*\b", re.IGNORECASE)
# An open if-clause, or an invitation, before a phrase: "if you have a question about your bill", "you can also
# call to verify your plan".
CONDITIONAL = re.compile(r"(?:\b(?:if|whether|unless)\b[^,;:]*|\b(?:you (?:can|may|could|might want to)|feel free to)\b.*)$",
                         re.IGNORECASE)
CONDITIONAL_KINDS = {"patient_status", "missed_appointment", "insurance_or_balance"}
# A price, not what someone owes: "start at $95", "$12 per unit", "our $150 consultation fee".
PRICE_BEFORE = re.compile(r"(?:start(?:s|ing)? at|pric(?:ing|ed|es?)(?: \w+)?(?: is| are| of)?|fees?(?: is| are| of)?|costs?|"
                          r"rates?|from|only|just|our|a|an|flat|self-pay|to|and|about|around|roughly|approximately|"
                          r"between|under|over)\s*$", re.IGNORECASE)
PRICE_AFTER = re.compile(r"^\s*(?:per|each|a|an|for (?:a|an|each|every)|\w+ fee|fee|flat|and up|or less|off)\b", re.IGNORECASE)

# Names: a salutation or vocative, an honorific, a relative's name. Dr. is staff; role nouns name staff too.
HONORIFIC = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Mx)\.?\s+([A-Z][a-z'’-]+(?:\s+[A-Z][a-z'’-]+)?)")
SALUTATION = re.compile(r"^\s*(?:(?:Dear|Hi|Hello|Hey|Good (?:morning|afternoon|evening))\s+)?([A-Z][a-z'’-]+(?:\s+[A-Z][a-z'’-]+){0,2})\s*(?:[,:!—]|-\s)")
VOCATIVE = re.compile(r"(?<![A-Za-z])(\w+),\s+(?!I['’]m\b)([A-Z][a-z'’-]+(?:\s+[A-Z][a-z'’-]+){0,2})\s*(?:[,.!?;]|$)")
GREETINGS = {"thank", "thanks", "dear", "hi", "hello", "hey", "sorry", "please", "yes", "no", "well", "ok", "okay", "wow",
             "gracias", "merci", "danke", "cheers"}
# "tell Frank we're thinking of him": someone the reply sends word to, or wishes well.
SENDING_WORD = re.compile(r"\b(?i:tell|wish|thinking of|say hi to|hug|congratulate|care for|caring for|cared for|"
                          r"treat|treating|treated)\s+([A-Z][a-z'’-]+)\b")
RELATIVE_NAME = re.compile(rf"\b(?:(?:your|his|her)\s+{RELATIVE},?|[Bb]aby)\s+([A-Z][a-z'’-]+)\b")
NOT_NAMES = set("""thank thanks dear hi hello hey sorry please again yes no unfortunately however also sadly well ok okay
we our us you your i the a an this that it team everyone all friend friends folks sir madam ma'am doctor dr nurse staff
hope good great wow absolutely sincerely regards best respectfully warmly cheers welcome truly honestly hmm oh
congratulations apologies appreciate appreciated indeed certainly of course first second finally ha haha hah aw aww
oops yikes whoa ugh yay hooray sure true agreed understood noted he she they today tomorrow yesterday patient patients
children women men people hospital clinic office aetna cigna humana anthem tricare medicare medicaid kaiser blue cross
shield united healthcare gracias merci danke hola there here it what who let where when why how awesome
wonderful amazing fantastic perfect excellent lovely brilliant outstanding terrific superb nice cool sweet fabulous
incredible woohoo bravo kudos""".split())
ADVERB_ENDINGS = ("ally", "fully", "ately", "ously", "ively", "ently", "antly", "ibly", "ably", "ssly", "edly", "ingly",
                  "ctly", "tely", "ully", "ainly", "ickly")  # "Unfortunately," opens a reply; "Kelly," is a name
ROLES = (r"(?:manager|director|coordinator|advocate|nurse|assistant|hygienist|administrator|representative|specialist|"
         r"supervisor|receptionist|team|staff|office|navigator|counselor|liaison|educator|scheduler|biller|therapist|lead|"
         r"dietitian|pharmacist|practitioner|physician|doctor|surgeon|department|dr\.?)")
ROLE_NOUNS = re.compile(ROLES + r"\s*$", re.IGNORECASE)  # "our office manager, Linda,"
TITLE = re.compile(r"\b" + ROLES + r"s?$", re.IGNORECASE)  # "Marcus Reed, Patient Experience Manager"


def _sentences(text: str) -> list[tuple[int, str]]:
    """(offset, sentence) pairs; an abbreviation such as "Dr." or "Mr." does not end a sentence."""
    out, start = [], 0
    for match in re.finditer(r"[.!?]+(?=\s)|\n+", text):
        before = text[max(0, match.start() - 4):match.start()]
        if re.search(r"(?:^|\W)(?:[Dd]r|[Mm]r|[Mm]rs|[Mm]s|Mx|St|No|vs|Jr|Sr)$", before):
            continue
        out.append((start, text[start:match.end()]))
        start = match.end()
    if start < len(text):
        out.append((start, text[start:]))
    return [(offset, s) for offset, s in out if s.strip()]


def _refused_before(sentence: str, position: int) -> bool:
    return bool(REFUSAL.search(sentence[:position]))


# Just before a phrase, words that make it no one's in particular ("anyone coming in for infusion therapy") or
# the reviewer's own words said back ("sorry to hear your son was still unwell").
GENERIC_SUBJECT = re.compile(r"\b(?:anyone|everyone|anybody|everybody|patients|people|those|whoever|someone|somebody|"
                             r"families|folks)(?:\s+[\w'-]+){0,2}\s*$", re.IGNORECASE)
ECHO = re.compile(r"\b(?:sorry|sad|saddened|disappointed|upset|concerned|troubled) to (?:hear|read|learn|see)"
                  r"(?: that| about)?\s*$", re.IGNORECASE)


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
        after = reply[m.end(2):]
        listed = (re.match(r"\s*,?\s*(?:and|or|&)\s", after)  # "Aetna, Cigna, and Blue Cross"
                  or (m.group(1)[:1].isupper() and m.group(1).lower() not in GREETINGS and re.match(r"\s*,\s*[A-Z]", after)))
        if not ROLE_NOUNS.search(reply[:m.start(2)].rstrip(", ")) and not listed and not TITLE.search(m.group(2)):
            candidates.append((m.start(2), m.end(2), m.group(2), False))
    for pattern in (RELATIVE_NAME, RECOVERING, SENDING_WORD):
        for m in pattern.finditer(reply):
            candidates.append((m.start(1), m.end(1), m.group(1), False))
    for m in NAMED_CARE.finditer(reply):
        candidates.append((m.start(1), m.end(), m.group(1), False))
    found, seen = [], set()
    for start, end, name, honorific in candidates:
        tokens = [t for t in re.findall(r"[a-z'’-]+", name.lower())
                  if re.sub(r"['’]s$", "", t) not in NOT_NAMES and not t.endswith(ADVERB_ENDINGS)]
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
    reply, where = _read_text_speak(reply)
    shown = _name_tokens(reviewer)
    for offset, sentence in _sentences(reply):
        addressed = (bool(SECOND_PERSON.search(THANK_YOU.sub(" ", sentence))) or bool(IMPERATIVE.match(sentence))
                     or bool(shown & set(re.findall(r"[a-z'’-]+", sentence.lower()))))  # "…, Zoe!"
        general = bool(GENERAL.search(sentence)) and not SPECIFIC.search(sentence)
        low = sentence.lower()
        for kind, gate, pattern in DIRECT:
            if not gate.search(low):
                continue
            for m in pattern.finditer(sentence):
                if _refused_before(sentence, m.start()):
                    continue
                if GENERIC_SUBJECT.search(sentence[:m.start()]) or ECHO.search(sentence[:m.start()]):
                    continue
                if kind in CONDITIONAL_KINDS and CONDITIONAL.search(sentence[:m.start()]):
                    continue
                phrases.append(Phrase(kind, m.group(0).strip(), offset + m.start(), offset + m.end()))
        if general:
            continue
        narrative = bool(NARRATIVE.search(sentence))
        # "his/her" and a clinical word speak of someone's care in any sentence that names no clinician; the
        # rest only in a sentence that speaks to the reviewer or tells what happened.
        rules = ([] if CLINICIAN.search(sentence) else THIRD_PERSON) + (
            IN_CONTEXT + (NARRATIVE_ONLY if narrative else []) if addressed or narrative else [])
        for kind, gate, pattern in rules:
            if gate is not None and not gate.search(low):
                continue
            for m in pattern.finditer(sentence):
                if kind == "visit_date" and FUTURE.search(sentence):
                    continue
                if m.group(0).startswith("$") and (PRICE_BEFORE.search(sentence[:m.start()])
                                                   or PRICE_AFTER.match(sentence[m.end():])):
                    continue
                if not _refused_before(sentence, m.start()):
                    phrases.append(Phrase(kind, m.group(0).strip(), offset + m.start(), offset + m.end()))
        if (addressed or narrative) and re.search(VISIT_WORDS, sentence, re.IGNORECASE):
            for m in re.finditer(RELATIVE_DATE, sentence, re.IGNORECASE):
                phrases.append(Phrase("visit_date", m.group(0), offset + m.start(), offset + m.end()))
    phrases = [p if p.kind == "name" else Phrase(p.kind, "", where[p.start], where[p.end - 1] + 1) for p in phrases]
    phrases = [Phrase(p.kind, original[p.start:p.end].strip(), p.start + len(original[p.start:p.end]) -
                      len(original[p.start:p.end].lstrip()), p.start + len(original[p.start:p.end].rstrip())) for p in phrases]
    return Verdict(original, _distinct(phrases))


def _read_text_speak(reply: str) -> tuple[str, list[int]]:
    """The reply with "u" and "ur" written out, and for each of its characters the offset in the reply."""
    out, where, last = [], [], 0
    for m in TEXT_SPEAK.finditer(reply):
        out.append(reply[last:m.start()])
        where.extend(range(last, m.start()))
        word = "you" if m.group(1) else "your"
        out.append(word)
        where.extend([m.start()] * (len(word) - (m.end() - m.start())) + list(range(m.start(), m.end())))
        last = m.end()
    out.append(reply[last:])
    where.extend(range(last, len(reply) + 1))
    return "".join(out), where


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
