"""Harassment (A.10), second round: classes of wording read by meaning (stereotypes and disclaimers,
denials, reports of a received message, humiliation told as a story, comparisons, threats over two
sentences, doxxing calls) and untargeted swearing. Each class has positives and near-miss negatives
(negation, quotation or report, a game, a lesson, self-mockery, identity-neutral mentions,
counter-speech). Every sentence was written for these tests; no test asserts a score."""

from __future__ import annotations

import pytest

from core.events import GroupKind, Role
from core.findings import Finding
from policies.harassment import HarassmentPolicy
from tests.test_harassment import harassment, run


@pytest.fixture(scope="module")
def policy() -> HarassmentPolicy:
    return HarassmentPolicy()


def flags(policy: HarassmentPolicy, text: str, **kw: object) -> list[str]:
    return [f.flag for f in run(policy, text, **kw)]  # type: ignore[arg-type]


def category(policy: HarassmentPolicy, text: str) -> str | None:
    found: Finding | None = harassment(policy, text)
    return found.category if found is not None else None


# -- profanity: swearing in the air is its own low flag, for everyone ------------------------------
@pytest.mark.parametrize("text", [
    "godsamme, de kopieermachine is alweer stuk",
    "verdorie, mijn oplader ligt nog thuis",
    "fuuuuck ik ben mn pasje kwijt",
    "wtf waarom is het tweede uur uitgevallen",
    "shit, het essay over de middeleeuwen moet morgen al af",  # a lesson topic, still a curse
])
def test_untargeted_swearing_is_profanity(policy: HarassmentPolicy, text: str) -> None:
    assert flags(policy, text) == ["profanity"]


def test_staff_swearing_is_reported_but_stays_low(policy: HarassmentPolicy) -> None:
    found = run(policy, "verdomme, de beamer in lokaal 12 doet het weer niet",
                role=Role.TEACHER, kind=GroupKind.STAFF)
    assert [(f.flag, f.severity.label) for f in found] == [("profanity", "low")]


@pytest.mark.parametrize("text", [
    "mijn tante heeft kanker, ze begint volgende week aan de chemo",
    "bij biologie hebben we geleerd hoe tyfus zich verspreidt",
    "in het boek roept de hoofdpersoon 'shit' als hij valt",
])
def test_a_disease_in_a_lesson_or_family_and_a_quoted_curse_are_no_profanity(
        policy: HarassmentPolicy, text: str) -> None:
    assert run(policy, text) == []


# -- stereotypes of a group: generalisations and disclaimers ---------------------------------------
@pytest.mark.parametrize("text", [
    "die polen komen ook nooit op tijd he",
    "vluchtelingen zijn altijd de luidsten in de bus",
    "ik heb echt niks tegen moslims, maar ze moeten zich wel aanpassen",
    "ik ben geen racist, maar die marokkanen moeten terug naar hun land",
    "i have nothing against gays but they should keep it at home",
])
def test_stereotypes_without_a_slur_are_discrimination(policy: HarassmentPolicy, text: str) -> None:
    assert category(policy, text) == "discrimination"


@pytest.mark.parametrize("text", [
    "ik heb niks tegen moslims",  # a statement of no objection, nothing follows
    "ik ben moslim en vier morgen het suikerfeest",
    "mijn buren zijn Turks en ze koken heerlijk",
    "niet alle polen zijn te laat, dat is een vooroordeel",  # counter-speech
    "mijn vader komt nooit op tijd bij ouderavonden",  # no group
    "die polen zijn altijd op tijd voor de training",  # a habit that is no judgement
])
def test_group_mentions_without_a_judgement_stay_clean(policy: HarassmentPolicy,
                                                       text: str) -> None:
    assert category(policy, text) is None


# -- denials and reports -----------------------------------------------------------------------------
@pytest.mark.parametrize("text", [
    "nee joh, niemand wil jou uit de app gooien, dat was een fout van mij",
    "niemand wil dat jij doodgaat, we hadden het over een film",
])
def test_a_denied_exclusion_or_wish_is_no_finding(policy: HarassmentPolicy, text: str) -> None:
    assert category(policy, text) is None


@pytest.mark.parametrize("text", [
    "nee joh, niemand wil jou erbij",  # a denial in form, exclusion in meaning
    "niemand wil met jou in een groepje",
])
def test_nobody_wants_you_is_still_exclusion(policy: HarassmentPolicy, text: str) -> None:
    assert category(policy, text) == "exclusion"


@pytest.mark.parametrize("text", [
    "mijn zoon kreeg gisteren een appje dat hij een vieze hoer is, wat moet ik doen",
    "ik kreeg een dm van iemand die zei dat ik een sukkel ben",
    "my daughter got a message calling her a slut, who do I contact",
])
def test_a_received_message_passed_on_is_a_report(policy: HarassmentPolicy, text: str) -> None:
    assert category(policy, text) is None


