"""Is a message school business? Article A.7 (parent groups) and B.2 (class groups).

A parent app and a class group are for school-related communication only. This rule asks the
topic model (``policies/topic_model.py``: school and off-topic word lists plus a small logistic
regression trained on the project's own examples) how likely a message is off topic, after three
shortcuts that keep teachers' trust:

- acknowledgements ("oké, dank u!", "top 👍") and emoji-only reactions are always on topic;
- words or topics a group's admins allowed (settings ``allow`` / ``allowed_topics``) clear it;
- messages by staff need far more evidence (their posts are the school's information, B.4);
- when in doubt, stay on topic: without an off-topic subject from the word lists the model must be
  surer (``unnamed_threshold``), and surer still beside a sign of a personal, kind or reporting
  message (the lexicon's ``[cues]``: a denial, a report to a teacher, care, self-mockery).

Staff groups are never judged (``kind_defaults``). A message that worries the wellbeing rule is
never off topic (it is a student's own life, and the care route applies). Harassment found by an
earlier rule (or the trained model) is off topic unless the message is about schoolwork; the
finding is kept for the record, but never *reported*: the planner lets a severity-``none`` finding
act only when it is the message's only kind of finding, so an insult gets no topic reminder.
The default action is a kind reminder citing the article; the pipeline limits reminders to one per
member per day and reports repeats to the group's teacher or mentor.
"""

from __future__ import annotations

import logging
import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar

from pydantic import Field

from core.events import GroupKind, MessageEvent, Role
from core.findings import ActionKind, Finding, Route, Severity
from policies import articles
from policies.base import (
    NOT_APPLICABLE_NO_TEXT,
    STAFF_GROUP,
    PolicyContext,
    PolicyEnv,
    PolicySettings,
    TextPolicy,
)
from policies.language import vocabulary
from policies.registry import register
from policies.text import TextView
from policies.topic_model import (
    LEXICON_PATH,
    MODEL_PATH,
    TopicModel,
    TopicModelError,
    feature_set,
    load_lexicon,
    load_model,
)

log = logging.getLogger(__name__)
_SECOND_PERSON = vocabulary().second_person  # "miss you", "juf je bent …": no address
# A teacher addressed: the word and up to three name words, then a comma or colon.
_ADDRESS_COMMA = re.compile(r"\s*\w+(?:\s+[\w.'-]+){0,3}\s*[,:]")

# A school's own retrained model (``schoolwacht topic train --feedback``) lives in the data folder
# and wins over the model shipped with the code.
LOCAL_MODEL_NAME = "topic_model.json"
SCHOOLWORK = frozenset({"lessons", "tests", "homework"})
OBJECTING = "counter"  # the lexicon's cue category for objecting to what was said or posted


class TopicSettings(PolicySettings):
    """Per school / per group settings of the topic rule."""

    # Probability of "off topic" from which a message is flagged.
    threshold: float = Field(0.5, ge=0.05, le=0.99)
    # The same for messages sent by teachers and staff (their posts are official information).
    staff_threshold: float = Field(0.9, ge=0.05, le=1.0)
    # When in doubt, stay on topic: a message without an off-topic subject from the word lists
    # needs this much, and one with a sign of a personal, kind or reporting message (a denial, a
    # report to a teacher, care, objecting, mocking oneself: the lexicon's [cues]) needs more.
    unnamed_threshold: float = Field(0.7, ge=0.05, le=1.0)
    cue_threshold: float = Field(0.9, ge=0.05, le=1.0)
    # Words or phrases that make a message on topic in this group (a club's own subject, a trip).
    allow: list[str] = Field(default_factory=list)
    # Off-topic categories of the lexicon this group allows, e.g. ["sport"] for a sports class.
    allowed_topics: list[str] = Field(default_factory=list)
    actions: dict[str, list[ActionKind]] = Field(
        default_factory=lambda: {"none": [ActionKind.REMIND], "low": [ActionKind.REMIND]}
    )


