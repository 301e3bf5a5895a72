"""Wordings read since the third sealed round (issue 14): reports, relays and mentions that are no
harassment (a staff member relaying an incident to colleagues, a student telling a teacher what was
sent, a question about what a quoted line means, a dialect negator), more insults and death wishes,
and evidence a mentor can read. Every sentence was written for these tests (none from a corpus file)."""

from __future__ import annotations

import pytest

from core.events import GroupKind, Role
from policies.harassment import HarassmentPolicy
from tests.test_group_hate import assert_clean
from tests.test_harassment import harassment
from tests.test_harassment_calls import PHONE


@pytest.mark.parametrize("text", [
    "wat betekent 'ik maak je af' in dit gedicht, is dat echt een dreigement?",
    "what does 'kys' mean? someone wrote it under my post",
    "ge zijt gin idioot, die vraag was gewoon lastig",
    "sir, someone keeps posting 'kys' under mila's photo, i screenshotted it",
])
def test_students_reports_and_mentions_stay_clean(harassment_policy: HarassmentPolicy, text: str) -> None:
    assert_clean(harassment_policy, text)


def test_a_staff_member_relaying_an_incident_is_no_harassment(harassment_policy: HarassmentPolicy) -> None:
    text = "collega's, een leerling meldt dat er een naaktfoto van een meisje uit 2b rondgaat"
    found = harassment(harassment_policy, text, role=Role.TEACHER, kind=GroupKind.STAFF)
    assert found is None, found.evidence if found else ""


@pytest.mark.parametrize("text", [
    # addressing colleagues is no relay: what follows is the writer's own words
    "collega's, ik zeg het maar eerlijk: die jongen uit 3c is een ongelooflijke sukkel",
    # a report verb without a relay is not enough: the student still says it
    "ik zeg het gewoon, lotte is een hoer",
])
def test_own_words_after_a_report_verb_stay_harassment(harassment_policy: HarassmentPolicy,
                                                       text: str) -> None:
    role = Role.TEACHER if text.startswith("collega") else Role.STUDENT
    found = harassment(harassment_policy, text, role=role)
    assert found is not None, text


@pytest.mark.parametrize(("text", "category"), [
    # a negator in the sentence before does not reach past "jij" starting the next one
    ("ik heb niks gepakt jij vieze leugenaar", "insult"),
    # curse compounds whose tail is a person or a mouth
    ("hou je kankerbek nou eens", "insult"),
    ("wat een kutventje is dat", "insult"),
    # a person named by what they do ("die pestkop"), a prison cell is no biology lesson
    ("ik wens die pester echt een langzame dood toe", "death_wish"),
    ("die dader mag van mij wegrotten in de cel", "death_wish"),
    ("u bent echt een slecht mens", "insult"),
    # unpunctuated chat: "af" before "jij" is the particle; the insult is said of "jij"
    ("ik maak je af jij vieze kakkerlak", "threat"),
    ("ik zie je morgen jij vieze rat", "insult"),
    # a letter-spaced sentence is read as its words
    ("l o s e r   s e m", "insult"),
    # sexual remarks and grooming
    ("hee noor, kom even bij mij op schoot zitten", "sexual"),
    ("zullen we na het zwemmen samen douchen noor 😏", "sexual"),
    ("die nieuwe invaller van engels, als ik tien jaar jonger was 😏", "sexual"),
    ("vanaf nu praat niemand meer met sanne", "exclusion"),
    ("ik walg van homo's, echt waar", "discrimination"),
    # "nooit zo'n X als jij" compares; it denies nothing
    ("ik heb nog nooit zo'n irritant persoon ontmoet als jij", "insult"),
    # death wishes by permission, hope and a funeral
    ("die conciërge mag van mij de pest krijgen", "death_wish"),
    ("ik hoop echt dat die pester een ongeluk krijgt", "death_wish"),
    ("people like him don't deserve to live", "death_wish"),
    # sextortion with what the writer has, exclusion among adults and from a chat
    ("ik weet wat er op je telefoon staat, 50 euro of ik stuur het naar iedereen", "sextortion"),
    ("laten we de ouderavond gewoon regelen zonder ingrid, die zeurt toch alleen", "exclusion"),
    ("niemand zet lotte in de klassenapp oké", "exclusion"),
    ("sem, verlaat gewoon de groep", "exclusion"),
    # a call on the group
    ("wie laat bij tim de banden leeglopen? hij verdient het", "incitement"),
    ("they keep mocking emma's accent, it's so funny 😂", "humiliation"),
    # veiled threats: waylaid, "you're dead" inverted, someone sent to deal with you
    ("jij wordt morgen na school opgewacht, succes", "threat"),
    ("vrijdag ben je dood na het zesde uur", "threat"),
    ("my brother is coming friday, he will deal with you", "threat"),
    ("stuur er nog een of ik stuur de andere naar je moeder", "sextortion"),
    # body shaming by what someone should not wear, a forehead to land on
    ("met die benen moet jij echt geen korte rok aan lisa", "body_shaming"),
    ("bro your forehead is so big you could land a plane on it", "body_shaming"),
])
def test_more_wordings_are_read(harassment_policy: HarassmentPolicy, text: str, category: str) -> None:
    found = harassment(harassment_policy, text)
    assert found is not None, text
    assert category in {h["category"] for h in found.data["hits"]} | {found.category}, (
        text, found.evidence)


