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

from core.events import GroupKind, MessageEvent
from core.findings import ActionKind, Finding, Severity
from policies import articles
from policies.base import PolicyContext, PolicyEnv, PolicySettings, TextPolicy
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


@dataclass(frozen=True, slots=True)
class Lexicon:
    first_person: frozenset[str]
    laughter: frozenset[str]
    signals: tuple[Signal, ...]
    # Word -> positions of the signals that need it (one key slot per signal): a message only
    # tests the few signals one of its words can start, not all of them.
    index: dict[str, tuple[int, ...]]
    # The index's words as a set (an intersection then walks the smaller side, the message), and
    # the signals that need no particular word.
    keys: frozenset[str] = frozenset()
    always: tuple[int, ...] = ()

    def candidates(self, words: frozenset[str]) -> list[Signal]:
        """The signals whose every word slot is present, in lexicon order."""
        found = self.always
        for word in words.intersection(self.keys):
            found += self.index[word]
        if not found:
            return []  # nearly every message: no tuple, set or sort made
        signals = self.signals
        out: list[Signal] = []
        for i in sorted(set(found)):
            signal = signals[i]
            for slot in signal.needs:  # a plain loop: no generator per candidate
                if words.isdisjoint(slot):
                    break
            else:
                out.append(signal)
        return out


def _index(signals: list[Signal], first_person: frozenset[str]) -> dict[str, tuple[int, ...]]:
    index: dict[str, list[int]] = {}
    for position, signal in enumerate(signals):
        if not signal.needs:  # nothing required: always a candidate
            slot: frozenset[str] = frozenset([""])
        else:
            # The slot fewest messages hold: not "ik"/"me", and with the fewest alternatives.
            slot = min(signal.needs, key=lambda s: (not s.isdisjoint(first_person), len(s)))
        for word in slot:
            index.setdefault(word, []).append(position)
    return {word: tuple(positions) for word, positions in index.items()}


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
    first_person = frozenset(data["first_person"])
    index = _index(signals, first_person)
    return Lexicon(first_person, frozenset(data["laughter"]), tuple(signals), index,
                   keys=frozenset(index) - {""}, always=index.get("", ()))


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

    def __init__(self, env: PolicyEnv | None = None) -> None:
        super().__init__(env)
        self.lexicon = lexicon()  # not the lru_cache call per message

    def check_text(self, text: TextView, ctx: PolicyContext, event: MessageEvent) -> list[Finding]:
        lex = self.lexicon
        words = text.word_set
        if words.isdisjoint(lex.first_person):
            return []
        candidates = lex.candidates(words)
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
