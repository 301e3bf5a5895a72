"""Machine-learning layer for harassment (A.10): a transformer classifier for what the rules miss.

The model is a Detoxify checkpoint or any local Hugging Face sequence-classification model
(``policies/ml/hf_loader.py``); ``[models] harassment_labels`` names the output labels that mean
harassment (default: Detoxify's names). A model none of whose labels is named there is refused at
start-up (or, with ``required = false``, logged and left out), so a wrong mapping never silently
reads "not abusive" as abuse.

It runs last (``order`` 90), off the event loop (micro-batched in an executor), and only on messages
the rules could not settle. Merge rules, in order:

1. A harassment finding from the rules settles the message: the model does not run, and it can
   never remove or lower a rule's finding (a model cannot overrule a hard rule).
2. Messages the rules cleared by context (a lesson, quoting an insult to report it) and messages
   with no suspicion signal at all (no swearing, nobody addressed) are settled too: no model run.
3. Otherwise (swearing in the air, or a message aimed at someone with no lexicon hit) the model
   scores it. Its finding is ``harassment``/A.10 with category ``model``: ``medium`` from
   ``medium_threshold``, ``low`` from ``threshold``; never ``high``/``critical`` on its own, since
   those carry escalations and need a rule's explanation.
4. Below ``threshold`` the model adds nothing (it never clears anything either).

Configuration: ``[models]`` (enabled, backend, path, required, batch_size, max_wait_ms) in the
config file, and per group ``policies.toxicity_model`` settings (thresholds, enabled).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import Field

from core.events import GroupKind, MessageEvent
from core.findings import ActionKind, Finding, Severity
from policies import articles
from policies.base import (
    NOT_APPLICABLE_NO_TEXT,
    BasePolicy,
    PolicyContext,
    PolicyEnv,
    PolicySettings,
)
from policies.harassment import lexicon
from policies.ml.batcher import MicroBatcher
from policies.ml.errors import ModelLoadError
from policies.ml.scorer import Scorer, load_or_fallback
from policies.ml.settings import ModelSettings
from policies.registry import register
from policies.text import TextView

log = logging.getLogger(__name__)

# Labels that count as harassment signals, by name across Detoxify models.
SIGNAL_LABELS = ("toxicity", "severe_toxicity", "insult", "threat", "identity_attack",
                 "sexual_explicit")


class ToxicityModelSettings(PolicySettings):
    threshold: float = Field(0.8, ge=0, le=1)
    medium_threshold: float = Field(0.93, ge=0, le=1)
    min_words: int = Field(2, ge=1)
    actions: dict[str, list[ActionKind]] = Field(
        default_factory=lambda: {"low": [ActionKind.NOTIFY], "medium": [ActionKind.NOTIFY]}
    )


def model_settings(env: PolicyEnv) -> ModelSettings:
    return env.options.models


@register
class ToxicityModelPolicy(BasePolicy):
    name: ClassVar[str] = "toxicity_model"
    flag: ClassVar[str] = "harassment"
    article: ClassVar[str] = articles.A10
    order: ClassVar[int] = 90
    synchronous: ClassVar[bool] = False
    settings_model: ClassVar[type[PolicySettings]] = ToxicityModelSettings
    kind_defaults: ClassVar[Mapping[GroupKind, Mapping[str, Any]]] = {}

    def __init__(self, env: PolicyEnv | None = None, scorer: Scorer | None = None) -> None:
        super().__init__(env)
        options = model_settings(self.env)
        self.options = options
        if scorer is None and options.enabled:
            # Start-up: a missing or corrupt model stops the bot with the path named, or (when
            # ``required = false``) is logged and the lexicon layer carries on alone.
            scorer = load_or_fallback(options.path, options.backend, options.required)
        self.signal_labels = tuple(options.harassment_labels) or SIGNAL_LABELS
        if scorer is not None and not set(self.signal_labels) & set(scorer.labels):
            error = ModelLoadError(
                f"{options.path}: none of the model's labels ({', '.join(scorer.labels)}) is "
                f"named in [models] harassment_labels ({', '.join(self.signal_labels)})"
            )
            if options.required:
                raise error
            log.warning("model unusable, using the rules only", extra={"reason": str(error)})
            scorer = None
        self.scorer = scorer
        self.batcher = (
            MicroBatcher(
                scorer.score, batch_size=options.batch_size, max_wait_ms=options.max_wait_ms,
                executor=self.env.cpu,
            )
            if scorer is not None
            else None
        )
        self._lexicon = lexicon()
        self.skipped = 0  # messages the rules settled (for metrics and tests)
        self.scored = 0

    def wants(self, event: MessageEvent) -> bool:
        """No model, or no text: this rule costs nothing (no task, no await)."""
        return self.batcher is not None and bool(event.text)

    def not_applicable(self, event: MessageEvent) -> str:
        return "not applicable: no model ([models] off)" if self.batcher is None else NOT_APPLICABLE_NO_TEXT

    def settled(self, event: MessageEvent, text: TextView, ctx: PolicyContext) -> bool:
        """Whether the rules already decided this message (see the module docstring)."""
        if any(f.flag == "harassment" for f in ctx.prior_findings):
            return True
        words = text.words
        if len(words) < getattr(ctx.settings, "min_words", 2):
            return True
        wset = set(words)
        lex = self._lexicon
        if not wset.isdisjoint(lex.modality["report_verbs"]) or not wset.isdisjoint(
            lex.modality["lesson_words"]
        ):
            return True
        swearing = any(f.flag == "profanity" for f in ctx.prior_findings)
        addressed = (
            bool(event.reply_to_sender_id or event.mentions)
            or not wset.isdisjoint(lex.vocab.second_person)
            or not wset.isdisjoint(lex.vocab.third_person)
        )
        return not (swearing or addressed)

    async def check(
        self, event: MessageEvent, text: TextView, ctx: PolicyContext
    ) -> list[Finding]:
        settings = ctx.settings
        if not isinstance(settings, ToxicityModelSettings):
            settings = ToxicityModelSettings.model_validate(settings.model_dump())
        if self.batcher is None or not settings.enabled:
            return []
        if self.settled(event, text, ctx):
            self.skipped += 1
            return []
        self.scored += 1
        scores = await self.batcher.score(text.normalized)
        signals = {k: v for k, v in scores.items() if k in self.signal_labels}
        if not signals:
            return []
        label, top = max(signals.items(), key=lambda kv: kv[1])
        if top < settings.threshold:
            return []
        severity = Severity.MEDIUM if top >= settings.medium_threshold else Severity.LOW
        targets = tuple(t for t in (event.reply_to_sender_id, *event.mentions) if t)
        return [
            Finding(
                policy=self.name, flag=self.flag, article=self.article, score=top,
                severity=severity, category="model",
                evidence=f"model ({self.scorer.backend if self.scorer else '?'}): {label} "
                f"{top:.2f}; no word-list rule matched",
                targets=targets,
                data={"scores": {k: round(v, 4) for k, v in scores.items()}},
            )
        ]

    async def aclose(self) -> None:
        if self.batcher is not None:
            await self.batcher.aclose()
