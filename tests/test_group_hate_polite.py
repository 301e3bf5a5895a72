"""Group hate said politely, insinuation about a group, masked curses and labels, leering remarks
and sextortion in new wordings (the fourth sealed round's misses, read as kinds); and the ordinary
messages beside each. Every sentence was written for these tests (none comes from a corpus file)."""

from __future__ import annotations

import pytest

from core.findings import Severity
from policies.harassment import HarassmentPolicy
from policies.harassment.lexicon import lexicon
from tests.test_group_hate import assert_clean, assert_hate
from tests.test_harassment import harassment


@pytest.mark.parametrize("text", [
    # a saying the writer agrees with is no report
    "statushouders zijn een last voor de gemeente, zegt mijn vader ook",
    "moslims zijn het probleem, dat zei mijn oma al",
    "Eerlijk gezegd wil ik niet dat mijn dochter in een klas zit met al die nieuwkomers.",
    # bringing trouble, not being full people, kept out of class
    "die vluchtelingen brengen niks dan ellende naar onze wijk",
    "roma zorgen alleen maar voor overlast",
    "doven zijn gewoon geen volwaardige leerlingen",
    "ik wil die asielkinderen niet bij mijn zoon op school",
    "homo's horen niet voor de klas te staan",
    "moslima's zouden van school geweerd moeten worden",
    # a mental illness as what a group is; a group's cause as a disease
    "transgenders zijn psychisch gestoord",
    "lesbiennes zijn gewoon geestesziek",
    "dat homogedoe is een ziekte die de school binnenkomt",
    "ik gruwel echt van zigeuners",
    # insinuation: what everyone "knows" of a group
    "mijn tas is weg uit de kleedkamer. zal wel een marokkaan zijn geweest, wie anders.",
    "een jood als kassier bij de schoolmarkt? dan weten we wel waar het geld blijft",
    "die vluchtelingen kwamen weer te laat, zal wel hun cultuur zijn",
    "my phone got stolen and the new kid is a gypsy, no surprise there",
])
def test_polite_and_implicit_group_hate_is_found(harassment_policy: HarassmentPolicy,
                                                 text: str) -> None:
    assert_hate(harassment_policy, text)


@pytest.mark.parametrize("text", [
    "mijn vader zegt ook dat de vluchtelingen in onze straat heel aardig zijn",
    "eerlijk gezegd vind ik de nieuwkomers in de klas heel gezellig",
    "de marokkaanse buren komen ook naar het schoolfeest, wie anders komt er nog?",
    "we weten wel hoe het gaat: de moslims in de klas vieren suikerfeest en nemen lekker eten mee",
    "juf, hij zei tegen mij dat moslims het probleem zijn",
    "dat 'wie anders' over marokkanen is gewoon racistisch",
    "bij geschiedenis leerden we dat joden de schuld kregen van alles, dan weten we wel hoe dat afliep",
    "mijn zoon heeft een beperking en zit in een klas met kinderen zonder, dat gaat prima",
    "ik vind dit hele rooster-gedoe echt een ziekte",
])
def test_their_neighbours_stay_clean(harassment_policy: HarassmentPolicy, text: str) -> None:
    assert_clean(harassment_policy, text)


@pytest.mark.parametrize(("masked", "word"), [
    ("sl*t", "slet"), ("l*l", "lul"), ("h**r", "hoer"), ("kl**tzak", "klootzak"),
    ("idi*t", "idiot"), ("d*biel", "debiel"), ("k*tjoch", "kutjoch"), ("sl.t", "slet"),
    ("f*ck", "fuck"),
])
def test_a_masked_label_reads_as_the_label(masked: str, word: str) -> None:
    assert lexicon().reader.unmask(masked) == word


@pytest.mark.parametrize("masked", [
    "leerling*en", "medewerker*s", "ipv.morgen", "dom.dat", "o.a", "kut.vriend", "k*",
])
def test_an_ordinary_word_with_a_mask_stays_as_written(masked: str) -> None:
    assert lexicon().reader.unmask(masked) is None


@pytest.mark.parametrize("text", [
    "Daan is echt een l*l",
    "die nieuwe van 2b is een sl*t",
    "jij bent een kl**tzak",
    "wat een k*tjoch ben jij",
    "hou je b*k, d*biel",
])
def test_masked_insults_are_harassment(harassment_policy: HarassmentPolicy, text: str) -> None:
    assert harassment(harassment_policy, text) is not None, text


