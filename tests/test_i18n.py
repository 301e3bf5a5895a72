"""One catalogue: every text exists in Dutch and English with the same placeholders."""

from __future__ import annotations

import string

import pytest

from bot.i18n import LANGUAGES, catalogue, t
from policies.articles import ALL


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_key_has_both_languages_with_the_same_placeholders() -> None:
    problems = []
    for key, entry in catalogue().items():
        missing = [lang for lang in LANGUAGES if not entry.get(lang)]
        if missing:
            problems.append(f"{key}: missing {missing}")
        elif fields(entry["nl"]) != fields(entry["en"]):
            problems.append(f"{key}: placeholders differ")
    assert problems == []


def test_every_article_has_a_plain_dutch_text() -> None:
    for article in ALL:
        if article in ("A.2",):
            continue
        assert t(f"article.{article}", "nl")


def test_dutch_is_the_default_and_english_on_request() -> None:
    assert t("kind.class") == "klasgroep"
    assert t("kind.class", "en") == "class group"
    with pytest.raises(KeyError):
        t("does.not.exist")
