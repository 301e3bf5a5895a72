"""Mockery without laughter (issue 14): a scornful word or emoji ("huilde weer, huilie 👶", a photo taken
📸) lets a mocking class count, as laughter does; it never turns a care signal into a joke. Every
sentence was written for these tests (none comes from a corpus file)."""

from __future__ import annotations

import pytest

from policies.harassment import HarassmentPolicy
from policies.wellbeing import WellbeingPolicy
from tests.test_group_hate import assert_clean
from tests.test_harassment import harassment, run


@pytest.mark.parametrize("text", [
    "milan huilde weer bij zijn spreekbeurt 👶🍼",
    "senna stotterde de hele presentatie, zo gênant",
    "harper cried in the toilets again, crybaby",
    "look who tripped on the stairs 📸 it's josh",
    "fenna viel van het podium bij de musical, ik vertel het zo aan de hele jaarlaag",
    "made a meme of liam crying after the match, sending it to everyone",
    "we noemen hem vanaf nu 'bram de brilslang' 😂",
    "zag je hoe lotte las bij de presentatie, ik deed haar na en iedereen lag dubbel",
    "mijn broertje van vijf kan beter tekenen dan daan 😂",
    "you remember when noah fell off the stage, legend 😂",
])
def test_scorn_makes_mockery_count(harassment_policy: HarassmentPolicy, text: str) -> None:
    found = harassment(harassment_policy, text)
    assert found is not None, text
    hits = {h["category"] for h in found.data["hits"]}
    assert "humiliation" in hits, (text, found.evidence)


@pytest.mark.parametrize("text", [
    "milan huilde weer bij zijn spreekbeurt",  # telling what happened, no mockery
    "ik huilde bij de film gisteren, zo gênant 👶",  # the writer about themself
    "de baby van juf sanne huilde de hele nacht, zegt ze",
    "we noemen de nieuwe klassenapp vanaf nu gewoon 'de groep'",
    "you're a legend for bringing snacks 😂",
])
def test_without_scorn_or_a_target_it_stays_clean(harassment_policy: HarassmentPolicy, text: str) -> None:
    assert_clean(harassment_policy, text)


def test_scorn_never_makes_a_care_signal_a_joke() -> None:
    # laughter makes hyperbole a joke ("ik wil dood haha"); a scornful emoji must not
    found = [f for f in run(WellbeingPolicy(), "ik wil er gewoon niet meer zijn 🤮")
             if f.flag == "wellbeing"]
    assert found, "a care signal with a scornful emoji is still a care signal"
