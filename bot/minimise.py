"""Data minimisation of what a finding keeps as evidence (docs/privacy.md).

A finding keeps the flagged message's text only when its flag needs the words themselves: to judge
an insult or a cry for help, to see what personal data was shared, to learn from a moderator's
verdict on an off-topic call. Media and forwarded rules keep their evidence line only (a forwarded
private message is exactly what must not be copied again). Kept text is masked: phone numbers,
addresses, e-mail addresses, IBAN and BSN in it are replaced by their kind, so the evidence shows
*that* a number was shared, never the number.
"""

from __future__ import annotations

from collections.abc import Iterable

from policies.personal_data import PersonalDataSettings, detect
from policies.text import TextView

# Flags whose findings keep the (masked) message text as evidence.
TEXT_EVIDENCE = frozenset({"harassment", "wellbeing", "personal_data", "off_topic", "profanity"})

LABELS = {"phone_number": "telefoonnummer", "email": "e-mailadres", "home_address": "adres",
          "iban": "IBAN", "bsn": "BSN"}


def mask_personal_data(text: str) -> str:
    """The text with every piece of personal data the personal-data rule finds replaced by
    ``[kind]``."""
    view = TextView.of(text)
    hits = detect(view, PersonalDataSettings())
    out = view.original
    last = len(out) + 1
    for hit in sorted(hits, key=lambda h: h.start, reverse=True):
        if hit.end > last or hit.start >= hit.end:
            continue  # overlapping hits: the later one already covers it
        out = out[:hit.start] + f"[{LABELS.get(hit.category, hit.category)}]" + out[hit.end:]
        last = hit.start
    return out


def evidence_text(text: str | None, flags: Iterable[str]) -> str | None:
    """What a message's findings keep of its text: masked when a flag needs it, else nothing."""
    if not text or TEXT_EVIDENCE.isdisjoint(flags):
        return None
    return mask_personal_data(text)
