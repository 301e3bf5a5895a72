"""Kinds of wording for exclusion, humiliation, body shaming, insults and sexual remarks (issue 14),
each read by kind rather than by string; and the messages of the same shape that stay clean.
Every sentence was written for these tests (none comes from a corpus file)."""

from __future__ import annotations

import pytest

from policies.harassment import HarassmentPolicy
from tests.test_harassment import harassment


@pytest.fixture(scope="module")
def policy() -> HarassmentPolicy:
    return HarassmentPolicy()


@pytest.mark.parametrize(("text", "category"), [
    # exclusion: from a group, a team, a new chat, school; by the group's choice; "normal" only
    ("niemand zet noor in zn groepje oke", "exclusion"),
    ("niemand neemt daan in het team", "exclusion"),
    ("zullen we een nieuwe groepsapp maken zonder lisa", "exclusion"),
    ("lets make a new gc without emma", "exclusion"),
    ("nobody put finn in their group for the project", "exclusion"),
    ("zullen we de uitnodigingen alleen naar de normale gezinnen sturen", "exclusion"),
    ("lisa moet uit de groep", "exclusion"),
    ("sem mag nie mee naar de bioscoop", "exclusion"),
    ("jij zit nie in ons groepje", "exclusion"),
    ("zullen we lotte maar niet uitnodigen", "exclusion"),
    ("misschien is het beter als bram voortaan niet meer meekomt", "exclusion"),
    ("laten we gewoon doen alsof daan niet bestaat", "exclusion"),
    ("zet hem niet in je groepje voor het project", "exclusion"),
    ("wie sara toevoegt aan de groep ligt er ook uit", "exclusion"),
    ("lets all pretend jake doesnt exist", "exclusion"),
    # insults: English chat spelling, a negative command, a curse apart from its person word
    ("ur so dumb omg", "insult"),
    ("ur literally a walking L", "insult"),
    ("nobody asked tho emma", "insult"),
    ("doe niet zo achterlijk joh", "insult"),
    ("dont be so stupid liam", "insult"),
    ("je ben echt een kanker joch", "insult"),
    ("u bent echt de slechtste docent ooit", "insult"),
    ("wat een moederskindje ben jij 😂", "insult"),
    # body shaming: height, a chest, a label at gym (a game never excuses it)
    ("bro ur so short u need a ladder", "body_shaming"),
    ("dikke walvis kan niet eens rennen bij gym", "body_shaming"),
    # humiliation: a possessive name ("emma's"), what happened to someone, private writing
    ("remember when noah peed himself on the bus 😂", "humiliation"),
    ("guys look at emmas old insta posts 😭😭", "humiliation"),
    ("everyone look at liams shoes 😭", "humiliation"),
    ("hahaha hoor hoe noor praat ze klinkt als een muis", "humiliation"),
    ("lachen om sem zn stem bij het voorlezen", "humiliation"),
    ("ik heb sara haar liefdesbrief gevonden, hier is ie 😂", "humiliation"),
    # sexual remarks about a named person or a teacher
    ("je raadt nooit wat noah in zijn verslag schreef: 'de fransche revolutie' 😂😂", "humiliation"),
    ("sanne heeft echt geen bh nodig 😂", "sexual"),
    ("the new teacher is seriously hot, id book extra lessons with her", "sexual"),
    ("die nieuwe juf mag mij wel eens privéles geven 😜", "sexual"),
    ("ik zou juf sanne wel willen pakken", "sexual"),
])
def test_the_kind_is_found(policy: HarassmentPolicy, text: str, category: str) -> None:
    found = harassment(policy, text)
    assert found is not None, text
    assert category in {h["category"] for h in found.data["hits"]} | {found.category}, (
        text, found.evidence)


@pytest.mark.parametrize("text", [
    "niemand wordt uitgesloten van het schoolreisje",
    "we gooien je niet uit de groep hoor",
    "nobody is kicking you out",
    "ik ben echt de slechtste kok ooit",
    "je presentatie was echt sick",
    "mag je bij de toets een rekenmachine gebruiken of nie",
    "zullen we een nieuwe groepsapp maken voor het project",
    "doe niet zo moeilijk, het is maar een toets",
    "bij bio leren we over seks en voortplanting, moet je dat kennen?",
    "miss, someone wrote in the chat that all muslims should leave. i screenshotted it",
    "ik wil even zeggen dat niemand wordt buitengesloten bij het kamp",
    "mijn dochter heeft Sem niet geslagen. laten we het rustig bespreken met de mentor",
    "ik heb een liefdesbrief geschreven voor mijn vriendin haha",
    "hij doet alsof het niet zo is",
    "sem is er niet vandaag, hij is ziek",
    "de batterij van mijn fiets ligt eruit, kan iemand helpen",
    "hij klinkt als een echte zanger haha",
])
def test_the_same_shape_stays_clean(policy: HarassmentPolicy, text: str) -> None:
    found = harassment(policy, text)
    assert found is None, (text, found.evidence if found else "")