@pytest.mark.parametrize("text", [
    "jij bent niet dom hoor",  # the negator still reaches what it stands before
    "de cel deelt zich in twee dochtercellen",
    "ik heb een slecht cijfer voor bio",
    "mijn broer is geen leugenaar, hij zegt de waarheid",
    "mijn kleine zusje zat de hele film bij mij op schoot",
    "na gym moet iedereen douchen, neem een handdoek mee",
    # a negator inside a phrase of hatred negates it
    "ik walg echt niet van homo's, waarom zou ik",
    "ik heb nooit een hekel gehad aan polen",
    # two frequent words side by side are two words ("nu de" is no "nude")
    "kunnen jullie nu de foto's van de excursie sturen?",
    "op de tweede verdieping komt een genderneutrale wc voor iedereen",
    # counter-speech names the hate it rejects; "niemand praat erover" excludes no one
    "ik heb die haatberichten over marokkanen gemeld, dit hoort hier niet",
    "dat joden nog steeds bedreigd worden is erg, en niemand praat erover",
    "die goal van jou gisteren was echt killing",
    "ik heb nog nooit zo'n mooie zonsondergang gezien",
    "we doen de proef zonder rekenmachine",
    "ik hoop dat je geen ongeluk krijgt op die gladde weg, rij voorzichtig",
    "wie mag er van mij een koekje?",
    # a word that is also a name or a school word
    "nobody here ever said that your daughter is lazy",
    "the mock exams for year 11 start on monday",
    "your solo at the concert was insane, so talented",
    # a student asking a teacher to step in, counter-speech about bodies
    "miss, they keep calling noah a loser in the chat and he's really upset, can you talk to them?",
    "stop commenting on people's bodies, it's not ok",
    # a denier inside a death wish denies it
    "ik wens niemand dood, ook bram niet",
    # a parent's violence told by their child is a care matter, not a threat by the writer
    "thuis slaat mijn vader weer, ik weet niet wat ik moet doen",
    # a quoted line in a lesson; a thing, not a person; "whoever said that" calls on no one
    "in het toneelstuk zegt de koning 'ik zal je doden', is dat ironie?",
    "die kantinetosti is echt ranzig vandaag",
    "nobody here thinks you're weird, whoever said that is just jealous",
])
def test_their_neighbours_stay_clean(harassment_policy: HarassmentPolicy, text: str) -> None:
    assert_clean(harassment_policy, text)


def test_the_evidence_shows_the_words_found_not_the_alternatives(harassment_policy: HarassmentPolicy) -> None:
    found = harassment(harassment_policy, "die pester mag van mij verrekken")
    assert found is not None
    assert "/" not in found.evidence and "verrekken" in found.evidence, found.evidence


def test_a_call_by_saying_one_does_not_call_is_doxxing(harassment_policy: HarassmentPolicy) -> None:
    # someone's data (the personal-data rule found it) + "ik zeg niet wat je moet doen"
    text = "zijn nummer is 06-12345678, ik zeg niet wat je moet doen hoor"
    found = harassment(harassment_policy, text, prior=PHONE)
    assert found is not None and found.category == "doxxing", found
