"""A message that opens by addressing a teacher is a question or a report to staff: on topic,
unless a rule found harassment in it (issue 14: reports flagged off topic were false alarms). Every
sentence was written for these tests (none comes from a corpus file)."""

from __future__ import annotations

import pytest

from core.findings import Finding, Severity
from policies.topic import TopicPolicy
from tests.test_topic import run


@pytest.fixture(scope="module")
def policy() -> TopicPolicy:
    return TopicPolicy()


@pytest.mark.parametrize("text", [
    "juf, iemand heeft in de app gezet dat ik een loser ben, wat moet ik doen",
    "meneer Jansen: de jongens van 2b sturen steeds memes over mij rond",
    "sir can you check the group chat, people are posting weird stuff about emma",
    "mevrouw mag ik morgen het eerste uur missen voor de tandarts",
])
def test_addressing_a_teacher_is_on_topic(policy: TopicPolicy, text: str) -> None:
    assert run(policy, text) == [], text


@pytest.mark.parametrize("text", [
    "miss you guys already, best party ever last night 🎉🎉",
    "meneer de vries heeft een nieuwe tesla gekocht, wie gaat er mee een ritje maken",
])
def test_a_teacher_talked_about_or_miss_you_is_no_address(policy: TopicPolicy, text: str) -> None:
    assert [f.flag for f in run(policy, text)] == ["off_topic"], text


def test_harassment_addressed_to_a_teacher_stays_off_topic(policy: TopicPolicy) -> None:
    found = Finding("harassment", "harassment", "A.10", 0.8, Severity.MEDIUM, "belediging")
    text = "juf, u bent echt de irritantste mens ooit"
    assert [f.flag for f in run(policy, text, prior=(found,))] == ["off_topic"]
