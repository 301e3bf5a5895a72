"""Personal data in more wordings (issue 14): an address at a party or a family's door, a Frisian
street, a verification code; and their near misses. Every sentence was written for these tests
(none comes from a corpus file)."""

from __future__ import annotations

import pytest

from tests.test_personal_data import categories


@pytest.mark.parametrize(("text", "category"), [
    ("het feestje van sanne is vrijdag op de Mozartlaan 14, neem een cadeautje mee", "home_address"),
    ("familie de Boer, Tsjerkewei 3 in Burgum, daar is de barbecue", "home_address"),
    ("de verificatiecode van bram is 771204, log even in voor hem", "password"),
])
def test_personal_data_is_found(text: str, category: str) -> None:
    assert category in categories(text), (text, categories(text))


@pytest.mark.parametrize("text", [
    "het schoolfeest is vrijdag in de aula, neem je kaartje mee",
    "de verificatiecode krijg je per sms van magister",
    "de familie van meneer de Boer komt uit Friesland",
])
def test_near_misses_are_not(text: str) -> None:
    assert categories(text) == set(), (text, categories(text))
