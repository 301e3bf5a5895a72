"""Harassment (A.10), the critical categories: kinds of threat that name no act of the writer's own
(a consequence for the reader, a meeting with menace, others sent by the writer, something brought
after a grievance, a threat to be passed on), death wishes in the past tense, daring someone to hurt
themself and sextortion with a condition. Each kind has near-miss negatives (a game, a question, a
lesson, a kitchen, hyperbole, a report, ordinary plans). Every sentence was written for these tests;
none is taken from the corpus."""

from __future__ import annotations

import pytest

from core.findings import Finding, Severity
from policies.harassment import HarassmentPolicy
from tests.test_harassment import harassment


@pytest.fixture(scope="module")
def policy() -> HarassmentPolicy:
    return HarassmentPolicy()


def category(policy: HarassmentPolicy, text: str, **kw: object) -> str | None:
    found: Finding | None = harassment(policy, text, **kw)
    return found.category if found is not None else None


# -- a harm that befalls the reader, with a time or a condition -------------------------------------
@pytest.mark.parametrize("text", [
    "als je dat nog een keer flikt lig jij volgende week in het ziekenhuis",
    "jij hebt na vrijdag geen tanden meer over, let maar op",
    "je bent nergens meer veilig, onthoud dat goed sanne",
    "vanaf nu kom jij niet meer veilig thuis van school",
    "if you snitch on me again you'll end up in hospital",
    "one more word and you won't be safe walking home",
    "pas maar op, jij komt de kerstvakantie niet heelhuids door",
])
def test_a_consequence_for_the_reader_is_a_threat(policy: HarassmentPolicy, text: str) -> None:
    found = harassment(policy, text)
    assert found is not None and found.category == "threat"
    assert found.severity is Severity.CRITICAL


@pytest.mark.parametrize("text", [
    "lig je nog in het ziekenhuis? beterschap!",
    "is your grandma still in hospital? hope she gets better",
    "ik lag vorig jaar in het ziekenhuis met mijn been",
    "je fiets staat niet meer veilig bij het station, zet hem morgen binnen",
    "als je morgen naar de tandarts gaat, mis je dan het derde uur?",
    "als je zo blijft fietsen lig je straks in het ziekenhuis, doe voorzichtig",
    "je bent niet meer veilig online als je je wachtwoord deelt",
    "je ligt toch niet meer in het ziekenhuis? dan kom ik morgen langs",
])
def test_news_of_a_hospital_or_a_safe_place_is_no_threat(policy: HarassmentPolicy,
                                                         text: str) -> None:
    assert category(policy, text) is None


# -- a meeting place or time with menace -----------------------------------------------------------
@pytest.mark.parametrize("text", [
    "daan, na het zesde uur achter de gymzaal. kom maar alleen",
    "jij en ik, vrijdag bij het hek van de parkeerplaats, zorg dat je er bent",
    "after school at the bike racks, come alone. we'll see how tough you are",
])
def test_a_meeting_with_menace_is_a_threat(policy: HarassmentPolicy, text: str) -> None:
    assert category(policy, text) == "threat"


@pytest.mark.parametrize("text", [
    "morgen na het 4e uur bij de fietsenstalling? kom je alleen of met je zus?",
    "we spelen na school een potje voetbal op het plein, 1 tegen 1, doe je mee?",
    "meet you at the gate after school, bring your maths book",
    "morgen na het 8e uur bij de poort verzamelen, kom alleen als je ouders het goed vinden",
    "after school at the gate? bring your friends, we're having a picnic",
])
def test_ordinary_meetings_are_no_threat(policy: HarassmentPolicy, text: str) -> None:
    assert category(policy, text) is None


