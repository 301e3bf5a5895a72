"""Property tests for the normaliser (issue 16) and the padding-evasion fix: any text is handled
without an exception, the output carries no invisibles, the steps that should be idempotent are,
and padding (zero-width spaces, newlines, braille blanks) never hides an insult."""

from __future__ import annotations

import asyncio
import json
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.checker import Checker
from policies.normalize import _CONFUSABLE_SCRIPT, _INVISIBLE, MAX_CHARS, clean, fold, normalize, skeleton
from policies.text import TextView

# Text with what attackers reach for: invisibles, controls, look-alikes, braille blanks,
# combining marks, surrogates and blank runs, mixed with ordinary letters.
_tricky = st.sampled_from(list(
    "\u200b\u200c\u200d\u2060\ufeff\u00ad\u202e\u2066\u3164\u115f\u2800\x00\x07\x1b\x7f\x85"
    "\n\r\t \u00a0\u2028аеорсΑΒΕ\u0301\u0308ﬁ①Ａ\ud800\udfff@$0134!|kankerlijer"))
_texts = st.one_of(
    st.text(max_size=300),
    st.lists(st.one_of(_tricky, st.text(max_size=5)), max_size=200).map("".join),
)


@settings(max_examples=400, deadline=None)
@given(_texts)
def test_normaliser_never_raises_and_leaves_no_invisibles(text: str) -> None:
    cleaned = clean(text)
    assert _INVISIBLE.search(cleaned) is None
    cleaned.encode("utf-8")  # no lone surrogates left
    normalized = normalize(text)
    assert _INVISIBLE.search(normalized) is None
    view = TextView.of(text)
    assert _INVISIBLE.search(view.folded) is None
    assert all(_INVISIBLE.search(w) is None for w in view.words)
    view.skeletons  # noqa: B018 (computed lazily; must not raise)


@settings(max_examples=400, deadline=None)
@given(_texts)
def test_normaliser_idempotent_where_it_should_be(text: str) -> None:
    cleaned = clean(text)
    assert clean(cleaned) == cleaned
    normalized = normalize(text)
    if not _CONFUSABLE_SCRIPT.search(normalized + unicodedata.normalize("NFKC", text)):
        # Look-alikes are mapped once, before case folding: "Ά" folds to "ά", which a second
        # pass would map to "a", and Cyrillic "А" + U+0300 recomposes to "à" on a second pass.
        assert normalize(normalized) == normalized
    skel = skeleton(fold(normalized))
    assert skeleton(skel) == skel


def test_clean_is_bounded() -> None:
    assert len(clean("a" * (MAX_CHARS * 3))) == MAX_CHARS
    assert len(clean("a " * 2_000_000)) == MAX_CHARS


INSULT = "jij bent een kankerlijer"  # the current rules flag it as harassment


@pytest.mark.parametrize("padding", [
    "\u200b" * 20_000,
    "\n" * 4_000,
    "\u2800" * 4_000,
    " " * 25_000,
    "\u200b\n" * 12_000,
    "\ufeff" * 30_000 + "\u2800 " * 3_000,
])
def test_padding_does_not_hide_an_insult(padding: str) -> None:
    async def judge() -> dict:
        checker = Checker.from_config(None)
        try:
            plain = await checker.check_line(json.dumps({"id": "p", "text": INSULT}), 1)
            padded = await checker.check_line(json.dumps({"id": "q", "text": padding + INSULT}), 2)
        finally:
            await checker.aclose()
        assert "harassment" in plain["flags"]
        return padded

    assert "harassment" in asyncio.run(judge())["flags"]