def test_receiving_a_message_does_not_excuse_an_answer(policy: HarassmentPolicy) -> None:
    assert category(policy, "ik kreeg je bericht, ik steek je morgen neer") == "threat"
    assert category(policy, "mijn zoon kreeg een kaartje, jij bent echt een sukkel") == "insult"


# -- idioms are not the class -----------------------------------------------------------------------
@pytest.mark.parametrize("text", [
    "die broer van mij is flink uit de kluiten gewassen",
    "ik kom vanavond even langs, niet om koffie maar voor de sleutels",
    "respect zit in de cultuur van onze school",
])
def test_idioms_stay_clean(policy: HarassmentPolicy, text: str) -> None:
    assert category(policy, text) is None


def test_a_trait_put_down_to_culture_or_genes_is_a_stereotype(policy: HarassmentPolicy) -> None:
    assert category(policy, "die surinamers zijn gewoon lui, dat zit in hun genen") == \
        "discrimination"


# -- groups named by an adjective or a compound, and a group as the subject -------------------------
@pytest.mark.parametrize("text", [
    "die turkse jongens zijn gewoon dieven",
    "die autistische kinderen snappen nooit iets",
    "die asielzoekerskinderen stinken altijd",
    "die polen in 2c? die horen hier gewoon niet",  # the group named in another clause
])
def test_a_group_by_adjective_compound_or_earlier_clause(policy: HarassmentPolicy,
                                                         text: str) -> None:
    assert category(policy, text) == "discrimination"


@pytest.mark.parametrize("text", [
    "mijn autistische broer hoort gewoon bij ons gezin",
    "die turkse jongens uit 3b zijn echt goed in voetbal",
    "ik ben moslim, we moeten nu weg naar de moskee",  # the writer's own group, not judged
    "je bent echt niet lelijk, die jongens zijn gewoon jaloers",
    "de docenten hebben de leerlingen ingemaakt bij het voetbal",
])
def test_groups_and_plurals_without_a_judgement_stay_clean(policy: HarassmentPolicy,
                                                           text: str) -> None:
    assert category(policy, text) is None


# -- death wishes: permission and celebration ------------------------------------------------------
@pytest.mark.parametrize("text", [
    "van mij mag die daan gewoon ophouden met bestaan",
    "ik zou een feestje geven als jij doodging",
    "i would celebrate if you died tbh",
])
def test_death_wishes_by_permission_or_celebration(policy: HarassmentPolicy, text: str) -> None:
    assert category(policy, text) == "death_wish"


@pytest.mark.parametrize("text", [
    "ik zou feesten als we de finale winnen",
    "iedereen is beter af zonder mij",  # the writer about themself: a care signal, not A.10
])
def test_celebration_and_self_talk_are_no_death_wish(policy: HarassmentPolicy, text: str) -> None:
    assert category(policy, text) is None


# -- body shaming by comparison ------------------------------------------------------------------
@pytest.mark.parametrize("text", [
    "jij loopt echt als een pinguin",
    "met die tanden lijkt sem wel op een bever",
    "he walks like a penguin lol",
    "die jongen is een walrus geworden",
])
def test_body_shaming_by_comparison(policy: HarassmentPolicy, text: str) -> None:
    assert category(policy, text) == "body_shaming"


@pytest.mark.parametrize("text", [
    "bij biologie leerden we dat een pinguin niet kan vliegen",
    "mijn zusje wil verkleed gaan als een konijn",
    "ik lijk wel een walvis na al die pannenkoeken haha",  # self-mockery
])
def test_comparisons_without_a_person_or_about_oneself_stay_clean(policy: HarassmentPolicy,
                                                                  text: str) -> None:
    assert category(policy, text) is None


# -- humiliation told as a story: spreading what happened to someone, with laughter ---------------
@pytest.mark.parametrize("text", [
    "kijk deze video van daan die van zijn fiets valt 😂 stuur door",
    "ik heb het gedicht van noa rondgestuurd, moet je die rijmpjes zien 🙈",
    "look at this vid of mila tripping in the hall lmao pass it on",
])
def test_spreading_someones_embarrassment_is_humiliation(policy: HarassmentPolicy,
                                                         text: str) -> None:
    assert category(policy, text) == "humiliation"


@pytest.mark.parametrize("text", [
    "kun je het verslag van daan even doorsturen? dank je",  # no laughter: an ordinary request
    "kijk deze video van mijn hond haha",  # nobody named
    "stuur dit door naar iedereen: de excursie is verplaatst naar vrijdag",
])
def test_forwarding_without_mockery_stays_clean(policy: HarassmentPolicy, text: str) -> None:
    assert category(policy, text) is None


