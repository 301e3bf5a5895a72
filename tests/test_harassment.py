"""Harassment policy (A.10): each lexicon category, targeting, clearing context, obfuscation.

Every example here was written for these tests (never copied from the shared corpus), and the two
held-out files in tests/data were written before the rules were tuned on them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.events import GroupKind, MessageEvent, Role, Sender
from core.findings import ActionKind, Finding, Severity
from policies import articles
from policies.base import PolicyContext
from policies.harassment import (
    LEXICON_DIR,
    HarassmentPolicy,
    HarassmentSettings,
    _positions,
    _threat_or,
    load_lexicon,
)
from policies.registry import build_policies, policy_types
from policies.text import TextView

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def policy() -> HarassmentPolicy:
    return HarassmentPolicy()


def run(
    policy: HarassmentPolicy,
    text: str,
    *,
    role: Role = Role.STUDENT,
    kind: GroupKind = GroupKind.CLASS,
    settings: HarassmentSettings | None = None,
    reply_to: str | None = None,
    mentions: tuple[str, ...] = (),
    prior: tuple[Finding, ...] = (),
) -> list[Finding]:
    event = MessageEvent(
        "console", "klas", "m1", Sender("s1", "Leerling", role), text=text,
        reply_to_sender_id=reply_to, mentions=mentions,
    )
    ctx = PolicyContext(
        "console:klas", kind, role, settings or HarassmentSettings(), prior_findings=prior
    )
    return policy.check_text(TextView.of(text), ctx, event)


def harassment(policy: HarassmentPolicy, text: str, **kw: object) -> Finding | None:
    found = [f for f in run(policy, text, **kw) if f.flag == "harassment"]  # type: ignore[arg-type]
    assert len(found) <= 1
    return found[0] if found else None


def test_registered_and_builds() -> None:
    assert "harassment" in policy_types()
    built = build_policies(only={"harassment"})
    assert isinstance(built[0], HarassmentPolicy)


@pytest.mark.parametrize(
    ("text", "category", "severity"),
    [
        ("koen je bent echt een sufferd", "insult", Severity.LOW),
        ("wat ben jij een hufter", "insult", Severity.MEDIUM),
        ("you're such a moron", "insult", Severity.MEDIUM),
        ("ik trap je verrot morgen", "threat", Severity.CRITICAL),
        ("i'm gonna stab you after school", "threat", Severity.CRITICAL),
        ("ga je toch ophangen", "self_harm", Severity.CRITICAL),
        ("nobody would miss you if you were gone", "self_harm", Severity.CRITICAL),
        ("niemand mag haar, praat niet meer met haar", "exclusion", Severity.MEDIUM),
        ("no one likes you, leave the group", "exclusion", Severity.MEDIUM),
        ("stuur eens een foto in je ondergoed", "sexual", Severity.HIGH),
        ("send pics without clothes", "sexual", Severity.HIGH),
        ("jij bent een vieze slet", "sexual", Severity.HIGH),
        ("smerige jood", "discrimination", Severity.HIGH),
        ("go back to your country", "discrimination", Severity.HIGH),
        ("jij bent een spast", "discrimination", Severity.HIGH),
        ("jij vetklep", "body_shaming", Severity.MEDIUM),
        ("your teeth are so gross", "body_shaming", Severity.MEDIUM),
        ("lieke heeft paardentanden", "body_shaming", Severity.MEDIUM),
    ],
)
def test_each_category(policy: HarassmentPolicy, text: str, category: str, severity: Severity):
    finding = harassment(policy, text)
    assert finding is not None, text
    assert finding.category == category
    assert finding.severity == severity
    assert finding.article == articles.A10
    assert finding.evidence  # a moderator can read why


def test_sextortion_is_critical(policy: HarassmentPolicy) -> None:
    finding = harassment(policy, "ik heb jouw foto nog, 30 euro of ik post hem op insta")
    assert finding is not None
    assert (finding.category, finding.severity) == ("sextortion", Severity.CRITICAL)


def test_dutch_curse_compounds(policy: HarassmentPolicy) -> None:
    for text in ("jij tyfusmongool", "kankerjong", "wat een klerewijf", "teringhoer"):
        assert harassment(policy, text) is not None, text
    slur = harassment(policy, "kutmarokkanen")
    assert slur is not None and slur.category == "discrimination"
    # Compound curses about things are profanity, medical compounds nothing at all.
    assert [f.flag for f in run(policy, "wat een teringweer")] == ["profanity"]
    assert run(policy, "het kankeronderzoek krijgt meer geld") == []
    assert run(policy, "hang je jas in de klerenkast") == []


def test_targeting_weighs_more_than_swearing(policy: HarassmentPolicy) -> None:
    air = run(policy, "kut, ik heb mijn pas vergeten")
    assert [(f.flag, f.article, f.severity) for f in air] == [
        ("profanity", articles.P3, Severity.LOW)
    ]
    aimed = harassment(policy, "kanker op jij")
    assert aimed is not None and aimed.severity == Severity.MEDIUM
    # An animal word is only an insult when aimed at someone.
    assert run(policy, "onze hond is ziek") == []
    assert harassment(policy, "jij bent een hond") is not None


def test_reply_and_mentions_become_targets(policy: HarassmentPolicy) -> None:
    finding = harassment(policy, "idioot", reply_to="u42", mentions=("u7",))
    assert finding is not None
    assert finding.targets == ("u42", "u7")
    assert "antwoord aan of vermelding van iemand" in finding.evidence
    untargeted = harassment(policy, "idioot")
    assert untargeted is not None and untargeted.score < finding.score


@pytest.mark.parametrize(
    "text",
    [
        "Biologie: kanker ontstaat als cellen ongeremd gaan delen.",
        "die toets was kanker moeilijk",
        "ajax is echt een kutclub, weer verloren",
        "the lakers are a joke of a team this season",
        "juf, hij noemde me een slet in de groep, kunt u iets doen?",
        "ik ben echt een sukkel, mijn sleutels weer vergeten",
        "i'm such a loser lol forgot my bag",
        "die monsters in dat level zijn echt kankerlijers",
        "je bent echt een beest in de sprint!",
        "ik lach me dood om die video",
    ],
)
def test_hard_negatives_are_not_harassment(policy: HarassmentPolicy, text: str) -> None:
    assert harassment(policy, text) is None, text


def test_teacher_may_discuss_disease_words(policy: HarassmentPolicy) -> None:
    text = "We bespreken vandaag de tyfus in de negentiende eeuw"
    assert run(policy, text, role=Role.TEACHER) == []


@pytest.mark.parametrize(
    "text",
    [
        "jij bent een k@nkerlijer",
        "jij bent een l o s e r",
        "jij bent een s.l.e.t",
        "jij bent een іdіооt",  # Cyrillic і and о
        "ik m\u200baak j\u200ce af",  # zero-width characters
        "jij bent een sukkkkkkel",
        "jij bent een H03R",
        "jij 𝖎𝖉𝖎𝖔𝖔𝖙",  # mathematical fraktur
    ],
)
def test_obfuscation_is_seen_through(policy: HarassmentPolicy, text: str) -> None:
    assert harassment(policy, text) is not None, text


def test_incitement_raises_to_high(policy: HarassmentPolicy) -> None:
    plain = harassment(policy, "jesper is een sukkel")
    pile_on = harassment(policy, "jesper is een sukkel, laten we hem allemaal negeren")
    assert plain is not None and pile_on is not None
    assert pile_on.severity == Severity.HIGH > plain.severity
    assert "oproep om mee te doen" in pile_on.evidence
    # A call to join alone is not harassment.
    assert harassment(policy, "wie doet mee met het schaaktoernooi?") is None


def test_doxxing_needs_personal_data_and_mockery(policy: HarassmentPolicy) -> None:
    phone = Finding("personal_data", "personal_data", articles.AVG, 0.9, Severity.MEDIUM, "phone")
    prior = (phone,)
    text = "hier is het nummer van bas, allemaal bellen vannacht"
    finding = harassment(policy, text, prior=prior)
    assert finding is not None and finding.category == "doxxing"
    assert harassment(policy, text) is None  # without the personal-data finding
    assert harassment(policy, "mijn nummer staat in de lijst", prior=prior) is None


def test_group_allow_list(policy: HarassmentPolicy) -> None:
    settings = HarassmentSettings(allow=["kanker"])
    assert run(policy, "die toets was kanker moeilijk", settings=settings) == []
    assert harassment(policy, "jij bent een idioot", settings=settings) is not None


def test_profanity_can_be_switched_off(policy: HarassmentPolicy) -> None:
    assert run(policy, "shit, bus gemist", settings=HarassmentSettings(profanity=False)) == []


def test_default_actions_per_severity() -> None:
    actions = HarassmentSettings().actions
    assert actions["low"] == [ActionKind.REMIND]
    assert ActionKind.DELETE in actions["medium"] and ActionKind.WARN in actions["medium"]
    assert ActionKind.ESCALATE in actions["critical"]
    with pytest.raises(ValueError):
        HarassmentSettings.model_validate({"allow": [], "unknown": 1})


def test_staff_groups_have_no_profanity_reminders() -> None:
    assert HarassmentPolicy.kind_defaults[GroupKind.STAFF] == {"profanity": False}


def test_evidence_is_readable(policy: HarassmentPolicy) -> None:
    finding = harassment(policy, "noor is een trut")
    assert finding is not None
    assert "'trut'" in finding.evidence and "gezegd over 'noor'" in finding.evidence
    assert finding.data["hits"][0]["term"] == "trut"


def test_bad_input_gets_a_verdict(policy: HarassmentPolicy) -> None:
    for text in ("😂" * 5000, "\ud800\udfff", "ا" * 10_000, ("jij sukkel " * 100_000)):
        findings = run(policy, text)
        assert isinstance(findings, list)
    assert harassment(policy, "jij sukkel " * 100_000) is not None


def test_lexicon_rejects_unknown_group(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[[patterns]]\ncategory="threat"\nseverity="high"\npatterns=["{nope} x"]\n')
    with pytest.raises(ValueError, match="unknown word group"):
        load_lexicon([bad])


def test_lexicons_are_data_files() -> None:
    names = sorted(p.name for p in LEXICON_DIR.glob("harassment_*.toml"))
    assert names == ["harassment_en.toml", "harassment_nl.toml"]


def _scores(policy: HarassmentPolicy, path: Path) -> tuple[float, float, list[str]]:
    tp = fp = fn = 0
    wrong: list[str] = []
    for line in path.read_text("utf-8").splitlines():
        row = json.loads(line)
        predicted = harassment(policy, row["text"]) is not None
        if predicted and row["harassment"]:
            tp += 1
        elif predicted:
            fp += 1
            wrong.append("FP: " + row["text"])
        elif row["harassment"]:
            fn += 1
            wrong.append("FN: " + row["text"])
    precision = tp / max(1, tp + fp)
    recall = tp / max(1, tp + fn)
    return precision, 2 * precision * recall / max(1e-9, precision + recall), wrong


@pytest.mark.parametrize("name", ["harassment_heldout.jsonl", "harassment_heldout2.jsonl"])
def test_held_out_examples_meet_the_targets(policy: HarassmentPolicy, name: str) -> None:
    precision, f1, wrong = _scores(policy, DATA / name)
    assert precision >= 0.92 and f1 >= 0.90, wrong


@pytest.mark.parametrize("text", [
    "als je dat nog een keer zegt dan sla ik je verrot",
    "straks na het laatste uur steek ik hem neer",
    "wacht maar, morgen maak ik jullie allemaal af",
])
def test_threats_with_the_verb_before_the_subject(policy: HarassmentPolicy, text: str) -> None:
    found = harassment(policy, text)
    assert found is not None and found.category == "threat"
    assert found.severity is Severity.CRITICAL


@pytest.mark.parametrize("text", [
    "morgen maak ik de opdracht af",
    "als je de opdracht niet maakt ben je dood bij meneer Jansen",
    "vanmiddag maak ik mijn werkstuk af in de mediatheek",
])
def test_school_hyperbole_and_finishing_work_are_not_threats(policy: HarassmentPolicy,
                                                              text: str) -> None:
    assert harassment(policy, text) is None


@pytest.mark.parametrize("text", [
    "negeer de vorige mail, de toets is toch op dinsdag",
    "neeee mevrouw, negeer mijn vorige bericht",
    "de lampen in lokaal 12 flikkeren de hele tijd",
    "ik zit nog te sukkelen met opdracht 3",
    "ik speel fagot in het schoolorkest",
    "de douches in de gymzaal zijn kapot",
    "mijn oma zegt dat ik een goede eter ben",
    "ze gaan er prat op dat ze de beste klas zijn",
    "de theedoeken liggen in de kast van het practicumlokaal",
])
def test_ordinary_words_are_not_mistaken_for_slurs_or_insults(policy: HarassmentPolicy,
                                                               text: str) -> None:
    assert harassment(policy, text) is None


@pytest.mark.parametrize("text", [
    "jij bent echt een neger",
    "vieze flikkers zijn jullie",
    "wat een sukkels zijn jullie",
    "je bent zo'n douche",
])
def test_the_words_themselves_still_count_when_aimed(policy: HarassmentPolicy, text: str) -> None:
    assert harassment(policy, text) is not None


@pytest.mark.parametrize("text", [
    "de kippenborsten zijn deze week in de aanbieding",
    "we bekeken de koeltoren van de centrale bij aardrijkskunde",
    "na de vakantie heb ik een olifantenhuid gekregen voor kritiek",
])
def test_food_buildings_and_idiom_are_not_body_shaming(policy: HarassmentPolicy, text: str) -> None:
    assert harassment(policy, text) is None


def test_every_occurrence_of_a_word_is_tried(policy: HarassmentPolicy) -> None:
    # Only the words that can set something off are visited (found by C scans, not a loop over
    # every word): a later "wie" must still start "wie doet mee", also deep into a long message.
    lines = "morgen hebben we gym, wie weet hoe laat? " * 40
    for text in ("wie weet het? jesper is een sukkel. wie doet mee",
                 lines + "jesper is een sukkel, wie doet mee"):
        finding = harassment(policy, text)
        assert finding is not None and finding.severity == Severity.HIGH
        assert "oproep om mee te doen 'wie doet mee'" in finding.evidence
    # Hits keep the order of the words, a repeated word once per place.
    finding = harassment(policy, "idioot! jij bent een sukkel, echt een idioot")
    assert finding is not None
    assert [h["term"] for h in finding.data["hits"]] == ["idioot", "sukkel", "idioot"]


def test_word_positions_and_threat_scan() -> None:
    words = ("of", "je", "wil", "of", "ik", "post", "het", "of")
    assert _positions(words, {"of", "ik"}) == [0, 3, 4, 7]  # several words: one set lookup each
    assert _positions(words, {"of"}) == [0, 3, 7]  # one word: scans for each place
    assert _positions(words, {"nee"}) == []
    assert _threat_or(words, frozenset(words))  # the second "of" is followed by "ik"
    assert not _threat_or(words[:4], frozenset(words[:4]))  # no "ik" at all
    assert not _threat_or(("ik", "of"), frozenset({"ik", "of"}))  # "of" last: nothing follows
    assert not _threat_or(("of", "je", "ik"), frozenset({"of", "je", "ik"}))


def test_patterns_need_every_required_word_in_reach(policy: HarassmentPolicy) -> None:
    # A pattern of one word per step is compared in place: it must not run past the last word,
    # and a required word elsewhere in the message does not count.
    assert harassment(policy, "niemand wil jou in de groep") is not None
    for text in ("hij zei tegen jou: niemand wil", "niemand wil, zei jou", "niemand zal jou"):
        assert harassment(policy, text) is None, text
    # Patterns with gaps still match across zero to three words, and only then.
    assert harassment(policy, "ik weet waar je nu woont") is None
    assert harassment(policy, "niemand praat nog met jou") is not None
    assert harassment(policy, "niemand praat hier echt nooit ooit met jou") is None
