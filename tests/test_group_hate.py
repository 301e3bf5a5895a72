"""Hate against protected groups (A.10, discrimination), by functionality: a group noun × a hostile
predicate in any order and tense, taken up by a pronoun in a later sentence, asked as a question or
given as an opinion, and misspelt; and the messages that must stay clean: negated hate, neutral and
positive statements, counter-speech, swearing at nobody, abuse of objects and identity. Every
sentence was written for these tests (none comes from a corpus file or a published test suite)."""

from __future__ import annotations

import pytest

from core.findings import Severity
from policies.harassment import HarassmentPolicy
from tests.test_harassment import harassment


@pytest.fixture(scope="module")
def policy() -> HarassmentPolicy:
    return HarassmentPolicy()


def assert_hate(policy: HarassmentPolicy, text: str) -> None:
    found = harassment(policy, text)
    assert found is not None, text
    assert found.severity >= Severity.HIGH, (text, found.evidence)


def assert_clean(policy: HarassmentPolicy, text: str) -> None:
    found = harassment(policy, text)
    assert found is None, (text, found.evidence if found else "")


@pytest.mark.parametrize("text", [
    # explicit derogation: hatred, disgust, contempt, any tense and order
    "ik haat moslims",
    "ik haatte die marokkanen altijd al",
    "ik walg van transgenders",
    "ik kan joden niet uitstaan",
    "ik ben klaar met al die moslims",
    "ik word kotsmisselijk van lesbiennes",
    "walgelijk zijn die moslims",
    "vluchtelingen zijn het ergste wat er is",
    "vrouwen zijn gewoon minder slim dan mannen",
    # dehumanisation
    "vluchtelingen zijn ongedierte",
    "marokkanen zijn dieren",
    "die gehandicapten zijn net groenten",
    "asielzoekers zijn als kakkerlakken",
    "autisten zijn geen echte mensen",
    # implicit derogation: stereotypes of a group
    "zwarten kunnen niet leren",
    "vluchtelingen komen hier alleen voor het geld",
    "trans mensen zijn gewoon in de war",
    "gehandicapten kosten alleen maar geld",
    "die antilliaanse jongens zijn altijd het probleem",
    "transvrouwen zijn geen echte vrouwen",
    # direct threats and normative threats against a group
    "ik wil alle moslims vermoorden",
    "ik steek die moslims allemaal neer",
    "moslims zouden allemaal opgehangen moeten worden",
    "gehandicapten verdienen het om geslagen te worden",
    "ik wil alle joden dood hebben",
    # profanity aimed at a group, slurs
    "kk turken",
    "kanker joden",
    "kankermoslims",
    # a pronoun or subject in a later sentence takes up the group
    "ik heb trans mensen in mn klas. ik kan ze niet uitstaan",
    "er komen nieuwe asielzoekers in het dorp. het zijn ratten",
    "ik heb buren die moslim zijn. ze zijn echt smerig",
    "joden, ik haat ze",
    # questions and opinions
    "waarom zijn homo's zo walgelijk?",
    "zijn alle turken ratten of zo?",
    "ik vind dat moslims hier niet horen",
    "ik denk dat vluchtelingen allemaal criminelen zijn",
    # spelling: swapped or missing letters, no word boundary, leetspeak, spaced letters
    "ik haat moslmis",
    "ik haat mosims",
    "ikhaat moslims",
    "ik haatmoslims",
    "moslimszijnratten",
    "1k h44t m0sl1ms",
    "ik h a a t homo's",
    "ik haat mos lims",
    "vluchtelingen zijn walg elijk",
    "marokkanenzijn walgelijk",
    "ik wil alle moslimsvermoorden",
    # more groups and wordings
    "ik haat homoseksuelen",
    "transpersonen zijn een gevaar",
    "dood aan alle afghanen",
    "je kan surinamers niet vertrouwen",
    "ik haat mensen die moslim zijn",
    "moslims zijn geen mensen",
    # negated positive statements, implicit exclusion of a group
    "joden zijn nooit eerlijk",
    "vrouwen zijn niet slim genoeg voor techniek",
    "vluchtelingen hebben hier niks te zoeken",
    "ik zou nooit naast een moslim willen wonen",
    "ik wil geen marokkanen in mijn klas",
    "vrouwen horen achter het aanrecht",
    "jij bent echt een pot",
    "al die vluchtelingen moeten verzuipen in zee",
    "het zijn allemaal flikkers",
])
def test_hate_against_a_group_nl(policy: HarassmentPolicy, text: str) -> None:
    assert_hate(policy, text)


