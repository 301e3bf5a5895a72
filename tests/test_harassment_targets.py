"""Who a message is aimed at when the name list does not know the name (a capitalised word in the
middle of a sentence), humiliation told as a story, exclusion by the group's choice, and idioms
and sport banter that only look like threats. Every sentence was written for these tests (none
comes from a corpus file); the names are chosen to be missing from first_names.txt."""

from __future__ import annotations

import pytest

from policies.harassment import HarassmentPolicy
from policies.harassment.compose import capitalised_names
from policies.harassment.lexicon import categories, lexicon
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
    ("Wobbe is er niet. ik zag Wobbe gisteren ziek thuis", {"wobbe"}),
    # a sentence start, a place, a street, a place preposition, a brand, a subject, a weekday
    ("Wobbe is er vandaag niet", set()),
    ("we gaan zaterdag naar Amstelveen", set()),
    ("het pakketje ligt op de Dorpsstraat", set()),
    ("mijn oma woont in Dalfsen", set()),
    ("ik kijk vanavond Netflix met mn zus", set()),
    ("we hebben morgen Scheikunde en Frans", set()),
    ("de toets is op Maandag", set()),
    ("wat vinden jullie van die Antilliaanse muziek", set()),
    ("mijn broertje slikt elke ochtend Ritalin", set()),
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


@pytest.mark.parametrize(("text", "category"), [
    # humiliation told as a story: poverty and clothes, private writing or a voice message offered
    # to the group, a vote on who is the worst, a third person's failure laughed at
    ("kijk hoe arm Wobbe is, hij draagt al een maand dezelfde jas 🤢", "humiliation"),
    ("haha daan heeft weer dezelfde hoodie aan, vierde dag al", "humiliation"),
    ("dat meisje met die jas van de kringloop 😂", "humiliation"),
    ("ik heb het dagboek van noor gevonden, zal ik het hier plakken?", "humiliation"),
    ("wie wil het spraakbericht van sem horen 😂", "humiliation"),
    ("poll: wie is de domste van de klas? ik zeg finn", "humiliation"),
    ("poll time: who is the ugliest boy in our year", "humiliation"),
    ("lmao he failed his driving test again 😂", "humiliation"),
    ("lars dacht echt dat Parijs in Spanje ligt 😂", "humiliation"),
    # exclusion: ghosting, not answering from now on, not picking, deliberately not asking
    ("we ghosten sanne vanaf nu", "exclusion"),
    ("bij voetbal kiest niemand lars, laat hem maar staan", "exclusion"),
    ("vanaf nu reageren we niet meer op bram", "exclusion"),
    ("tom vragen we bewust niet mee naar het feest", "exclusion"),
    ("everyone stop replying to jake from now on", "exclusion"),
])
def test_humiliation_and_exclusion_by_kind(policy: HarassmentPolicy, text: str,
                                           category: str) -> None:
    found = harassment(policy, text)
    assert found is not None, text
    # (a message-wide class, such as a vote on the ugliest, is named in the evidence)
    assert category in {h["category"] for h in found.data["hits"]} | {found.category} or (
        f"{categories()[category].label}:" in found.evidence), (text, found.evidence)


@pytest.mark.parametrize("text", [
    "wie heeft de lelijkste kersttrui? stemmen maar 🎄",
    "ik draag vandaag dezelfde trui als gisteren haha",
    "ik heb mijn oude dagboek gevonden, zal ik een stukje hier plakken? 😂",
    "u failed one quiz lol, you'll be fine",
    "hij dacht dat ik boos was haha",
    "sanne dacht dat de toets vandaag was, gelukkig niet haha",
    "zag je dat de juf weer te laat was 🙄",
    "we hoeven de mentor niet te vragen, het staat in de mail",
    "we reageren niet meer op die mails van de webshop",
    "niemand kiest wiskunde D, dus dat vak vervalt",
    # the laughing idiom with a person (laughter, not a threat) and sport banter
    "ik schiet me dood van het lachen om jou 😂",
    "ik lig dubbel, ik ga dood van het lachen om je",
    "wacht maar tot de finale, dan ga je huilen",
    "wait till the finals, ur gonna cry",
])
def test_the_same_shape_stays_clean(policy: HarassmentPolicy, text: str) -> None:
    found = harassment(policy, text)
    assert found is None, (text, found.evidence if found else "")


@pytest.mark.parametrize("text", [
    "ik schiet je dood haha",
    "ik sla je dood 😂",
    "wacht maar tot na de finale, dan pak ik je bij de fietsenstalling",
    "wacht maar tot na school, dan ga je huilen",
])
def test_threats_beside_laughter_or_sport_stay_threats(policy: HarassmentPolicy,
                                                       text: str) -> None:
    found = harassment(policy, text)
    assert found is not None and found.category == "threat", text
