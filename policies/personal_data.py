"""Personal data of another person (AVG): phone numbers, e-mail, addresses, BSN, IBAN, date of
birth, grades, medical details, passwords and exposed accounts.

A cheap hard rule that runs first. Validation comes from well-kept libraries (``phonenumbers`` for
numbers, ``python-stdnum`` for the BSN 11-test and IBAN check digits); the rest are patterns plus
word lists in ``policies/lexicons/personal_data.toml``. Someone sharing *their own* number or
address is not flagged, nor is the school's own contact information (role mailboxes, school domains
and the numbers listed in the settings).

Evidence is shown in alerts, so it never repeats the data in full: numbers and values are masked.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import ClassVar

import phonenumbers
from phonenumbers import PhoneNumberType
from pydantic import Field
from stdnum import iban as stdnum_iban
from stdnum.nl import bsn as stdnum_bsn

from core.clock import now_utc
from core.events import MessageEvent
from core.findings import ActionKind, Finding, Severity
from policies import articles
from policies.base import PolicyContext, PolicySettings, TextPolicy
from policies.registry import register
from policies.text import TextView

LEXICON_DIR = Path(__file__).parent / "lexicons"
MASK = "•"

MEDIUM_CATEGORIES = ("phone_number", "email", "dob", "grades", "handle", "iban")
HIGH_CATEGORIES = ("home_address", "bsn", "medical", "password")
# A full date at least this many years back, right after a name, is a birth date.
BIRTH_YEARS_AGO = 8
CATEGORIES = MEDIUM_CATEGORIES + HIGH_CATEGORIES


class PersonalDataSettings(PolicySettings):
    """Per school / per group settings of the personal-data rule."""

    # The school's own numbers (any notation) and e-mail domains: never personal data.
    school_numbers: list[str] = Field(default_factory=list)
    school_domains: list[str] = Field(default_factory=list)
    school_ibans: list[str] = Field(default_factory=list)
    # Terms a moderator marked as fine (a number, a domain, a word such as "allergie").
    allow: list[str] = Field(default_factory=list)
    # Which kinds of data to look for (all by default).
    categories: list[str] = Field(default_factory=lambda: list(CATEGORIES))
    actions: dict[str, list[ActionKind]] = Field(
        default_factory=lambda: {
            # Someone else's data is taken out of the group (it protects that person), and the
            # sender is told why, kindly.
            "medium": [ActionKind.DELETE, ActionKind.WARN, ActionKind.NOTIFY],
            "high": [ActionKind.DELETE, ActionKind.WARN, ActionKind.NOTIFY],
            "critical": [ActionKind.DELETE, ActionKind.WARN, ActionKind.NOTIFY],
        }
    )


@dataclass(frozen=True, slots=True)
class Hit:
    category: str
    score: float
    evidence: str
    start: int
    end: int
    # What an allow-list term is compared with (the raw value, the trigger word).
    keys: tuple[str, ...] = ()

    @property
    def severity(self) -> Severity:
        return Severity.HIGH if self.category in HIGH_CATEGORIES else Severity.MEDIUM


# --------------------------------------------------------------------------------------------
# Word lists


def _alternation(words: Iterable[str]) -> str:
    ordered = sorted({w for w in words if w}, key=len, reverse=True)
    return "|".join(re.escape(w) for w in ordered)


def _words_re(words: Iterable[str]) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w@.-])(?:{_alternation(words)})(?![\w@-])")


_TOKEN = re.compile(r"\w+")
_TRAILING_DIGITS = re.compile(r"\d+$")
_LETTERS = re.compile(r"[a-zà-ÿ]+")  # a compound word's letters ("notenallergie", not "x2allergie")


@dataclass(frozen=True)
class Terms:
    """A word list, looked up in the message's words before any text is searched.

    Each term is filed under its first word ("eating disorder" under "eating"); with ``endings``,
    any word that ends so is a term too ("notenallergie"). ``in_text`` returns the terms that can
    occur in a message: a set intersection with its words (``TextView.token_set``, built once per
    message), so a message without any of them costs no search of its text at all.
    ``tests/test_personal_data.py`` holds this to a plain search of the whole text (hypothesis).
    """

    by_word: dict[str, tuple[str, ...]]
    endings: tuple[str, ...] = ()

    @classmethod
    def of(cls, terms: Iterable[str], endings: Iterable[str] = ()) -> Terms:
        by_word: dict[str, tuple[str, ...]] = {}
        for term in terms:
            first = _TOKEN.findall(term)[0]
            by_word[first] = (*by_word.get(first, ()), term)
        return cls(by_word, tuple(endings))

    def in_text(self, words: frozenset[str]) -> frozenset[str]:
        found = {term for word in words & self.by_word.keys() for term in self.by_word[word]}
        if self.endings:
            found.update(
                word for word in words if word.endswith(self.endings) and _LETTERS.fullmatch(word)
            )
        return frozenset(found)


@lru_cache(maxsize=64)
def _bare_account_re(cues: frozenset[str]) -> re.Pattern[str]:
    """An account word, then a name: "snap thomvl_08", "zn snap is x", "de insta van bo: x", "heet
    op snapchat x" (all the cues for the lexicon, a message's own cues for that message)."""
    return re.compile(
        rf"(?<![\w@.])(?:{_alternation(cues)})(?!\w)(?:\s+(?:van|of)\s+[\w'’]+)?"
        r"\s*(?:is|:|=|heet|called|named|as)?\s*(?:gewoon\s+|just\s+)?(?P<name>[a-z0-9_.]{3,30}[a-z0-9_])"
        r"(?![\w@])"
    )


@lru_cache(maxsize=512)
def _medical_re(terms: frozenset[str]) -> re.Pattern[str]:
    """The medical terms of one message, as whole words (a compound's hyphen ends it: "kanker-x")."""
    return re.compile(rf"(?<![\w-])(?:{_alternation(terms)})(?![\w])")


@dataclass(frozen=True)
class Lexicon:
    names: frozenset[str]
    not_names: frozenset[str]
    others: frozenset[str]
    third_person: re.Pattern[str]
    someones_family_re: re.Pattern[str]
    medical: Terms
    medical_re: re.Pattern[str]
    lesson_re: re.Pattern[str]
    hedge_re: re.Pattern[str]
    curses: frozenset[str]
    having: frozenset[str]
    care_place_re: re.Pattern[str]
    appointment_re: re.Pattern[str]
    role_mailboxes: frozenset[str]
    freemail: frozenset[str]
    school_hints: frozenset[str]
    organisation_re: re.Pattern[str]
    private_re: re.Pattern[str]
    street_suffixes: tuple[str, ...]
    english_street_words: frozenset[str]
    bare_street_re: re.Pattern[str]
    english_street_re: re.Pattern[str]
    not_streets: frozenset[str]
    home_re: re.Pattern[str]
    venue_re: re.Pattern[str]
    credentials: Terms
    platforms: frozenset[str]
    credential_re: re.Pattern[str]
    not_values: frozenset[str]
    shared_re: re.Pattern[str]
    account_number_re: re.Pattern[str]
    accounts: Terms
    account_re: re.Pattern[str]
    bare_account_re: re.Pattern[str]
    expose_re: re.Pattern[str]
    visit_re: re.Pattern[str]
    birth: Terms
    birth_re: re.Pattern[str]
    birthday_re: re.Pattern[str]
    grade_cues: Terms
    grade_cue_re: re.Pattern[str]


