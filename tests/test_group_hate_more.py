"""Group hate read since the third sealed round (issue 14): an equals sign as "is", Hitler
praised, "typisch X", adapt-or-leave, not suited; and their ordinary neighbours. Every sentence
was written for these tests (none comes from a corpus file)."""

from __future__ import annotations

import pytest

from policies.harassment import HarassmentPolicy
from tests.test_group_hate import assert_clean, assert_hate
from tests.test_harassment import harassment


@pytest.mark.parametrize("text", [
    "moslims = ratten",
    "joden = kanker echt",
    "hitler had gewoon gelijk over die mensen",
    "typisch turken weer, altijd te laat",
    "die vluchtelingen moeten zich aanpassen of oprotten",
    "roma passen niet in onze samenleving",
    "girls should just go back to the kitchen",
    "muslims are just not suited for this country",
    "vrouwen als directeur? die zijn toch veel te emotioneel",
])
def test_group_hate_is_found(harassment_policy: HarassmentPolicy, text: str) -> None:
    assert_hate(harassment_policy, text)


@pytest.mark.parametrize("text", [
    "roken = kanker, zegt de biologiedocent",
    "typisch nederlands weer vandaag, weer regen",
    "mijn zus moet zich nog aanpassen aan de nieuwe school",
    "5 + 3 = 8, dat is het antwoord op vraag 2",
    "ik was te emotioneel bij de diploma-uitreiking haha",
    "in de geschiedenisles: hitler had een plan om heel europa te veroveren",
])
def test_their_neighbours_stay_clean(harassment_policy: HarassmentPolicy, text: str) -> None:
    assert_clean(harassment_policy, text)


@pytest.mark.parametrize("text", [
    "die moslims bij de moskee, we gooien er vanavond stenen naar",
    "we gaan die polen na school pakken",
    "we're gonna jump the turkish boys after school",
    "next gay kid who looks at me gets his face smashed in",
    "lesbians make my skin crawl honestly",
    "ik vind dat vluchtelingen ons land kapotmaken",
    "de smousen hebben weer alles in handen",
    "tyfus antilianen overal",
])
def test_more_group_hate_is_found(harassment_policy: HarassmentPolicy, text: str) -> None:
    found = harassment(harassment_policy, text)
    assert found is not None, text


@pytest.mark.parametrize("text", [
    "we gaan de trein van half acht pakken",
    "tyfus wifi hier, alles laadt traag",
    "i'm gonna jump in the pool after training",
])
def test_more_neighbours_stay_clean(harassment_policy: HarassmentPolicy, text: str) -> None:
    assert_clean(harassment_policy, text)
