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
from pathlib import Path
from typing import ClassVar, NamedTuple

import phonenumbers
from phonenumbers import PhoneNumberType
from pydantic import Field
from stdnum import iban as stdnum_iban
from stdnum.nl import bsn as stdnum_bsn

from core.events import MessageEvent
from core.findings import ActionKind, Finding, Severity
from policies import articles
from policies.base import PolicyContext, PolicySettings, TextPolicy
from policies.normalize import non_ascii_chars
from policies.registry import register
from policies.text import TextView

LEXICON_DIR = Path(__file__).parent / "lexicons"
MASK = "•"

MEDIUM_CATEGORIES = ("phone_number", "email", "dob", "grades", "handle", "iban")
HIGH_CATEGORIES = ("home_address", "bsn", "medical", "password")
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


_ALL_WORD_CHARS = re.compile(r"\w+")


def _trie(words: Iterable[str]) -> str:
    """An alternation of ``words`` with shared beginnings factored out (``s(?:traat|teeg)``).

    Matches the same strings as ``a|b|c`` (not always the same one of two overlapping words, so
    only for yes/no searches); the engine tries one branch per letter instead of every word.
    """
    unique = sorted(set(words))
    if "" in unique:
        rest = [w for w in unique if w]
        return f"(?:{_trie(rest)})?" if rest else ""
    heads: dict[str, list[str]] = {}
    for word in unique:
        heads.setdefault(word[0], []).append(word[1:])
    branches = [re.escape(head) + _trie(tails) for head, tails in heads.items()]
    return branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"


def _token_end_re(suffixes: Iterable[str]) -> re.Pattern[str]:
    """Finds a ``\\w+`` token ending in one of ``suffixes``: one regex search over the text instead
    of ``token.endswith(suffixes)`` for every token. A suffix with a non-word character can never
    end a ``\\w+`` token, so it is left out (it could not match token by token either)."""
    usable = [s for s in suffixes if _ALL_WORD_CHARS.fullmatch(s)]
    if not usable:
        return re.compile(r"(?!x)x")  # matches nothing
    return re.compile(rf"{_trie(usable)}(?!\w)")


@dataclass(frozen=True)
class Lexicon:
    names: frozenset[str]
    not_names: frozenset[str]
    others: frozenset[str]
    third_person: re.Pattern[str]
    medical_words: frozenset[str]
    medical_suffixes: tuple[str, ...]
    medical_end_re: re.Pattern[str]
    medical_re: re.Pattern[str]
    lesson_re: re.Pattern[str]
    role_mailboxes: frozenset[str]
    freemail: frozenset[str]
    school_hints: frozenset[str]
    organisation_re: re.Pattern[str]
    street_suffixes: tuple[str, ...]
    street_end_re: re.Pattern[str]
    english_street_words: frozenset[str]
    street_re: re.Pattern[str]
    english_street_re: re.Pattern[str]
    not_streets: frozenset[str]
    home_re: re.Pattern[str]
    venue_re: re.Pattern[str]
    credential_words: frozenset[str]
    credential_re: re.Pattern[str]
    not_values: frozenset[str]
    shared_re: re.Pattern[str]
    account_words: frozenset[str]
    account_re: re.Pattern[str]
    expose_re: re.Pattern[str]
    birth_re: re.Pattern[str]
    birthday_re: re.Pattern[str]
    grade_cue_re: re.Pattern[str]
    grade_cues: frozenset[str]


