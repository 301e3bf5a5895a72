"""A member who may be at risk of harming themself: a quiet signal to those who care (A.11).

Not a violation, so nothing happens in the group: no reminder, no deletion. The finding goes to the
confidential adviser and the group's moderators, who can reach out. Patterns are data
(``policies/lexicons/wellbeing.toml``) matched on the folded words, so spelling tricks do not hide
a message; hyperbole that laughs at itself ("ik wil dood 😂, drie toetsen") is left alone.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar

from pydantic import Field

from bot.events import GroupKind, MessageEvent
from policies import articles
from policies.base import ActionKind, Finding, PolicyContext, PolicySettings, Severity, TextPolicy
from policies.registry import register
from policies.text import TextView

LEXICON = Path(__file__).parent / "lexicons" / "wellbeing.toml"


class WellbeingSettings(PolicySettings):
    actions: dict[str, list[ActionKind]] = Field(default_factory=lambda: {
        "medium": [ActionKind.NOTIFY],
        "high": [ActionKind.NOTIFY],
    })


@dataclass(frozen=True, slots=True)
class Signal:
    pattern: re.Pattern[str]
    source: str
    severity: Severity
    hyperbole: bool
    # Each required word slot's alternatives: the regex only runs when every slot is present.
    needs: tuple[frozenset[str], ...]

    def possible(self, words: frozenset[str]) -> bool:
        return all(not words.isdisjoint(slot) for slot in self.needs)


@dataclass(frozen=True, slots=True)
class Lexicon:
    first_person: frozenset[str]
    laughter: frozenset[str]
    signals: tuple[Signal, ...]


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    data: dict[str, Any] = tomllib.loads(LEXICON.read_text("utf-8"))
    signals = []
    for block in data["signals"]:
        for source in block["patterns"]:
            needs = tuple(frozenset(w.split("|")) for w in source.split()
                          if w != "~" and not w.endswith("?"))
            signals.append(Signal(_pattern(source), source, Severity.parse(block["severity"]),
                                  bool(block.get("hyperbole", False)), needs))
    return Lexicon(frozenset(data["first_person"]), frozenset(data["laughter"]), tuple(signals))


def _pattern(source: str) -> re.Pattern[str]:
    """``"ik ~ mezelf iets aandoen"`` as a regex over space-joined words."""
    pieces: list[str] = []
    for word in source.split():
        if word == "~":
            pieces.append(r"(?:\S+ ){0,3}")
        else:
            optional = word.endswith("?")
            alternatives = "|".join(re.escape(w) for w in word.rstrip("?").split("|"))
            pieces.append(f"(?:(?:{alternatives}) )" + ("?" if optional else ""))
    return re.compile(r"(?:^| )" + "".join(pieces))


@register
class WellbeingPolicy(TextPolicy):
    name: ClassVar[str] = "wellbeing"
    flag: ClassVar[str] = "wellbeing"
    article: ClassVar[str] = articles.A11
    order: ClassVar[int] = 30
    settings_model = WellbeingSettings
    kind_defaults: ClassVar[dict[GroupKind, dict[str, Any]]] = {}

    def check_text(self, text: TextView, ctx: PolicyContext, event: MessageEvent) -> list[Finding]:
        lex = lexicon()
        words = text.word_set
        if words.isdisjoint(lex.first_person):
            return []
        candidates = [signal for signal in lex.signals if signal.possible(words)]
        if not candidates:  # nearly every message stops here: no regex runs
            return []
        joined = " " + " ".join(text.words) + " "
        laughs = not words.isdisjoint(lex.laughter) or any(e in text.original for e in lex.laughter
                                                           if not e.isalnum())
        best: Signal | None = None
        for signal in candidates:
            if signal.hyperbole and laughs:
                continue
            if signal.pattern.search(joined) and (best is None or signal.severity > best.severity):
                best = signal
        if best is None:
            return []
        shown = best.source.replace("|", "/").replace(" ~", " …")
        return [Finding(self.name, self.flag, self.article, 0.9 if best.severity >= Severity.HIGH
                        else 0.6, best.severity, f"zorgsignaal: '{shown}'",
                        category="self_harm_risk")]