# -- others sent by the writer ---------------------------------------------------------------------
@pytest.mark.parametrize("text", [
    "mijn neven weten nu hoe jij eruitziet, fijne avond nog",
    "me broer heeft een knuppel en hij zoekt je, pas maar op",
    "mijn vrienden wachten na de les op jou bij de kluisjes, succes ermee",
    "my cousins are waiting for you at the station tonight. watch out",
    "my brothers keep asking who you are. i haven't told them yet",
])
def test_others_sent_by_the_writer_are_a_threat(policy: HarassmentPolicy, text: str) -> None:
    assert category(policy, text) == "threat"


@pytest.mark.parametrize("text", [
    "mijn broer heeft een mes gekocht om mee te koken, @sem",
    "mijn neef komt ook mee naar je verjaardag!",
    "my brother plays fortnite with a sniper gun every night, you should join",
    "zijn broer heeft een mes, zei hij tegen de mentor",
    "mijn broer wacht op je bij de ingang, hij brengt je naar huis",
    "mijn vrienden staan al voor de deur van het lokaal, kom je ook?",
    "my cousins are waiting for you at the party, come!",
    "my brother asked who you are, he thinks you're nice",
    "ik heb een mes nodig voor techniek, mijn broer heeft er een, wil jij hem lenen?",
    "succes morgen met je toets! mijn broer wacht op je bij de bushalte",
    "my brothers are coming too, good luck finding a seat lol",
])
def test_family_in_ordinary_talk_is_no_threat(policy: HarassmentPolicy, text: str) -> None:
    assert category(policy, text) is None


# -- something unnamed brought after a grievance ---------------------------------------------------
@pytest.mark.parametrize("text", [
    "morgen neem ik iets mee naar school en iedereen die mij uitlachte gaat het merken, geen grap",
    "i'm bringing something on monday and everyone who bullied me will see",
])
def test_something_brought_after_a_grievance_is_a_threat(policy: HarassmentPolicy,
                                                         text: str) -> None:
    assert category(policy, text) == "threat"


@pytest.mark.parametrize("text", [
    "ik neem morgen iets mee voor de traktatie, geen grap het is echt lekker",
    "i'm bringing something for the bake sale, you'll see!",
    "ik neem morgen iets mee voor iedereen die mij geholpen heeft, geen grap!",
])
def test_bringing_something_nice_is_no_threat(policy: HarassmentPolicy, text: str) -> None:
    assert category(policy, text) is None


# -- a threat the writer asks to pass on is delivered, not reported --------------------------------
@pytest.mark.parametrize("text", [
    "Tell Mr. Jansen he'd better watch his back.",
    "die mentor weet niet met wie hij te maken heeft, zeg dat maar tegen hem",
])
def test_a_threat_to_pass_on_is_a_threat(policy: HarassmentPolicy, text: str) -> None:
    assert category(policy, text) == "threat"


def test_reporting_a_threat_to_a_teacher_stays_a_report(policy: HarassmentPolicy) -> None:
    assert category(policy, "juf, Sem zei tegen mij dat ik moet oppassen na school") is None


# -- idioms and the writer as their own object ---------------------------------------------------
def test_an_idiom_with_a_lesson_word_is_no_lesson(policy: HarassmentPolicy) -> None:
    text = "als die leraar mijn dochter nog eens uitscheldt, kom ik verhaal halen"
    assert category(policy, text) == "threat"


@pytest.mark.parametrize("text", [
    "in het verhaal wil de hoofdpersoon zijn vader vermoorden, moet dat in de samenvatting?",
    "for english lit, does the narrator really want to kill his brother in chapter 3?",
    "ik sla me voor mn kop, die meester had gewoon gelijk",
    "i'll kill u in among us tonight 😂",
    "ik zou je nooit slaan, ook niet als je mijn fiets sloopt",
    "ik ga dood van de hitte in dit lokaal, jij ook?",
])
def test_lessons_games_negation_and_oneself_are_no_threat(policy: HarassmentPolicy,
                                                          text: str) -> None:
    assert category(policy, text) != "threat"