# Words that start multi-word street names ("Mr. Jansenlaan", "Van Goghstraat", "Lange Voorhout").
_STREET_PREFIXES = (
    "mr|dr|prof|burg|burgemeester|van|de|der|den|ter|ten|st|sint|koning|koningin|prins|prinses"
    "|graaf|jan|oude|nieuwe|korte|lange|grote|kleine|hoge|lage|generaal|pater|kapelaan"
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
    street = re.compile(
        rf"(?<![\w@])((?:(?:{_STREET_PREFIXES})\.?[ -]){{0,3}}[a-zà-ÿ'-]*"
        rf"(?:{_alternation(suffixes)}))"
        r"\s+(\d{1,4})(?:\s?[a-z](?![\w])|-\d{1,3}|\s?(?:hs|bis)\b)?(?![\d,.]\d|\w|\s?%|\s?(?:uur|min))"
    )
    # "12 Baker Street". Written digit-first: the "not after a word character" check comes after
    # the first digit, so the regex engine skips straight to digits (same matches as a leading
    # (?<![\w@]) would give).
    english = re.compile(
        r"(\d(?<![\w@]\d)\d{0,3})\s+((?:[a-z]+\s){1,3})"
        rf"(?:{_alternation(addr['english_street_words'])})\b"
    )
    medical_words = {w for w in med["words"] if " " not in w}
    return Lexicon(
        names=frozenset(names),
        not_names=frozenset(people["not_names"]),
        others=frozenset(people["others"]),
        third_person=_words_re(people["third_person"]),
        medical_words=frozenset(medical_words),
        medical_suffixes=tuple(med["suffixes"]),
        medical_end_re=_token_end_re(med["suffixes"]),
        medical_re=re.compile(
            rf"(?<![\w-])(?:{_alternation(med['words'])}|[a-zà-ÿ]*(?:{_alternation(med['suffixes'])}))"
            r"(?![\w])"
        ),
        lesson_re=_words_re(med["lesson"]),
        role_mailboxes=frozenset(contact["role_mailboxes"]),
        freemail=frozenset(contact["freemail"]),
        school_hints=frozenset(contact["school_domain_hints"]),
        organisation_re=_words_re(contact["organisation"]),
        street_suffixes=tuple(suffixes),
        street_end_re=_token_end_re(suffixes),
        english_street_words=frozenset(addr["english_street_words"]),
        street_re=street,
        english_street_re=english,
        not_streets=frozenset(addr["not_streets"]),
        home_re=_words_re(addr["home_cues"]),
        venue_re=_words_re(addr["venue_cues"]),
        credential_words=frozenset(cred["cues"]),
        credential_re=_words_re(cred["cues"]),
        not_values=frozenset(cred["not_values"]),
        shared_re=_words_re(cred["shared"]),
        account_words=frozenset(handles["account_cues"]),
        account_re=_words_re(handles["account_cues"]),
        expose_re=_words_re(handles["expose_cues"]),
        birth_re=_words_re(data["dates"]["birth_cues"]),
        birthday_re=_words_re(data["dates"]["birthday_cues"]),
        grade_cue_re=_words_re(data["grades"]["cues"]),
        grade_cues=frozenset(data["grades"]["cues"]),
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

_OWN_RE = re.compile(
    r"(?<!\w)(?:mijn|m'n|mn|my|onze|ons|our)\s+(?:eigen\s+|nieuwe\s+|mobiele\s+|privé\s+|prive\s+"
    r"|new\s+|own\s+|persoonlijke\s+|personal\s+|werk\s+|work\s+)?"
    r"(?:telefoon)?(?:nummer|nr|06|mobiel|mail|mailadres|e-?mail(?:adres)?|adres|address|number"
    r"|phone|cell|mobile|insta|account|iban|rekening(?:nummer)?|bankrekening|handle|snap"
    r"|wachtwoord|password|inlog|login|huis|house)(?!\w)"
    r"|(?<!\w)(?:bel|app|mail|sms|whatsapp|text|call|email|contact|reach|bereik|ping|appen|bellen)"
    r"\s+(?:me|mij|ons|us)(?!\w)"
    r"|(?<!\w)(?:ik\s+ben|ben\s+ik|we\s+zijn|wij\s+zijn|zijn\s+we)\s+(?:\w+\s+){0,3}bereikbaar(?!\w)"
    r"|(?<!\w)(?:me|mij|ons)\s+(?:\w+\s+){0,4}(?:te\s+)?bereiken(?!\w)|(?<!\w)ik\s+woon(?!\w)|(?<!\w)wij\s+wonen"
    r"|(?<!\w)we\s+wonen|(?<!\w)i\s+live(?!\w)|(?<!\w)we\s+live(?!\w)|(?<!\w)bij\s+(?:ons|mij)"
    r"(?:\s+thuis)?(?!\w)|(?<!\w)me\s+(?:op|via|at|on)(?!\w)|(?<!\w)ik\s+ben\s+(?:op|via)(?!\w)"
    r"|(?<!\w)(?:hier|here)\s+(?:is|zijn)\s+(?:mijn|my)(?!\w)"
)
_SENTENCE_END = re.compile(r"[.!?:;\n]\s*$")
_CAP_WORD = re.compile(r"(?<![\w'’@.-])([A-ZÀ-Ý][a-zà-ÿ]+)(?:['’]s)?(?![\w@])")
_POSSESSIVE = re.compile(
    r"(?<![\w@])([a-zà-ÿ]{2,})['’]s(?!\w)|(?<![\w@])([a-zà-ÿ]{2,})s(?=\s+(?:nummer|06|adres|mail|email|insta|account|wachtwoord|inlog|cijfer|cijfers|bsn)\b)"
)
_WORD = re.compile(r"[a-zà-ÿ]+")
_OPENER_VERB = re.compile(
    r"^\s*([A-ZÀ-Ý][a-zà-ÿ]+)\s+(?:is|heeft|had|zit|ligt|woont|was|has|kreeg|haalde|gaat|moet|mag"
    r"|krijgt|werd|wordt|got|gets|lives|scored)\b"
)


def own_data_before(low: str, start: int, window: int = 60) -> bool:
    """Whether the words before a value say it is the writer's own ("mijn nummer", "bel me")."""
    for match in _OWN_RE.finditer(low[max(0, start - window) : start]):
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


def _ascii_digit_pattern(pattern: str) -> str:
    """``pattern`` with ``\\d`` read as ASCII digits only (``0-9`` inside a class, ``[0-9]``
    outside one)."""
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            pair = pattern[i : i + 2]
            out.append(("0-9" if in_class else "[0-9]") if pair == r"\d" else pair)
            i += 2
            continue
        if ch == "[" and not in_class:
            in_class = True
            if pattern.startswith("^]", i + 1) or pattern.startswith("]", i + 1):
                skip = 3 if pattern[i + 1] == "^" else 2  # a "]" first is a literal
                out.append(pattern[i : i + skip])
                i += skip
                continue
        elif ch == "]" and in_class:
            in_class = False
        out.append(ch)
        i += 1
    return "".join(out)


class DigitScan:
    """A regex in two forms: as written, and with ``\\d`` as ASCII digits only.

    On text whose only digits are ASCII (nearly all text) both find the same matches, and the
    ASCII form scans several times faster: a range test per character instead of a Unicode
    category lookup, which matters on a long paste.
    """

    def __init__(self, pattern: str) -> None:
        self.unicode = re.compile(pattern)
        self.ascii = re.compile(_ascii_digit_pattern(pattern))

    def on(self, ascii_digits: bool) -> re.Pattern[str]:
        return self.ascii if ascii_digits else self.unicode


# Below this length a non-ASCII text is scanned with ``\d`` as written: finding out whether its
# digits are all ASCII would cost more than it saves.
_ASCII_DIGITS_CHECK_MIN = 1_000


def ascii_digits_only(text: str) -> bool:
    """Whether every ``\\d`` character of ``text`` is an ASCII digit (known cheaply: ASCII text,
    or a long text whose distinct non-ASCII characters hold no decimal digit)."""
    if text.isascii():
        return True
    if len(text) < _ASCII_DIGITS_CHECK_MIN:
        return False
    return not any(ch.isdecimal() for ch in non_ascii_chars(text))


_DIGIT_RUN = re.compile(r"\d")
# A BSN-shaped number not glued to other digits, amounts or codes. Written digit-first (the "not
# after [\d.,€$-]" check sits after the first digit) so the regex engine skips straight to digits
# in a long paste; it matches what (?<![\d.,€$-])(\d{9}|\d{4}\.\d{2}\.\d{3}|...) matches.
_BSN = DigitScan(
    r"\d(?<![\d.,€$-]\d)(?:\d{8}|\d{3}\.\d{2}\.\d{3}|\d{2}[ .-]\d{3}[ .-]\d{3}"
    r"|\d[ .]\d{3}[ .]\d{2}[ .]\d{2})(?!\d|[.,]\d)"
)
_POSTCODE = re.compile(
    r"(?<![\w-])([1-9]\d{3})\s?([A-Z]{2})(?![\w])|(?<![\w-])([1-9]\d{3})([a-z]{2})(?![\w])"
)
_FOUR_DIGITS = re.compile(r"[1-9]\d{3}")  # every _POSTCODE match holds one; far cheaper to find
@lru_cache(maxsize=8)
def _suffix_space_digit(suffixes: tuple[str, ...]) -> DigitScan:
    """A digit after whitespace that follows one of ``suffixes`` or after two whitespace
    characters (a wider gap is checked in Python: rare).

    Digit first, then fixed-width look-behinds (one per suffix length), so the engine skips to
    digits and tests the few characters before each in C; a loop in Python over every digit of a
    long paste cost a millisecond.
    """
    by_length: dict[int, list[str]] = {}
    for suffix in suffixes:
        by_length.setdefault(len(suffix), []).append(re.escape(suffix))
    behind = [
        rf"(?<=(?:{'|'.join(sorted(group))})\s\d)" for _, group in sorted(by_length.items())
    ]
    behind.append(r"(?<=\s\s\d)")
    return DigitScan(r"\d(?:" + "|".join(behind) + ")")


def _street_number(low: str, suffixes: tuple[str, ...], ascii_digits: bool = False) -> bool:
    """Whether "<street suffix><whitespace><digit>" occurs: every ``street_re`` match holds one.
    ``ascii_digits``: ``low`` has no other digits (``ascii_digits_only``)."""
    for match in _suffix_space_digit(suffixes).on(ascii_digits).finditer(low):
        end = match.start()
        if not low[end - 2].isspace():
            return True  # a suffix, one whitespace character, the digit
        while end > 0 and low[end - 1].isspace():
            end -= 1
        if low.endswith(suffixes, 0, end):
            return True
    return False


# What every "<name> heeft een <grade>" match holds from its verb on, one regex per verb: a
# literal first lets the engine find the verb with a substring search instead of trying the
# alternation after every space of a long paste. The look-behind wants the space before the verb.
_GRADE_VERBS = ("heeft", "had", "kreeg", "haalde", "scoorde", "staat", "has", "got", "scored",
                "gets", "krijgt")  # fmt: skip
_GRADE_VERB = {
    verb: re.compile(
        rf"{verb}(?<=\s{verb})\s+(?:ook\s+|maar\s+|weer\s+|echt\s+|gewoon\s+|nog\s+)?"
        r"(?:een|a|an)?\s*(?:10|[1-9]|onvoldoende)"
    )
    for verb in _GRADE_VERBS
}


def _grade_verb(low: str, tokens: frozenset[str]) -> bool:
    """Whether "<space><grade verb> (een) <grade>" occurs. A verb between spaces is a token of the
    message, so only the verbs among its tokens are looked for."""
    return any(_GRADE_VERB[verb].search(low) for verb in tokens.intersection(_GRADE_VERB))


# A phone number candidate is a digit, 7+ digits or separators, a digit. (Only used as a yes/no gate:
# starting the pattern with the digit class lets the regex engine skip ahead to the next digit.)
_PHONE_CANDIDATE = DigitScan(r"\d[\d \-.()/]{7,}\d")
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
        self, text: TextView, settings: PersonalDataSettings, forms: Forms | None = None
    ) -> None:
        # ``forms``: when the caller computed them already (``_nfkc_forms``).
        self.src, self.low, self.ascii_digits = forms or _nfkc_forms(text)
        self.tokens = text.tokens
        self.token_set = text.token_set
        self.settings = settings
        self.lex = lexicon()
        self.taken: list[tuple[int, int]] = []

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
            if not stdnum_iban.is_valid(compact) or compact in school:
                continue
            start, end = match.span()
            self.taken.append((start, end))  # the digits inside are not a phone number or BSN
            before = self.low[max(0, start - 60) : start]
            after = self.low[end : end + 60]
            if own_data_before(self.low, start) or re.search(
                r"(?:t\.?n\.?v\.?|ten name van|op naam van|in the name of)\s+(?:de\s+|het\s+)?"
                r"(?:school|stichting|vereniging|ouderraad|ouderfonds|ouderbijdrage|mr|college|lyceum|gymnasium)",
                after + " " + before,
            ):
                continue
            evidence = (
                f"IBAN {compact[:2]}{MASK * 2} {MASK * 4} {MASK * 4} {MASK * 2}{compact[-2:]}"
            )
            hits.append(Hit("iban", 0.95, evidence, start, end, (raw, compact)))
        return hits

    def phones(self) -> list[Hit]:
        hits: list[Hit] = []
        if not _PHONE_CANDIDATE.on(self.ascii_digits).search(self.src):
            return hits
        school = {n for n in (_e164(x) for x in self.settings.school_numbers) if n}
        for match in phonenumbers.PhoneNumberMatcher(
            self.src, "NL", leniency=phonenumbers.Leniency.POSSIBLE
        ):
            start, end = match.start, match.end
            # The writer's own number ("bel me op ...") is checked first: our regex costs far
            # less than phonenumbers' validation and typing, which would not change the outcome.
            if not self._free(start, end) or own_data_before(self.low, start):
                continue
            number = match.number
            if not phonenumbers.is_valid_number(number) and not self._plausible(
                match.raw_string, number, start, end
            ):
                continue
            kind = phonenumbers.number_type(number)
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

    def _plausible(self, raw: str, number: phonenumbers.PhoneNumber, start: int, end: int) -> bool:
        """A number phonenumbers does not know yet but people clearly write as a phone number:
        a Dutch mobile (06 + 8 digits, new ranges included) or an international number next to a
        phone word."""
        national = str(number.national_number)
        if number.country_code == 31 and len(national) == 9 and national.startswith("6"):
            return True
        return (
            raw.lstrip().startswith(("+", "00"))
            and phonenumbers.is_possible_number(number)
            and bool(
                _PHONE_WORDS.search(self.low, max(0, start - 40), min(len(self.low), end + 30))
            )
        )

    def bsn(self) -> list[Hit]:
        hits = []
        for match in _BSN.on(self.ascii_digits).finditer(self.src):
            start, end = match.span()
            digits = re.sub(r"\D", "", match.group(0))
            if not self._free(start, end) or not stdnum_bsn.is_valid(digits):
                continue
            cue = re.search(
                r"(?<!\w)(?:bsn|burgerservicenummer|sofi(?:nummer)?|citizen service number)(?!\w)",
                self.low,
            )
            other = re.search(
                r"(?<!\w)(?:kenmerk|betalingskenmerk|factuur|factuurnummer|order|ordernummer|bestel\w*"
                r"|klantnummer|ticket\w*|referentie|leerlingnummer|studentnummer|pasnummer|kaart\w*"
                r"|ov-?\w*|tracking|zending|pakket|polis\w*|dossier\w*|€|eur|euro)(?!\w)",
                self.low[max(0, start - 40) : end + 20],
            )
            if not cue and other:
                continue
            if own_data_before(self.low, start):
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
    def _street_number(self, low: str) -> bool:
        return _street_number(low, self.lex.street_suffixes, self.ascii_digits)

    def addresses(self) -> list[Hit]:
        hits = []
        lex = self.lex
        low = self.low
        candidates: list[tuple[int, int, str, bool]] = []  # start, end, masked, has postcode
        postcodes = _POSTCODE.finditer(self.src) if _FOUR_DIGITS.search(self.src) else ()
        for match in postcodes:
            letters = (match.group(2) or match.group(4) or "").upper()
            if letters in ("SA", "SD", "SS"):
                continue
            start, end = match.span()
            if not self._free(start, end):
                continue
            # A postcode alone is a neighbourhood; with a house number nearby it is a home.
            if re.search(r"\d", self.src[max(0, start - 40) : start] + self.src[end : end + 12]):
                code = match.group(1) or match.group(3)
                candidates.append((start, end, f"{code[:2]}{MASK * 2} {MASK * 2}", True))
        streets = lex.street_re.finditer(low) if self._street_number(low) else ()
        for match in streets:
            name = match.group(1).strip()
            last = name.split()[-1] if name.split() else name
            if last in lex.not_streets or len(last) < 5:
                continue
            start, end = match.span()
            if self._free(start, end):
                candidates.append((start, end, f"{last.capitalize()} {MASK * 2}", False))
        for match in lex.english_street_re.finditer(low):
            start, end = match.span()
            if self._free(start, end):
                candidates.append(
                    (start, end, f"{MASK * 2} {match.group(2).strip().title()} ...", False)
                )
        if not candidates:
            return hits
        start = min(c[0] for c in candidates)
        end = max(c[1] for c in candidates)
        if own_data_before(low, start, 40):
            return hits
        has_postcode = any(c[3] for c in candidates)
        home = self.near(lex.home_re, start, end, 60)
        venue = self.near(lex.venue_re, start, end, 40)
        person = named_person(self.src, low, start - 60, end + 40)
        strong_home = self._home_of_person(max(0, start - 60), start)
        if (
            strong_home
            or (home and person and not venue)
            or (home and not venue)
            or (has_postcode and not venue and person)
        ):
            masked = ", ".join(c[2] for c in sorted(candidates))
            score = 0.92 if (strong_home or has_postcode) else 0.85
            hits.append(
                self._take(
                    Hit(
                        "home_address", score, f"adres {masked}", start, end, (self.src[start:end],)
                    )
                )
            )
        return hits

    def _home_of_person(self, lo: int, hi: int) -> bool:
        """ "adres van Jesse", "Lisa woont op", "het huis van noah": a named person's home."""
        lex = self.lex
        for match in re.finditer(
            r"(?:adres|address|huis|house)\s+(?:is\s+)?(?:van|of)\s+([\w]+)|([\w]+)(?:['’]s)?\s+"
            r"(?:woont|lives|huis|house|adres|address)(?!\w)",
            self.low[lo:hi],
        ):
            word = match.group(1) or match.group(2)
            if word in lex.names:
                return True
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
            if own_data_before(self.low, start):
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
        hits = []
        for match in re.finditer(
            r"(?<![\w.@])@([a-z0-9_](?:[a-z0-9_.]{1,28}[a-z0-9_]))(?![\w@])", self.low
        ):
            start, end = match.span()
            if not self._free(start, end):
                continue
            window = self.low[max(0, start - 80) : min(len(self.low), end + 80)]
            if not self.lex.account_re.search(window) and not re.search(
                r"\b(?:ig|insta|snap|tiktok)\b", window
            ):
                continue
            if own_data_before(self.low, start, 50) or (
                self.near(self.lex.organisation_re, start, end, 40)
                and not named_person(self.src, self.low, start - 60, start)
            ):
                continue
            exposing = self.lex.expose_re.search(window) is not None
            person = named_person(self.src, self.low, start - 80, start)
            if not (exposing or person):
                continue
            evidence = f"account @{mask_tail(match.group(1), 2)}"
            hits.append(
                self._take(
                    Hit(
                        "handle",
                        0.85 if exposing else 0.75,
                        evidence,
                        start,
                        end,
                        (match.group(0),),
                    )
                )
            )
        return hits

    # -- words and patterns about a person
    def credentials(self) -> list[Hit]:
        hits = []
        lex = self.lex
        for cue in lex.credential_re.finditer(self.low):
            start = cue.start()
            tail = self.src[cue.end() : cue.end() + 80]
            value = re.match(
                r"(?:\s+[\w'’.-]+){0,6}?"
                r"\s*(?:is|was|=|:|->|is\s*:)\s*[\"'“]?(?P<v>[^\s\"'”,;]{3,})"
                r"(?:\s*/\s*(?P<v2>[^\s\"'”,;]{3,}))?",
                tail,
            )
            if not value:
                continue
            secret = value.group("v2") or value.group("v")
            secret_clean = secret.rstrip(".!?)")
            if secret_clean.casefold() in lex.not_values or len(secret_clean) < 3:
                continue
            looks_secret = (
                bool(re.search(r"\d|[^\w]|[A-Z].*[a-z]|[a-z].*[A-Z]", secret_clean))
                or len(secret_clean) >= 5
            )
            if not looks_secret:
                continue
            if own_data_before(self.low, start + 1, 25) or lex.shared_re.search(
                self.low, max(0, start - 25), cue.end() + 5
            ):
                continue
            end = cue.end() + value.end()
            evidence = f"wachtwoord/inlog {mask_tail(secret_clean, 1)}"
            hits.append(
                self._take(Hit("password", 0.9, evidence, start, end, (secret_clean, cue.group(0))))
            )
        return hits

    _DATE = re.compile(
        r"(?<!\d)(?:(?P<d>[0-3]?\d)[-/.](?P<m>[01]?\d)[-/.](?P<y>(?:19|20)\d{2})"
        r"|(?P<d2>[0-3]?\d)(?:e|ste|de|th|st|nd|rd)?\s+(?P<mn>jan(?:uari|uary)?|feb(?:ruari|ruary)?|maart|march|mrt|apr(?:il)?|mei|may|jun[ie]?|jul[iy]?|aug(?:ustus|ust)?|sep(?:t(?:ember)?)?|okt(?:ober)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?(?:\s+(?P<y2>(?:19|20)\d{2}))?"
        r"|(?P<mn3>january|february|march|april|may|june|july|august|september|october|november|december)\s+(?P<d3>[0-3]?\d)(?:st|nd|rd|th)?,?\s+(?P<y3>(?:19|20)\d{2}))(?!\d)"
    )

    def dob(self) -> list[Hit]:
        hits = []
        for match in self._DATE.finditer(self.low):
            start, end = match.span()
            year = match.group("y") or match.group("y2") or match.group("y3")
            # Historical figures in a history lesson ("geboren op 24 april 1533").
            if (year and int(year) < 1940) or (
                not year and re.match(r"\s+\d{3,4}\b", self.low[end:])
            ):
                continue
            birth = self.lex.birth_re.search(
                self.low, max(0, start - 40), start
            ) or self.lex.birth_re.search(self.low, end, end + 10)
            birthday = year and self.lex.birthday_re.search(self.low, max(0, start - 40), start)
            if not (birth or birthday):
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

    _GRADE = r"(?:10|[1-9])(?:[.,]\d{1,2})?"

    def _grade_cue(self) -> bool:
        """A grade word ("cijfer", "uitslag"): each is a whole token, so the token set answers
        first and the regex only confirms (it costs a millisecond on a long paste)."""
        return not self.token_set.isdisjoint(self.lex.grade_cues) and bool(
            self.lex.grade_cue_re.search(self.low)
        )

    def grades(self) -> list[Hit]:
        lex = self.lex
        # "milan heeft een 2,8 voor wiskunde", "Sanne got a 4.5 on the test"
        pattern = re.compile(
            r"(?<![\w@])([a-zà-ÿ]+)(?:['’]s)?\s+(?:heeft|had|kreeg|haalde|scoorde|staat|has|had|got|scored|gets|krijgt)"
            r"\s+(?:ook\s+|maar\s+|weer\s+|echt\s+|gewoon\s+|nog\s+)?(?:een|a|an)?\s*"
            rf"({self._GRADE}|onvoldoende|onvoldoendes)(?![\w%]|[.,]\d)"
            r"(?!\s*(?:uur|min|euro|punten van|keer|x\b))"
        )
        hits = []
        # Every match holds a _GRADE_VERB match (from its verb on): cheap to look for.
        matches = pattern.finditer(self.low) if _grade_verb(self.low, self.token_set) else ()
        for match in matches:
            subject = match.group(1)
            if subject in lex.not_names or subject in ("ik", "i", "je", "jij", "you", "we", "wij"):
                continue
            is_person = (
                subject in lex.names
                or subject in ("hij", "zij", "he", "she")
                or named_person(self.src, self.low, match.start(), match.start() + len(subject) + 3)
            )
            if not is_person:
                continue
            # A grade needs a school context: "voor wiskunde", a subject, a test or the grade words.
            context = self.low[match.end() : match.end() + 40]
            if not (
                re.match(r"\s*(?:voor|for|op|on|bij|in)\b", context)
                or self._grade_cue()
                or re.search(r"toets|proefwerk|so\b|test|exam", self.low)
            ):
                continue
            start, end = match.span()
            hits.append(
                self._take(
                    Hit(
                        "grades",
                        0.85,
                        "cijfer van een genoemde leerling",
                        start,
                        end,
                        (match.group(0),),
                    )
                )
            )
        if hits:
            return hits[:1]
        # "Cijfers: Sem 6,4, Tess 8,0, Milan 5,2" — a list of names with grades.
        if self._grade_cue():
            pairs = [
                m
                for m in re.finditer(
                    rf"(?<![\w@])([A-Za-zà-ÿ]+)\s*[:=-]?\s+({self._GRADE})(?![\w%]|[.,]\d)",
                    self.src,
                )
                if m.group(1).casefold() not in lex.not_names
                and (m.group(1).casefold() in lex.names or m.group(1)[0].isupper())
            ]
            if len(pairs) >= 2:
                start, end = pairs[0].start(), pairs[-1].end()
                hits.append(
                    self._take(
                        Hit(
                            "grades",
                            0.9,
                            f"cijfers van {len(pairs)} genoemde leerlingen",
                            start,
                            end,
                            (),
                        )
                    )
                )
        return hits

    def medical(self) -> list[Hit]:
        lex = self.lex
        hits = []
        for match in lex.medical_re.finditer(self.low):
            start, end = match.span()
            term = match.group(0)
            # Lesson content ("hoe kanker ontstaat", "is een melanoom een soort huidkanker?").
            if lex.lesson_re.search(self.low, max(0, start - 50), end + 50):
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
            ) or lex.third_person.search(before)
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