@dataclass(frozen=True)
class Acknowledgements:
    core: frozenset[str]
    filler: frozenset[str]
    either: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "either", self.core | self.filler)

    def match(self, words: tuple[str, ...]) -> bool:
        """At least one acknowledgement word, and nothing but those and filler words."""
        if not words or len(words) > 8:
            return False
        return not self.core.isdisjoint(words) and self.either.issuperset(words)


@lru_cache(maxsize=2)
def teacher_addresses(path: Path = LEXICON_PATH) -> tuple[frozenset[str], frozenset[str]]:
    """The words that address a teacher at the start of a message, and the words of a question or
    request right after one (topic.toml ``[addressed]``)."""
    data = tomllib.loads(path.read_text("utf-8")).get("addressed", {})
    return frozenset(data.get("teachers", [])), frozenset(data.get("asking", []))


@lru_cache(maxsize=2)
def acknowledgements(path: Path = LEXICON_PATH) -> Acknowledgements:
    data = tomllib.loads(path.read_text("utf-8")).get("acknowledgements", {})
    return Acknowledgements(frozenset(data.get("core", [])), frozenset(data.get("filler", [])))


@lru_cache(maxsize=256)
def _folded_terms(terms: tuple[str, ...]) -> tuple[str, ...]:
    """Allow-list terms folded like messages, padded for whole-word matching (cached per list)."""
    out = []
    for term in terms:
        view = TextView.of(term)
        words = view.words or view.tokens
        if words:
            out.append(" " + " ".join(words) + " ")
    return tuple(out)