# -- death wishes in the past tense ----------------------------------------------------------------
def test_a_wish_in_the_past_tense_is_a_death_wish(policy: HarassmentPolicy) -> None:
    assert category(policy, "ik wilde dat jij dood was, eerlijk") == "death_wish"


@pytest.mark.parametrize("text", [
    "ik wou dat je erbij was gisteren",
    "ik wou dat ik dood was van het lachen bij die film",
])
def test_ordinary_wishes_are_no_death_wish(policy: HarassmentPolicy, text: str) -> None:
    assert category(policy, text) is None


# -- daring someone to hurt themself ---------------------------------------------------------------
@pytest.mark.parametrize("text", [
    "je zegt steeds dat je dood wil, doe het dan",
    "snij de volgende keer maar dieper",
    "you keep talking about pills, nobody is stopping you",
    "spring gewoon voor de tram, niemand gaat je missen",
])
def test_daring_the_reader_to_hurt_themself(policy: HarassmentPolicy, text: str) -> None:
    found = harassment(policy, text)
    assert found is not None and found.category == "self_harm"
    assert found.severity is Severity.CRITICAL


@pytest.mark.parametrize("text", [
    "wil je naar huis? doe het dan gewoon, niemand houdt je tegen",
    "snij de uien maar dieper in voor de soep",
    "just do it, the deadline is tomorrow",
    "doe het dan gewoon, je gaat er echt niet dood van",
    "spring vlug voor de tram in, hij vertrekt zo",  # catching a tram
])
def test_ordinary_dares_are_no_encouragement(policy: HarassmentPolicy, text: str) -> None:
    assert category(policy, text) is None


# -- sextortion with a condition -------------------------------------------------------------------
@pytest.mark.parametrize("text", [
    "als je het uitmaakt, gaan je naaktfoto's naar de hele klas",
    "do as i say or ur pics go to everyone",
    "send me more or everyone sees what you sent me",
    "als je me nu blokkeert staat die video morgen op insta",
    "if u block me again those pics go to your whole class",
])
def test_sextortion_with_a_condition(policy: HarassmentPolicy, text: str) -> None:
    assert category(policy, text) == "sextortion"


def test_a_report_of_sextortion_is_no_sextortion(policy: HarassmentPolicy) -> None:
    text = "juf, hij zei dat hij mijn foto's naar iedereen stuurt als ik het uitmaak"
    assert category(policy, text) is None


# -- hyperbole: the words of "van het lachen" are no mockery ---------------------------------------
def test_laughing_oneself_to_death_mocks_no_one(policy: HarassmentPolicy) -> None:
    assert harassment(policy, "ik lig dood van het lachen om de uitleg van meneer 😂") is None


# -- a call on others needs an act that is not denied ----------------------------------------------
@pytest.mark.parametrize("text", [
    "mijn dochter heeft Noor niet geduwd, dat zou ze nooit doen. laten we het gewoon uitpraten",
    "miss, someone in the class chat wrote that everyone should hit him, i have a screenshot",
])
def test_a_denied_act_or_a_reported_call_is_no_call(policy: HarassmentPolicy, text: str) -> None:
    assert harassment(policy, text) is None


# -- weapons, fire and a gang brought to someone ----------------------------------------------------
@pytest.mark.parametrize("text", [
    # a weapon that belongs to the writer's family is still brought for someone
    "ik neem vrijdag mn oom zn knuppel mee voor die jongen uit de brugklas",
    "ik neem mijn vader zn luchtbuks mee en dan schiet ik op je raam",
    "ik heb morgen een mes bij me, dus jesse moet maar thuisblijven",
    "die rotjes van vorig jaar liggen nog bij mij, ze gaan vanavond door jouw brievenbus",
    "ik heb benzine en een aansteker in mn tas, zeg nog één woord",
    "mn jongens komen je vannacht halen bij je huis, succes",
    "ik neem dinsdag iets mee naar school, ik heb niks meer te verliezen",
    "i'm bringing something to school tomorrow, i have nothing to lose",
])
def test_a_weapon_fire_or_gang_brought_to_someone_is_a_threat(policy: HarassmentPolicy,
                                                               text: str) -> None:
    assert category(policy, text) == "threat"


