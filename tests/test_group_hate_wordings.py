"""Hate against protected groups in wordings the first lists missed: negative feelings about a
group (irritation, aversion, itching), stereotypes of greed and theft, a lesser "ras",
dehumanisation as a growth, slurs and their plurals and compounds with a curse, normative threats
("zouden … moeten laten inslapen", "deserve to …"), a threat at a group's place of worship, letters
spaced one apart with words two apart, and slurs in a sentence about "we" or "our". Each has a
clean twin. Every sentence was written for these tests (none comes from a corpus file or a
published test suite)."""

from __future__ import annotations

import pytest

from policies.harassment import HarassmentPolicy
from tests.test_group_hate import assert_clean, assert_hate


@pytest.mark.parametrize("text", [
    # feelings about a group
    "chinezen irriteren me mateloos",
    "ik voel echt afkeer van roemenen",
    "ik krijg jeuk van al die asielzoekers",
    # stereotypes
    "joden zijn gierig",
    "waarom zijn roemenen allemaal zakkenrollers",
    "antillianen zijn echt krimineel",
    "buitenlanders eruit",
    "die vluchtelingen maken onze buurt kapot",
    "volgens mij zijn aziaten een lager ras",
    "zijn moslims eigenlijk wel echte mensen",
    "why are jews so greedy",
    # dehumanisation
    "homo's zijn een gezwel in de maatschappij",
    # slurs, plural and with a curse
    "die polakken parkeren altijd voor de poort",
    "kankerpolakken overal",
    "the wogs are taking over the park",
    "geitenneukers horen niet in deze klas",
    "why do we let towel heads in here",
    # normative threats and a group's place
    "gehandicapten zou je moeten laten inslapen",
    "turken zouden als slaven moeten werken",
    "trans people deserve to suffer",
    "im going to burn down the synagogue",
    "ik ga die moskee opblazen",
    # spaced letters, words two spaces apart; whole sentences glued; a digit read aloud
    "t u r k e n  z i j n  d i e v e n",
    "homoszijnallemaalziek",
    "allevluchtelingenzijnratten",
    "i h8 muslims",
    # a group taken up by a relative pronoun or a pronoun in a subordinate clause
    "transen, die ik echt walgelijk vind, moeten uit de kleedkamer blijven",
    "ik zag zigeuners op het plein en ik denk dat ze kwamen om te jatten",
    # a slur ending in a word for a thing is still a slur
    "die handdoekkoppen moeten niet zo zeuren",
])
def test_hate_in_these_wordings(harassment_policy: HarassmentPolicy, text: str) -> None:
    assert_hate(harassment_policy, text)


@pytest.mark.parametrize("text", [
    "die herrie op de gang irriteert me mateloos",
    "ik krijg jeuk van deze trui",
    "mijn opa is gierig met zijn snoep haha",
    "joden zijn helemaal niet gierig, dat is een fabeltje",
    "de moskee aan de overkant heeft een open dag",
    "we gaan met de klas naar de synagoge voor levensbeschouwing",
    "in de biologieles ging het over een gezwel in de long",
    "h o i  a l l e m a a l",
    "in de geschiedenis moesten slaven op plantages werken",
    "we gaan ze slopen bij het handbal zaterdag",
    "ik ben een trotse flikker en dat mag iedereen weten",
    "ik ben moslim, we moeten straks weg naar de moskee",
    "kk vol in de moskee met het suikerfeest",
    "ik ben echt gesloopt na die toets",
    "allemaal",
    "ik h8 maandagen",
    "er zitten moslims in mijn klas, die zijn heel aardig",
])
def test_their_clean_twins(harassment_policy: HarassmentPolicy, text: str) -> None:
    assert_clean(harassment_policy, text)


@pytest.mark.parametrize("text", [
    "ze zouden die asielzoekers gewoon in elkaar moeten slaan",  # normative, others act
    "jij bent zo'n nikker, doe normaal",  # a slur at the reader beside "doe normaal"
    "doven zijn toch nutteloos",
    "ik ken veel afghanen. die mensen hebben geen fatsoen",  # "die mensen" takes up the group
    "vrouwen zijn minder leerbaar",
    "women cant code",
])
def test_more_wordings(harassment_policy: HarassmentPolicy, text: str) -> None:
    assert_hate(harassment_policy, text)


@pytest.mark.parametrize("text", [
    "mijn printer is nutteloos",
    "die mensen van de kantine hebben geen pinautomaat",
    "kap nou met dat schelden, doe normaal",
])
def test_more_clean_twins(harassment_policy: HarassmentPolicy, text: str) -> None:
    assert_clean(harassment_policy, text)
