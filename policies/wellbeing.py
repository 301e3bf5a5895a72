"""A member who may be at risk of harming themself: a quiet signal to those who care (A.11).

Not a violation, so nothing happens in the group: no reminder, no deletion. The finding goes to the
confidential adviser alone (the group's moderators only without a reachable adviser), who can
reach out; it never opens an incident others see.

Read on the same clause/lemma layer as the harassment rule (``policies.language``) with the same
data: the writer (first person) × a self-harm predicate (``[self_harm]``, ``[despair]`` and
``[unsafe]``, a child unsafe at home, in ``lexicons/<lang>/predicates.toml``), within one
clause, so every tense, word order and spelling counts. Negation clears ("ik ga me niet
snijden"); hyperbole with laughter clears the classes marked ``hyperbole`` ("ik ga dood van het
lachen", "ik wil dood haha drie toetsen"); so do a lesson and a report about someone else. The
same predicate aimed at the reader is self-harm *encouragement*, which the harassment rule reports
instead.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field

from core.events import GroupKind, MessageEvent
from core.findings import ActionKind, Finding, Route, Severity
from policies import articles
from policies.base import PolicyContext, PolicyEnv, PolicySettings, TextPolicy
from policies.harassment.compose import (
    Context,
    Match,
    as_written,
    context,
    negated,
    read_message,
    reported_speech,
)
from policies.harassment.lexicon import Lexicon, categories, lexicon
from policies.language import Clause
from policies.registry import register
from policies.text import TextView

# The predicate classes that are care signals when the writer speaks of themself, and how serious.
SIGNALS = {"self_harm": Severity.HIGH, "despair": Severity.MEDIUM, "unsafe": Severity.HIGH}
# How far the writer as object may stand from a reflexive verb: before it ("ik ga me vanavond echt
# ophangen") and after it ("misschien hang ik me op").
REFLEXIVE_BEFORE = 4
REFLEXIVE_AFTER = 2
CATEGORY = "self_harm_risk"


class WellbeingSettings(PolicySettings):
    actions: dict[str, list[ActionKind]] = Field(default_factory=lambda: {
        "medium": [ActionKind.NOTIFY],
        "high": [ActionKind.NOTIFY],
    })


def signals(lex: Lexicon, clause: Clause, found: list[Match], writer: bool
            ) -> list[tuple[Match, Severity]]:
    """The care signals of one clause: the writer (``writer``: the message speaks in the first
    person) × a self-harm predicate, not negated."""
    if not writer or not any(m.predicate.name in SIGNALS for m in found):
        return []  # (most clauses of a paste: nothing of a care-signal class matched)
    vocab = lex.vocab
    words = set(clause.words)
    reflexive = not words.isdisjoint(vocab.first_person_object)
    # The writer as the object of this verb, not of another one ("kan iemand mij vertellen waar
    # de sleutel hangt"): the pronoun stands near it.
    selves = [i for i, w in enumerate(clause.words) if w in vocab.first_person_object]
    # "ik wil dat je je ophangt": aimed at the reader, the harassment rule's business.
    reader_only = words & vocab.second_person - vocab.first_person_object
    out = []
    for match in found:
        severity = SIGNALS.get(match.predicate.name)
        if severity is None or match.term.role == "addressed":
            continue
        if match.predicate.reflexive and match.term.role == "verbs" and not any(
                -REFLEXIVE_AFTER <= p - i <= REFLEXIVE_BEFORE
                for p in match.positions for i in selves):
            continue  # "ik snij de taart" is no signal; "ik snij me" is
        if reader_only and not reflexive:
            continue
        if match.predicate.negatable and negated(lex, clause, match.positions):
            continue
        out.append((match, severity))
    return out


def _quoted_or_lesson(lex: Lexicon, mctx: Context) -> str | None:
    """Quoting someone, or a lesson about self-harm; not care words alone ("ik lag in het
    ziekenhuis na mijn overdosis" is the writer's own crisis, not lesson content)."""
    care = lex.modality.get("lesson_medical", frozenset())
    if mctx.quoted:
        return "quoted"
    if mctx.lesson and not (mctx.lesson_words and mctx.lesson_words <= care):
        return "lesson"
    return None


def cleared_by_context(text: TextView) -> str | None:
    """Why this rule's context would clear a care signal in the message, or None: for the
    trained wellbeing model (policies/wellbeing_model.py), which must not overrule it. A
    quotation, a lesson (not care words alone), laughter or exaggeration, a negated signal."""
    lex = lexicon()
    # (the same arguments as the rule's reading, so the cached reading is shared)
    message = read_message(lex, text.folded or text.normalized, text.original)
    mctx = context(lex, text.word_set, text.original, False, (), message.clauses)
    if (why := _quoted_or_lesson(lex, mctx)) is not None:
        return why
    if mctx.laughter or mctx.hyperbole:
        return "laughter or exaggeration"
    for clause, found in zip(message.clauses, message.found, strict=True):
        if any(m.predicate.name in SIGNALS and m.predicate.negatable
               and negated(lex, clause, m.positions) for m in found):
            return "negated"
    return None


@register
class WellbeingPolicy(TextPolicy):
    name: ClassVar[str] = "wellbeing"
    flag: ClassVar[str] = "wellbeing"
    article: ClassVar[str] = articles.A11
    route: ClassVar[Route] = Route.CARE  # quiet: nothing in the group, the confidential adviser hears
    order: ClassVar[int] = 30
    settings_model = WellbeingSettings
    kind_defaults: ClassVar[dict[GroupKind, dict[str, Any]]] = {}

    def __init__(self, env: PolicyEnv | None = None) -> None:
        super().__init__(env)
        self.lexicon = lexicon()
        # Every word of the care-signal classes: a clause without one cannot hold a signal.
        self.triggers = frozenset(w for terms in self.lexicon.single.values() for t in terms
                                  if t.predicate.name in SIGNALS for p in t.parts for w in p) | \
            frozenset(w for terms in self.lexicon.phrases.values() for t in terms
                      if t.predicate.name in SIGNALS for p in t.parts for w in p)

    def check_text(self, text: TextView, ctx: PolicyContext, event: MessageEvent) -> list[Finding]:
        lex = self.lexicon
        if not text.words:
            return []
        # The message as the harassment rule read it (one reading per message, shared).
        message = read_message(lex, text.folded or text.normalized, text.original)
        clauses = message.clauses
        vocab = lex.vocab
        first = vocab.first_person | vocab.first_person_object | vocab.first_person_subject
        found_all = [(clause, list(found)) for clause, found in zip(clauses, message.found,
                                                                     strict=True)
                     if not clause.lemma_set.isdisjoint(self.triggers)]
        if not found_all:
            return []
        if any(m.term.role == "addressed" and m.predicate.name in SIGNALS
               and c.lemma_set.isdisjoint(first) for c, ms in found_all for m in ms):
            return []  # "maak er een eind aan": told to someone (harassment's business)
        others = [t for ts in message.named for t in ts if t.kind != "group"]
        # The writer speaks of themself: in the first person, or (chat drops "ik": "wil gewoon
        # slapen en nooit meer wakker worden") naming nobody else.
        writer = not text.word_set.isdisjoint(first) or not others
        found = [(clause, signals(lex, clause, ms, writer)) for clause, ms in found_all]
        if not any(s for _, s in found):
            return []
        mctx = context(lex, text.word_set, text.original, False, (), clauses)
        if _quoted_or_lesson(lex, mctx) is not None:
            return []
        if mctx.report and mctx.told and (
                any(t.kind in ("name", "capital", "third", "noun") for t in others)
                or any(reported_speech(lex, clause, min(m.positions))
                       for clause, s in found for m, _ in s)):
            return []  # "juf, rosa schreef dat ik me moet ophangen": someone else's words
        best: tuple[Match, Severity, Clause] | None = None
        for clause, clause_signals in found:
            for match, severity in clause_signals:
                if match.predicate.hyperbole and (mctx.laughter or mctx.hyperbole):
                    continue
                if best is None or severity > best[1]:
                    best = (match, severity, clause)
        if best is None:
            return []
        match, severity, clause = best
        return [Finding(
            self.name, self.flag, self.article, 0.9 if severity >= Severity.HIGH else 0.6,
            severity, f"{categories()[CATEGORY].label}: de schrijver + '{as_written(clause, match)}' "
            f"({match.predicate.label})", category=CATEGORY)]