@pytest.mark.parametrize("text", [
    "ik heb mijn broer een zakmes gegeven voor zijn verjaardag, jij ook?",
    "neem jij het vuurwerk mee naar het feest bij je oom?",
    "er ligt nog vuurwerk in de schuur van mijn opa",
    "mijn moeder komt je vanavond halen bij je huis voor de training",
    "ik neem morgen iets lekkers mee naar school voor mijn verjaardag",
    "heb jij een aansteker voor de kaarsjes op de taart?",
])
def test_tools_lifts_and_treats_are_no_threat(policy: HarassmentPolicy, text: str) -> None:
    assert category(policy, text) is None


# -- warnings without a named act ------------------------------------------------------------------
@pytest.mark.parametrize("text", [
    "wie mijn tas heeft leeggegooid krijgt klappen",
    "iemand gaat jou pakken na het feest, ik zeg het je alvast",
    "jij komt niet meer heelhuids thuis, ik zweer het",
    "het zou jammer zijn als er iets met je scooter gebeurt",
    "als die conciërge nog één keer tegen me schreeuwt, trek ik hem over de toonbank",
    "if the school won't sort it out, i will deal with that kid myself",
    "tell anyone and i'll make sure you never walk again",
    "out on the field nobody will hear you scream",
])
def test_veiled_and_conditional_warnings_are_threats(policy: HarassmentPolicy, text: str) -> None:
    assert category(policy, text) == "threat"


@pytest.mark.parametrize("text", [
    "wie krijgt er klappen in dat boek, de hoofdpersoon?",
    "het zou jammer zijn als de excursie niet doorgaat",
    "ik zorg ervoor dat je je boek terugkrijgt",
    "make sure you can walk to school if the buses strike",
])
def test_questions_and_care_are_no_threat(policy: HarassmentPolicy, text: str) -> None:
    assert category(policy, text) is None


# -- a negator inside a condition, and a game the writer insists is no game -------------------------
def test_a_negator_in_the_condition_does_not_negate_the_threat(policy: HarassmentPolicy) -> None:
    assert category(policy, "als je morgen niet betaalt sla ik je in elkaar") == "threat"
    assert category(policy, "als je wilt sla ik je niet, beloofd") is None


def test_a_threat_the_writer_insists_on_is_no_game(policy: HarassmentPolicy) -> None:
    assert category(policy, "ik breek je benen bij voetbal, geen grap") == "threat"
    assert category(policy, "i'll break your legs at football practice, i mean it") == "threat"
    assert category(policy, "ik sloop je bij fifa vanavond haha") is None
    assert category(policy, "ik sloop jullie vanavond bij handbal, let maar op 💪") is None


def test_an_act_with_its_own_object_takes_no_target_from_elsewhere(
        policy: HarassmentPolicy) -> None:
    assert harassment(policy, "ik ga die printer slopen, hij doet het weer niet") is None


def test_an_attack_on_a_school_or_a_place_of_worship_is_a_threat(policy: HarassmentPolicy) -> None:
    assert category(policy, "ik ga volgende week die synagoge beschieten") == "threat"
    assert category(policy, "i'm gonna blow up the school on monday") == "threat"
    assert category(policy, "in fortnite we shoot up the school map every round lol") is None


def test_a_group_deserving_to_burn_is_a_death_wish(policy: HarassmentPolicy) -> None:
    assert category(policy, "lesbians deserve to rot") == "death_wish"
    assert category(policy, "you deserve to rest after that exam") is None


def test_a_particle_before_a_subject_pronoun_joins_its_verb(policy: HarassmentPolicy) -> None:
    found = harassment(policy, "ik maak je af jij sukkel")
    assert found is not None and found.category == "threat"
    assert category(policy, "ik wacht wel op jou bij de ingang") is None