# Two letters and two digits ("NL91"), written digit-first so the engine skips to digits.
_IBAN_GATE = DigitScan(r"\d(?<=[A-Za-z]{2}\d)\d")
_POSTCODE_GATE = DigitScan(r"\d\d{3}\s?[A-Za-z]{2}(?![A-Za-z])")  # \d first: a skip-ahead prefix
_BIRTH_TOKENS = frozenset(
    [
        "geboren",
        "geb",
        "geboortedatum",
        "geboortedag",
        "born",
        "dob",
        "birth",
        "birthdate",
        "birthday",
        "verjaardag",
        "jarig",
    ]
)


_ASCII_DIGITS = "0123456789"
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _has_digits(text: str, at_least: int) -> bool:
    """Whether ``text`` holds ``at_least`` characters for which ``str.isdigit`` is true.

    ASCII digits are counted in C (``str.count``); of the rest only the non-ASCII characters can
    be digits (other scripts' digits, superscripts), so only those are tested one by one.
    """
    count = sum(map(text.count, _ASCII_DIGITS))
    if count >= at_least or text.isascii():
        return count >= at_least
    # Each non-ASCII character takes at least two bytes in UTF-8: when even all of them together
    # could not make up the rest ("€5"), no scan is needed.
    if count + len(text.encode("utf-8", "surrogatepass")) - len(text) < at_least:
        return False
    count += sum(ch.isdigit() for ch in _NON_ASCII.findall(text))
    return count >= at_least