@pytest.mark.parametrize("text", [
    "leerling*en nemen hun gymspullen mee",
    "de *nieuwe* regels staan op de site",
    "opdracht 3*4 moet morgen af",
    "f*ck, mijn fiets is weer lek",
])
def test_masks_without_a_target_are_no_harassment(harassment_policy: HarassmentPolicy,
                                                  text: str) -> None:
    assert_clean(harassment_policy, text)


@pytest.mark.parametrize(("text", "category"), [
    ("weet je nog wat je me stuurde Lotte? kom vrijdag naar me toe, anders deel ik het", "sextortion"),
    ("Zeg niks tegen je ouders, anders zien ze wat jij mij hebt gestuurd", "sextortion"),
    ("je doet wat ik zeg of de hele school ziet je foto's, Iris", "sextortion"),
    ("ik zou meneer de Boer wel even willen vastpakken 🥵", "sexual"),
    ("wat een kont heeft die stagiaire 🤤", "sexual"),
    ("mevrouw van Dijk heeft weer zo'n strakke rok aan", "sexual"),
    ("bram ben jij nog maagd? 😏", "sexual"),
    ("tess heb je een vriendje? zo niet dan wil ik je wel even lekker", "sexual"),
])
def test_sexual_remarks_and_sextortion_are_found(harassment_policy: HarassmentPolicy, text: str,
                                                 category: str) -> None:
    found = harassment(harassment_policy, text)
    assert found is not None, text
    assert found.category == category, (text, found.evidence)
    assert found.severity >= Severity.HIGH


@pytest.mark.parametrize("text", [
    "ik pak je pen wel even uit je etui",
    "hij heeft zere benen na de sponsorloop 🥵",
    "wat je me stuurde was grappig, ik laat het mijn moeder ook zien",
    "mevrouw de Jong is ziek, de les valt uit",
    "zo niet, dan zie ik jullie morgen bij de les",
])
def test_their_neighbours_are_no_sexual_remarks(harassment_policy: HarassmentPolicy,
                                                text: str) -> None:
    found = harassment(harassment_policy, text)
    assert found is None or found.category not in ("sexual", "sextortion"), (text, found.evidence)


@pytest.mark.parametrize("text", [
    # a mental illness or a label for a person, now, is no lesson content beside a medical word
    "dyslecten zijn gewoon sukkels met een diagnose",
    # a group taken up as "die religie" is no lesson either
    "ik wil geen gebedsruimte voor moslims op school. die religie is gewoon gevaarlijk",
    # rhetorical questions, conspiracy, falling standards
    "is het nou echt zo moeilijk voor roemenen om op tijd te komen?",
    "volgens mij regeren de joden stiekem de media",
    "het niveau van de school daalt door al die statushouders",
    "i don't trust refugees, they support terrorism",
    "why are gay people so unstable",
])
def test_more_group_hate_is_found(harassment_policy: HarassmentPolicy, text: str) -> None:
    assert_hate(harassment_policy, text)


@pytest.mark.parametrize("text", [
    # "hoor" is an interjection, "zijn" before "niet" the verb: no place and no owner
    "jongens zijn echt niet beter in tekenen hoor, kijk maar naar de cijfers lol",
    # counter-speech: not passing it on, not joining in, jokes about a group rejected
    "turken worden in die meme belachelijk gemaakt, niet verder delen aub",
    "ik doe niet mee aan dat gepest van die joodse jongen, zoek maar iemand anders",
    "grappen over blinden zijn gewoon niet grappig, mijn opa is blind",
    "dat gescheld op marokkanen na de wedstrijd past niet bij onze school",
    # a denied claim: "het is niet waar dat …", "het klopt niet dat …"
    "het is niet waar dat statushouders een last zijn",
    "het klopt niet dat roma alleen maar overlast brengen",
    # people by what they do are no name the list does not know
    "die skateboarders op het plein zijn zo irritant",
    # a lesson telling what was said
    "bij geschiedenis leerden we dat de nazi's joden ratten noemden",
    "bij bio: mensen met een beperking zijn geen sukkels, ook met een diagnose niet",
])
def test_more_neighbours_stay_clean(harassment_policy: HarassmentPolicy, text: str) -> None:
    assert_clean(harassment_policy, text)
