"""A trained second opinion on care signals (A.11): a student who may harm themself, in words the
wellbeing rule's lists do not hold.

The wellbeing rule (``policies/wellbeing.py``) reads the writer × a self-harm, despair or
unsafe-at-home predicate. Warning signs come in more wordings than any list: a farewell ("dit is
mijn laatste bericht, sorry voor alles"), giving things away, a method asked about, not sleeping
for days, hating oneself. This model is the same small linear model as the harassment model
(``policies/harassment_model.py``: lemmas, character n-grams, lemma pairs, the lexicon's classes),
trained on the corpus's ``wellbeing`` label by ``schoolwacht model train --flag wellbeing``.

How it combines (order 45, after the harassment model):

1. A care signal of the rule settles the message: the model never runs.
2. Harassment found by a rule settles it too ("ga je ophangen" is encouragement, the harassment
   rule's business); harassment found by the harassment *model* does not: a message may be both
   a crisis and hostile, and both then reach a person.
3. The rule's clearing context settles it (``cleared_by_context``): a quotation, a lesson, laughter
   or exaggeration, a negated signal ("ik ga dood van het lachen", "ik zou mezelf nooit iets
   aandoen").
4. Otherwise, from the stored ``threshold`` a ``medium`` finding on the care route: nothing in the
   group, the confidential adviser hears. Never ``high``: a plan or a method needs the rule's
   explanation. A false alarm costs the adviser a look; a missed child costs more.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

from pydantic import Field

from core.events import GroupKind, MessageEvent
from core.findings import ActionKind, Finding, Route, Severity
from policies import articles
from policies.base import PolicyContext, PolicySettings
from policies.harassment_model import PACKAGE_DIR, LinearModelPolicy
from policies.registry import register
from policies.text import TextView
from policies.wellbeing import CATEGORY, cleared_by_context

MODEL_PATH = PACKAGE_DIR / "model_data" / "wellbeing_model.json"
LOCAL_MODEL_NAME = "wellbeing_model.json"
FALLBACK_THRESHOLD = 0.6  # for a model file without stored thresholds


class WellbeingModelSettings(PolicySettings):
    # Calibrated P(care signal) from which the model adds a finding. Default: the one stored in
    # the model file, chosen on out-of-fold probabilities when it was trained.
    threshold: float | None = Field(None, ge=0.5, le=1)
    # Shorter messages ("👍", "ok doei") carry too little for a model to judge.
    min_words: int = Field(4, ge=1)
    actions: dict[str, list[ActionKind]] = Field(
        default_factory=lambda: {"medium": [ActionKind.NOTIFY]})


@register
class WellbeingModelPolicy(LinearModelPolicy):
    """A.11: the trained model's second opinion on messages the wellbeing rule found nothing in."""

    name: ClassVar[str] = "wellbeing_model"
    flag: ClassVar[str] = "wellbeing"
    article: ClassVar[str] = articles.A11
    route: ClassVar[Route] = Route.CARE  # quiet: nothing in the group, the confidential adviser hears
    order: ClassVar[int] = 45
    settings_model: ClassVar[type[PolicySettings]] = WellbeingModelSettings
    kind_defaults: ClassVar[Mapping[GroupKind, Mapping[str, Any]]] = {}

    def model_files(self) -> list[Path]:
        """The school's retrained file, else the shipped one."""
        return [Path(self.env.data_dir) / LOCAL_MODEL_NAME, MODEL_PATH]

    def check_text(self, text: TextView, ctx: PolicyContext, event: MessageEvent) -> list[Finding]:
        model = self.model
        if model is None or text.empty:
            return []
        settings = ctx.settings
        if not isinstance(settings, WellbeingModelSettings):
            settings = WellbeingModelSettings.model_validate(settings.model_dump())
        if len(text.words) < settings.min_words or any(
                f.flag == "wellbeing" or (f.flag == "harassment" and f.category != "model")
                for f in ctx.prior_findings):
            return []
        probability = model.probability(text.words, original=text.original)
        stored = model.meta.get("thresholds") or {}
        threshold = settings.threshold or float(stored.get("threshold", FALLBACK_THRESHOLD))
        if probability < threshold:
            return []
        if (why := cleared_by_context(text)) is not None:
            ctx.clear(f"model {probability:.2f}, but {why}")
            return []
        _, top = model.explain(text.words, original=text.original)
        shown = ", ".join(f"'{unit}'" for unit, _ in top) or "de zin als geheel"
        return [Finding(
            policy=self.name, flag=self.flag, article=self.article, score=probability,
            severity=Severity.MEDIUM, category=CATEGORY,
            evidence=(f"getraind model: kans {probability:.2f} op een zorgsignaal; woorden die "
                      f"het zwaarst wogen: {shown}; geen woordregel vond iets"),
            data={"probability": round(probability, 4), "words": [u for u, _ in top]},
        )]