_GATE_CACHE_SIZE = 50_000

# Which detector a token can open the gate for (bit flags, see ``_TokenGates``).
_MEDICAL, _CREDENTIAL, _STREET_END, _ENGLISH_STREET, _BIRTH, _GRADE_CUE, _GRADE_VERB_WORD = (
    1 << n for n in range(7)
)


class _TokenGates:
    """The gates a message's tokens open, remembered per token.

    Each gate is a question about single tokens (a medical word or ending, a login cue, a street
    ending, a birth or grade word). Chat repeats its words, so after a short warm-up a message is
    answered by one dictionary lookup per distinct token instead of a set test per gate and a
    ``str.endswith`` per token for the endings.
    """

    def __init__(self, lex: Lexicon) -> None:
        self.lex = lex
        self._flags: dict[str, int] = {}

    def _of(self, token: str) -> int:
        lex = self.lex
        flags = 0
        if token in lex.medical_words or token.endswith(lex.medical_suffixes):
            flags |= _MEDICAL
        if token in lex.credential_words:
            flags |= _CREDENTIAL
        if token.endswith(lex.street_suffixes):
            flags |= _STREET_END
        if token in lex.english_street_words:
            flags |= _ENGLISH_STREET
        if token in _BIRTH_TOKENS:
            flags |= _BIRTH
        if token in lex.grade_cues:
            flags |= _GRADE_CUE
        if token in _GRADE_VERB:
            flags |= _GRADE_VERB_WORD
        return flags

    def of(self, tokens: frozenset[str]) -> int:
        """The union of the tokens' flags."""
        known = self._flags  # a reset swaps the attribute; this dict stays whole for this call
        if len(known) >= _GATE_CACHE_SIZE:
            self._flags = {}  # bounded; a cold start is cheap
        found = 0
        for token in tokens:
            flags = known.get(token)
            if flags is None:
                flags = known[token] = self._of(token)
            found |= flags
        return found