@register
class TopicPolicy(TextPolicy):
    """A.7 / B.2: flag messages that are not school business, kindly."""

    name: ClassVar[str] = "topic"
    flag: ClassVar[str] = "off_topic"
    article: ClassVar[str] = articles.B2  # A.7 in parent groups (chosen per finding)
    # After the word-list rules (it reads their findings), before heavy models.
    order: ClassVar[int] = 60
    settings_model: ClassVar[type[PolicySettings]] = TopicSettings
    kind_defaults: ClassVar[dict[GroupKind, dict[str, Any]]] = {GroupKind.STAFF: {"enabled": False}}
    route: ClassVar[Route] = Route.INFORMATIONAL  # off topic alone is no harm: a kind reminder

    def __init__(self, env: PolicyEnv | None = None) -> None:
        super().__init__(env)
        self.lexicon = load_lexicon()
        self.acks = acknowledgements()
        self.teachers, self.asking = teacher_addresses()
        self.model_path = self._model_path()
        self.model: TopicModel = load_model(self.model_path)

    def _model_path(self) -> Path:
        configured = self.env.options.topic_model
        if configured:
            return Path(configured)
        local = Path(self.env.data_dir) / LOCAL_MODEL_NAME
        if local.exists():
            try:
                load_model(local)
                return local
            except TopicModelError as exc:  # a broken local model must not stop the bot
                log.warning(
                    "local topic model unusable, using the shipped one", extra={"error": str(exc)}
                )
        return MODEL_PATH

    def check_text(self, text: TextView, ctx: PolicyContext, event: MessageEvent) -> list[Finding]:
        if ctx.group_kind is GroupKind.STAFF or text.empty:
            ctx.clear(STAFF_GROUP if ctx.group_kind is GroupKind.STAFF else NOT_APPLICABLE_NO_TEXT)
            return []
        settings = ctx.settings if isinstance(ctx.settings, TopicSettings) else TopicSettings()
        verdict = self.judge(text, settings, ctx)
        if verdict is None:
            return []
        probability, category, evidence = verdict
        article = articles.A7 if ctx.group_kind is GroupKind.PARENT else articles.B2
        return [
            Finding(
                policy=self.name, flag=self.flag, article=article, score=probability,
                severity=Severity.NONE,  # off topic alone is not harmful: a kind reminder is enough
                evidence=evidence, category=category,
                data={"probability": round(probability, 3)},
            )
        ]

    def _to_a_teacher(self, text: TextView, words: tuple[str, ...]) -> bool:
        """The message opens by addressing a teacher: the word, maybe a name, then a comma
        ("juf, …", "meneer Jansen: …"), or a question right after it ("juf mag ik …", "sir can
        you …"); not a teacher talked about ("mevrouw de Wit heeft …") nor "miss you"."""
        if not words or words[0] not in self.teachers or (
                len(words) > 1 and words[1] in _SECOND_PERSON):
            return False
        return _ADDRESS_COMMA.match(text.original) is not None or (
            len(words) > 1 and words[1] in self.asking)

    def probability(self, text: TextView, settings: TopicSettings | None = None) -> float:
        """P(off topic) from the model alone (used by benchmarks and tests)."""
        settings = settings or TopicSettings()
        found = self._categories(text, settings)
        return self.model.probability(feature_set(text, self.lexicon, found))

    def _categories(self, text: TextView, settings: TopicSettings) -> dict[str, list[str]]:
        found = self.lexicon.categories(text)
        for topic in settings.allowed_topics:
            found.pop(topic, None)
        return found

    def judge(
        self, text: TextView, settings: TopicSettings, ctx: PolicyContext
    ) -> tuple[float, str, str] | None:
        """``(probability, category, evidence)`` when off topic, else None."""
        words = text.words or text.tokens
        if not words or self.acks.match(words):
            # emoji-only reactions and acknowledgements are on topic
            ctx.clear("greeting or acknowledgement" if words else "emoji only")
            return None
        if settings.allow:
            padded = " " + " ".join(words) + " "
            if any(term in padded for term in _folded_terms(tuple(settings.allow))):
                ctx.clear("allowed in this group (allow)")
                return None
        prior = {f.flag for f in ctx.prior_findings}
        if "wellbeing" in prior:
            # a student who may be at risk: the care route, never a topic reminder
            ctx.clear("care signal: no topic reminder")
            return None
        if "harassment" not in prior and self._to_a_teacher(text, words):
            ctx.clear("addressed to a teacher: a question or report to staff")
            return None
        found = self._categories(text, settings)
        probability = self.model.probability(feature_set(text, self.lexicon, found))
        harassment = "harassment" in prior and SCHOOLWORK.isdisjoint(found)
        if harassment:
            probability = max(probability, 0.95)
        off = [(c, e) for c, e in found.items() if c in self.lexicon.off_topic]
        threshold = settings.staff_threshold if Role(ctx.sender_role).is_staff else settings.threshold
        why = "staff threshold" if Role(ctx.sender_role).is_staff else "threshold"
        # Objecting to what is posted ("stop sending those memes in here") names the off-topic
        # subject only to reject it: that is the group's own conduct, so doubt as without one.
        if (not off or OBJECTING in found) and not harassment:
            doubt = not self.lexicon.doubt_cues.isdisjoint(found)
            raised = settings.cue_threshold if doubt else settings.unnamed_threshold
            if raised > threshold:
                threshold = raised
                why = ("doubt threshold (a personal cue)" if doubt
                       else "doubt threshold (no off-topic subject)")
        if probability < threshold:
            if ctx.reasons is not None:
                school = [c for c in found if c in SCHOOLWORK]
                subject = f"school subject ({', '.join(school)}), " if school else ""
                ctx.clear(f"{subject}off-topic chance {probability:.2f} below the {why} "
                          f"{threshold:.2f}")
            return None
        # The off-topic category with the most entries names the finding (first one on a tie).
        category, entries = max(off, key=lambda ce: len(ce[1])) if off else ("not_school", [])
        if harassment:
            category, entries = "harassment", []
        shown = ", ".join(dict.fromkeys(entries))[:60]
        label = f"{category}: {shown}" if shown else category
        return probability, category, f"geen schoolonderwerp ({label}), kans {probability:.2f}"
