"""The topic rule and class life: a class group also talks about the class itself, its members'
conduct and wellbeing, school places and events. Those are school business (B.2); selling,
parties, gaming, gossip and memes for their own sake are not."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.events import GroupKind, MessageEvent, Role, Sender
from core.findings import Finding
from policies.base import PolicyContext
from policies.text import TextView
from policies.topic import TopicPolicy, TopicSettings
from policies.topic_model import OWN_WEIGHT, TRAIN_PATH, load_lexicon, read_examples


@pytest.fixture(scope="module")
def policy() -> TopicPolicy:
    return TopicPolicy()


def run(policy: TopicPolicy, text: str, settings: TopicSettings | None = None) -> list[Finding]:
    ctx = PolicyContext("console:g", GroupKind.CLASS, Role.STUDENT, settings or TopicSettings())
    event = MessageEvent("console", "g", "1", Sender("u", "U", Role.STUDENT), text=text)
    return policy.check_text(TextView.of(text), ctx, event)


@pytest.mark.parametrize("text", [
    # something shared with the class
    "wij vieren vrijdag holi, ik neem maandag gekleurde snoepjes mee voor de klas 🌈",
    # the group's own conduct
    "kunnen jullie ophouden met die nep-screenshots van klasgenoten in deze groep?",
    "please stop posting those memes about her hijab in here, it's not funny",
    # mocking oneself about school life
    "haha ik ben zo'n kluns, ben in de pauze met mijn dienblad over de drempel gestruikeld",
    # banter about a school event
    "op de sportdag gaan we jullie echt inmaken met touwtrekken 💪",
    # a complaint about a school thing
    "de kraan in de kleedkamer bij de gymzaal lekt alweer, ranzig",
    # a report about what happens at school
    "ik hoorde dat er in de kleedkamer stiekem gefilmd wordt, kan iemand dat aan de mentor melden?",
])
def test_class_life_is_on_topic(policy: TopicPolicy, text: str) -> None:
    assert run(policy, text) == [], text


@pytest.mark.parametrize("text", [
    "wie wil mijn oude skateboard kopen? 25 euro, ophalen bij mij",
    "zaterdag feest bij mij thuis, neem zelf drank mee 🍻",
    "wie gaat er vanavond fortnite spelen? join mijn squad",
    "heb je gehoord dat sanne en joep uit elkaar zijn 👀",
])
def test_chitchat_stays_off_topic(policy: TopicPolicy, text: str) -> None:
    assert [f.flag for f in run(policy, text)] == ["off_topic"], text


def test_school_places_and_the_group_itself_are_school_words() -> None:
    lexicon = load_lexicon()
    found = lexicon.categories(TextView.of("in de pauze bij de kleedkamers op het schoolplein"))
    assert {"pauze", "kleedkamers", "schoolplein"} <= set(found["people_places"])
    found = lexicon.categories(TextView.of("dat hoort niet in de klassenapp of in this group"))
    assert {"klassenapp", "this group"} <= set(found["group_chat"])
    assert "group_chat" in lexicon.school


def test_weather_words_and_a_match_are_no_off_topic_subject() -> None:
    # "warm en hartelijk" is about people, "goede game" after gym is a match, not a video game
    lexicon = load_lexicon()
    for text in ("wat zijn jullie warm en hartelijk", "goede game vandaag bij gym"):
        found = lexicon.categories(TextView.of(text))
        assert not lexicon.off_topic.intersection(found), text


def test_objecting_to_what_is_posted_keeps_the_doubt_threshold(policy: TopicPolicy) -> None:
    """An off-topic subject named only to object to it ("stop sending those memes") does not
    lower the bar to the plain threshold: the message is about the group's conduct."""
    text = "stop sending those memes in here, it is not funny"
    found = policy.lexicon.categories(TextView.of(text))
    assert "memes" in found and "counter" in found
    p = policy.probability(TextView.of(text))
    low = TopicSettings(threshold=0.05, cue_threshold=min(1.0, p + 0.01))
    assert run(policy, text, low) == []
    # without the objection the same subject is judged against the plain threshold
    plain = "those memes in here are so good"
    assert "counter" not in policy.lexicon.categories(TextView.of(plain))
    assert run(policy, plain, TopicSettings(threshold=0.05)) != []


def test_own_examples_count_more_than_corpus_lines(tmp_path: Path) -> None:
    own = read_examples(TRAIN_PATH, OWN_WEIGHT)
    assert own and all(e.weight == OWN_WEIGHT for e in own)
    data = tmp_path / "x.jsonl"
    data.write_text(
        json.dumps({"text": "te koop: fiets", "off_topic": True}) + "\n"
        + json.dumps({"text": "toets morgen", "off_topic": False, "weight": 2}) + "\n",
        "utf-8",
    )
    assert [e.weight for e in read_examples(data, OWN_WEIGHT)] == [OWN_WEIGHT, 2.0]
    assert [e.weight for e in read_examples(data)] == [1.0, 2.0]