@lru_cache(maxsize=1)
def _token_gates() -> _TokenGates:
    return _TokenGates(lexicon())


class Forms(NamedTuple):
    """The NFKC text the detectors read, its lower case, and whether its digits are all ASCII."""

    src: str
    low: str
    ascii_digits: bool


def _nfkc_forms(text: TextView) -> Forms:
    """For ASCII text these are the view's ``original`` and ``normalized`` (no Unicode pass)."""
    original = text.original
    if original.isascii():
        return Forms(original, text.normalized, True)
    src = unicodedata.normalize("NFKC", original)
    # Lower-casing leaves digits alone and makes none, so ``low`` has the digits of ``src``.
    return Forms(src, src.lower(), ascii_digits_only(src))


def detect(text: TextView, settings: PersonalDataSettings | None = None) -> list[Hit]:
    """All personal-data hits in one message (cheap gates first: most messages stop here)."""
    settings = settings or PersonalDataSettings()
    original = text.original
    has_digit = _DIGIT_RUN.search(original) is not None
    has_at = "@" in original
    lex = lexicon()
    # Gates on the message's tokens (one cached lookup per token) and cheap tests of its text.
    tokset = text.token_set
    gates = _token_gates().of(tokset)
    has_medical = bool(gates & _MEDICAL)
    has_credential = bool(gates & _CREDENTIAL)
    if not (has_digit or has_at or has_medical or has_credential):
        return []
    # Finer gates: each detector's regexes only run when its cheap precondition holds. The NFKC
    # forms (a Unicode pass over the text) are made once, and only when a gate needs them.
    forms: Forms | None = None
    ids = has_digit and _has_digits(original, 8)
    plain = has_digit and ascii_digits_only(original)  # scans may read \d as [0-9]
    # A street name counts only when a house number follows it ("herinnering 3" has "ring").
    addresses = has_digit and (
        _POSTCODE_GATE.on(plain).search(original) is not None or bool(gates & _ENGLISH_STREET)
    )
    if has_digit and not addresses and gates & _STREET_END:
        forms = _nfkc_forms(text)
        addresses = _street_number(forms.low, lex.street_suffixes, forms.ascii_digits)
    dob = has_digit and bool(gates & _BIRTH)
    # "<name> heeft een 6" (a grade verb before a grade) or a grade word ("cijfers: ...").
    grades = has_digit and bool(gates & _GRADE_CUE)
    if has_digit and not grades and gates & _GRADE_VERB_WORD:
        forms = forms or _nfkc_forms(text)
        grades = _grade_verb(forms.low, tokset)
    if not (has_at or ids or addresses or dob or grades or has_medical or has_credential):
        return []
    found = Detectors(text, settings, forms)
    wanted = set(settings.categories)
    hits: list[Hit] = []
    # Order matters: validated identifiers first claim their spans, so an IBAN's digits are not
    # also read as a phone number.
    if has_at:
        hits += found.emails()
        hits += found.handles()
    if ids:
        if _IBAN_GATE.on(plain).search(original):
            hits += found.iban()
        hits += found.bsn()
        hits += found.phones()
    if addresses:
        hits += found.addresses()
    if dob:
        hits += found.dob()
    if grades:
        hits += found.grades()
    if has_credential:
        hits += found.credentials()
    if has_medical:
        hits += found.medical()
    return [h for h in hits if h.category in wanted and not _allowed(h, settings.allow)]