# A house number after a street name ("12", "12a", "120-2", "12 hs"): not a time, an amount or a size.
_HOUSE_NUMBER = (
    r"(\d{1,4})(?:\s?[a-z](?![\w])|-\d{1,3}|\s?(?:hs|bis)\b)?"
    r"(?![\d,.]\d|\w|\s?%|\s?(?:uur|min|minuten|jaar|jaren|maanden|weken|dagen|keer|km|years?"
    r"|months?|weeks?|days?|times|minutes?|hours?)\b)"
)
# A word, then a house number: "tulpstraat 14", "jan-van-galenstraat 3a". Whether the word is a
# street is decided by its ending (``street_suffixes``), in Python.
# (also "marktplein, nummer 12b")
_NAME_THEN_NUMBER = re.compile(
    r"(?<![\w@'-])([a-zà-ÿ'-]+)\s*(?:,?\s*(?:huisnummer|nummer|nr\.?|no\.?)\s*)?\s" + _HOUSE_NUMBER
)
# A street and the floor or room of a home without its number: "jan evertsenstraat, 2e bel",
# "aan de ravellaan, kamer 12", "rijnkade, 4 hoog".
_NAME_THEN_FLOOR = re.compile(
    r"(?<![\w@'-])([a-zà-ÿ'-]+),?\s+(?:\d{1,2}\s?(?:e|de|ste)?\s+(?:bel|hoog|etage|verdieping)"
    r"|kamer\s+\d{1,4})(?!\w)"
)
# A capitalised name and a house number in a town: "Slinge 450c in Rotterdam", "Ringbaan-Oost 14
# in Tilburg" (a home only beside a home word, like every address without a postcode).
_NAME_NUMBER_TOWN = re.compile(
    r"(?<![\w@'-])([A-ZÀ-Ý][^\W\d_]+(?:[- ][A-ZÀ-Ý][^\W\d_]+){0,2})\s+(\d{1,4}[a-z]?),?\s+(?:in|te)\s+"
    r"[A-ZÀ-Ý][^\W\d_]+"
)
# Compass words after a street ("Ringbaan-Oost", "Dorpsstraat-Noord").
_COMPASS = frozenset(["noord", "oost", "zuid", "west"])
# A home word, then a capitalised name and a number: "woont op Kamperfoelie 12", "adres: Zonnehof 3".
_HOME_WORDS = frozenset(["woont", "wonen", "woonde", "adres", "address", "lives", "live", "lived"])
_HOME_THEN_NAME_NUMBER = re.compile(
    r"(?<![\w@])(?i:woont|wonen|woonde|adres|address|lives|live|lived)\s*(?:is\s+)?(?i:op|aan|at|on)?"
    r"\s*:?\s*(?i:de\s+|het\s+|the\s+)?([A-ZÀ-Ý][^\W\d_]+(?:[\s-][A-ZÀ-Ý][^\W\d_]+)?)\s+" + _HOUSE_NUMBER
)
# A house number, then the street: "14 tulpstraat", "lives at 7 mozartlaan".
_NUMBER_THEN_NAME = re.compile(
    r"(?<![\w@.,:/€$-])(\d{1,4}[a-z]?)\s+(?:(?:van|de|den|der|ter|ten)\s+)?([a-zà-ÿ'-]+)(?![\w@-])"
)


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    data = tomllib.loads((LEXICON_DIR / "personal_data.toml").read_text("utf-8"))
    names = {
        line.strip().casefold()
        for line in (LEXICON_DIR / "first_names.txt").read_text("utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    med, people, contact = data["medical"], data["people"], data["contact"]
    addr, cred, handles = data["address"], data["credentials"], data["handles"]
    suffixes = addr["street_suffixes"]
    # "12 Baker Street"
    english = re.compile(
        r"(?<![\w@])(\d{1,4})\s+((?:[a-z]+\s){1,3})"
        rf"(?:{_alternation(addr['english_street_words'])})\b"
    )
    return Lexicon(
        names=frozenset(names),
        not_names=frozenset(people["not_names"]),
        others=frozenset(people["others"]),
        third_person=_words_re(people["third_person"]),
        # "zijn zus", "hun vader", "their mum": someone else's family.
        someones_family_re=re.compile(
            rf"(?<!\w)(?:zijn|z'n|zn|haar|d'r|hun|his|her|their)\s+(?:{_alternation(people['others'])})(?!\w)"
        ),
        medical=Terms.of(med["words"], med["suffixes"]),
        medical_re=re.compile(
            rf"(?<![\w-])(?:{_alternation(med['words'])}|[a-zà-ÿ]*(?:{_alternation(med['suffixes'])}))"
            r"(?![\w])"
        ),
        lesson_re=_words_re(med["lesson"]),
        hedge_re=_words_re(med["hedges"]),
        curses=frozenset(med["curses"]),
        having=frozenset(med["having"]),
        care_place_re=_words_re(med["care_places"]),
        appointment_re=_words_re(med["appointments"]),
        role_mailboxes=frozenset(contact["role_mailboxes"]),
        freemail=frozenset(contact["freemail"]),
        school_hints=frozenset(contact["school_domain_hints"]),
        organisation_re=_words_re(contact["organisation"]),
        private_re=re.compile(rf"(?<!\w)(?:{_alternation(contact['private'])})"),
        street_suffixes=tuple(suffixes),
        english_street_words=frozenset(addr["english_street_words"]),
        # "Laan van Meerdervoort 212", "Weg der Verenigde Naties 4": a bare street word first.
        bare_street_re=re.compile(
            rf"(?<![\w@'-])({_alternation(suffixes)})\s+(?:van|der|den|de|ter|ten|op|'t)\s+"
            r"(?:[a-zà-ÿ'-]+\s+)?[a-zà-ÿ'-]+\s+" + _HOUSE_NUMBER
        ),
        english_street_re=english,
        not_streets=frozenset(addr["not_streets"]),
        home_re=_words_re(addr["home_cues"]),
        venue_re=_words_re(addr["venue_cues"]),
        credentials=Terms.of(cred["cues"] + cred["platforms"]),
        platforms=frozenset(cred["platforms"]),
        credential_re=_words_re(cred["cues"] + cred["platforms"]),
        not_values=frozenset(cred["not_values"]),
        shared_re=_words_re(cred["shared"]),
        account_number_re=_words_re(data["bank"]["account_cues"]),
        accounts=Terms.of(handles["account_cues"]),
        # (also the head of a compound: "twitter-account", "insta-profiel")
        account_re=re.compile(rf"(?<![\w@.])(?:{_alternation(handles['account_cues'])})(?![\w@])"),
        bare_account_re=_bare_account_re(frozenset(handles["account_cues"])),
        expose_re=_words_re(handles["expose_cues"]),
        visit_re=re.compile(rf"(?<!\w)(?:{_alternation(handles['visit_cues'])})"),
        birth=Terms.of(data["dates"]["birth_cues"] + data["dates"]["birthday_cues"]),
        birth_re=_words_re(data["dates"]["birth_cues"]),
        birthday_re=_words_re(data["dates"]["birthday_cues"]),
        grade_cues=Terms.of(data["grades"]["cues"]),
        grade_cue_re=_words_re(data["grades"]["cues"]),
    )


# --------------------------------------------------------------------------------------------
# Masking: evidence names the kind of data, never the data itself.


def mask_digits(raw: str, keep: int) -> str:
    """Keep the first ``keep`` digits (and all separators), mask the other digits."""
    out, seen = [], 0
    for ch in raw:
        if ch.isdigit():
            seen += 1
            out.append(ch if seen <= keep else MASK)
        else:
            out.append(ch)
    return "".join(out)


def mask_tail(raw: str, keep: int = 2) -> str:
    """Keep the first ``keep`` characters of a word or value, mask the rest."""
    return raw[:keep] + MASK * max(len(raw) - keep, 3)


def mask_email(addr: str) -> str:
    local, _, domain = addr.partition("@")
    return f"{local[:1]}{MASK * 4}@{domain}"


# --------------------------------------------------------------------------------------------
# Shared context checks

# Wordings that make the value after them the writer's own (or their family's own household).
_OWN_WORDINGS = (
    # "mijn (nieuwe) nummer", "our address"
    r"(?:mijn|m'n|mn|my|onze|ons|our)\s+(?:eigen\s+|nieuwe\s+|mobiele\s+|privé\s+|prive\s+|new\s+"
    r"|own\s+|persoonlijke\s+|personal\s+|werk\s+|work\s+)?(?:telefoon)?(?:nummer|nr|06|mobiel|mail"
    r"|mailadres|e-?mail(?:adres)?|adres|address|number|phone|cell|mobile|insta|account|iban"
    r"|rekening(?:nummer)?|bankrekening|handle|snap|wachtwoord|password|inlog|login|huis|house)",
    # "bel me", "text us", "reach me"
    r"(?:bel|app|mail|sms|whatsapp|text|call|email|contact|reach|bereik|ping|appen|bellen)"
    r"\s+(?:me|mij|ons|us)",
    # "kan mij bellen", "kun je me appen", "om ons te bereiken"
    r"(?:me|mij|ons)\s+(?:\w+\s+){0,4}(?:te\s+)?(?:bellen|appen|bereiken|mailen|sms'?en"
    r"|whatsappen|contacten|berichten|texten)",
    r"(?:ik\s+ben|ben\s+ik|we\s+zijn|wij\s+zijn|zijn\s+we)\s+(?:\w+\s+){0,3}bereikbaar",
    r"ik\s+woon|wij\s+wonen|we\s+wonen|i\s+live|we\s+live|bij\s+(?:ons|mij)(?:\s+thuis)?",
    r"me\s+(?:op|via|at|on)|ik\s+ben\s+(?:op|via)|(?:hier|here)\s+(?:is|zijn)\s+(?:mijn|my)",
)
_OWN_RE = re.compile(r"(?<!\w)(?:" + "|".join(_OWN_WORDINGS) + r")(?!\w)")
_SENTENCE_BREAK = re.compile(r"[.!?\n](?:\s|$)")
_SENTENCE_END = re.compile(r"[.!?:;\n]\s*$")
# A capitalised word: "Kacper", "Wiśniewski" (any lower-case letters after the capital).
_CAP_WORD = re.compile(r"(?<![\w'’@.-])([A-ZÀ-Ý][^\W\d_A-ZÀ-Ý]+)(?:['’]s)?(?![\w@])")
_POSSESSIVE = re.compile(
    r"(?<![\w@])([a-zà-ÿ]{2,})['’]s(?!\w)|(?<![\w@])([a-zà-ÿ]{2,})s(?=\s+(?:nummer|06|adres|mail|email|insta|account|wachtwoord|inlog|cijfer|cijfers|bsn)\b)"
)
_WORD = re.compile(r"[a-zà-ÿ]+")
_OPENER_VERB = re.compile(
    # "Kyano heeft", "Kyano uit 3B heeft", "Lars (3hb) heeft": a name opening its sentence.
    r"^\s*([A-ZÀ-Ý][a-zà-ÿ]+)(?:\s+(?:uit|van|from|in)\s+\w{1,6}|\s*\([^)]{1,12}\))?"
    r"\s+(?:is|heeft|had|zit|ligt|woont|was|has|kreeg|haalde|gaat|moet|mag"
    r"|krijgt|werd|wordt|got|gets|lives|scored)\b"
)


# "... 06 12345678 is mijn nummer", "x@gmail.com, that's my email": the value named after it.
_OWN_AFTER = re.compile(
    r"[\s,:;-]*(?:is|dat is|that's|that is|=|\()\s*(?:mijn|m'n|mn|my|ons|onze|our)\s+"
    r"(?:eigen\s+|nieuwe\s+|new\s+|own\s+|privé\s+|prive\s+)?(?:telefoon|mobiele\s+)?"
    r"(?:nummer|nr|06|number|mobiel|mobile|adres|address|mail|e-?mail(?:adres)?|mailadres|iban"
    r"|rekening(?:nummer)?)(?!\w)"
)
_THEY_LIVE = re.compile(r"(?<!\w)(?:hij|zij|ze|he|she|they)\s+(?:woont|woonde|wonen|lives|live)(?!\w)")
_STAY_BEFORE = re.compile(r"(?<!\w)(?:in|naar|uit|to|from|at)\s+(?:het\s+|'t\s+|the\s+)?$")


def own_data(low: str, start: int, end: int) -> bool:
    """Whether the value at ``low[start:end]`` is the writer's own, by the words before it in its
    sentence ("bel me op ...") or right after it ("... is mijn nummer")."""
    return own_data_before(low, start) or _OWN_AFTER.match(low, end) is not None


def own_data_before(low: str, start: int, window: int = 90) -> bool:
    """Whether the words before a value, in its own sentence, say it is the writer's own ("mijn
    nummer", "bel me", "kun je me appen")."""
    before = low[max(0, start - window) : start]
    breaks = list(_SENTENCE_BREAK.finditer(before))
    if breaks:
        before = before[breaks[-1].end() :]
    for match in _OWN_RE.finditer(before):
        # "mijn moeder haar nummer" is about someone else: look at the word after the possessive.
        following = _WORD.findall(match.group(0))
        if not any(word in lexicon().others for word in following[1:2]):
            return True
    return False


def named_person(src: str, low: str, lo: int, hi: int) -> bool:
    """Whether a named person (or another person's possessive) appears in ``src[lo:hi]``."""
    lex = lexicon()
    lo, hi = max(0, lo), min(len(src), hi)
    segment_low = low[lo:hi]
    for word in _WORD.findall(segment_low):
        if word in lex.names:
            return True
    for match in _POSSESSIVE.finditer(segment_low):
        word = match.group(1) or match.group(2)
        if word not in lex.not_names and word not in lex.others:
            return True
    if len(src) != len(low):  # case mapping changed lengths: fall back to the names list only
        return False
    for match in _CAP_WORD.finditer(src, lo, hi):
        word = match.group(1)
        if word.casefold() in lex.not_names:
            continue
        before = src[: match.start()]
        if not before.strip() or _SENTENCE_END.search(before):
            if _OPENER_VERB.match(src[match.start() : match.start() + 40]):
                return True
            continue
        return True
    return False


# --------------------------------------------------------------------------------------------
# Detectors


# A BSN-shaped number not glued to other digits, amounts or codes.
_BSN = re.compile(  # (?=\d) first: the engine then skips ahead to the next digit
    r"(?=\d)(?<![\d.,€$-])(?:\d{9}|\d{4}\.\d{2}\.\d{3}|\d{3}[ .-]\d{3}[ .-]\d{3}"
    r"|\d{2}[ .-]\d{3}[ .-]\d{3}|\d[ .]\d{3}[ .]\d{2}[ .]\d{2}"
    # any other grouping in two to four parts ("1714 97 685"): only when it passes the 11-test
    r"|\d{1,5}(?:[ .]\d{1,5}){1,3})(?!\d|[.,]\d)"
)
_BSN_USUAL = re.compile(
    r"\d{9}|\d{4}\.\d{2}\.\d{3}|\d{3}[ .-]\d{3}[ .-]\d{3}|\d{2}[ .-]\d{3}[ .-]\d{3}"
    r"|\d[ .]\d{3}[ .]\d{2}[ .]\d{2}"
)
_BSN_CUE = re.compile(r"(?<!\w)(?:bsn|burgerservicenummer|sofi(?:nummer)?|citizen service number)(?!\w)")
_DUTCH_IBAN = re.compile(r"NL\d{2}[A-Z]{4}\d{10}")


def _placeholder(digits: str) -> bool:
    """A made-up example number: one digit repeated, or counting up or down (123456789)."""
    steps = {int(b) - int(a) for a, b in pairwise(digits)}
    return len(steps) == 1 and steps <= {-1, 0, 1}


_MENTION = re.compile(r"(?<![\w.@/])@([a-z0-9_](?:[a-z0-9_.]{1,28}[a-z0-9_]))(?![\w@])")
_PROFILE_URL = re.compile(
    r"(?:instagram|tiktok|facebook|snapchat|twitter|x|threads)\.com/@?([a-z0-9_.]{2,30}[a-z0-9_])"
)
# A mark on the Dutch 1-10 scale, not a time, amount, date, page, or ordinal ("3e uur").
_GRADE_NUMBER = re.compile(
    r"(?<![\w.,:/€$-])(?:10|[1-9])(?:[.,]\d{1,2})?(?![\w%:/-]|[.,]\d|\s?(?:uur|min|minuten|minutes"
    r"|sec|seconden|euro|keer|x|jaar|jaren|dag|dagen|week|weken|maand|maanden|km|kilo|kg|meter|m|cm"
    r"|years?|days?|weeks?|hours?|times)\b)"
)
_GRADE_VERBS = frozenset([
    "heeft", "had", "kreeg", "krijgt", "haalde", "haalt", "gehaald", "scoorde", "staat", "stond",
    "has", "got", "gets", "scored", "get",
])
_GRADE_VERB_BEFORE = re.compile(
    r"(?<!\w)(?:heeft|hebt|heb|had|kreeg|krijgt|haalde|haalt|haal|scoorde|staat|stond|has|got|gets|scored)"
    r"\s+(?:\w+[,:?]?\s+){0,2}?(?:een|a|an)?\s*$"
)
_MARK_AFTER_EEN = re.compile(r"(?<!\w)(?:een|a|an)\s+(?:10|[1-9])(?:[.,]\d{1,2})?(?![\w%:/-]|[.,]\d)")
_GRADE_VERB_AFTER = re.compile(r"\s+(?:heeft|had|gehaald|gescoord|kreeg|haalde)(?!\w)")
_GRADE_FOR = re.compile(
    r"\s*(?:(?:had|heeft|haalde|kreeg|gehaald|gekregen|gescoord|got|had)\s+)?(?:gemiddeld\s+)?(?:voor|for|on|op|bij|in)\s+(?:het\s+|de\s+|his\s+|her\s+|the\s+|zijn\s+|haar\s+)?"
    r"(?:wiskunde|engels|nederlands|frans|duits|biologie|geschiedenis|aardrijkskunde|economie|scheikunde"
    r"|natuurkunde|latijn|grieks|toets|proefwerk|so|tentamen|test|exam|math|maths|english|french|german"
    r"|biology|history|science|chemistry|physics|essay|herkansing|[a-z]*toets|[a-z]*kunde)(?!\w)"
)
_SELF_WORDS = frozenset([
    "ik", "i", "me", "mij", "mijn", "m'n", "mn", "my", "we", "wij", "ons", "onze", "our",
])
# The person spoken to: another pupil when the message addresses someone by name ("noor je ...").
_YOU_WORDS = frozenset(["je", "jij", "jou", "jouw", "you", "your", "u"])
# Verbs that say a mark was obtained: "heeft een 10" alone may be anything, "haalde een 10" is a mark.
_GRADE_ONLY_VERBS = frozenset([
    "kreeg", "krijgt", "haalde", "haalt", "haal", "gehaald", "scoorde", "gescoord", "got", "gets",
    "scored",
])
_POSSESSIVES_OWN = frozenset(["mijn", "mn", "my", "onze", "ons", "our"])
_THIRD_PERSON = frozenset(["hij", "zij", "he", "she"])
_POSTCODE = re.compile(
    r"(?<![\w-])([1-9]\d{3})\s?([A-Z]{2})(?![\w])|(?<![\w-])([1-9]\d{3})([a-z]{2})(?![\w])"
)
_DIGIT = re.compile(r"\d")
_AT_DOMAIN = re.compile(r"@[\w-]+\.")  # every e-mail address has one ("x@gmail.com")
# Digits and what people write between the digits of one phone number.
_DIGIT_RUN = re.compile(r"\d[\d\s().\[\]/~+-]*")
_SERVICE_TYPES = {
    PhoneNumberType.TOLL_FREE,
    PhoneNumberType.PREMIUM_RATE,
    PhoneNumberType.SHARED_COST,
    PhoneNumberType.UAN,
    PhoneNumberType.VOICEMAIL,
}
_FIXED_TYPES = {PhoneNumberType.FIXED_LINE}
_PHONE_WORDS = re.compile(
    r"(?<!\w)(?:nummer|nr|tel|telefoon\w*|mobiel|06|bel|bellen|app|appen|whatsapp|sms|phone|number"
    r"|call|text|cell|mobile)(?!\w)"
)


_VALUE = r"[\"'“‘]?(?P<v>[^\s\"'”’,;]{3,})(?:\s*/\s*(?P<v2>[^\s\"'”’,;]{3,}))?"
# "van isa? ik weet t: x", "is gewoon 'x'", "= x", "is x / y"
_CREDENTIAL_VALUE = re.compile(
    r"(?:\s+[\w'’.-]+[?!,]?){0,8}?\s*(?:is|was|=|:|->|is\s*:)\s*(?:(?:gewoon|gwn|just|simply)\s+)?"
    + _VALUE
)
_CREDENTIAL_BARE = re.compile(r"\s+" + _VALUE)  # "ww Voetbal123"
# "login for the project? its noah.b / Football22"
_CREDENTIAL_PAIR = re.compile(r"[\s:=]*(?:\S+\s+){0,8}?(?P<v>[\w.@+-]{3,})\s*/\s*(?P<v2>[^\s\"'”’,;]{4,})")
# "user k.nguyen, code 4471", "naam sem.v / ww zomer22": a name, then the secret named by its word.
_CREDENTIAL_NAMED = re.compile(
    r"[\s:=]*(?:\S+\s+){0,8}?(?P<v>[\w.@+-]{3,})\s*[,;/]\s*(?:en\s+|and\s+)?(?:de\s+|het\s+|the\s+)?"
    r"(?:code|pin|pincode|wachtwoord|ww|password|passwd|pw|pass)\s*(?:is\s+|:\s*|=\s*)?"
    r"[\"'“‘]?(?P<v2>[^\s\"'”’,;]{3,})"
)
_CREDENTIAL_FORMS = ((_CREDENTIAL_VALUE, False), (_CREDENTIAL_BARE, True), (_CREDENTIAL_PAIR, True),
                     (_CREDENTIAL_NAMED, False))


def _looks_secret(value: str, strict: bool) -> bool:
    """A password-like value. ``strict``: letters and digits ("Voetbal123"); otherwise also a
    digit, a symbol, mixed case, or five characters or more."""
    if len(value) < 3:
        return False
    letters_and_digits = bool(re.search(r"\d", value)) and bool(re.search(r"[^\W\d_]", value))
    if strict:
        return letters_and_digits
    return len(value) >= 5 or bool(re.search(r"\d|[^\w]|[A-Z].*[a-z]|[a-z].*[A-Z]", value))


def _dutch_mobile(number: phonenumbers.PhoneNumber) -> bool:
    """06 + 8 digits (+31 6 ...), new ranges that phonenumbers does not know yet included."""
    national = str(number.national_number)
    return number.country_code == 31 and len(national) == 9 and national.startswith("6")


def _e164(raw: str) -> str | None:
    try:
        return phonenumbers.format_number(
            phonenumbers.parse(raw, "NL"), phonenumbers.PhoneNumberFormat.E164
        )
    except phonenumbers.NumberParseException:
        return None


class Detectors:
    """All detectors, bound to one message. Each returns hits; the policy filters and merges."""

    def __init__(
        self, text: TextView, settings: PersonalDataSettings, reference: bool = False
    ) -> None:
        # The detectors read the NFKC form (full-width digits become digits) and its lower case.
        self.src = unicodedata.normalize("NFKC", text.original)
        self.low = self.src.lower()
        self.settings = settings
        self.lex = lexicon()
        self.taken: list[tuple[int, int]] = []
        # A detector that needs a word from a list first looks for it among the message's words,
        # and skips the search of the text when it is not there. ``reference`` searches the text
        # regardless: the plain behaviour that a property test holds the fast one to.
        # A word glued to a number ("geboren17-04-2012") is also looked up without its digits.
        glued = {_TRAILING_DIGITS.sub("", word) for word in text.token_set if word[-1].isdigit()}
        self.words = text.token_set | glued if glued else text.token_set
        self.reference = reference

    def has(self, terms: Terms) -> bool:
        """Whether a term of the list can be in the message (always, for the reference)."""
        return self.reference or bool(terms.in_text(self.words))

    def has_street_word(self) -> bool:
        """Whether a word of the message can end a street name ("tulpstraat", not "herinnering")
        or start one ("laan" van Meerdervoort)."""
        return (
            self.reference
            or not self.words.isdisjoint(self.lex.street_suffixes)
            or any(
                word.endswith(self.lex.street_suffixes) and self._is_street(word)
                for word in self.words
            )
        )

    # -- helpers
    def _free(self, start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in self.taken)

    def _take(self, hit: Hit) -> Hit:
        self.taken.append((hit.start, hit.end))
        return hit

    def near(self, pattern: re.Pattern[str], start: int, end: int, window: int = 50) -> bool:
        return (
            pattern.search(self.low, max(0, start - window), min(len(self.low), end + window))
            is not None
        )

    # -- numbers
    def iban(self) -> list[Hit]:
        hits = []
        upper = self.src.upper()
        school = {stdnum_iban.compact(x) for x in self.settings.school_ibans}
        for match in re.finditer(
            r"(?<![A-Z0-9])[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?(?![A-Z0-9])",
            upper,
        ):
            raw = match.group(0)
            compact = stdnum_iban.compact(raw)
            start, end = match.span()
            valid = stdnum_iban.is_valid(compact)
            # People mistype check digits; a Dutch account shape (NL, 2 digits, a 4-letter bank
            # code, 10 digits) that the message calls an account is still someone's account.
            named = _DUTCH_IBAN.fullmatch(compact) is not None and self.near(
                self.lex.account_number_re, start, end, 60
            )
            if not (valid or named) or compact in school:
                continue
            self.taken.append((start, end))  # the digits inside are not a phone number or BSN
            before = self.low[max(0, start - 60) : start]
            after = self.low[end : end + 60]
            if own_data(self.low, start, end) or re.search(
                r"(?:t\.?n\.?v\.?|ten name van|op naam van|in the name of)\s+(?:de\s+|het\s+)?"
                r"(?:school|stichting|vereniging|ouderraad|ouderfonds|ouderbijdrage|mr|college|lyceum|gymnasium)",
                after + " " + before,
            ):
                continue
            evidence = (
                f"IBAN {compact[:2]}{MASK * 2} {MASK * 4} {MASK * 4} {MASK * 2}{compact[-2:]}"
            )
            hits.append(Hit("iban", 0.95 if valid else 0.8, evidence, start, end, (raw, compact)))
        return hits

    def phones(self) -> list[Hit]:
        hits: list[Hit] = []
        if len(_DIGIT.findall(self.src)) < 8:  # too short for anyone's phone number
            return hits
        school = {n for n in (_e164(x) for x in self.settings.school_numbers) if n}
        for match in self._phone_matches():
            start, end = match.start, match.end
            # The writer's own number ("bel me op ...") is checked first: our regex costs far
            # less than phonenumbers' validation and typing, which would not change the outcome.
            if not self._free(start, end) or own_data(self.low, start, end):
                continue
            number = match.number
            if _dutch_mobile(number):
                # 06 + 8 digits is a mobile (or pager) in every range: no lookup needed, and the
                # lookups are most of the cost of a pasted contact list.
                kind = PhoneNumberType.MOBILE
            elif phonenumbers.is_valid_number(number) or self._plausible(
                match.raw_string, number, start, end
            ):
                kind = phonenumbers.number_type(number)
            else:
                continue
            e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            if kind in _SERVICE_TYPES or e164 in school:
                continue
            organisation = self.near(self.lex.organisation_re, start, end, 45)
            if kind in _FIXED_TYPES:
                # A landline is private only when it is tied to a person and not to an organisation.
                if organisation or not (
                    named_person(self.src, self.low, start - 50, end + 30)
                    or self.near(self.lex.home_re, start, end, 40)
                ):
                    continue
            elif organisation and not named_person(self.src, self.low, start - 40, end + 20):
                continue
            keep = 4 if match.raw_string.lstrip().startswith(("+", "00")) else 2
            evidence = f"telefoonnummer {mask_digits(match.raw_string, keep + 2)}"
            hits.append(
                self._take(
                    Hit("phone_number", 0.95, evidence, start, end, (match.raw_string, e164))
                )
            )
        return hits

    def _phone_matches(self) -> list[phonenumbers.PhoneNumberMatch]:
        """phonenumbers' matches. The matcher costs about 10 us a character, so in a long text it
        reads only the stretches around runs of at least 8 digits (the reference reads it all)."""
        def matches(lo: int, hi: int) -> list[phonenumbers.PhoneNumberMatch]:
            found = phonenumbers.PhoneNumberMatcher(
                self.src[lo:hi], "NL", leniency=phonenumbers.Leniency.POSSIBLE
            )
            return [phonenumbers.PhoneNumberMatch(lo + m.start, m.raw_string, m.number) for m in found]

        if self.reference or len(self.src) <= 200:
            return matches(0, len(self.src))
        windows: list[list[int]] = []
        for run in _DIGIT_RUN.finditer(self.src):
            if len(_DIGIT.findall(run.group(0))) < 8:
                continue
            lo, hi = max(0, run.start() - 20), run.end() + 20
            if windows and lo <= windows[-1][1]:
                windows[-1][1] = hi
            else:
                windows.append([lo, hi])
        return [match for lo, hi in windows for match in matches(lo, hi)]

    def _plausible(self, raw: str, number: phonenumbers.PhoneNumber, start: int, end: int) -> bool:
        """A number phonenumbers does not know yet but people clearly write as a phone number:
        an international number next to a phone word (Dutch mobiles: ``_dutch_mobile``)."""
        return (
            raw.lstrip().startswith(("+", "00"))
            and phonenumbers.is_possible_number(number)
            and bool(
                _PHONE_WORDS.search(self.low, max(0, start - 40), min(len(self.low), end + 30))
            )
        )

    def bsn(self) -> list[Hit]:
        hits = []
        for match in _BSN.finditer(self.src):
            start, end = match.span()
            digits = re.sub(r"\D", "", match.group(0))
            if len(digits) != 9 or not self._free(start, end) or _placeholder(digits):
                continue
            if not _BSN_USUAL.fullmatch(match.group(0)) and not stdnum_bsn.is_valid(digits):
                continue
            cue = _BSN_CUE.search(self.low)
            # A number that passes the 11-test is a BSN; one the message calls a BSN is shared as
            # one even when a digit was mistyped.
            if not (stdnum_bsn.is_valid(digits) or cue):
                continue
            other = re.search(
                r"(?<!\w)(?:kenmerk|betalingskenmerk|factuur|factuurnummer|order|ordernummer|bestel\w*"
                r"|klantnummer|ticket\w*|referentie|leerlingnummer|studentnummer|pasnummer|kaart\w*"
                r"|ov-?\w*|tracking|zending|pakket|polis\w*|dossier\w*|€|eur|euro)(?!\w)",
                self.low[max(0, start - 40) : end + 20],
            )
            if not cue and other:
                continue
            if own_data(self.low, start, end):
                continue
            hits.append(
                self._take(
                    Hit(
                        "bsn",
                        0.97 if cue else 0.8,
                        f"BSN {MASK * 5}{digits[-4:-2]}{MASK * 2}",
                        start,
                        end,
                        (match.group(0), digits),
                    )
                )
            )
        return hits

    # -- addresses
    def addresses(self) -> list[Hit]:
        hits = []
        lex = self.lex
        low = self.low
        candidates: list[tuple[int, int, str, bool]] = []  # start, end, masked, has postcode
        # "1234 AB" or "1234ab": a word of four digits, or of four digits and two letters.
        postcode_shaped = self.reference or any(
            len(word) in (4, 6) and word[:4].isdigit() for word in self.words
        )
        postcodes = _POSTCODE.finditer(self.src) if postcode_shaped else ()
        for match in postcodes:
            letters = (match.group(2) or match.group(4) or "").upper()
            if letters in ("SA", "SD", "SS"):
                continue
            start, end = match.span()
            if not self._free(start, end):
                continue
            # A postcode alone is a neighbourhood; with a house number nearby it is a home.
            if re.search(r"\d", self.src[max(0, start - 40) : start] + self.src[end : end + 25]):
                code = match.group(1) or match.group(3)
                candidates.append((start, end, f"{code[:2]}{MASK * 2} {MASK * 2}", True))
        if self.has_street_word():
            for start, end, street in self._streets():
                if self._free(start, end):
                    candidates.append((start, end, f"{street.capitalize()} {MASK * 2}", False))
        if self.reference or not _HOME_WORDS.isdisjoint(self.words):
            for match in _HOME_THEN_NAME_NUMBER.finditer(self.src):
                start, end = match.span(1)[0], match.end()
                if self._free(start, end) and match.group(1).casefold() not in lex.not_names:
                    candidates.append((start, end, f"{match.group(1)} {MASK * 2}", False))
        if len(self.src) == len(low):
            for match in _NAME_NUMBER_TOWN.finditer(self.src):
                start, end = match.span()
                first = match.group(1).split()[0].split("-")[0].casefold()
                if self._free(start, end) and first not in lex.not_names and first not in lex.names:
                    candidates.append((start, end, f"{match.group(1)} {MASK * 2}", False))
        english = self.reference or not lex.english_street_words.isdisjoint(self.words)
        for match in lex.english_street_re.finditer(low) if english else ():
            start, end = match.span()
            if self._free(start, end):
                candidates.append(
                    (start, end, f"{MASK * 2} {match.group(2).strip().title()} ...", False)
                )
        if not candidates:
            return hits
        start = min(c[0] for c in candidates)
        end = max(c[1] for c in candidates)
        # "ik woon naast hamza, hij woont op …": the writer's home named, then someone else's.
        if own_data_before(low, start, 40) and not _THEY_LIVE.search(low, max(0, start - 40), start):
            return hits
        has_postcode = any(c[3] for c in candidates)
        home = self.near(lex.home_re, start, end, 60)
        # A venue word around the address, not inside it ("15 Park Lane" is no park).
        venue = (
            lex.venue_re.search(low, max(0, start - 40), start) is not None
            or lex.venue_re.search(low, end, end + 40) is not None
        )
        person = named_person(self.src, low, start - 60, end + 40)
        strong_home = self._home_of_person(max(0, start - 60), start)
        if (
            strong_home
            or (home and person and not venue)
            or (home and not venue)
            or (has_postcode and not venue and person)
        ):
            shown = {c[2].casefold(): c[2] for c in sorted(candidates, reverse=True)}
            masked = ", ".join(sorted(shown.values(), key=str.casefold))
            score = 0.92 if (strong_home or has_postcode) else 0.85
            hits.append(
                self._take(
                    Hit(
                        "home_address", score, f"adres {masked}", start, end, (self.src[start:end],)
                    )
                )
            )
        return hits

    def _is_street(self, word: str) -> bool:
        parts = re.split(r"[-'’]", word)  # "jan-van-galenstraat", "'s-gravenweg"
        last = parts[-2] if len(parts) > 1 and parts[-1] in _COMPASS else parts[-1]
        return (
            last.endswith(self.lex.street_suffixes)
            and len(last) >= 5
            and last not in self.lex.not_streets
        )

    def _streets(self) -> list[tuple[int, int, str]]:
        """Street names with a house number, either side: (start, end, street word)."""
        found = []
        suffixes = self.lex.street_suffixes
        for match in _NAME_THEN_NUMBER.finditer(self.low):
            if self._is_street(match.group(1)):
                found.append((match.start(), match.end(), match.group(1)))
        if self.reference or not self.words.isdisjoint(suffixes):
            for match in self.lex.bare_street_re.finditer(self.low):
                found.append((match.start(), match.end(), match.group(1)))
        for match in _NUMBER_THEN_NAME.finditer(self.low):
            if self._is_street(match.group(2)):
                found.append((match.start(), match.end(), match.group(2)))
        for match in _NAME_THEN_FLOOR.finditer(self.low):
            if self._is_street(match.group(1)):
                found.append((match.start(), match.end(), match.group(1)))
        return found

    def _home_of_person(self, lo: int, hi: int) -> bool:
        """ "adres van Jesse", "Lisa woont op", "het huis van noah": a named person's home."""
        lex = self.lex
        for match in re.finditer(
            r"(?:adres|address|huis|house)\s+(?:is\s+)?(?:van|of)\s+([\w]+)|([\w]+)(?:['’]s)?\s+"
            r"(?:woont|lives|huis|house|adres|address)(?!\w)|(?<!\w)(?:bij|at)\s+([\w]+)(?!\w)",
            self.low[lo:hi],
        ):
            word = match.group(1) or match.group(2) or match.group(3)
            if word in lex.names:
                return True
            if match.group(3):  # "bij Anouk": only a first name is someone's home
                continue
            at = lo + match.start(1 if match.group(1) else 2)
            if (
                len(self.src) == len(self.low)
                and self.src[at : at + 1].isupper()
                and word not in lex.not_names
                and not lex.venue_re.fullmatch(word)
            ):
                return True
        return False

    # -- e-mail and accounts
    def emails(self) -> list[Hit]:
        hits = []
        school_domains = {d.casefold().lstrip("@") for d in self.settings.school_domains}
        for match in re.finditer(r"(?<![\w.+-])([\w.+-]+)@([\w-]+(?:\.[\w-]+)+)", self.low):
            local, domain = match.group(1), match.group(2).rstrip(".")
            start, end = match.span()
            self.taken.append((start, end))
            if self._is_school_domain(domain, school_domains):
                continue
            local_key = re.split(r"[.+_-]", local)[0]
            if local in self.lex.role_mailboxes or local_key in self.lex.role_mailboxes:
                continue
            if own_data(self.low, start, end):
                continue
            # An address on a free provider belongs to a person. One on an organisation's own
            # domain (a school, an office) is a work address, unless the message calls it private.
            if domain not in self.lex.freemail and not self.near(self.lex.private_re, start, end, 50):
                continue
            evidence = f"e-mailadres {mask_email(match.group(0))}"
            score = 0.95 if domain in self.lex.freemail else 0.85
            hits.append(Hit("email", score, evidence, start, end, (match.group(0), domain)))
        return hits

    def _is_school_domain(self, domain: str, configured: set[str]) -> bool:
        if any(domain == d or domain.endswith("." + d) for d in configured):
            return True
        if domain in self.lex.freemail:
            return False
        parts = re.split(r"[.-]", domain)
        return any(p in self.lex.school_hints for p in parts[:-1]) or any(
            hint in part
            for part in parts[:-1]
            for hint in ("school", "lyceum", "college", "gymnasium", "scholen")
        )

    def handles(self) -> list[Hit]:
        """Someone's account shared as an account: "@x op insta", "haar tiktok is @x", "zn snap is
        x_2009", "instagram.com/x". A bare @mention that addresses a member is no account share."""
        hits = []
        for start, end, name in self._account_names():
            if not self._free(start, end):
                continue
            if own_data_before(self.low, start, 50) or (
                self.near(self.lex.organisation_re, start, end, 40)
                and not named_person(self.src, self.low, start - 60, start)
            ):
                continue
            exposing = self.near(self.lex.expose_re, start, end, 80)
            # "@mees kun jij ..." at the start of a message talks to Mees, it shares nothing.
            addressing = not self.low[:start].strip() and not self.near(self.lex.account_re, start, end, 40)
            if addressing and not exposing:
                continue
            evidence = f"account @{mask_tail(name, 2)}"
            hits.append(self._take(Hit("handle", 0.85 if exposing else 0.8, evidence, start, end, (name,))))
        return hits

    def _account_names(self) -> list[tuple[int, int, str]]:
        """Account names next to an account word, as (start, end, name)."""
        found: list[tuple[int, int, str]] = []
        for match in _MENTION.finditer(self.low) if "@" in self.low else ():
            start, end = match.span()
            # "@x op insta", or "@x" with a call to go and visit the account ("go follow").
            if self.near(self.lex.account_re, start, end, 40) or self.near(self.lex.visit_re, start, end, 60):
                found.append((start, end, match.group(1)))
        # Only the account words that stand in the message are searched for (the reference: all).
        cues = self.lex.accounts.in_text(self.words)
        bare = self.lex.bare_account_re if self.reference else _bare_account_re(cues) if cues else None
        for match in bare.finditer(self.low) if bare is not None else ():
            name = match.group("name")
            # A bare word is an account name only when it looks like one ("jelmer.xo2009").
            if re.search(r"[\d_.]", name) and re.search(r"[a-z]", name) and "@" not in name:
                found.append((match.start("name"), match.end("name"), name))
        for match in _PROFILE_URL.finditer(self.low) if ".com/" in self.low else ():
            found.append((match.start(), match.end(), match.group(1)))
        return found

    # -- words and patterns about a person
    def credentials(self) -> list[Hit]:
        """A login value after a login word: "het wachtwoord van teun is Voetbal99!", "ww van isa?
        ik weet t: Isa2011!!", "is gewoon 'Welkom01'", "ww Voetbal123", "login ... noah.b / Zomer22"."""
        hits: list[Hit] = []
        lex = self.lex
        if not self.has(lex.credentials):
            return hits
        for cue in lex.credential_re.finditer(self.low):
            start = cue.start()
            tail = self.src[cue.end() : cue.end() + 80]
            # With "is", ":" or "=" any value that looks like a password counts; straight after
            # the word, or as "name / value", only one with letters and digits ("Voetbal123").
            # After a platform's name ("magister: x / y") only a user name and a password count.
            forms = _CREDENTIAL_FORMS[2:] if cue.group(0) in lex.platforms else _CREDENTIAL_FORMS
            value, secret = None, ""
            for pattern, strict in forms:
                value = pattern.match(tail)
                secret = (value.group("v2") or value.group("v")).rstrip(".!?)") if value else ""
                if (value and secret.casefold() not in lex.not_values and _looks_secret(secret, strict)
                        and (pattern is not _CREDENTIAL_NAMED or _DIGIT.search(secret))):
                    break
            else:
                continue
            if own_data_before(self.low, start + 1, 25) or lex.shared_re.search(
                self.low, max(0, start - 25), cue.end() + 5
            ):
                continue
            end = cue.end() + value.end()
            evidence = f"wachtwoord/inlog {mask_tail(secret, 1)}"
            hits.append(self._take(Hit("password", 0.9, evidence, start, end, (secret, cue.group(0)))))
        return hits

    _DATE_PLAIN = re.compile(
        r"(?<!\d)(?:(?P<d>[0-3]?\d)[-/.](?P<m>[01]?\d)[-/.](?P<y>(?:19|20)\d{2})"
        r"|(?P<y4>(?:19|20)\d{2})-(?P<m4>[01]?\d)-(?P<d4>[0-3]?\d)"
        r"|(?P<d2>[0-3]?\d)(?:e|ste|de|th|st|nd|rd)?\s+(?:of\s+)?(?P<mn>jan(?:uari|uary)?|feb(?:ruari|ruary)?|maart|march|mrt|apr(?:il)?|mei|may|jun[ie]?|jul[iy]?|aug(?:ustus|ust)?|sep(?:t(?:ember)?)?|okt(?:ober)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?(?:\s+(?P<y2>(?:19|20)\d{2}))?"
        r"|(?P<mn3>january|february|march|april|may|june|july|august|september|october|november|december)\s+(?P<d3>[0-3]?\d)(?:st|nd|rd|th)?,?\s+(?P<y3>(?:19|20)\d{2}))(?!\d)"
    )
    # The same dates, with the characters a date can start with in front (a digit, or the first
    # letter of an English month): the engine tries the alternatives only there, which halves the
    # search of a long paste (the reference reads ``_DATE_PLAIN``).
    _DATE = re.compile(r"(?=[\djfmasond])" + _DATE_PLAIN.pattern)

    def dob(self) -> list[Hit]:
        """A named person's birth date: a date next to a birth word, or a full date of long ago
        right after a name ("Quinten van Dam, 22-09-2010": no event in a school chat is dated
        years back, a birth date is)."""
        hits: list[Hit] = []
        cue = self.has(self.lex.birth)
        dates = self._DATE_PLAIN if self.reference else self._DATE
        for match in dates.finditer(self.low):
            start, end = match.span()
            year = match.group("y") or match.group("y2") or match.group("y3") or match.group("y4")
            # Historical figures in a history lesson ("geboren op 24 april 1533").
            if (year and int(year) < 1940) or (
                not year and re.match(r"\s+\d{3,4}\b", self.low[end:])
            ):
                continue
            birth = cue and (self.lex.birth_re.search(self.low, max(0, start - 40), start)
                             or self.lex.birth_re.search(self.low, end, end + 10))
            birthday = cue and year and self.lex.birthday_re.search(
                self.low, max(0, start - 40), start)
            long_ago = bool(year) and int(year) <= now_utc().year - BIRTH_YEARS_AGO and (
                named_person(self.src, self.low, start - 30, start))
            if not (birth or birthday or long_ago):
                continue
            if own_data_before(self.low, start, 40) or re.search(
                r"(?<!\w)(?:ik ben|i was|ik werd)\s+", self.low[max(0, start - 40) : start]
            ):
                continue
            if not named_person(self.src, self.low, start - 80, end + 20) and not re.search(
                r"\b(?:van|of)\s+\w+", self.low[max(0, start - 40) : start]
            ):
                continue
            shown = f"{MASK * 2}-{MASK * 2}-{year}" if year else f"{MASK * 2}-{MASK * 2}"
            hits.append(
                self._take(
                    Hit(
                        "dob",
                        0.9,
                        f"geboortedatum van een genoemd persoon ({shown})",
                        start,
                        end,
                        (match.group(0),),
                    )
                )
            )
        return hits

    def grades(self) -> list[Hit]:
        """Another pupil's grade: a mark from 1 to 10 in a grade context ("heeft een 3,2", "een 8
        voor wiskunde", "gemiddeld 4,6"), whose owner is a named or pointed-at person rather than
        the writer ("ik had een 5") or nobody ("het gemiddelde was een 6,7")."""
        # A message about marks: a grade word, or marks compared ("mees een 8 en ik een 6").
        has_cue = (
            (self.has(self.lex.grade_cues) and self.lex.grade_cue_re.search(self.low) is not None)
            or len(_MARK_AFTER_EEN.findall(self.low)) >= 2
        )
        for match in _GRADE_NUMBER.finditer(self.low):
            start, end = match.span()
            before, after = self.low[max(0, start - 35) : start], self.low[end : end + 25]
            verb = _GRADE_VERB_BEFORE.search(before) or _GRADE_VERB_AFTER.match(after)
            subject = _GRADE_FOR.match(after)
            decimal = any(ch in match.group(0) for ch in ",.")
            # A decimal mark next to a grade verb, or in a message about grades ("cijfers",
            # "gemiddeld", "toets"); a whole number only as "een 8" after a grade verb
            # ("heeft 2 broers" counts brothers) or before "voor <vak>".
            # A whole number after "heeft/had" is a mark only in a message about marks.
            grade_verb = verb is not None and (
                has_cue or not _GRADE_ONLY_VERBS.isdisjoint(_WORD.findall(verb.group(0)))
            )
            if decimal:
                if not (verb or subject or has_cue):
                    continue
            elif not (subject or (grade_verb and re.search(r"(?:een|a|an)\s*$", before))):
                continue
            owner = self._grade_owner(start)
            if not (owner == "other" or (owner == "you" and self._addresses_someone())):
                continue
            return [self._take(Hit("grades", 0.85, "cijfer van een genoemde leerling", start, end, ()))]
        # A fail named without a number ("Ömer en Chaima hadden een onvoldoende").
        for match in _FAIL_MARK.finditer(self.low):
            if self._grade_owner(match.start()) == "other":
                return [self._take(Hit("grades", 0.8, "onvoldoende van een genoemde leerling",
                                       match.start(), match.end(), ()))]
        return []

    def _addresses_someone(self) -> bool:
        """Whether the message speaks to a named person: "noor je bent ...", "@sem ...", "... toch sem"."""
        words = _WORD.findall(self.low)
        return self.low.lstrip().startswith("@") or bool(
            words and (words[0] in self.lex.names or words[-1] in self.lex.names)
        )

    def _grade_owner(self, at: int) -> str:
        """Whose grade stands at ``at``: "self" (ik, mijn), "you" (je, jij), "other" (a name,
        hij/zij, de dochter van ...) or "" (nobody), from the nearest person word before it."""
        lex = self.lex
        lo = max(0, at - 90)
        words = list(_WORD.finditer(self.low, lo, at))
        for index in range(len(words) - 1, max(-1, len(words) - 12), -1):
            word = words[index].group(0)
            previous = words[index - 1].group(0) if index else ""
            if word in _SELF_WORDS:
                return "self"
            if word in _YOU_WORDS:
                return "you"
            if word in lex.names or word in _THIRD_PERSON:
                return "other"
            if word in lex.others:
                return "self" if previous in _POSSESSIVES_OWN else "other"
            if word in lex.not_names:
                continue
            following = words[index + 1].group(0) if index + 1 < len(words) else ""
            if following in _GRADE_VERBS and previous not in ("de", "het", "the", "een", "a"):
                # the subject of "chen got a 4"; "mijn rapport stond …" is the writer's own
                return "self" if previous in _POSSESSIVES_OWN else "other"
            pos = words[index].start()
            if self.src[pos : pos + 1].isupper() and len(self.src) == len(self.low):
                sentence_start = not self.src[:pos].strip() or _SENTENCE_END.search(self.src[:pos])
                if not sentence_start:
                    return "other"
        return ""

    def medical(self) -> list[Hit]:
        lex = self.lex
        hits: list[Hit] = []
        if self.reference:
            pattern = lex.medical_re
        else:
            present = lex.medical.in_text(self.words)
            if not present:
                return hits
            pattern = _medical_re(present)
        for match in pattern.finditer(self.low):
            start, end = match.span()
            term = match.group(0)
            # A curse compound ("kanker-x") is swearing, not a diagnosis ("eetstoornis-behandeling"
            # is one).
            if term in lex.curses and re.match(r"-[a-zà-ÿ]", self.low[end : end + 2]):
                continue
            # A disease that doubles as a curse is a diagnosis only after a word of having
            # ("heeft kanker"), not as a swear word ("kanker loser", "een ziekte voor de klas").
            if term in lex.curses and not _after_having(lex, self.low[:start]):
                continue
            # Lesson content ("hoe kanker ontstaat", "is een melanoom een soort huidkanker?").
            if lex.lesson_re.search(self.low, max(0, start - 100), end + 100):
                continue
            # A guess is no one's health data ("volgens mij is ze ...", "looks like she's got").
            if lex.hedge_re.search(self.low, max(0, start - 60), end + 20):
                continue
            # An appointment at a care place is an absence notice ("afspraak in het ziekenhuis").
            if lex.care_place_re.fullmatch(term) and lex.appointment_re.search(self.low):
                continue
            # A hospital is a stay only as "in/naar het ziekenhuis", not "het ziekenhuis gaat sluiten".
            if lex.care_place_re.fullmatch(term) and not _STAY_BEFORE.search(self.low, 0, start):
                continue
            before = self.low[max(0, start - 70) : start]
            if re.search(
                r"(?<!\w)(?:ik|i|i'm|ik ben|mijn|m'n|mn|my|wij|we)\s+"
                r"(?:heb|have|ben|am|has|zit|lig|was|had|ga|moet)?",
                before[-30:],
            ) and not re.search(
                r"(?<!\w)(?:mijn|my|m'n|mn)\s+(?:" + "|".join(sorted(lex.others)) + r")\b", before
            ):
                continue
            person = named_person(
                self.src, self.low, start - 70, end + 30
            ) or lex.third_person.search(before) or lex.someones_family_re.search(before)
            if not person:
                continue
            hits.append(
                self._take(
                    Hit(
                        "medical",
                        0.85,
                        f"medische informatie over een genoemd persoon ({mask_tail(term, 2)})",
                        start,
                        end,
                        (term,),
                    )
                )
            )
            break
        return hits


def _after_having(lex: Lexicon, before: str) -> bool:
    """Whether one of the two words before a disease says someone has it ("heeft kanker",
    "aan een ziekte")."""
    words = re.findall(r"[a-zà-ÿ]+", before[-40:])
    if words and words[-1] == "een":  # "een ziekte": the word before the article decides
        words = words[:-1]
    return not lex.having.isdisjoint(words[-2:])


_FAIL_MARK = re.compile(
    r"(?<!\w)(?:(?:een|an?)\s+(?:dikke\s+|big\s+)?(?:onvoldoende|fail)"
    # fails counted or filling a report: "vol onvoldoendes", "vijf onvoldoendes", "alleen maar rode cijfers"
    r"|(?:vol|alleen|maar|allemaal|twee|drie|vier|vijf|zes|zeven|acht|\d)\s+(?:onvoldoendes|rode\s+cijfers|fails)"
    # "staat voor alle vakken onvoldoende", "stond overal onvoldoende"
    r"|(?:staat|stond|staan|stonden)\s+(?:\w+\s+){0,4}?onvoldoende|onvoldoende\s+(?:staat|stond))(?!\w)"
)


@register
class PersonalDataPolicy(TextPolicy):
    """AVG: another person's contact details, identifiers, grades, health or login data."""

    name: ClassVar[str] = "personal_data"
    flag: ClassVar[str] = "personal_data"
    article: ClassVar[str] = articles.AVG
    order: ClassVar[int] = 5
    settings_model: ClassVar[type[PolicySettings]] = PersonalDataSettings

    def __init__(self, env=None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(env)
        lexicon()  # load and compile the word lists once, at build time, not on the first message

    def check_text(self, text: TextView, ctx: PolicyContext, event: MessageEvent) -> list[Finding]:
        if text.empty:
            return []
        settings = (
            ctx.settings
            if isinstance(ctx.settings, PersonalDataSettings)
            else PersonalDataSettings()
        )
        hits = detect(text, settings)
        if not hits:
            return []
        return [self._finding(category, group) for category, group in _by_category(hits).items()]

    def _finding(self, category: str, hits: list[Hit]) -> Finding:
        best = max(hits, key=lambda h: h.score)
        evidence = "; ".join(dict.fromkeys(h.evidence for h in hits))
        return Finding(
            policy=self.name,
            flag=self.flag,
            article=self.article,
            score=best.score,
            severity=best.severity,
            evidence=evidence,
            category=category,
            data={"category": category, "count": len(hits)},
        )


def _by_category(hits: list[Hit]) -> dict[str, list[Hit]]:
    out: dict[str, list[Hit]] = {}
    for hit in hits:
        out.setdefault(hit.category, []).append(hit)
    return out


def _allowed(hit: Hit, allow: list[str]) -> bool:
    for term in allow:
        folded = term.casefold().strip()
        digits = re.sub(r"\D", "", folded)
        for key in hit.keys:
            key_folded = key.casefold()
            if folded and folded in key_folded:
                return True
            if len(digits) >= 6 and digits in re.sub(r"\D", "", key_folded):
                return True
    return False


def detect(
    text: TextView, settings: PersonalDataSettings | None = None, *, reference: bool = False
) -> list[Hit]:
    """All personal-data hits in one message. ``reference=True`` searches every word list over
    the whole text (slower, the same hits: a property test holds the two together)."""
    settings = settings or PersonalDataSettings()
    found = Detectors(text, settings, reference)
    hits: list[Hit] = []
    # Preconditions that hold for every match of a detector: e-mail needs "@domain.", every number
    # (phone, IBAN, BSN, house number, date, grade) a digit. Most chat lines have neither.
    # Order matters: e-mail addresses and identifiers first claim their spans, so an IBAN's
    # digits are not also read as a phone number or an account name.
    if _AT_DOMAIN.search(found.src):
        hits += found.emails()
    if _DIGIT.search(found.src):
        hits += found.iban()
        hits += found.bsn()
        hits += found.phones()
    hits += found.handles()
    if _DIGIT.search(found.src):
        hits += found.addresses()
        hits += found.dob()
    if _DIGIT.search(found.src) or _FAIL_MARK.search(found.low):  # "een 4,1", "een onvoldoende"
        hits += found.grades()
    hits += found.credentials()
    hits += found.medical()
    wanted = set(settings.categories)
    return [h for h in hits if h.category in wanted and not _allowed(h, settings.allow)]