@pytest.mark.parametrize("text", [
    "i despise trans people",
    "immigrants are the worst",
    "refugees are rats",
    "black people are animals",
    "trans people are just confused",
    "i want to kill all muslims",
    "gays should be shot",
    "fucking muslims",
    "gay people live here now. i hate them",
    "why are gay people so disgusting?",
    "in my opinion immigrants are all criminals",
    "i hate muslmis",
    "ihatemuslims",
    "women cant drive",
    "you cant trust immigrants",
])
def test_hate_against_a_group_en(policy: HarassmentPolicy, text: str) -> None:
    assert_hate(policy, text)


@pytest.mark.parametrize("text", [
    # negated hate
    "ik haat moslims niet",
    "ik haat homo's helemaal niet",
    "vrouwen zijn niet walgelijk",
    "moslims zijn geen ratten",
    "i dont hate muslims",
    "refugees are not rats",
    # neutral and positive statements about groups
    "homo's zijn gewoon mensen zoals iedereen",
    "ik hou van mijn turkse buren",
    "vluchtelingen verdienen een veilige plek",
    "trans mensen zijn welkom op deze school",
    "ik vind dat moslims hier gewoon horen",
    "mijn tante is lesbisch en heel lief",
    "i love my trans friends",
    # counter-speech: quoting or referring to hate to reject it
    "als je zegt dat moslims ratten zijn ben je gewoon racistisch",
    "stop met zeggen dat vluchtelingen criminelen zijn",
    "mensen die zeggen dat trans mensen ziek zijn hebben geen idee",
    "het is walgelijk dat mensen joden haten",
    "ik vind het vervelend om te lezen dat meisjes niet technisch zijn",
    "people who say trans people are sick are wrong",
    "i dont understand why anyone would hate muslims",
    # swearing at nobody, abuse aimed at objects
    "kanker veel huiswerk",
    "shit man ik ben mijn rekenmachine vergeten",
    "ik haat wiskunde",
    "die app is echt walgelijk",
    "i hate mondays",
    # identity and reclaimed use
    "ik ben homo",
    "ik ben een trotse flikker haha",
    "ik ben trans en daar ben ik trots op",
    "im gay and i hate mondays",
    # others who hate, named to disagree with them
    "ik ben het niet eens met mensen die joden haten",
    "ik haat mensen die moslims haten",
    "i disagree with people who hate muslims",
    "trans mensen zijn geen ratten",
    "moslims zijn slim, niet dom",
    "die pot pindakaas is walgelijk",
    "politici zijn ratten",
    "wie zegt dat homo's ziek zijn, heeft het mis",
    "ik hoorde iemand zeggen dat joden ratten zijn, dat is walgelijk",
    "niemand zou moslims moeten haten",
    "zwarte mensen werden vroeger als slaven behandeld",
    "vrouwen mochten vroeger niet stemmen, dat leerden we bij geschiedenis",
    "moslims en joden leven hier samen in vrede",
    "iedereen die zegt dat vrouwen dom zijn, is zelf dom",
    "ik ken veel vluchtelingen. ze zijn heel aardig",
    "ikhebhetaf! eindelijk klaar",
    "als iemand zegt dat vluchtelingen walgelijk zijn, meld het dan",
    # a noun for hatred of a group is no hatred ("jodenhaat"); words broken or glued by accident
    "jodenhaat is verschrikkelijk",
    "moslimmeisjes dragen soms een hoofddoek",
    "de vrouw en de man kwamen samen",
    "mijn oma heeft kanker en begint met chemo",
    "die opdracht is echt kanker ingewikkeld",
    # a lesson about animals is no dehumanisation
    "bij bio leren we over dieren, mensen zijn ook dieren",
])
def test_what_stays_clean(policy: HarassmentPolicy, text: str) -> None:
    assert_clean(policy, text)


def test_a_curse_and_a_person_word_written_apart_is_the_compound(policy: HarassmentPolicy
                                                                  ) -> None:
    found = harassment(policy, "je ben echt een kut joch")
    assert found is not None and found.category == "insult"


def test_a_pronoun_names_the_group_in_the_evidence(policy: HarassmentPolicy) -> None:
    found = harassment(policy, "ik ken veel marokkanen. ik haat ze")
    assert found is not None and found.category == "discrimination"
    assert "marokkanen" in found.evidence


def test_an_english_want_is_no_dutch_clause_break(policy: HarassmentPolicy) -> None:
    reader = policy.lexicon.reader
    assert len(reader.read("i want to go home")) == 1
    assert len(reader.read("ik ga niet want ik ben ziek")) == 2