# -- threats over two clauses: a weapon carried to someone named elsewhere --------------------------
@pytest.mark.parametrize("text", [
    "ik heb vandaag een mes gekocht. raad maar voor wie, @jesse",
    "let op je woorden, morgen neem ik een knuppel mee",
])
def test_a_weapon_carried_to_someone_is_a_threat(policy: HarassmentPolicy, text: str) -> None:
    assert category(policy, text) == "threat"


@pytest.mark.parametrize("text", [
    "ik heb een mes nodig voor de taart, daan",
    "ik heb een nieuw mes gekocht voor de keuken. jij ook?",
    "in fortnite heb ik een nieuw wapen gekocht, @jesse kijk",
])
def test_a_knife_in_the_kitchen_or_a_game_is_no_threat(policy: HarassmentPolicy,
                                                       text: str) -> None:
    assert category(policy, text) is None


# -- exclusion: the group deciding, and exceptions --------------------------------------------------
@pytest.mark.parametrize("text", [
    "iedereen mag mee naar de bioscoop behalve fenna",
    "zullen we daan gewoon niet uitnodigen voor het feestje",
])
def test_exclusion_by_exception_or_by_the_groups_choice(policy: HarassmentPolicy,
                                                        text: str) -> None:
    assert category(policy, text) == "exclusion"


@pytest.mark.parametrize("text", [
    "iedereen heeft de toets gehaald behalve ik, balen",
    "we hoeven de juf niet te vragen, het staat in de studiewijzer",
])
def test_exceptions_and_questions_that_exclude_nobody(policy: HarassmentPolicy,
                                                      text: str) -> None:
    assert category(policy, text) is None


# -- incitement and doxxing calls --------------------------------------------------------------------
@pytest.mark.parametrize("text", [
    "laten we met zn allen bij die jongen aanbellen tot hij gek wordt",
    "we should all leave bad reviews for mr smith until he quits",
])
def test_a_call_on_others_to_act_against_someone(policy: HarassmentPolicy, text: str) -> None:
    assert category(policy, text) == "incitement"


def test_a_call_to_act_on_someones_data_is_doxxing_even_told_as_a_report(
        policy: HarassmentPolicy) -> None:
    from core.findings import Severity

    prior = (Finding("personal_data", "personal_data", "AVG", 0.9, Severity.HIGH, "adres"),)
    text = "dit is het adres van de jongen die mijn zoon pestte: Dorpsstraat 4. laat je daar maar eens zien"
    found = harassment(policy, text, prior=prior)
    assert found is not None and found.category == "doxxing"
    # without a call to act, the same report stays a report
    calm = "dit is het adres van de jongen die mijn zoon pestte: Dorpsstraat 4, wat moet ik doen?"
    assert harassment(policy, calm, prior=prior) is None


def test_sharing_a_number_to_call_is_no_doxxing_call(policy: HarassmentPolicy) -> None:
    from core.findings import Severity

    prior = (Finding("personal_data", "personal_data", "AVG", 0.9, Severity.HIGH, "telefoon"),)
    assert harassment(policy, "bel daan maar op 06-12345678, hij weet de weg", prior=prior) is None


# -- someone pointed at by a name the list does not know; mockery at gym; sextortion by "of" ------
def test_a_person_pointed_at_by_an_unknown_name(policy: HarassmentPolicy) -> None:
    assert category(policy, "eerlijk gezegd vind ik die Jaydon een onopgevoede hufter") == "insult"
    assert category(policy, "ik ben echt een sukkel, die Jaydon had gelijk") is None  # self-mockery
    assert category(policy, "die toets was echt heel lastig") is None


def test_laughing_at_someone_named_at_gym_is_not_a_game(policy: HarassmentPolicy) -> None:
    assert category(policy, "fenna viel bij gym van het klimrek 😂😂 stuur door") == "humiliation"
    assert category(policy, "ik ga je inmaken bij schaken morgen, bereid je maar voor op huilen 😂") \
        is None


def test_sextortion_with_or_else(policy: HarassmentPolicy) -> None:
    text = "zet je camera aan vanavond of iedereen ziet de foto die je me stuurde"
    assert category(policy, text) == "sextortion"
    assert category(policy, "stuur je de foto van de klas of zet je hem zelf in de groep?") is None


@pytest.mark.parametrize("text", [
    "wie wil 2 kaartjes voor het concert van marco? 25 euro per stuk",  # 'lekker stuk' only
    "heads-up: ethan starts his new medication next week, please be patient with him",
])
def test_ordinary_words_near_a_name_stay_clean(policy: HarassmentPolicy, text: str) -> None:
    assert category(policy, text) is None


def test_a_lekker_stuk_is_still_sexual(policy: HarassmentPolicy) -> None:
    assert category(policy, "sanne is echt een lekker stuk") == "sexual"
