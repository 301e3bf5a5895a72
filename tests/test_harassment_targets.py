"""Who a message is aimed at when the name list does not know the name (a capitalised word in the
middle of a sentence), humiliation told as a story, exclusion by the group's choice, and idioms
and sport banter that only look like threats. Every sentence was written for these tests (none
comes from a corpus file); the names are chosen to be missing from first_names.txt."""

from __future__ import annotations

import pytest

from policies.harassment import HarassmentPolicy
from policies.harassment.compose import capitalised_names
from policies.harassment.lexicon import lexicon
from tests.test_harassment import harassment


@pytest.fixture(scope="module")
def policy() -> HarassmentPolicy:
    return HarassmentPolicy()


def test_unknown_names_are_not_in_the_list() -> None:
    lex = lexicon()
    for name in ("wobbe", "hylkje", "ysolde", "gerrolt"):
        assert name not in lex.names


@pytest.mark.parametrize(("text", "expected"), [
    ("gisteren zag ik Wobbe bij de bushalte", {"wobbe"}),
    ("ja, Hylkje had gelijk", {"hylkje"}),
    ("de tas van Ysolde's zus", {"ysolde"}),
    # a sentence start, a place, a street, a place preposition, a brand, a subject, a weekday
    ("Wobbe is er vandaag niet", set()),
    ("we gaan zaterdag naar Amstelveen", set()),
    ("het pakketje ligt op de Dorpsstraat", set()),
    ("mijn oma woont in Dalfsen", set()),
    ("ik kijk vanavond Netflix met mn zus", set()),
    ("we hebben morgen Scheikunde en Frans", set()),
    ("de toets is op Maandag", set()),
    # lower case, and title case throughout: capitals say nothing
    ("gisteren zag ik wobbe bij de bushalte", set()),
    ("Gisteren Zag Ik Wobbe Bij De Bushalte", set()),
])
def test_a_capitalised_word_mid_sentence_is_a_name(text: str, expected: set[str]) -> None:
    assert capitalised_names(lexicon(), text) == expected


@pytest.mark.parametrize(("text", "category"), [
    ("wie stemt ervoor dat we Wobbe uit de groep gooien", "exclusion"),
    ("zullen we een nieuwe app maken zonder Gerrolt", "exclusion"),
    ("eerlijk, Hylkje is echt een loser", "insult"),
])
def test_a_name_the_list_does_not_know_is_a_target(policy: HarassmentPolicy, text: str,
                                                   category: str) -> None:
    found = harassment(policy, text)
    assert found is not None, text
    assert category in {h["category"] for h in found.data["hits"]} | {found.category}, (
        text, found.evidence)


@pytest.mark.parametrize("text", [
    # a character or a historical person in a lesson, a brand, a place
    "in history we learned that Brutus stabbed Caesar in the senate",
    "bij geschiedenis lazen we hoe Robespierre werd onthoofd",
    "ik haat Fortnite echt, elke keer die updates",
    "mijn opa woont in Dalfsen en daar is het echt saai",
    "morgen gaan we met Wobbe naar de bieb",
])
def test_a_capitalised_word_alone_accuses_no_one(policy: HarassmentPolicy, text: str) -> None:
    found = harassment(policy, text)
    assert found is None, (text, found.evidence if found else "")
